"""Erasure through the `eraseCustomer` mutation: afterwards no table, no cached view in
Redis and no export holds the person's phone, name or ID number."""

from __future__ import annotations

import asyncio
import re

import pytest
import redis
from typer.testing import CliRunner

from cdhub.cli import app
from cdhub.settings import load_settings
from cdhub.state import HubState
from tests.security.graph import Caller, codes, prepare, serving
from tests.services.helpers import dump

NAME = "林嘉欣"
PHONE = re.compile(r"139[ -]?1234[ -]?5678")
RESIDENT_ID = "11010519491231002X"
READ = "query($id: ID!) { customer(id: $id) { goldenId name primaryPhone identifiers { value } } }"


def _traces(text: str) -> list[str]:
    found = [s for s in (NAME, RESIDENT_ID) if s in text]
    return found + [m.group() for m in PHONE.finditer(text)]


def _tables(settings_url: str, redis_url: str) -> str:
    async def run() -> str:
        hub = HubState.open(load_settings(database_url=settings_url, redis_url=redis_url))
        try:
            tables = await dump(hub)
        finally:
            await hub.close()
        return "\n".join(f"{name}: {row}" for name, rows in tables.items() for row in rows)

    return asyncio.run(run())


def _cache(redis_url: str) -> str:
    client = redis.Redis.from_url(redis_url)
    try:
        values = [client.get(key) for key in client.scan_iter("*") if client.type(key) == b"string"]
    finally:
        client.close()
    return "\n".join(v.decode("utf-8", "replace") for v in values if v is not None)


def _exports(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CDHUB_DATABASE_URL", database_url)
    monkeypatch.delenv("CDHUB_REDIS_URL", raising=False)
    out = []
    for dataset in ("customers", "xref", "orders"):
        result = CliRunner().invoke(app, ["export", dataset])
        assert result.exit_code == 0, result.output
        out.append(result.stdout)
    return "\n".join(out)


def test_erase_customer_leaves_no_trace_in_tables_cache_or_exports(
    database_url: str, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(database_url=database_url, redis_url=redis_url, cache_ttl_s=300)
    hub = prepare(settings)
    lin = hub.seed.lin
    with serving(hub) as client:
        admin = Caller(client, hub.keys["admin"])
        before = admin.post(READ, {"id": str(lin)})
        assert before["data"]["customer"]["name"] == NAME
        assert NAME in _cache(redis_url)  # the view is cached, so erasure must drop it
        assert NAME in _exports(database_url, monkeypatch)

        erased = admin.post(
            """mutation($id: ID!) { eraseCustomer(input: {idempotencyKey: "erase-1",
               customerId: $id}) { customerId erasedIds counts { table rows } } }""",
            {"id": str(hub.seed.absorbed)},  # an absorbed id erases its survivor's family
        )
        assert "errors" not in erased, erased
        payload = erased["data"]["eraseCustomer"]
        assert payload["customerId"] == lin
        assert set(payload["erasedIds"]) >= {lin, hub.seed.absorbed}

        after = admin.post(READ, {"id": str(lin)})
        assert codes(after) == ["NOT_FOUND"]
        audit = admin.post('{ auditLog(operation: "Mutation.eraseCustomer") { customerIds } }')
        assert audit["data"]["auditLog"], audit

    assert _traces(_tables(database_url, redis_url)) == []
    assert _traces(_cache(redis_url)) == []
    exports = _exports(database_url, monkeypatch)
    assert _traces(exports) == []
    assert "陈志强" in exports  # others stay
