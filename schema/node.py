"""The Relay ``Node`` interface and small value conversions shared by the types."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry


@strawberry.interface(
    description="An object with a global id: base64 of `Type:id`, accepted by `node(id)`."
)
class Node:
    id: strawberry.ID


def aware(value: datetime | None) -> datetime | None:
    """Timestamps in UTC with their offset; SQLite hands back naive UTC wall time."""
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def aware_now(value: datetime) -> datetime:
    """`aware` for columns that are never NULL."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
