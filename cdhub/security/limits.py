"""What one GraphQL request may ask for: depth, aliases, tokens, cost, page sizes, time.

The cost of a query estimates how many objects it can return: each field
that selects sub-fields counts 1, and a field paged with ``first``/``last``
multiplies what it selects by the page size asked for (by the default page
size when none is given); ``nodes(ids)`` multiplies by the number of ids.
Some root fields carry a fixed extra weight (search, aggregates). Strawberry
has no cost limit of its own; `analyse` is a pure function over the parsed
document, the schema and the variables, so it can be tested alone.

`RequestLimits` is the SchemaExtension that enforces all of it (parse-time
token limit, depth/alias/cost/page checks before execution, introspection off
when asked, a deadline checked before each resolver). The deadline is checked
by the fields that have a resolver of their own, where a request spends its
time (the database, DataLoaders), not by the hundreds of plain attribute
fields in between. `limit_extensions`
returns the extensions to add to the schema for given settings.
"""

from __future__ import annotations

import json
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from cachetools import LRUCache
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    ValueNode,
    VariableNode,
    default_field_resolver,
    get_named_type,
    value_from_ast_untyped,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from cdhub.security.errors import (
    IntrospectionDisabled,
    PageTooLarge,
    QueryTooCostly,
    QueryTooDeep,
    QueryTooLarge,
    RequestTimeout,
    SecurityError,
    TooManyAliases,
    refuse,
)
from cdhub.settings import Settings

DEFAULT_WEIGHTS: Mapping[str, int] = MappingProxyType(
    {
        "Query.searchCustomers": 10,
        "Query.aggregate": 50,
        "Query.customerByIdentity": 2,
    }
)
PAGE_ARGUMENTS = ("first", "last")
LIST_ARGUMENTS = ("ids",)


@dataclass(frozen=True, slots=True)
class Limits:
    max_depth: int = 10
    max_aliases: int = 20
    max_tokens: int = 2_000
    max_cost: int = 5_000
    max_page_size: int = 100
    default_page_size: int = 20
    time_limit_s: float | None = 10.0
    introspection: bool = True
    weights: Mapping[str, int] = field(default_factory=lambda: DEFAULT_WEIGHTS)

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_depth=settings.max_query_depth,
            max_aliases=settings.max_aliases,
            max_tokens=settings.max_tokens,
            max_cost=settings.max_query_cost,
            max_page_size=settings.max_page_size,
            time_limit_s=settings.request_time_limit_s,
            introspection=not settings.is_prod,
        )


@dataclass(frozen=True, slots=True)
class Analysis:
    depth: int
    aliases: int
    cost: int
    largest_page: int


class _Walk:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        limits: Limits,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.limits = limits
        self.aliases = 0
        self.largest_page = 0
        # The variables the walk looked at; None once a value might have read any.
        self.read: set[str] | None = set()

    def value(self, node: ValueNode) -> Any:
        if isinstance(node, VariableNode):
            if self.read is not None:
                self.read.add(node.name.value)
            return self.variables.get(node.name.value)
        if isinstance(node, ListValueNode | ObjectValueNode):  # may hold variables
            self.read = None
        return value_from_ast_untyped(node, dict(self.variables))

    def multiplier(self, node: FieldNode, field_def: Any) -> int:
        if field_def is None:
            return 1
        arguments = {a.name.value: a.value for a in node.arguments or ()}
        if any(name in field_def.args for name in PAGE_ARGUMENTS):
            asked = [self.value(arguments[n]) for n in PAGE_ARGUMENTS if n in arguments]
            sizes = [int(v) for v in asked if isinstance(v, int) and not isinstance(v, bool)]
            size = max(sizes) if sizes else self.limits.default_page_size
            self.largest_page = max(self.largest_page, size)
            return max(size, 0)
        for name in LIST_ARGUMENTS:
            if name in field_def.args and name in arguments:
                given = arguments[name]
                items = self.value(given) if not isinstance(given, ListValueNode) else given.values
                size = len(items) if isinstance(items, list | tuple) else 1
                self.largest_page = max(self.largest_page, size)
                return size
        return 1

    def selections(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None, seen: frozenset[str]
    ) -> tuple[int, int]:
        """(cost, depth) of a selection set under ``parent``."""
        cost = 0
        depth = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if name.startswith("__"):
                    continue  # introspection and __typename: governed separately, free
                if selection.alias is not None:
                    self.aliases += 1
                fields = (
                    parent.fields
                    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType)
                    else {}
                )
                field_def = fields.get(name)
                child_cost, child_depth = 0, 0
                if selection.selection_set is not None:
                    child_type = get_named_type(field_def.type) if field_def else None
                    child_cost, child_depth = self.selections(
                        selection.selection_set, child_type, seen
                    )
                base = 1 if selection.selection_set is not None else 0
                weight = self.limits.weights.get(f"{getattr(parent, 'name', '')}.{name}", base)
                cost += weight + self.multiplier(selection, field_def) * child_cost
                depth = max(depth, 1 + child_depth)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                inner_cost, inner_depth = self.selections(selection.selection_set, target, seen)
                cost += inner_cost
                depth = max(depth, inner_depth)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue  # unknown or cyclic: validation reports it
                target = self.schema.get_type(fragment.type_condition.name.value)
                inner_cost, inner_depth = self.selections(
                    fragment.selection_set, target, seen | {name}
                )
                cost += inner_cost
                depth = max(depth, inner_depth)
        return cost, depth


