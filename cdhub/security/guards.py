"""Schema extensions that apply the policy to every operation, with no resolver changes:

- `PermissionCheck`: each root field of the operation against `policy.OPERATIONS`
  (deny by default), before anything runs;
- `PersonalData`: masks personal fields for masked principals and audits
  writes and reads of unmasked personal data (one row per operation). It does
  not wrap every field (a schema extension's ``resolve`` hook would, at a cost
  on each of the hundreds of fields a customer 360 resolves): the first
  operation puts a guard on the fields that can need one (`PERSONAL_FIELDS`
  and fields that can return a Customer), which find the operation's state
  in a context variable;
- `MaskInternalErrors`: in ``prod``, unexpected errors lose their message
  (no SQL, no exception text), suggestions are dropped, codes stay.

`security_extensions(settings)` returns them with the limits, in order.
"""

from __future__ import annotations

import inspect
import logging
import re
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    default_field_resolver,
    get_named_type,
    is_abstract_type,
)
from strawberry.extensions import SchemaExtension

from cdhub.security import audit, masking
from cdhub.security.documents import trusted_documents_extension
from cdhub.security.errors import SecurityError, Unauthenticated, refuse
from cdhub.security.limits import limit_extensions
from cdhub.security.policy import require_all
from cdhub.security.principal import Principal, principal_of
from cdhub.settings import Settings

log = logging.getLogger("cdhub.security")


def root_fields(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None
) -> tuple[OperationType, list[str]]:
    """The operation's type and its root fields as ``"Query.customer"`` names (fragments
    on the root type followed; ``__typename`` and introspection left out)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    named = [o for o in operations if operation_name and o.name and o.name.value == operation_name]
    operation = (named or operations)[0]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    root = schema.get_root_type(operation.operation)
    type_name = root.name if root is not None else operation.operation.value.title()
    found: list[str] = []

    def collect(selection_set: SelectionSetNode, seen: frozenset[str]) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if not selection.name.value.startswith("__"):
                    name = f"{type_name}.{selection.name.value}"
                    if name not in found:
                        found.append(name)
            elif isinstance(selection, InlineFragmentNode):
                collect(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is not None and selection.name.value not in seen:
                    collect(fragment.selection_set, seen | {selection.name.value})

    collect(operation.selection_set, frozenset())
    return operation.operation, found


def _operation_name(context: Any) -> str | None:
    try:
        name: str | None = context.operation_name
    except RuntimeError:
        return None
    return name


class PermissionCheck(SchemaExtension):
    """Refuses an operation when its principal may not run one of its root fields."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and context.result is None:
            _, fields = root_fields(
                context.schema._schema, context.graphql_document, _operation_name(context)
            )
            try:
                principal = principal_of(context.context)
                if principal is None:  # even `{ __typename }` needs credentials
                    raise Unauthenticated("credentials are required")
                require_all(principal, fields)
            except SecurityError as error:
                refuse(context, error)
        yield


def _organisation(root: Any) -> bool:
    kind = getattr(root, "kind", None)
    return getattr(kind, "value", kind) == "organisation"


Masker = Callable[[Any, Any], Any]

# (GraphQL type, field) -> how to mask the value for a masked principal.
PERSONAL_FIELDS: Mapping[tuple[str, str], Masker] = {
    ("Customer", "name"): lambda r, v: v if _organisation(r) else masking.mask_name(v),
    ("Customer", "pinyin"): lambda r, v: v if _organisation(r) else masking.mask_pinyin(v),
    ("Customer", "nickname"): lambda _r, v: masking.mask_name(v),
    ("Customer", "birthDate"): lambda _r, _v: None,
    ("Customer", "avatarUrl"): lambda _r, _v: None,
    ("Customer", "primaryPhone"): lambda _r, v: masking.mask_phone(v),
    ("Customer", "primaryEmail"): lambda _r, v: masking.mask_email(v),
    ("ContactValue", "value"): lambda _r, v: masking.mask_contact(v),
    ("IdentifierValue", "value"): lambda r, v: masking.mask_identifier(getattr(r, "kind", None), v),
    ("AddressValue", "value"): lambda r, v: masking.mask_address_parts(
        getattr(r, "province", None), getattr(r, "city", None), getattr(r, "district", None), v
    ),
    ("AddressValue", "detail"): lambda _r, v: masking.STARS if v else v,
    ("LineageEntry", "value"): lambda r, v: masking.mask_attribute(
        str(getattr(r, "attribute", "")), v
    ),
    ("Call", "summary"): lambda _r, _v: None,
    ("StatusChange", "note"): lambda _r, _v: None,
    ("LedgerEntry", "note"): lambda _r, _v: None,
}


