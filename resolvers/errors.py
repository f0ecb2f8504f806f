"""Typed GraphQL errors: each carries ``extensions.code`` for clients to branch on."""

from __future__ import annotations

from typing import Any, ClassVar

from graphql import GraphQLError


class HubError(GraphQLError):
    """An error meant for the client, with a stable code in ``extensions``."""

    code: ClassVar[str] = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message, extensions={"code": self.code, **extensions})


class BadUserInput(HubError):
    """An argument is malformed or out of range (page size, cursor, filter value)."""

    code = "BAD_USER_INPUT"


class NotFound(HubError):
    """The id names nothing this hub holds (or nothing of the expected type)."""

    code = "NOT_FOUND"


class Conflict(HubError):
    """The request cannot be answered as asked, e.g. an identity held by two customers."""

    code = "CONFLICT"


class Forbidden(HubError):
    """The caller may not read or change this."""

    code = "FORBIDDEN"
