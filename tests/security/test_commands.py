"""The `cdhub keys`, `partners`, `audit` and `erase` commands, run as a user would."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cdhub.cli import app

runner = CliRunner()


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CDHUB_DATABASE_URL", database_url)
    monkeypatch.delenv("CDHUB_REDIS_URL", raising=False)
    return runner


def _ok(cli: CliRunner, *args: str) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_keys_create_prints_the_key_alone_on_its_last_line(cli: CliRunner) -> None:
    out = _ok(cli, "keys", "create", "--role", "channel", "--name", "shop-app")
    key = out.strip().splitlines()[-1]
    assert key.startswith("cdhk_")
    assert " " not in key
    listed = _ok(cli, "keys", "list")
    assert "shop-app" in listed
    assert key not in listed
    key_id = listed.splitlines()[1].split("\t")[0]
    assert "revoked" in _ok(cli, "keys", "revoke", key_id)
    assert "shop-app" not in _ok(cli, "keys", "list")
    assert "shop-app" in _ok(cli, "keys", "list", "--all")
    assert cli.invoke(app, ["keys", "revoke", key_id]).exit_code == 1


def test_a_partner_key_needs_a_known_partner(cli: CliRunner) -> None:
    refused = cli.invoke(app, ["keys", "create", "--role", "partner", "--partner", "D001"])
    assert refused.exit_code == 2
    _ok(cli, "partners", "create", "D001", "华东经销", "--kind", "dealer")
    out = _ok(cli, "keys", "create", "--role", "partner", "--partner", "D001", "--pii")
    assert out.strip().splitlines()[-1].startswith("cdhk_")
    assert "\tpii\t" in _ok(cli, "keys", "list")


def test_partner_commands_assign_end_and_keep_history(
    cli: CliRunner, tmp_path: object, database_url: str
) -> None:
    import asyncio

    from cdhub.settings import load_settings
    from cdhub.state import HubState
    from tests.security.conftest import add_golden

    async def seed() -> list[int]:
        hub = HubState.open(load_settings(database_url=database_url))
        try:
            async with hub.sessions() as session, session.begin():
                return [await add_golden(session) for _ in range(3)]
        finally:
            await hub.close()

    a, b, c = asyncio.run(seed())
    _ok(cli, "partners", "create", "D001", "华东经销")
    assert "assigned 2" in _ok(
        cli, "partners", "assign", "D001", "--customer", str(a), "--customer", str(b)
    )
    csv_file = tmp_path / "assign.csv"  # type: ignore[operator]
    csv_file.write_text(f"partner,customer_id\nD001,{c}\nD001,{a}\nXX,{a}\n", encoding="utf-8")
    out = _ok(cli, "partners", "assign", "--file", str(csv_file))
    assert "assigned 1, already assigned 1, rejected 1" in out
    assert "D001\tdealer\t3\t" in _ok(cli, "partners", "list")
    assert "ended 1" in _ok(cli, "partners", "end", "D001", "--customer", str(a))
    history = _ok(cli, "partners", "history", "--customer", str(a)).splitlines()
    assert len(history) == 2  # header and the ended assignment
    assert cli.invoke(app, ["partners", "assign", "D001"]).exit_code == 2
    audit = _ok(cli, "audit", "--operation", "cli:partners.*")
    assert "cli:partners.assign" in audit
    assert "cli:partners.end" in audit
    assert "cli:keys" not in audit
    assert _ok(cli, "audit", "--since", "1h").count("\n") > 3


def test_erase_asks_for_confirmation_and_refuses_unknown_ids(cli: CliRunner) -> None:
    assert cli.invoke(app, ["erase", "1"]).exit_code == 2
    assert cli.invoke(app, ["erase", "424242", "--yes"]).exit_code == 1
