"""Engine and session factory; one per app or CLI run, never module globals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from cdhub.settings import Settings


class StatementCounter:
    """Counts SQL statements an engine executes (for /metrics and N+1 tests)."""

    def __init__(self) -> None:
        self.total = 0

    def __call__(self, *_: Any) -> None:
        self.total += 1


def create_engine(settings: Settings, *, counter: StatementCounter | None = None) -> AsyncEngine:
    """Create the async engine for ``settings.database_url``.

    SQLite gets WAL, a busy timeout and foreign keys; PostgreSQL a statement
    timeout and a pool that survives a restarted server without restarting the
    hub: a pooled connection the server has closed is replaced when it is taken
    out of the pool (`_replace_closed`), and one that fails in use is discarded
    with every connection older than it (SQLAlchemy's handling of a disconnect).
    """
    kwargs: dict[str, Any] = {}
    if settings.is_sqlite:
        kwargs["pool_pre_ping"] = True
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs.update(
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_pool_size,
            pool_timeout=10,
            connect_args={
                "timeout": 5,
                "command_timeout": max(settings.db_statement_timeout_ms / 1000, 1) + 5,
                "server_settings": {
                    "statement_timeout": str(settings.db_statement_timeout_ms),
                    "application_name": "cdhub",
                },
            },
        )
    engine = create_async_engine(settings.database_url, **kwargs)
    if settings.is_sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    else:
        event.listen(engine.sync_engine.pool, "checkout", _replace_closed)
    if counter is not None:
        event.listen(engine.sync_engine, "before_cursor_execute", counter)
    return engine


def _replace_closed(
    _dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
) -> None:
    """Replace a pooled asyncpg connection the server has closed (a restart, an idle
    timeout, a terminated backend) before it is used: the pool retries the checkout with
    a new connection. asyncpg knows this without a round trip, where ``pool_pre_ping``
    costs three on every checkout (BEGIN, an empty statement, ROLLBACK)."""
    if record.driver_connection is not None and record.driver_connection.is_closed():
        raise DisconnectionError("the server closed this pooled connection")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def unit_of_work(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One transaction: commit on success, roll back on any error."""
    async with sessions() as session, session.begin():
        yield session
