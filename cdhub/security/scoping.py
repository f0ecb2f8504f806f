"""Which golden customers a principal may see: one SQL condition for every read.

Partners see the customers assigned to them now (an active
``partner_assignments`` row); self-service customers see their own golden
customer. Either way a merge carries visibility along: a principal that sees
a customer sees the survivor it was merged into and everything merged into
that survivor, so the condition holds for a survivor's id, an absorbed id
and the owner id of a fact (``coalesce(merged_into_id, id)``) alike.
Facts whose party is not linked to any customer (owner NULL) stay hidden.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from cdhub.security.principal import Principal, Role
from cdhub.storage.models import GoldenCustomer, PartnerAssignment

UNSCOPED = frozenset({Role.CHANNEL, Role.BI, Role.STEWARD, Role.ADMIN})


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC: SQLite keeps the wall time only, so every stored and compared
    time is UTC."""
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment


def active_assignment(now: datetime) -> ColumnElement[bool]:
    """An assignment in force at ``now``: started, and not ended yet."""
    now = utc(now)
    return and_(
        PartnerAssignment.starts_at <= now,
        or_(PartnerAssignment.ends_at.is_(None), PartnerAssignment.ends_at > now),
    )


def _root(golden: Any) -> ColumnElement[Any]:
    return func.coalesce(golden.merged_into_id, golden.id)


def visible_roots(principal: Principal, now: datetime | None = None) -> Select[Any] | None:
    """The surviving golden ids ``principal`` may see, as a SELECT; None means all."""
    if principal.role in UNSCOPED:
        return None
    golden = aliased(GoldenCustomer)
    if principal.role is Role.PARTNER and principal.partner_id is not None:
        at = now or datetime.now(UTC)
        return (
            select(_root(golden))
            .join(PartnerAssignment, PartnerAssignment.golden_id == golden.id)
            .where(PartnerAssignment.partner_id == principal.partner_id, active_assignment(at))
        )
    if principal.role is Role.CUSTOMER and principal.customer_id is not None:
        return select(_root(golden)).where(golden.id == principal.customer_id)
    # A partner key without a partner or a customer key without a customer sees nothing.
    return select(_root(golden)).where(false())


def visible_golden_ids_clause(
    principal: Principal, golden_id: Any, now: datetime | None = None
) -> ColumnElement[bool]:
    """A condition true for the rows whose customer ``principal`` may see.

    ``golden_id`` is the column or expression naming the customer: a golden
    customer's ``id``, a fact's owner expression (``fact_owner``'s second
    value) or ``owned_by``'s ``owner_id`` column. Unscoped roles get ``true()``.

    Example::

        stmt = stmt.where(visible_golden_ids_clause(principal, GoldenCustomer.id))
    """
    roots = visible_roots(principal, now)
    if roots is None:
        return true()
    member = aliased(GoldenCustomer)
    # The roots and whatever was merged into them; both sides use an index.
    family = select(member.id).where(or_(member.id.in_(roots), member.merged_into_id.in_(roots)))
    clause: ColumnElement[bool] = golden_id.in_(family)
    return clause


async def can_see(
    session: AsyncSession, principal: Principal, golden_id: int, now: datetime | None = None
) -> bool:
    """Whether ``principal`` may see the customer ``golden_id`` (absorbed ids included)."""
    if principal.role in UNSCOPED:
        return True
    clause = visible_golden_ids_clause(principal, GoldenCustomer.id, now)
    found = await session.execute(
        select(GoldenCustomer.id).where(GoldenCustomer.id == golden_id, clause)
    )
    return found.first() is not None


async def visible_ids(
    session: AsyncSession, principal: Principal, now: datetime | None = None
) -> frozenset[int] | None:
    """Every golden id ``principal`` may see (None: all), for in-memory checks such as
    filtering subscription events."""
    if principal.role in UNSCOPED:
        return None
    clause = visible_golden_ids_clause(principal, GoldenCustomer.id, now)
    rows = await session.execute(select(GoldenCustomer.id).where(clause))
    return frozenset(int(gid) for gid in rows.scalars())
