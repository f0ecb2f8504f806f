"""graphql-core's executor with a short path for plain leaf fields.

A customer 360 resolves some 270 fields, three in four of them scalars read
straight off an object (``orderNo``, ``sku``, ``points``). graphql-core runs
every one through the same machinery: a resolve-info tuple of 16 entries,
Strawberry's resolver wrapper, the awaitable checks and the recursive
``complete_value``. For a field Strawberry resolves with the default resolver
(no resolver function, no field extension) and whose type is a scalar or an
enum, the answer is ``type.coerce_output_value(getattr(source, name))``:
`HubExecutionContext` computes that directly.

Anything out of the ordinary takes graphql-core's own path, which computes
the same value again and reports it exactly as before: a missing attribute, a
null for a non-null field, a value the type cannot coerce, field middleware,
and a field whose resolver has been replaced since the schema was built (the
personal-data guards wrap theirs, `cdhub.security.guards`).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import AwaitableOrValue, Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField


@dataclass(frozen=True, slots=True)
class Leaf:
    """How to resolve one plain leaf field: the attribute and the type that coerces it."""

    field: GraphQLField
    resolve: Any  # Strawberry's resolver of the field; once replaced, the field is not plain
    attribute: str
    type: GraphQLLeafType
    non_null: bool


_LEAVES: weakref.WeakKeyDictionary[GraphQLSchema, dict[tuple[str, str], Leaf]] = (
    weakref.WeakKeyDictionary()
)


def plain_leaves(schema: GraphQLSchema) -> dict[tuple[str, str], Leaf]:
    """The plain leaf fields of ``schema`` by ``(type name, field name)`` (built once)."""
    found = _LEAVES.get(schema)
    if found is not None:
        return found
    found = {}
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for name, field in graphql_type.fields.items():
            leaf = _plain_leaf(field)
            if leaf is not None:
                found[(graphql_type.name, name)] = leaf
    _LEAVES[schema] = found
    return found


def _plain_leaf(field: GraphQLField) -> Leaf | None:
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or not definition.is_basic_field:
        return None
    if definition.default_resolver is not getattr or field.args:
        return None
    # Strawberry marks the resolver it made for such a field; a wrapper put on it
    # (a personal-data guard) is not marked, and its field is not plain.
    if not getattr(field.resolve, "_is_default", False):
        return None
    non_null = isinstance(field.type, GraphQLNonNull)
    named = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    if not is_leaf_type(named):
        return None
    return Leaf(field, field.resolve, definition.python_name, named, non_null)


class HubExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, resolving plain leaf fields without the detour."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        self._leaves = (
            plain_leaves(self.schema) if manager is None or not manager.middlewares else {}
        )

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> AwaitableOrValue[Any]:
        leaf = self._leaves.get((parent_type.name, field_details_list[0].node.name.value))
        if leaf is not None and leaf.field.resolve is leaf.resolve:
            value = getattr(source, leaf.attribute, Undefined)
            if value is None and not leaf.non_null:
                return None
            if value is not None and value is not Undefined and not isinstance(value, Exception):
                try:
                    coerced = leaf.type.coerce_output_value(value)
                except Exception:  # graphql-core's path reports it
                    coerced = None
                if coerced is not None and coerced is not Undefined:
                    return coerced
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )
