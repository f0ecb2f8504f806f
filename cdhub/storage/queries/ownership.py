"""Which golden customer a fact belongs to, decided at read time.

A fact (order, ticket, ledger entry) names its party's source record
(``party_system``, ``party_key``); the cross-reference of that record names the
golden customer. Tickets and ledger entries created in the hub name the golden
customer directly (``golden_id``), and that wins over the party. A golden
customer absorbed by a merge keeps its id as a redirect (``merged_into_id``,
kept pointing at the final survivor by the write side), so a survivor owns the
facts of every customer merged into it.

Two shapes: `owned_by` drives from given customers to their facts (index
friendly, for per-customer pages); `fact_owner` goes from every fact to its
owner (for lists and aggregates over all facts).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Subquery, and_, case, func, or_, select, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import BindParameter

from cdhub.storage.models import GoldenCustomer, Order, SourceRecord, Xref
from cdhub.storage.queries.keyset import AnySelect, Expr, Scope

OWNER = "owner_id"
# Customer ids as a list, or a bind parameter filled at execution (`keyset.roots_param`).
Roots = Sequence[int] | BindParameter[Any]


def family(roots: Roots) -> Subquery:
    """``(root_id, golden_id)``: each root and every golden customer merged into it."""
    golden = GoldenCustomer
    return (
        select(
            case((golden.id.in_(roots), golden.id), else_=golden.merged_into_id).label("root_id"),
            golden.id.label("golden_id"),
        )
        .where(or_(golden.id.in_(roots), golden.merged_into_id.in_(roots)))
        .subquery("family")
    )


def party_owners(members: Subquery) -> Subquery:
    """``(root_id, source_record_id, source_system, source_key)`` of a family's records."""
    return (
        select(
            members.c.root_id,
            SourceRecord.id.label("source_record_id"),
            SourceRecord.source_system,
            SourceRecord.source_key,
        )
        .join(Xref, Xref.source_record_id == SourceRecord.id)
        .join(members, members.c.golden_id == Xref.golden_id)
        .subquery("owners")
    )


def owned_by(
    columns: Sequence[Expr],
    party: tuple[Expr, Expr],
    golden: Expr | None,
    roots: Roots,
    where: Sequence[ColumnElement[bool]] = (),
) -> Subquery:
    """``columns`` of every fact owned by one of ``roots`` (and matching ``where``),
    plus ``owner_id``.

    A fact with ``golden`` set belongs to that customer only; one without it
    belongs to its party's customer.
    """
    members = family(roots)
    owners = party_owners(members)
    by_party = (
        select(*columns, owners.c.root_id.label(OWNER))
        .join(owners, and_(party[0] == owners.c.source_system, party[1] == owners.c.source_key))
        .where(*where)
    )
    if golden is None:
        return by_party.subquery("owned")
    by_golden = (
        select(*columns, members.c.root_id.label(OWNER))
        .join(members, golden == members.c.golden_id)
        .where(*where)
    )
    return union_all(by_party.where(golden.is_(None)), by_golden).subquery("owned")


def fact_owner(
    party: tuple[Expr, Expr],
    golden: Expr | None,
) -> tuple[list[tuple[Any, ColumnElement[bool]]], Expr]:
    """Outer joins from a fact table to its owner and the owner's id expression.

    Returns ``(joins, owner)``: apply each ``(target, onclause)`` with
    ``outerjoin``; ``owner`` is NULL for a fact whose party is not linked yet.
    """
    record = aliased(SourceRecord)
    xref = aliased(Xref)
    by_party = aliased(GoldenCustomer)
    joins: list[tuple[Any, ColumnElement[bool]]] = [
        (record, and_(record.source_system == party[0], record.source_key == party[1])),
        (xref, xref.source_record_id == record.id),
        (by_party, by_party.id == xref.golden_id),
    ]
    owner_parts: list[Expr] = []
    if golden is not None:
        direct = aliased(GoldenCustomer)
        joins.append((direct, direct.id == golden))
        owner_parts += [direct.merged_into_id, direct.id]
    owner_parts += [by_party.merged_into_id, by_party.id]
    return joins, func.coalesce(*owner_parts)


async def golden_of_parties(
    session: AsyncSession, parties: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """The surviving golden id of each linked ``(system, key)``; unlinked ones are absent."""
    keys = sorted(set(parties))
    if not keys:
        return {}
    golden = GoldenCustomer
    rows = await session.execute(
        select(
            SourceRecord.source_system,
            SourceRecord.source_key,
            func.coalesce(golden.merged_into_id, golden.id),
        )
        .join(Xref, Xref.source_record_id == SourceRecord.id)
        .join(golden, golden.id == Xref.golden_id)
        .where(tuple_(SourceRecord.source_system, SourceRecord.source_key).in_(keys))
    )
    return {(system, key): int(owner) for system, key, owner in rows.all()}


async def golden_of_orders(session: AsyncSession, orders: Iterable[tuple[str, str]]) -> set[int]:
    """The surviving golden ids owning the orders ``(system, order no)`` (unlinked: none)."""
    keys = sorted(set(orders))
    if not keys:
        return set()
    golden = GoldenCustomer
    rows = await session.execute(
        select(func.coalesce(golden.merged_into_id, golden.id))
        .select_from(Order)
        .join(
            SourceRecord,
            and_(
                SourceRecord.source_system == Order.party_system,
                SourceRecord.source_key == Order.party_key,
            ),
        )
        .join(Xref, Xref.source_record_id == SourceRecord.id)
        .join(golden, golden.id == Xref.golden_id)
        .where(tuple_(Order.source_system, Order.order_no).in_(keys))
    )
    return {int(owner) for owner in rows.scalars()}


def scoped_facts(
    stmt: AnySelect, party: tuple[Expr, Expr], golden: Expr | None, scope: Scope | None
) -> AnySelect:
    """``stmt`` (a SELECT over one fact table) narrowed to facts whose owner ``scope``
    allows; unchanged without a scope. Unlinked facts (owner NULL) drop out."""
    if scope is None:
        return stmt
    joins, owner = fact_owner(party, golden)
    for target, onclause in joins:
        stmt = stmt.outerjoin(target, onclause)
    return stmt.where(scope(owner))
