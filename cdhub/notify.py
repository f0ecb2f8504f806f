"""Telling the rest of the hub that customers or tickets changed.

Call these AFTER the unit of work that changed them has committed: they drop
the cached views (so the next read goes to the database) and then publish one
message per id on the hub's broker, which Redis carries to every hub process
(`customerChanged` and `ticketUpdated` subscriptions listen there). A message is
JSON: ``{"id": 42, "kind": "merged", "survivorId": 17, "at": "..."}``.

Besides dropping the view, a change gives each customer a new *generation*
(a unique token under ``generation:<id>``): cached answers that read the
customer (`resolvers.answers`) name the generation they were computed at and
are served only while it is still current, so an answer computed from data a
change had already made stale is never served, whichever finished first.

A lost message (the process died between commit and publish) leaves a cached
view stale for at most ``settings.cache_ttl_s``.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from cdhub.cache import Broker, Cache


class CustomerChange(StrEnum):
    """Why a customer changed; the ``kind`` of a ``customer:<id>`` message."""

    MERGED = "merged"  # absorbed into, or absorbed, another customer
    UNMERGED = "unmerged"  # a source record was split out of, or into, it
    ATTRIBUTES = "attributes"  # contact edit, pin, or another change of its golden view
    POINTS = "points"  # a loyalty ledger entry
    TICKETS = "tickets"  # one of its tickets was created or changed
    SOURCES = "sources"  # ingest: its source records or their facts changed
    ERASED = "erased"  # its personal data was erased (PIPL); only a tombstone is left


class TicketChange(StrEnum):
    """The ``kind`` of a ``ticket:<id>`` message."""

    CREATED = "created"
    CALL = "call"
    STATUS = "status"
    SATISFACTION = "satisfaction"


def customer_channel(golden_id: int) -> str:
    return f"customer:{golden_id}"


def ticket_channel(ticket_id: int) -> str:
    return f"ticket:{ticket_id}"


def customer_view_key(golden_id: int) -> str:
    """The cache key of a customer's assembled view (`resolvers.views.CustomerViews`)."""
    return f"customer:{golden_id}"


# Generations outlive every cached answer that names them (answers live at most half
# as long), so an expired generation can never make an old answer current again.
GENERATION_TTL_S = 2 * 24 * 3600


def customer_generation_key(golden_id: int) -> str:
    """Where a customer's generation token lives (absent: never changed since the flush)."""
    return f"generation:customer:{golden_id}"


def customer_answers_tag(golden_id: int) -> str:
    """The tag under which answers that read a customer are remembered (to drop them)."""
    return f"answers-of:customer:{golden_id}"


def generations(ids: Sequence[int], tokens: Sequence[bytes | None]) -> dict[int, str]:
    """Each customer's generation from the tokens read under `customer_generation_key`
    (in the same order); "" for a customer with none."""
    return {i: (t or b"").decode() for i, t in zip(ids, tokens, strict=True)}


def new_generation() -> bytes:
    """A token no earlier generation of any customer can have had."""
    return f"{time.time_ns()}-{secrets.token_hex(6)}".encode()


def _message(ident: int, kind: str, extra: dict[str, Any]) -> bytes:
    body = {"id": ident, "kind": str(kind), "at": datetime.now(UTC).isoformat(), **extra}
    return json.dumps(body, separators=(",", ":")).encode()


async def customers_changed(
    cache: Cache,
    broker: Broker,
    golden_ids: Iterable[int],
    kind: str,
    *,
    survivor_id: int | None = None,
) -> None:
    """Drop the cached views of ``golden_ids``, then publish ``kind`` for each.

    For a merge pass both ids and ``survivor_id``: subscribers of the absorbed
    id and of the survivor both hear of it and learn where the customer went.
    """
    ids = sorted(set(golden_ids))
    if not ids:
        return
    await cache.delete(*(customer_view_key(i) for i in ids))
    token = new_generation()
    await cache.set_many({customer_generation_key(i): token for i in ids}, GENERATION_TTL_S)
    # The new generation already makes them unservable; deleting them also frees the
    # memory and, after an erasure, leaves no personal data behind in Redis.
    await cache.delete_tagged([customer_answers_tag(i) for i in ids])
    extra = {} if survivor_id is None else {"survivorId": survivor_id}
    for ident in ids:
        await broker.publish(customer_channel(ident), _message(ident, kind, extra))


async def tickets_changed(
    broker: Broker, ticket_ids: Iterable[int], kind: str, *, status: str | None = None
) -> None:
    """Publish ``kind`` (and the ticket's status now) for each ticket."""
    extra = {} if status is None else {"status": status}
    for ident in sorted(set(ticket_ids)):
        await broker.publish(ticket_channel(ident), _message(ident, kind, extra))


def decode(message: bytes) -> dict[str, Any]:
    """A published message as a dict; raises ValueError when it is not one of ours."""
    body = json.loads(message)
    if not isinstance(body, dict) or not isinstance(body.get("id"), int) or "kind" not in body:
        raise ValueError("not a hub change message")
    return body
