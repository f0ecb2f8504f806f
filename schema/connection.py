"""Relay cursor connections, generic over the node type (``OrderConnection``, ...)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import strawberry

from cdhub.storage.queries.keyset import Keyset, Page
from resolvers.pagination import encode_cursor

T = TypeVar("T")
R = TypeVar("R")


# Cursors are encoded only when asked for: a customer 360 reads dozens of edges
# and no cursor.


@strawberry.type(description="Where a page sits in its list.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool = strawberry.field(
        description="With `after` given this says only that a cursor was passed; "
        "with `last` it says whether more rows precede the page."
    )
    ordering: strawberry.Private[str]
    first: strawberry.Private[Keyset | None]
    last: strawberry.Private[Keyset | None]

    @strawberry.field
    def start_cursor(self) -> str | None:
        return None if self.first is None else encode_cursor(self.ordering, self.first)

    @strawberry.field
    def end_cursor(self) -> str | None:
        return None if self.last is None else encode_cursor(self.ordering, self.last)


def _edge_cursor(root: Edge[Any]) -> str:
    return encode_cursor(root.ordering, root.key)


@strawberry.type(description="A node and the cursor to page on from it.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(resolver=_edge_cursor)
    node: T
    ordering: strawberry.Private[str]
    key: strawberry.Private[Keyset]


@strawberry.type(
    description="A page of a list, paged by keyset: `first`/`after` or `last`/`before`."
)
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    count_all: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="Rows in the whole list (every page); counted only when asked.")
    async def total_count(self) -> int:
        return await self.count_all()


def connection(
    page: Page[R],
    ordering: str,
    node: Callable[[R], T],
    count_all: Callable[[], Awaitable[int]],
) -> Connection[T]:
    """Map a page of rows to a connection; ``ordering`` names the list in each cursor."""
    rows = page.rows
    return Connection(
        edges=[Edge(node=node(row), ordering=ordering, key=key) for row, key in rows],
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            ordering=ordering,
            first=rows[0][1] if rows else None,
            last=rows[-1][1] if rows else None,
        ),
        count_all=count_all,
    )
