"""One mutation, one unit of work: idempotency key, the change, commit, then notices.

Every mutation runs through `run_mutation`:

1. its idempotency key is claimed in a fresh transaction (`idempotency.claim`);
   a key seen before answers with the response stored then when the request
   is the same (operation and input hash), and is CONFLICT otherwise;
2. the work runs in that transaction (services only flush) and its response
   is stored under the key;
3. after commit, cached views are dropped and changes published
   (`cdhub.notify`), and the request's read side is renewed so the payload
   is read fresh.

A failed mutation stores nothing, so the same key may be tried again. A unit
of work that loses a deadlock or a unique race is run again (up to
``ATTEMPTS`` times) before the client hears of it.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub import notify
from cdhub.services.file_ingest import retryable
from cdhub.services.hub_writes import WriteError
from cdhub.services.stewardship import Steward, StewardError
from cdhub.state import HubState
from cdhub.storage.repo import idempotency
from mdm.serialization import content_hash
from mdm.survivorship import SurvivorshipPolicy, load_policy
from resolvers.context import Info
from resolvers.errors import BadUserInput, Conflict, HubError, NotFound

MAX_KEY_LENGTH = 200
ATTEMPTS = 3

_ERRORS: dict[str, type[HubError]] = {
    "BAD_USER_INPUT": BadUserInput,
    "NOT_FOUND": NotFound,
    "CONFLICT": Conflict,
}


@dataclass(frozen=True, slots=True)
class CustomersChanged:
    ids: tuple[int, ...]
    kind: notify.CustomerChange
    survivor_id: int | None = None


@dataclass(frozen=True, slots=True)
class TicketsChanged:
    ids: tuple[int, ...]
    kind: notify.TicketChange
    status: str | None = None


@dataclass
class Outcome:
    """What a mutation's work returns: its JSON response and what to announce."""

    response: dict[str, Any]
    changes: list[CustomersChanged | TicketsChanged] = field(default_factory=list)


Work = Callable[[AsyncSession, datetime], Awaitable[Outcome]]


def client_error(error: StewardError) -> HubError:
    """The GraphQL error of a service error, with its code and detail."""
    kind = _ERRORS.get(error.code, Conflict)
    detail = error.detail if isinstance(error, WriteError) else {}
    return kind(str(error), **detail)


def _checked_key(key: str) -> str:
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise BadUserInput(
            f"idempotencyKey must be 1 to {MAX_KEY_LENGTH} characters",
            argument="idempotencyKey",
        )
    return key


@functools.lru_cache(maxsize=4)
def _policy(path: Path | None) -> SurvivorshipPolicy:
    return load_policy(path)


def steward_of(info: Info) -> Steward:
    """The caller as a steward, with the hub's survivorship policy (read once per file)."""
    return Steward(_policy(info.context.settings.survivorship_file), info.context.actor)


async def announce(hub: HubState, changes: list[CustomersChanged | TicketsChanged]) -> None:
    for change in changes:
        if isinstance(change, CustomersChanged):
            await notify.customers_changed(
                hub.cache, hub.broker, change.ids, change.kind, survivor_id=change.survivor_id
            )
        else:
            await notify.tickets_changed(hub.broker, change.ids, change.kind, status=change.status)


async def _attempt(
    hub: HubState, operation: str, key: str, request_hash: str, work: Work, now: datetime
) -> tuple[idempotency.StoredKey | None, Outcome | None]:
    async with hub.sessions() as session, session.begin():
        stored = await idempotency.claim(session, key, operation, request_hash, now)
        if stored is not None:
            return stored, None
        outcome = await work(session, now)
        await idempotency.answer(session, key, outcome.response)
        return None, outcome


async def run_mutation(
    info: Info, operation: str, key: str, request: dict[str, Any], work: Work
) -> dict[str, Any]:
    """Run ``work`` once per idempotency key; the response of its first run."""
    key = _checked_key(key)
    request_hash = content_hash({"operation": operation, "input": request})
    hub = info.context.hub
    now = datetime.now(UTC)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            stored, outcome = await _attempt(hub, operation, key, request_hash, work, now)
            break
        except StewardError as error:
            raise client_error(error) from None
        except DBAPIError as error:
            # Deadlocks, serialisation failures, unique races: the whole unit of work
            # (idempotency claim included) rolled back, so it can simply run again.
            if attempt < ATTEMPTS and retryable(error):
                continue
            if isinstance(error, IntegrityError):
                raise Conflict("the change collided with a concurrent one; try again") from None
            raise
    else:
        raise AssertionError("unreachable: the last attempt returns or raises")
    if outcome is None:
        assert stored is not None  # by _attempt
        if stored.operation != operation or stored.request_hash != request_hash:
            raise Conflict(
                "this idempotencyKey was used for a different request",
                idempotencyKey=key,
                operation=stored.operation,
            )
        await info.context.renew()
        return stored.response
    await announce(hub, outcome.changes)
    await info.context.renew()
    return outcome.response
