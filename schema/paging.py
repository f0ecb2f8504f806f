"""Paging arguments checked against the hub's settings."""

from __future__ import annotations

from cdhub.storage.queries.keyset import PageRequest
from resolvers.context import Info
from resolvers.pagination import page_request


def paging(
    info: Info,
    ordering: str,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> PageRequest:
    """The page asked for; BAD_USER_INPUT past ``settings.max_page_size`` or on a foreign cursor."""
    return page_request(
        first=first,
        after=after,
        last=last,
        before=before,
        ordering=ordering,
        max_size=info.context.settings.max_page_size,
    )
