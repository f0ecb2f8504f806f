"""Listening to change messages on several broker channels at once.

A subscriber of a customer listens on ``customer:<id>``; when that customer is
merged away it also starts listening on the survivor's channel, so it keeps
hearing about the customer it asked for. `Listener` merges the channels into
one stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any

from cdhub.cache import Broker
from cdhub.notify import decode

log = logging.getLogger("cdhub.subscriptions")


class Listener:
    """Messages from every channel `add`-ed, decoded, in arrival order.

    Use as ``async with Listener(broker) as listener: ... async for m in listener``;
    leaving the block stops every channel's subscription.
    """

    def __init__(self, broker: Broker) -> None:
        self._broker = broker
        self._queue: asyncio.Queue[dict[str, Any] | BaseException] = asyncio.Queue()
        self._pumps: dict[str, asyncio.Task[None]] = {}

    def add(self, channel: str) -> None:
        if channel not in self._pumps:
            self._pumps[channel] = asyncio.create_task(self._pump(channel))

    async def _pump(self, channel: str) -> None:
        stream = self._broker.subscribe(channel)
        try:
            async for raw in stream:
                try:
                    self._queue.put_nowait(decode(raw))
                except ValueError:
                    log.warning("ignoring a malformed message on %s", channel)
        except Exception as exc:  # a broken subscription ends the stream with its error
            self._queue.put_nowait(exc)
        finally:
            close = getattr(stream, "aclose", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    await close()

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self._messages()

    async def _messages(self) -> AsyncIterator[dict[str, Any]]:
        while True:
            item = await self._queue.get()
            if isinstance(item, BaseException):
                raise item
            yield item

    async def __aenter__(self) -> Listener:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        pumps = list(self._pumps.values())
        for pump in pumps:
            pump.cancel()
        await asyncio.gather(*pumps, return_exceptions=True)
        self._pumps.clear()
