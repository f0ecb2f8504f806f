from __future__ import annotations

from sqlalchemy import literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.settings import load_settings
from cdhub.state import HubState
from cdhub.storage.queries.keyset import READ_CONNECTION, read_rows
from resolvers.session import RequestSession


async def _in_transaction(session: AsyncSession) -> bool:
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return bool(raw.driver_connection.is_in_transaction())  # asyncpg


async def test_reads_on_postgresql_skip_begin_and_rollback(postgres_url: str) -> None:
    hub = HubState.open(load_settings(database_url=postgres_url, redis_url=None))
    try:
        await _reads_skip_the_transaction(hub)
    finally:
        await hub.close()


async def _reads_skip_the_transaction(hub: HubState) -> None:
    async with hub.sessions() as warm:  # the dialect learns the server's isolation level
        await warm.execute(text("SELECT 1"))
    reads = RequestSession(hub.sessions)

    async def count(session: AsyncSession) -> tuple[bool, int]:
        found = (await session.execute(text("SELECT count(*) FROM golden_customers"))).scalar()
        return await _in_transaction(session), int(found or 0)

    try:
        in_transaction, found = await reads.run(count)
    finally:
        await reads.close()
    assert found == 0
    assert not in_transaction
    # The pooled connection goes back as it came: the next unit of work has its transaction.
    async with hub.sessions() as session:
        await session.execute(text("SELECT 1"))
        assert await _in_transaction(session)


async def test_every_read_of_a_request_runs_on_the_connection_it_opened_with(
    database_url: str,
) -> None:
    hub = HubState.open(load_settings(database_url=database_url, redis_url=None))
    reads = RequestSession(hub.sessions)
    stmt = select(literal(1).label("one"))

    async def kept(session: AsyncSession) -> object:
        return session.info[READ_CONNECTION]

    try:
        first = await reads.run(lambda s: s.connection())
        rows = await reads.run(lambda s: read_rows(s, stmt))
        later = await reads.run(kept)
    finally:
        await reads.close()
        await hub.close()
    assert [tuple(r) for r in rows] == [(1,)]
    assert later is first
