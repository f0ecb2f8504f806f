"""Which roles may run which GraphQL operation, and which node types each may load.

`OPERATIONS` names every root field of the graph (``Query.*``, ``Mutation.*``,
``Subscription.*``). A field missing from the table is refused to everyone:
a new field stays closed until someone decides who may call it (the test
`test_every_schema_field_has_a_rule` fails until then).

Rows a role may see are narrowed separately (`scoping`), and what it sees
of them (`masking`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from cdhub.security.errors import Forbidden, Unauthenticated
from cdhub.security.principal import Principal, Role

CHANNEL, BI, PARTNER, CUSTOMER, STEWARD, ADMIN = (
    Role.CHANNEL,
    Role.BI,
    Role.PARTNER,
    Role.CUSTOMER,
    Role.STEWARD,
    Role.ADMIN,
)
EVERYONE = frozenset(Role)
READERS = frozenset({CHANNEL, BI, PARTNER, STEWARD, ADMIN})  # scoped/masked as their role says
BACK_OFFICE = frozenset({STEWARD, ADMIN})


def _roles(*roles: Role) -> frozenset[Role]:
    return frozenset(roles)


_TABLE: dict[str, frozenset[Role]] = {
    # --- queries ---
    "Query.hub": EVERYONE,
    "Query.node": EVERYONE,  # the loaded type is checked with `require_node_type`
    "Query.nodes": EVERYONE,
    "Query.me": EVERYONE,
    "Query.customer": EVERYONE,  # customers and partners: scoped to their own
    "Query.customerBySource": EVERYONE,
    # Lookups by personal data are not for BI, and a customer knows its own id.
    "Query.customerByIdentity": _roles(CHANNEL, PARTNER, STEWARD, ADMIN),
    "Query.searchCustomers": _roles(CHANNEL, PARTNER, STEWARD, ADMIN),
    "Query.customers": READERS,
    "Query.orders": EVERYONE,
    "Query.tickets": EVERYONE,
    "Query.matchCandidates": BACK_OFFICE,
    "Query.quarantine": BACK_OFFICE,
    "Query.mergeEvents": BACK_OFFICE,
    "Query.aggregate": _roles(BI, STEWARD, ADMIN),
    "Query.auditLog": _roles(ADMIN),
    "Query.partners": _roles(ADMIN),
    "Query.partnerAssignments": _roles(ADMIN),
    # --- mutations ---
    "Mutation.updateContact": _roles(CHANNEL, STEWARD, ADMIN),
    "Mutation.createTicket": _roles(CHANNEL, ADMIN),
    "Mutation.addTicketCall": _roles(CHANNEL, ADMIN),
    "Mutation.changeTicketStatus": _roles(CHANNEL, ADMIN),
    "Mutation.recordSatisfaction": _roles(CHANNEL, CUSTOMER, ADMIN),
    "Mutation.earnPoints": _roles(CHANNEL, ADMIN),
    "Mutation.redeemPoints": _roles(CHANNEL, ADMIN),
    "Mutation.adjustPoints": _roles(CHANNEL, ADMIN),
    "Mutation.mergeCustomers": BACK_OFFICE,
    "Mutation.unmergeSource": BACK_OFFICE,
    "Mutation.resolveMatchCandidate": BACK_OFFICE,
    "Mutation.pinAttribute": BACK_OFFICE,
    "Mutation.eraseCustomer": _roles(ADMIN),
    "Mutation.assignPartner": _roles(ADMIN, STEWARD),
    "Mutation.endPartnerAssignment": _roles(ADMIN, STEWARD),
    # --- subscriptions (scoped like the queries) ---
    "Subscription.customerChanged": _roles(CHANNEL, PARTNER, CUSTOMER, STEWARD, ADMIN),
    "Subscription.ticketUpdated": _roles(CHANNEL, PARTNER, CUSTOMER, STEWARD, ADMIN),
}
OPERATIONS: Mapping[str, frozenset[Role]] = MappingProxyType(_TABLE)

# What `node(id)`/`nodes(ids)` may return to each role (rows still scoped).
NODE_TYPES: Mapping[str, frozenset[Role]] = MappingProxyType(
    {
        "Customer": EVERYONE,
        "Order": EVERYONE,
        "Ticket": EVERYONE,
        "LedgerEntry": _roles(CHANNEL, BI, PARTNER, CUSTOMER, STEWARD, ADMIN),
        "SourceRecord": _roles(CHANNEL, STEWARD, ADMIN),
        "MatchCandidate": BACK_OFFICE,
        "QuarantinedRecord": BACK_OFFICE,
        "MergeEvent": BACK_OFFICE,
    }
)

# Operations that change data: every one is audited.
WRITES = frozenset(name for name in OPERATIONS if name.startswith("Mutation."))


def allowed(principal: Principal | None, operation: str) -> bool:
    """May ``principal`` run ``operation`` (``"Query.customer"``)? Unknown ones: no."""
    if principal is None:
        return False
    return principal.role in OPERATIONS.get(operation, frozenset())


def require(principal: Principal | None, operation: str) -> Principal:
    """``principal`` when it may run ``operation``; UNAUTHENTICATED or FORBIDDEN otherwise."""
    if principal is None:
        raise Unauthenticated("credentials are required: send Authorization: Bearer <key>")
    if not allowed(principal, operation):
        raise Forbidden(
            f"role {principal.role.value!r} may not run {operation}", operation=operation
        )
    return principal


def require_all(principal: Principal | None, operations: Iterable[str]) -> Principal | None:
    """`require` for each of ``operations`` (the root fields of one request)."""
    for operation in operations:
        require(principal, operation)
    return principal


def require_node_type(principal: Principal | None, type_name: str) -> None:
    """Refuse loading a node of ``type_name`` (from a global id) the role may not see."""
    if principal is None:
        raise Unauthenticated("credentials are required")
    if principal.role not in NODE_TYPES.get(type_name, frozenset()):
        raise Forbidden(f"role {principal.role.value!r} may not read {type_name} objects")
