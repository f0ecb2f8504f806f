from __future__ import annotations

import pytest
from graphql import GraphQLObjectType

from cdhub.security.errors import Forbidden, Unauthenticated
from cdhub.security.policy import (
    NODE_TYPES,
    OPERATIONS,
    allowed,
    require,
    require_node_type,
)
from cdhub.security.principal import Principal, Role
from cdhub.settings import Settings
from schema.root import build_schema


def _principal(role: Role) -> Principal:
    return Principal(role=role, name=role.value)


def _schema_operations() -> list[str]:
    schema = build_schema(Settings())._schema
    names = []
    for root in (schema.query_type, schema.mutation_type, schema.subscription_type):
        if isinstance(root, GraphQLObjectType):
            names += [f"{root.name}.{field}" for field in root.fields]
    return names


def test_every_schema_field_has_a_rule() -> None:
    missing = [name for name in _schema_operations() if name not in OPERATIONS]
    assert missing == [], "decide who may call these in cdhub/security/policy.py"


def test_every_node_type_of_the_schema_has_a_rule() -> None:
    schema = build_schema(Settings())._schema
    node = schema.get_type("Node")
    implementations = schema.get_implementations(node).objects  # type: ignore[arg-type]
    assert sorted(t.name for t in implementations if t.name not in NODE_TYPES) == []


@pytest.mark.parametrize(
    ("role", "operation", "expected"),
    [
        (Role.BI, "Query.aggregate", True),
        (Role.BI, "Mutation.updateContact", False),
        (Role.BI, "Query.customerByIdentity", False),
        (Role.CHANNEL, "Mutation.createTicket", True),
        (Role.CHANNEL, "Mutation.mergeCustomers", False),
        (Role.CHANNEL, "Query.matchCandidates", False),
        (Role.PARTNER, "Query.orders", True),
        (Role.PARTNER, "Mutation.earnPoints", False),
        (Role.CUSTOMER, "Query.customers", False),
        (Role.CUSTOMER, "Mutation.recordSatisfaction", True),
        (Role.CUSTOMER, "Mutation.createTicket", False),
        (Role.STEWARD, "Mutation.mergeCustomers", True),
        (Role.STEWARD, "Mutation.eraseCustomer", False),
        (Role.ADMIN, "Mutation.eraseCustomer", True),
        (Role.ADMIN, "Query.noSuchField", False),
    ],
)
def test_operation_table(role: Role, operation: str, expected: bool) -> None:
    assert allowed(_principal(role), operation) is expected


def test_writes_are_never_open_to_read_only_roles() -> None:
    for operation, roles in OPERATIONS.items():
        if operation.startswith("Mutation."):
            assert Role.BI not in roles, operation
            assert Role.PARTNER not in roles, operation


def test_require_says_who_is_missing_and_who_is_refused() -> None:
    with pytest.raises(Unauthenticated) as missing:
        require(None, "Query.hub")
    assert missing.value.extensions == {"code": "UNAUTHENTICATED"}
    with pytest.raises(Forbidden) as refused:
        require(_principal(Role.BI), "Mutation.updateContact")
    assert refused.value.extensions["code"] == "FORBIDDEN"  # type: ignore[index]


def test_node_types_follow_the_role() -> None:
    require_node_type(_principal(Role.STEWARD), "MatchCandidate")
    with pytest.raises(Forbidden):
        require_node_type(_principal(Role.PARTNER), "MatchCandidate")
    with pytest.raises(Forbidden):
        require_node_type(_principal(Role.CUSTOMER), "SourceRecord")
