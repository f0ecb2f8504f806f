from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cdhub.settings import load_settings
from cdhub.storage.engine import create_engine
from cdhub.storage.migrate import current_revision, schema_drift, upgrade


async def test_models_and_migrations_agree(database_url: str) -> None:
    engine = create_engine(load_settings(database_url=database_url))
    try:
        assert await schema_drift(engine) == []
    finally:
        await engine.dispose()


async def test_upgrade_twice_is_harmless(database_url: str) -> None:
    engine = create_engine(load_settings(database_url=database_url))
    try:
        before = await current_revision(engine)
        await upgrade(engine)
        assert await current_revision(engine) == before is not None
        assert await schema_drift(engine) == []
    finally:
        await engine.dispose()


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cdhub", *args], capture_output=True, text=True, env=env, check=False
    )


def test_cli_creates_a_missing_sqlite_file_and_reruns(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "new.db"
    path.parent.mkdir()
    env = {"CDHUB_DATABASE_URL": f"sqlite+aiosqlite:///{path}", "PATH": "/usr/bin:/bin"}
    first = _cli("db", "upgrade", env=env)
    assert first.returncode == 0, first.stderr
    assert path.exists()
    second = _cli("db", "upgrade", env=env)
    assert second.returncode == 0, second.stderr
    assert "revision" in second.stdout


def test_cli_upgrades_an_empty_postgres_database(postgres_template: str) -> None:
    import asyncio
    import uuid

    from tests.conftest import PG_URL, _admin, _with_database

    assert PG_URL is not None
    name = f"cdhub_empty_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        env = {"CDHUB_DATABASE_URL": _with_database(PG_URL, name), "PATH": "/usr/bin:/bin"}
        for _ in range(2):
            result = _cli("db", "upgrade", env=env)
            assert result.returncode == 0, result.stderr

        async def drift() -> list[object]:
            engine = create_engine(load_settings(database_url=_with_database(PG_URL or "", name)))
            try:
                return await schema_drift(engine)
            finally:
                await engine.dispose()

        assert asyncio.run(drift()) == []
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_invalid_setting_stops_the_cli_with_the_variable_name() -> None:
    result = _cli("db", "upgrade", env={"CDHUB_DATABASE_URL": "oracle://x", "PATH": "/usr/bin"})
    assert result.returncode == 2
    assert "CDHUB_DATABASE_URL" in result.stderr
