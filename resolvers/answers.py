"""Whole answers to customer reads, cached in Redis and checked against each customer's
generation, so a channel app's customer 360 skips GraphQL execution and the database.

Cacheable: a query over HTTP whose root selections are all ``customer(id:)`` from
an unscoped principal. The key is a hash of the query text, operation name,
variables and what decides the answer's shape for the caller (role, grants,
masking). Before executing, one round trip reads the entry and the current
generation of every customer asked for (`cdhub.notify`: every change gives the
customer a new one). The entry is served only when it names exactly those
generations; otherwise the operation runs and, when it answered without errors
and read no customer other than those asked for (an absorbed id answered by its
survivor always goes to the database), is stored with the generations read
*before* it ran: a change committed meanwhile leaves the entry unservable
rather than stale.

A hit replays what the answer read (customers, personal data) into the
operation's `ReadLog`, so the audit row is the one a computed answer would
have written. Without Redis nothing is cached: another process (a CLI ingest)
could not tell this one that an answer went stale.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from cachetools import LRUCache
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    VariableNode,
)
from starlette.requests import Request
from strawberry.extensions import SchemaExtension

from cdhub.cache import Cache
from cdhub.notify import (
    GENERATION_TTL_S,
    customer_answers_tag,
    customer_generation_key,
    generations,
)
from cdhub.security import masking
from cdhub.security.audit import ReadLog
from cdhub.security.principal import principal_of
from resolvers.errors import HubError
from resolvers.pagination import id_of

log = logging.getLogger("cdhub.answers")

PLAN_CACHE_SIZE = 256  # documents whose shape was looked at; bounded, clients choose them

# A root field's customer id: a variable's name, or the literal itself.
IdSource = tuple[str, str]  # ("variable", name) | ("literal", value)


def answer_key(digest: str) -> str:
    return f"answer:{digest}"


@dataclass(frozen=True, slots=True)
class Entry:
    generations: dict[str, str]
    customers: list[int]
    personal: bool
    data: dict[str, Any]

    def encode(self) -> bytes:
        body = {"g": self.generations, "c": self.customers, "p": self.personal, "d": self.data}
        return orjson.dumps(body)

    @classmethod
    def decode(cls, raw: bytes) -> Entry | None:
        try:
            body = orjson.loads(raw)
            return cls(body["g"], [int(c) for c in body["c"]], bool(body["p"]), body["d"])
        except (ValueError, TypeError, KeyError):  # an entry of an older shape
            return None


def _id_sources(document: DocumentNode, operation_name: str | None) -> list[IdSource] | None:
    """Where each root ``customer(id:)`` field takes its id from; None unless the operation
    is a query made of such fields only (no fragments at the root)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        return None
    sources: list[IdSource] = []
    for selection in operations[0].selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.name.value != "customer":
            return None
        argument = next((a for a in selection.arguments or () if a.name.value == "id"), None)
        if argument is None:
            return None
        value = argument.value
        if isinstance(value, VariableNode):
            sources.append(("variable", value.name.value))
        elif isinstance(value, StringValueNode | IntValueNode):
            sources.append(("literal", value.value))
        else:
            return None
    return sources or None


# `_id_sources` per (query text, operation name); None (not cacheable) is kept too.
Plans = LRUCache[tuple[str, str | None], list[IdSource] | None]


def _plan_of(
    plans: Plans, query: str, operation_name: str | None, document: DocumentNode
) -> list[IdSource] | None:
    key = (query, operation_name)
    if key not in plans:
        plans[key] = _id_sources(document, operation_name)
    return plans[key]


def _customer_ids(sources: list[IdSource], variables: Mapping[str, Any]) -> list[int] | None:
    found: list[int] = []
    for kind, value in sources:
        raw = variables.get(value) if kind == "variable" else value
        if not isinstance(raw, str | int):
            return None
        try:
            found.append(id_of(str(raw), "Customer"))
        except (HubError, ValueError):
            return None  # the operation answers NOT_FOUND itself
    return found


def _generations(ids: list[int], tokens: list[bytes | None]) -> dict[str, str]:
    """`generations` keyed as an entry's JSON keys them."""
    return {str(i): token for i, token in generations(ids, tokens).items()}


class CachedAnswers(SchemaExtension):
    """Answers cacheable customer reads from, and stores them in, the Redis cache."""

    def __init__(self, plans: Plans) -> None:
        self._plans = plans

    async def on_execute(self) -> AsyncIterator[None]:
        plan = self._plan()
        if plan is None:
            yield
            return
        cache, digest, ids, reads, ttl_s, metrics = plan
        generation_keys = [customer_generation_key(i) for i in ids]
        raw, *tokens = await cache.get_many([answer_key(digest), *generation_keys])
        current = _generations(ids, tokens)
        entry = Entry.decode(raw) if raw is not None else None
        if entry is not None and entry.generations == current:
            self.execution_context.result = ExecutionResult(data=entry.data, errors=None)
            reads.customers.update(entry.customers)
            reads.personal = reads.personal or entry.personal
            metrics.labels("hit").inc()
            yield
            return
        yield
        result = self.execution_context.result
        if (
            not isinstance(result, ExecutionResult)
            or result.errors
            or not isinstance(result.data, dict)
            or not reads.customers <= set(ids)
        ):
            metrics.labels("uncacheable").inc()
            return
        fresh = Entry(current, sorted(reads.customers), reads.personal, result.data)
        key = answer_key(digest)
        await cache.set_many({key: fresh.encode()}, ttl_s)
        await cache.tag([customer_answers_tag(i) for i in ids], key, ttl_s)
        # A change announced while this answer was computed may have dropped the
        # customer's answers before this one was stored: it would never be served, but
        # after an erasure it must not even stay in Redis.
        if _generations(ids, await cache.get_many(generation_keys)) != current:
            await cache.delete(key)
        metrics.labels("miss").inc()

    def _plan(self) -> tuple[Cache, str, list[int], ReadLog, int, Any] | None:
        """What a cacheable operation needs; None for every other one."""
        context = self.execution_context
        request_context = context.context
        hub = getattr(request_context, "hub", None)
        reads = getattr(request_context, "reads", None)
        if (
            context.result is not None  # refused before it ran
            or hub is None
            or hub.redis is None
            or hub.settings.cache_ttl_s <= 0
            or not isinstance(reads, ReadLog)
            # One operation per HTTP request: a websocket's context serves several at once.
            or not isinstance(getattr(request_context, "request", None), Request)
            or getattr(request_context, "scope", None) is not None
            or context.graphql_document is None
            or context.query is None
        ):
            return None
        sources = _plan_of(
            self._plans, context.query, context.operation_name, context.graphql_document
        )
        variables = context.variables or {}
        ids = None if sources is None else _customer_ids(sources, variables)
        principal = principal_of(request_context)
        if ids is None or principal is None:
            return None
        shape = [
            context.query,
            context.operation_name,
            variables,
            principal.role.value,
            sorted(principal.grants),
            masking.masks_personal_data(principal),
        ]
        digest = hashlib.sha256(
            orjson.dumps(shape, option=orjson.OPT_SORT_KEYS, default=str)
        ).hexdigest()
        ttl_s = min(hub.settings.cache_ttl_s, GENERATION_TTL_S // 2)
        return hub.cache, digest, ids, reads, ttl_s, hub.metrics.answers


def cached_answers() -> Callable[[], SchemaExtension]:
    """A `CachedAnswers` factory whose extensions share one schema's document plans."""
    plans: Plans = LRUCache(PLAN_CACHE_SIZE)
    return lambda: CachedAnswers(plans)
