from __future__ import annotations

from sqlalchemy import inspect

from cdhub.settings import load_settings
from cdhub.storage.engine import create_engine
from cdhub.storage.migrate import current_revision, schema_drift, upgrade

TABLES = {"api_keys", "partners", "partner_assignments", "audit_log", "erased_source_keys"}


async def _tables(engine: object) -> set[str]:
    async with engine.connect() as connection:  # type: ignore[attr-defined]
        names = await connection.run_sync(lambda c: inspect(c).get_table_names())
    return set(names)


async def test_revision_0002_downgrades_and_upgrades_cleanly(database_url: str) -> None:
    from alembic import command

    from cdhub.storage.migrate import alembic_config

    engine = create_engine(load_settings(database_url=database_url))
    try:
        assert await current_revision(engine) is not None
        assert TABLES <= await _tables(engine)
        async with engine.begin() as connection:
            await connection.run_sync(
                lambda c: command.downgrade(alembic_config(str(engine.url), c), "0001")
            )
        assert not TABLES & await _tables(engine)
        await upgrade(engine)
        assert TABLES <= await _tables(engine)
        assert await schema_drift(engine) == []
    finally:
        await engine.dispose()
