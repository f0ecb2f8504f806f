"""The executor's short path for plain leaf fields answers exactly as graphql-core does."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
import strawberry
from graphql import GraphQLObjectType
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.execution import HubExecutionContext, plain_leaves


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Item:
    name: str
    count: int
    price: Decimal | None
    at: datetime | None
    colour: Colour
    note: str | None
    broken: str  # given None: a non-null field that resolves to null
    odd: int | None  # given a value Int cannot represent

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


def _items() -> list[Item]:
    at = datetime(2024, 5, 1, 8, 30, tzinfo=UTC)
    return [
        Item(
            name="a",
            count=1,
            price=Decimal("1.50"),
            at=at,
            colour=Colour.RED,
            note=None,
            broken="x",
            odd=3,
        ),
        Item(
            name="b",
            count=2,
            price=None,
            at=None,
            colour=Colour.BLUE,
            note="n",
            broken=None,
            odd=2**40,  # type: ignore[arg-type]
        ),
    ]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return _items()

    @strawberry.field
    def item(self) -> Item | None:
        return _items()[1]


QUERY = "{ items { name count price at colour note shout odd } item { name broken } }"


def _schema(context: type[Any]) -> strawberry.Schema:
    return strawberry.Schema(query=Query, execution_context_class=context)


def _answer(context: type[Any]) -> tuple[Any, list[Any]]:
    result = _schema(context).execute_sync(QUERY)
    errors = [(e.message, e.path) for e in result.errors or ()]
    return result.data, errors


def test_plain_leaves_answer_as_graphql_core_does_errors_included() -> None:
    short, plain = _answer(HubExecutionContext), _answer(StrawberryGraphQLCoreExecutionContext)
    assert short == plain
    data, errors = short
    assert data is not None
    assert data["items"][0]["price"] == "1.50"
    assert data["items"][1]["colour"] == "BLUE"
    assert [path for _, path in errors] == [["items", 1, "odd"], ["item", "broken"]]


def test_only_fields_read_off_an_attribute_with_a_scalar_type_are_plain() -> None:
    schema = _schema(HubExecutionContext)
    leaves = plain_leaves(schema._schema)
    assert ("Item", "name") in leaves
    assert ("Item", "colour") in leaves
    assert ("Item", "shout") not in leaves  # has a resolver
    assert ("Query", "items") not in leaves  # not a leaf


def test_a_resolver_wrapped_after_the_schema_was_built_still_runs() -> None:
    schema = _schema(HubExecutionContext)
    assert schema.execute_sync("{ item { name } }").data == {"item": {"name": "b"}}
    item_type = schema._schema.type_map["Item"]
    assert isinstance(item_type, GraphQLObjectType)
    field = item_type.fields["name"]
    original = field.resolve
    assert original is not None
    seen: list[str] = []

    def guarded(root: Any, info: Any, **kwargs: Any) -> Any:
        value = original(root, info, **kwargs)
        seen.append(value)
        return "***"

    field.resolve = guarded
    assert schema.execute_sync("{ item { name } }").data == {"item": {"name": "***"}}
    assert seen == ["b"]


@pytest.mark.parametrize("context", [HubExecutionContext, StrawberryGraphQLCoreExecutionContext])
def test_a_resolver_wrapped_before_the_first_operation_runs(context: type[Any]) -> None:
    schema = _schema(context)
    item_type = schema._schema.type_map["Item"]
    assert isinstance(item_type, GraphQLObjectType)
    field = item_type.fields["count"]
    original = field.resolve
    assert original is not None
    field.resolve = lambda root, info, **kwargs: original(root, info, **kwargs) + 100
    assert schema.execute_sync("{ item { count } }").data == {"item": {"count": 102}}
