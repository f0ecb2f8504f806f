"""Per-operation plumbing: latency metric, error codes, closing the request's session."""

from __future__ import annotations

import re
import time
import weakref
from collections.abc import AsyncIterator, Callable, Hashable, Iterable, Iterator

from cachetools import LRUCache
from graphql import GraphQLError, validate
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from cdhub.metrics import HubMetrics
from resolvers.context import HubContext
from resolvers.errors import HubError

_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
_MAX_OPERATION_LABELS = 200
# Operation names come from clients: bound the label set so nobody can grow it forever.
_seen: weakref.WeakKeyDictionary[HubMetrics, set[str]] = weakref.WeakKeyDictionary()


def operation_label(metrics: HubMetrics, name: str | None) -> str:
    """The histogram label for an operation: its name, "anonymous", or "other"."""
    if not name:
        return "anonymous"
    if not _NAME.fullmatch(name):
        return "other"
    seen = _seen.setdefault(metrics, set())
    if name not in seen and len(seen) >= _MAX_OPERATION_LABELS:
        return "other"
    seen.add(name)
    return name


def _code(error: GraphQLError) -> str:
    original = error.original_error
    if isinstance(original, HubError):
        return original.code
    if error.path:
        return "INTERNAL_SERVER_ERROR"  # raised while resolving a field: our fault
    if error.message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    # Before execution: unknown enum values, wrong argument types, invalid variables.
    return "BAD_USER_INPUT"


def tag_errors(errors: Iterable[GraphQLError]) -> None:
    """Give every error an ``extensions.code``; typed errors already carry theirs."""
    for error in errors:
        if "code" not in (error.extensions or {}):
            error.extensions = {**(error.extensions or {}), "code": _code(error)}


def _is_subscription(execution: ExecutionContext) -> bool:
    try:
        return execution.operation_type is OperationType.SUBSCRIPTION
    except RuntimeError:  # no document or no such operation: not one either
        return False


class RequestLifecycle(SchemaExtension):
    """Times each operation into ``cdhub_graphql_operation_duration_seconds``, codes its
    errors and closes the request's database session when it ends."""

    async def on_operation(self) -> AsyncIterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            execution = self.execution_context
            context = execution.context
            errors: dict[int, GraphQLError] = {}
            for error in execution.pre_execution_errors or ():
                errors[id(error)] = error
            if execution.result is not None:
                for error in execution.result.errors or ():
                    errors[id(error)] = error
            tag_errors(errors.values())
            if isinstance(context, HubContext):
                await context.db.close()
                if not _is_subscription(execution):  # a subscription's life is no latency
                    metrics = context.hub.metrics
                    try:
                        name = execution.operation_name
                    except RuntimeError:
                        name = None
                    label = operation_label(metrics, name)
                    metrics.operations.labels(label).observe(time.perf_counter() - started)


class QueryTextValidationCache(SchemaExtension):
    """Validation results per query text (and validation rules), LRU-bounded.

    Strawberry's `ValidationCache` keys on the parsed document, and hashing a
    document walks every node of it on every request: for a customer-360
    query that costs more than answering it from the answer cache. The same
    text always parses to the same document (`ParserCache`), so the text is
    the cheaper key for the same answer.
    """

    def __init__(self, store: LRUCache[Hashable, list[GraphQLError]]) -> None:
        self._store = store

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if context.query is None or document is None:
            yield
            return
        key = (context.query, tuple(context.validation_rules))
        errors = self._store.get(key)
        if errors is None:
            rules = context.validation_rules
            errors = self._store[key] = validate(context.schema._schema, document, rules)
        context.pre_execution_errors = errors
        yield


def validation_cache(maxsize: int) -> Callable[[], SchemaExtension]:
    """A `QueryTextValidationCache` factory sharing one store across requests."""
    store: LRUCache[Hashable, list[GraphQLError]] = LRUCache(maxsize)
    return lambda: QueryTextValidationCache(store)
