"""`cdhub db prune`: old mutation idempotency keys go, recent ones and webhook receipts stay."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cdhub.cli import app
from cdhub.settings import load_settings
from cdhub.storage.engine import create_engine, create_sessionmaker
from cdhub.storage.migrate import upgrade
from cdhub.storage.models import IdempotencyKey
from cdhub.storage.repo import idempotency, receipts

NOW = datetime.now(UTC)


async def _seed(url: str) -> None:
    engine = create_engine(load_settings(database_url=url))
    try:
        await upgrade(engine)
        async with create_sessionmaker(engine)() as session, session.begin():
            for key, operation, age_days in (
                ("old-mutation", "earnPoints", 40),
                ("recent-mutation", "earnPoints", 2),
                ("old-receipt", receipts.OPERATION, 40),  # the worker prunes these itself
            ):
                await idempotency.claim(session, key, operation, "h", NOW - timedelta(age_days))
    finally:
        await engine.dispose()


async def _keys(url: str) -> set[str]:
    engine = create_engine(load_settings(database_url=url))
    try:
        async with create_sessionmaker(engine)() as session:
            return set((await session.execute(select(IdempotencyKey.key))).scalars())
    finally:
        await engine.dispose()


def test_prune_drops_old_mutation_keys_only(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(_seed(database_url))
    monkeypatch.setenv("CDHUB_DATABASE_URL", database_url)
    monkeypatch.setenv("CDHUB_IDEMPOTENCY_KEYS_KEPT_DAYS", "30")
    result = CliRunner().invoke(app, ["db", "prune"])
    assert result.exit_code == 0, result.output
    assert "pruned 1 idempotency keys" in result.output
    assert asyncio.run(_keys(database_url)) == {"recent-mutation", "old-receipt"}