def _operations(document: DocumentNode, name: str | None) -> list[OperationDefinitionNode]:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [op for op in operations if name is not None and op.name and op.name.value == name]
    return chosen or operations


def _variables(operation: OperationDefinitionNode, given: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(given)
    for definition in operation.variable_definitions or ():
        key = definition.variable.name.value
        if values.get(key) is None and definition.default_value is not None:
            values[key] = value_from_ast_untyped(definition.default_value)
    return values


def analyse(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    limits: Limits,
) -> Analysis:
    """Depth, alias count, cost and largest page of the operation (the costliest one
    when the name does not pick one)."""
    return _analyse(schema, document, operation_name, variables, limits)[0]


def _analyse(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    limits: Limits,
) -> tuple[Analysis, frozenset[str] | None]:
    """`analyse`, and the names of the variables it read (None: maybe any). Which ones
    it reads depends on the document alone, never on the values."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    worst = Analysis(0, 0, 0, 0)
    read: set[str] | None = set()
    for operation in _operations(document, operation_name):
        walk = _Walk(schema, fragments, _variables(operation, variables or {}), limits)
        root = schema.get_root_type(operation.operation)
        cost, depth = walk.selections(operation.selection_set, root, frozenset())
        found = Analysis(depth, walk.aliases, cost, walk.largest_page)
        worst = Analysis(
            max(worst.depth, found.depth),
            max(worst.aliases, found.aliases),
            max(worst.cost, found.cost),
            max(worst.largest_page, found.largest_page),
        )
        read = None if read is None or walk.read is None else read | walk.read
    return worst, None if read is None else frozenset(read)


def refusal(analysis: Analysis, limits: Limits) -> SecurityError | None:
    """The first limit ``analysis`` breaks, as the error to return; None when within."""
    if analysis.depth > limits.max_depth:
        return QueryTooDeep(
            f"the query is {analysis.depth} levels deep; at most {limits.max_depth} are allowed",
            depth=analysis.depth,
            limit=limits.max_depth,
        )
    if analysis.aliases > limits.max_aliases:
        return TooManyAliases(
            f"{analysis.aliases} aliases; at most {limits.max_aliases} are allowed",
            limit=limits.max_aliases,
        )
    if analysis.largest_page > limits.max_page_size:
        return PageTooLarge(
            f"a page of {analysis.largest_page}; at most {limits.max_page_size} at once",
            limit=limits.max_page_size,
        )
    if analysis.cost > limits.max_cost:
        return QueryTooCostly(
            f"the query could return about {analysis.cost} objects; at most {limits.max_cost} "
            "are allowed: ask for smaller pages or fewer nested lists",
            cost=analysis.cost,
            limit=limits.max_cost,
        )
    return None


class AnalysisCache:
    """`analyse` per (query text, operation name, the variables it reads), LRU-bounded:
    a channel app sends the same few documents all day, and walking one costs more
    than running it from the answer cache. Only the variables that page sizes and id
    lists take from count, so a customer 360 asked for many customers is walked once."""

    def __init__(self, size: int = 512) -> None:
        self._found: LRUCache[str, Analysis] = LRUCache(size)
        self._reads: LRUCache[tuple[str, str | None], frozenset[str] | None] = LRUCache(size)

    def analyse(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        query: str | None,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        limits: Limits,
    ) -> Analysis:
        if query is None:
            return analyse(schema, document, operation_name, variables, limits)
        given = variables or {}
        document_key = (query, operation_name)
        try:
            if document_key in self._reads:
                reads = self._reads[document_key]
                if reads is not None:
                    given = {name: given.get(name) for name in reads}
                key = json.dumps([query, operation_name, given], sort_keys=True)
                found = self._found.get(key)
                if found is not None:
                    return found
            found, reads = _analyse(schema, document, operation_name, variables, limits)
            self._reads[document_key] = reads
            if reads is not None:
                given = {name: (variables or {}).get(name) for name in reads}
            self._found[json.dumps([query, operation_name, given], sort_keys=True)] = found
        except (TypeError, ValueError):  # variables JSON did not give: not worth a key
            return analyse(schema, document, operation_name, variables, limits)
        return found


class NoIntrospection(ValidationRule):
    """Refuses ``__schema`` and ``__type`` (``__typename`` stays allowed)."""

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        if node.name.value in ("__schema", "__type"):
            self.report_error(IntrospectionDisabled("introspection is disabled on this hub"))


@dataclass(frozen=True, slots=True)
class _Deadline:
    at: float  # time.monotonic()
    limit_s: float


# The deadline of the operation being resolved (None: none, or outside one).
_DEADLINE: ContextVar[_Deadline | None] = ContextVar("cdhub_deadline", default=None)
_TIMED: weakref.WeakSet[GraphQLSchema] = weakref.WeakSet()
Resolver = Callable[..., Any]


def _timed(resolve: Resolver) -> Resolver:
    def timed(root: Any, info: Any, **kwargs: Any) -> Any:
        deadline = _DEADLINE.get()
        if deadline is not None and time.monotonic() > deadline.at:
            raise RequestTimeout(
                f"the request took longer than {deadline.limit_s:g} s and was stopped"
            )
        return resolve(root, info, **kwargs)

    return timed


def _plain(field: GraphQLField) -> bool:
    """A field answered from its parent's attribute, with no resolver of its own."""
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    return isinstance(definition, StrawberryField) and definition.base_resolver is None


def time_fields(schema: GraphQLSchema) -> None:
    """Make every field of ``schema`` with a resolver of its own check the operation's
    deadline before it runs (once per schema)."""
    if schema in _TIMED:
        return
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for graphql_field in graphql_type.fields.values():
            if not _plain(graphql_field):
                graphql_field.resolve = _timed(graphql_field.resolve or default_field_resolver)
    _TIMED.add(schema)


class RequestLimits(SchemaExtension):
    """Enforces `Limits` on every operation (queries, mutations and subscriptions)."""

    def __init__(self, limits: Limits, analyses: AnalysisCache | None = None) -> None:
        self.limits = limits
        self.analyses = analyses or AnalysisCache()
        self.deadline: float | None = None

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = self.limits.max_tokens
        if not self.limits.introspection:
            context.validation_rules = (*context.validation_rules, NoIntrospection)
        time_fields(context.schema._schema)
        limit_s = self.limits.time_limit_s
        if limit_s is not None:
            self.deadline = time.monotonic() + limit_s
        # Seen by the fields' checks: every task resolving this operation's fields runs
        # in a copy of this context.
        _DEADLINE.set(None if self.deadline is None else _Deadline(self.deadline, limit_s or 0))
        # A parser cache parses in its own hook and raises; the plain parser reports.
        try:
            yield
        except GraphQLError as raised:
            self._recode(raised)
            raise
        finally:
            _DEADLINE.set(None)
        for error in context.pre_execution_errors or ():
            self._recode(error)

    def _recode(self, error: GraphQLError) -> None:
        if "tokens" in error.message and "Parsing aborted" in error.message:
            error.message = f"the document has more than {self.limits.max_tokens} tokens"
            error.extensions = {"code": QueryTooLarge.code, "limit": self.limits.max_tokens}

    def on_execute(self) -> Iterator[None]:
        # Checked here, after validation, because a validation cache may replace
        # whatever errors an earlier hook set; a refusal here always holds.
        context = self.execution_context
        if context.graphql_document is not None and context.result is None:
            try:
                name = context.operation_name
            except RuntimeError:
                name = None
            analysis = self.analyses.analyse(
                context.schema._schema,
                context.graphql_document,
                context.query,
                name,
                context.variables,
                self.limits,
            )
            refused = refusal(analysis, self.limits)
            if refused is not None:
                refuse(context, refused)
        yield


def limit_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """The limit extensions for ``settings``, as factories Strawberry calls per request."""
    limits = Limits.from_settings(settings)
    analyses = AnalysisCache()  # one per schema: the documents it has seen
    return [lambda: RequestLimits(limits, analyses)]
