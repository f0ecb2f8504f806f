"""Engine and session factory; one per app or CLI run, never module globals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from cdhub.settings import Settings


class StatementCounter:
    """Counts SQL statements an engine executes (for /metrics and N+1 tests)."""

    def __init__(self) -> None:
        self.total = 0

    def __call__(self, *_: Any) -> None:
        self.total += 1


def create_engine(settings: Settings, *, counter: StatementCounter | None = None) -> AsyncEngine:
    """Create the async engine for ``settings.database_url``.

    SQLite gets WAL, a busy timeout and foreign keys; PostgreSQL a pre-pinged
    pool (so a restarted server is survived without restarting the hub) and a
    statement timeout.
    """
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if settings.is_sqlite:
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
    if counter is not None:
        event.listen(engine.sync_engine, "before_cursor_execute", counter)
    return engine


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