class PersonalData(SchemaExtension):
    """Masks `PERSONAL_FIELDS` for principals that must not see them in full; audits
    every write and every operation that returned unmasked personal data."""

    def __init__(self) -> None:
        self.principal: Principal | None = None
        self.masked = True
        self.reads = audit.ReadLog()

    async def on_operation(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        guard_fields(self.execution_context.schema._schema)
        self.principal = principal_of(context)
        self.masked = masking.masks_personal_data(self.principal)
        # Fresh per operation, and shared through the request context, where a cached
        # answer (`resolvers.answers`) replays what it read.
        self.reads = audit.ReadLog()
        if isinstance(getattr(context, "reads", None), audit.ReadLog):
            context.reads = self.reads
        # The field guards find this operation here: every task resolving its fields
        # (DataLoader batches, gathered fields) runs in a copy of this context.
        _OPERATION.set(self)
        try:
            yield
        finally:
            _OPERATION.set(None)
        try:
            await self._audit()
        except Exception:  # the answer is computed; a failed audit write must be seen
            log.exception("audit write failed")

    def seen(self, value: Any, root: Any, masker: Masker | None, customer: bool) -> object:
        """What a guarded field returns for the value its resolver gave."""
        if customer:
            for item in value if isinstance(value, list) else (value,):
                golden_id = getattr(item, "golden_id", None)
                if isinstance(golden_id, int) and type(item).__name__ == "Customer":
                    self.reads.customers.add(golden_id)
        if masker is None:
            return value
        if self.masked:
            return masker(root, value)
        if value is not None:
            self.reads.personal = True
        return value

    async def _audit(self) -> None:
        context = self.execution_context
        if self.principal is None or context.graphql_document is None:
            return
        kind, fields = root_fields(
            context.schema._schema, context.graphql_document, _operation_name(context)
        )
        write = kind is OperationType.MUTATION
        if not write and not (self.reads.personal and not self.masked):
            return
        sessions = getattr(getattr(context.context, "hub", None), "sessions", None)
        if sessions is None:
            return
        codes = sorted(
            {
                str((error.extensions or {}).get("code", "ERROR"))
                for error in (getattr(context.result, "errors", None) or ())
            }
        )
        detail = ("failed: " + ",".join(codes)) if codes else ("write" if write else "read")
        operation = ",".join(fields) or "anonymous"
        now = datetime.now(UTC)
        writer = getattr(context.context.hub, "audit", None)
        if not write and isinstance(writer, audit.AuditWriter):
            writer.add(self.principal, operation, self.reads.customers, now, detail)
            return
        async with sessions() as session:
            await audit.record(
                session, self.principal, operation, self.reads.customers, now, detail
            )
            await session.commit()


# The `PersonalData` of the operation being resolved (None outside one).
_OPERATION: ContextVar[PersonalData | None] = ContextVar("cdhub_personal_data", default=None)
_GUARDED: weakref.WeakSet[GraphQLSchema] = weakref.WeakSet()
Resolver = Callable[..., Any]


def _seen(value: Any, root: Any, masker: Masker | None, customer: bool) -> object:
    operation = _OPERATION.get()
    if operation is None:  # never without a PersonalData; mask rather than leak
        return value if masker is None else masker(root, value)
    return operation.seen(value, root, masker, customer)


async def _later(pending: Any, root: Any, masker: Masker | None, customer: bool) -> object:
    return _seen(await pending, root, masker, customer)


def _guarded(resolve: Resolver, masker: Masker | None, customer: bool) -> Resolver:
    def guarded(root: Any, info: Any, **kwargs: Any) -> Any:
        result = resolve(root, info, **kwargs)
        if inspect.isawaitable(result):
            return _later(result, root, masker, customer)
        return _seen(result, root, masker, customer)

    return guarded


def _may_be_customer(schema: GraphQLSchema, field_type: GraphQLOutputType) -> bool:
    """Whether a field of this type can resolve to a Customer or a list of them
    (``nodes(ids)``): every customer a read returns is in its audit row."""
    named = get_named_type(field_type)
    if isinstance(named, GraphQLObjectType):
        return named.name == "Customer"
    if is_abstract_type(named):
        return any(t.name == "Customer" for t in schema.get_possible_types(named))
    return False


def guard_fields(schema: GraphQLSchema) -> None:
    """Put the personal-data guard on the fields of ``schema`` that need it (once): the
    `PERSONAL_FIELDS`, and fields that can return a Customer (for the read audit).
    Every other field resolves untouched."""
    if schema in _GUARDED:
        return
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for name, field in graphql_type.fields.items():
            masker = PERSONAL_FIELDS.get((graphql_type.name, name))
            customer = _may_be_customer(schema, field.type)
            if masker is not None or customer:
                _guard(field, masker, customer)
    _GUARDED.add(schema)


def _guard(field: GraphQLField, masker: Masker | None, customer: bool) -> None:
    field.resolve = _guarded(field.resolve or default_field_resolver, masker, customer)


_SUGGESTION = re.compile(r"\s*Did you mean .*$", re.DOTALL)
CLIENT_CODES = frozenset(
    {"BAD_USER_INPUT", "GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "NOT_FOUND"}
)


def _code_of(error: GraphQLError) -> str:
    code = (error.extensions or {}).get("code")
    if code:
        return str(code)
    original = error.original_error
    if isinstance(original, GraphQLError) and (original.extensions or {}).get("code"):
        return str(original.extensions["code"])  # type: ignore[index]
    if error.path or original is not None:
        return "INTERNAL_SERVER_ERROR"
    if error.message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    return "BAD_USER_INPUT"


def sanitise(errors: list[GraphQLError]) -> None:
    """What a client of a ``prod`` hub may see of errors, changed in place."""
    for error in errors:
        code = _code_of(error)
        if code == "INTERNAL_SERVER_ERROR":
            error.message = "Internal server error."
            error.original_error = None
            error.extensions = {"code": code}
            continue
        error.message = _SUGGESTION.sub("", error.message)
        error.extensions = {**(error.extensions or {}), "code": code}


class MaskInternalErrors(SchemaExtension):
    """Keeps error codes and client errors; hides unexpected ones (``prod``)."""

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context
        for errors in (context.pre_execution_errors, getattr(context.result, "errors", None)):
            if errors:
                sanitise(errors)


def security_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Every security extension for ``settings``, in the order they must run; add them
    after the schema's own extensions."""
    extensions: list[Callable[[], SchemaExtension]] = []
    trusted = trusted_documents_extension(settings)
    if trusted is not None:
        extensions.append(trusted)
    extensions += limit_extensions(settings)
    extensions += [PermissionCheck, PersonalData]
    if settings.is_prod:
        extensions.append(MaskInternalErrors)
    return extensions
