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
when asked, a deadline checked before each resolver). `limit_extensions`
returns the extensions to add to the schema for given settings.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
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
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    ValueNode,
    VariableNode,
    get_named_type,
    value_from_ast_untyped,
)
from strawberry.extensions import SchemaExtension
from strawberry.utils.await_maybe import AwaitableOrValue

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

    def value(self, node: ValueNode) -> Any:
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
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
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    worst = Analysis(0, 0, 0, 0)
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
    return worst


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
    """`analyse` per (query text, operation name, variables), LRU-bounded: a channel app
    sends the same few documents all day, and walking one costs more than running
    it from the answer cache."""

    def __init__(self, size: int = 512) -> None:
        self._found: LRUCache[str, Analysis] = LRUCache(size)

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
        try:
            key = json.dumps([query, operation_name, variables or {}], sort_keys=True)
        except (TypeError, ValueError):  # variables JSON did not give: not worth a key
            return analyse(schema, document, operation_name, variables, limits)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = analyse(schema, document, operation_name, variables, limits)
        return found


class NoIntrospection(ValidationRule):
    """Refuses ``__schema`` and ``__type`` (``__typename`` stays allowed)."""

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        if node.name.value in ("__schema", "__type"):
            self.report_error(IntrospectionDisabled("introspection is disabled on this hub"))


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
        if self.limits.time_limit_s is not None:
            self.deadline = time.monotonic() + self.limits.time_limit_s
        # A parser cache parses in its own hook and raises; the plain parser reports.
        try:
            yield
        except GraphQLError as raised:
            self._recode(raised)
            raise
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

    def resolve(
        self, _next: Callable[..., Any], root: Any, info: Any, *args: Any, **kwargs: Any
    ) -> AwaitableOrValue[object]:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise RequestTimeout(
                f"the request took longer than {self.limits.time_limit_s:g} s and was stopped"
            )
        result: AwaitableOrValue[object] = _next(root, info, *args, **kwargs)
        return result


def limit_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """The limit extensions for ``settings``, as factories Strawberry calls per request."""
    limits = Limits.from_settings(settings)
    analyses = AnalysisCache()  # one per schema: the documents it has seen
    return [lambda: RequestLimits(limits, analyses)]
