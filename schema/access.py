"""Access control in the graph: who is calling (`me`), the audit log, partners and their
assignments, and erasure. Who may run each field is decided in `cdhub.security.policy`."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum

import strawberry

from cdhub.security import audit, partners
from cdhub.security.audit import AuditRow
from cdhub.security.partners import AssignmentRow, PartnerInfo
from cdhub.security.principal import Principal
from resolvers import mutations
from resolvers.context import Info
from resolvers.errors import BadUserInput
from resolvers.pagination import id_of
from schema.customer import Customer
from schema.mutation_inputs import idempotency_key

MAX_AUDIT_ROWS = 1000


@strawberry.enum(description="The roles a caller can hold (docs/security.md).")
class CallerRole(Enum):
    CHANNEL = "channel"
    BI = "bi"
    PARTNER = "partner"
    CUSTOMER = "customer"
    STEWARD = "steward"
    ADMIN = "admin"


@strawberry.type(description="The authenticated caller.")
class Me:
    role: CallerRole
    name: str
    key_id: int | None = strawberry.field(description="The API key's id; null for a token.")
    grants: list[str]
    principal: strawberry.Private[Principal]

    @strawberry.field(description="A self-service caller's own customer; null for others.")
    async def customer(self, info: Info) -> Customer | None:
        if self.principal.customer_id is None:
            return None
        record = await info.context.loaders.customer.load(self.principal.customer_id)
        return None if record is None else Customer.from_record(record)

    @classmethod
    def of(cls, principal: Principal) -> Me:
        return cls(
            role=CallerRole(principal.role.value),
            name=principal.name,
            key_id=principal.key_id,
            grants=sorted(principal.grants),
            principal=principal,
        )


@strawberry.type(description="One audited operation. Personal data is never recorded.")
class AuditEntry:
    id: int
    at: datetime
    key_id: int | None
    key_name: str
    role: str
    operation: str
    customer_ids: list[int]
    detail: str | None

    @classmethod
    def from_row(cls, row: AuditRow) -> AuditEntry:
        return cls(
            id=row.id,
            at=row.at,
            key_id=row.key_id,
            key_name=row.key_name,
            role=row.role,
            operation=row.operation,
            customer_ids=list(row.customer_ids),
            detail=row.detail,
        )


@strawberry.type(description="A dealer or distributor that sees the customers assigned to it.")
class Partner:
    id: int
    code: str
    name: str
    kind: str
    created_at: datetime
    assigned: int = strawberry.field(description="Customers assigned to it now.")

    @classmethod
    def from_info(cls, info: PartnerInfo) -> Partner:
        return cls(
            id=info.id,
            code=info.code,
            name=info.name,
            kind=info.kind,
            created_at=info.created_at,
            assigned=info.assigned,
        )


@strawberry.type(description="A customer assigned to a partner for a time (ended ones kept).")
class PartnerAssignment:
    id: int
    partner_code: str
    customer_id: int
    starts_at: datetime
    ends_at: datetime | None
    source: str
    rule: str | None
    assigned_by: str

    @classmethod
    def from_row(cls, row: AssignmentRow) -> PartnerAssignment:
        return cls(
            id=row.id,
            partner_code=row.partner_code,
            customer_id=row.golden_id,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            source=row.source,
            rule=row.rule,
            assigned_by=row.assigned_by,
        )


async def me(info: Info) -> Me:
    principal = info.context.principal
    assert principal is not None  # the permission check refuses anonymous callers
    return Me.of(principal)


async def audit_log(
    info: Info,
    since: datetime | None = None,
    operation: str | None = None,
    customer_id: strawberry.ID | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    if not 1 <= limit <= MAX_AUDIT_ROWS:
        raise BadUserInput(f"limit must be 1 to {MAX_AUDIT_ROWS}", argument="limit")
    customer = None if customer_id is None else id_of(customer_id, "Customer")
    await info.context.hub.audit.flush()  # this process's queued reads belong in the answer
    rows = await info.context.db.run(
        lambda s: audit.entries(
            s, since=since, operation=operation, customer_id=customer, limit=limit
        )
    )
    return [AuditEntry.from_row(r) for r in rows]


async def partner_list(info: Info) -> list[Partner]:
    now = datetime.now(UTC)
    found = await info.context.db.run(lambda s: partners.list_partners(s, now))
    return [Partner.from_info(p) for p in found]


async def partner_assignments(
    info: Info, partner_code: str | None = None, customer_id: strawberry.ID | None = None
) -> list[PartnerAssignment]:
    customer = None if customer_id is None else id_of(customer_id, "Customer")
    rows = await info.context.db.run(
        lambda s: partners.history(s, golden_id=customer, partner_code=partner_code)
    )
    return [PartnerAssignment.from_row(r) for r in rows]


@strawberry.input(description="Assign customers to a partner.")
class AssignPartnerInput:
    idempotency_key: str = idempotency_key()
    partner_code: str
    customer_ids: list[strawberry.ID]
    starts_at: datetime | None = strawberry.field(default=None, description="Default: now.")
    ends_at: datetime | None = strawberry.field(default=None, description="Default: open.")


@strawberry.type
class AssignPartnerPayload:
    created: int
    unchanged: int = strawberry.field(description="Already assigned at that time.")
    rejected: list[str] = strawberry.field(description="Ids that name no (unerased) customer.")


@strawberry.input(description="End a customer's assignment to a partner, now.")
class EndPartnerAssignmentInput:
    idempotency_key: str = idempotency_key()
    partner_code: str
    customer_id: strawberry.ID


@strawberry.type
class EndPartnerAssignmentPayload:
    ended: int = strawberry.field(description="Assignments closed.")


@strawberry.input(description="Erase a person's personal data (PIPL art. 47). Irreversible.")
class EraseCustomerInput:
    idempotency_key: str = idempotency_key()
    customer_id: strawberry.ID


@strawberry.type(description="Rows erased or emptied in one table.")
class ErasedRows:
    table: str
    rows: int


@strawberry.type
class EraseCustomerPayload:
    customer_id: int = strawberry.field(description="The tombstone left (the survivor's id).")
    erased_ids: list[int] = strawberry.field(description="Every golden id erased.")
    counts: list[ErasedRows] = strawberry.field(description="Rows erased or emptied, by table.")


async def assign_partner(info: Info, input: AssignPartnerInput) -> AssignPartnerPayload:
    ids = [id_of(i, "Customer") for i in input.customer_ids]
    if len(ids) > info.context.settings.max_page_size:
        raise BadUserInput(
            f"at most {info.context.settings.max_page_size} customers at once; "
            "use `cdhub partners assign --file` for more",
            argument="customerIds",
        )
    response = await mutations.assign_partner(
        info, input.idempotency_key, input.partner_code, ids, input.starts_at, input.ends_at
    )
    return AssignPartnerPayload(
        created=int(response["created"]),
        unchanged=int(response["unchanged"]),
        rejected=[str(r) for r in response["rejected"]],
    )


async def end_partner_assignment(
    info: Info, input: EndPartnerAssignmentInput
) -> EndPartnerAssignmentPayload:
    response = await mutations.end_partner_assignment(
        info, input.idempotency_key, input.partner_code, id_of(input.customer_id, "Customer")
    )
    return EndPartnerAssignmentPayload(ended=int(response["ended"]))


async def erase_customer(info: Info, input: EraseCustomerInput) -> EraseCustomerPayload:
    response = await mutations.erase_customer(
        info, input.idempotency_key, id_of(input.customer_id, "Customer")
    )
    return EraseCustomerPayload(
        customer_id=int(response["customerId"]),
        erased_ids=[int(i) for i in response["erasedIds"]],
        counts=[ErasedRows(table=str(t), rows=int(n)) for t, n in response["counts"].items()],
    )
