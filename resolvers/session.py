"""One database session per GraphQL request, shared by its DataLoaders in turn."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cdhub.storage.queries.keyset import READ_CONNECTION

T = TypeVar("T")


class RequestSession:
    """Opens a session on first use and runs repository calls through it one at a time.

    DataLoaders dispatch their batches concurrently; an AsyncSession allows one
    statement at a time, so calls queue on a lock. One session (one pooled
    connection) per request also keeps a request from draining the pool.
    The schema's request extension closes it when the operation ends.

    On PostgreSQL at READ COMMITTED (its default) the session reads without a
    transaction: there every statement sees its own snapshot, in a transaction
    or not, so BEGIN and ROLLBACK would be two round trips that change no answer.
    SQLite is left as it was.

    The session's connection is opened once and left in ``session.info`` for
    `cdhub.storage.queries.keyset.read_rows`: asking the session for it again
    on every statement costs a greenlet switch and the session's bookkeeping,
    and a read session never commits, so its connection does not change.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None
        self._lock = asyncio.Lock()
        bind = sessions.kw.get("bind")
        dialect = getattr(bind, "dialect", None)
        self._autocommit = (
            getattr(dialect, "name", None) == "postgresql"
            and getattr(dialect, "default_isolation_level", None) == "READ COMMITTED"
        )

    async def run(self, call: Callable[[AsyncSession], Awaitable[T]]) -> T:
        async with self._lock:
            if self._session is None:
                self._session = await self._open()
            return await call(self._session)

    async def _open(self) -> AsyncSession:
        session = self._sessions()
        options = {"isolation_level": "AUTOCOMMIT"} if self._autocommit else None
        session.info[READ_CONNECTION] = await session.connection(execution_options=options)
        return session

    async def close(self) -> None:
        async with self._lock:
            session, self._session = self._session, None
        if session is not None:
            await session.close()
