"""Relay cursor connections, generic over the node type (``OrderConnection``, ...)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import strawberry

from cdhub.storage.queries.keyset import Page
from resolvers.pagination import encode_cursor

T = TypeVar("T")
R = TypeVar("R")


@strawberry.type(description="Where a page sits in its list.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool = strawberry.field(
        description="With `after` given this says only that a cursor was passed; "
        "with `last` it says whether more rows precede the page."
    )
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(description="A node and the cursor to page on from it.")
class Edge(Generic[T]):
    cursor: str
    node: T


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
    edges = [Edge(cursor=encode_cursor(ordering, key), node=node(row)) for row, key in page.rows]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        count_all=count_all,
    )
