"""Errors of the security layer, each with a stable ``extensions.code``."""

from __future__ import annotations

from typing import Any, ClassVar

from graphql import ExecutionResult, GraphQLError
from starlette.responses import JSONResponse


class SecurityError(GraphQLError):
    """A refusal the client should see, with its code (and HTTP status when one applies)."""

    code: ClassVar[str] = "FORBIDDEN"
    status: ClassVar[int] = 403

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message, extensions={"code": self.code, **extensions})


class Unauthenticated(SecurityError):
    code = "UNAUTHENTICATED"
    status = 401


class Forbidden(SecurityError):
    code = "FORBIDDEN"
    status = 403


class QueryTooDeep(SecurityError):
    code = "QUERY_TOO_DEEP"
    status = 400


class TooManyAliases(SecurityError):
    code = "TOO_MANY_ALIASES"
    status = 400


class QueryTooLarge(SecurityError):
    code = "QUERY_TOO_LARGE"
    status = 400


class QueryTooCostly(SecurityError):
    code = "QUERY_TOO_COSTLY"
    status = 400


class PageTooLarge(SecurityError):
    # The resolvers reject oversized pages with this code too.
    code = "BAD_USER_INPUT"
    status = 400


class IntrospectionDisabled(SecurityError):
    code = "INTROSPECTION_DISABLED"
    status = 400


class PersistedQueryNotFound(SecurityError):
    code = "PERSISTED_QUERY_NOT_FOUND"
    status = 400


class RequestTimeout(SecurityError):
    code = "REQUEST_TIMEOUT"
    status = 503


class RateLimited(SecurityError):
    code = "RATE_LIMITED"
    status = 429


class PayloadTooLarge(SecurityError):
    code = "PAYLOAD_TOO_LARGE"
    status = 413


def error_response(
    error: type[SecurityError], message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """A GraphQL-shaped JSON error body for refusals made before GraphQL runs."""
    body = {"errors": [{"message": message, "extensions": {"code": error.code}}]}
    return JSONResponse(body, status_code=error.status, headers=headers)


def refuse(context: Any, error: GraphQLError) -> None:
    """End the operation of a strawberry ``ExecutionContext`` with ``error`` instead of
    running it. Call from an ``on_execute`` hook, before its ``yield``.

    Queries and mutations take a preset result and skip execution; a
    subscription has no such seam, so the error is raised (Strawberry turns it
    into the stream's one error result).
    """
    operation = getattr(context.operation_type, "value", context.operation_type)
    if operation == "subscription":
        raise error
    context.result = ExecutionResult(data=None, errors=[error])
