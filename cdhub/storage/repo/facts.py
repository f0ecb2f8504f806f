"""Facts: orders with items and deliveries, calls and tickets, loyalty ledger entries.

Facts name the party by its source record key; they are upserted by their own
natural keys, so a re-delivery changes nothing and a changed one updates in place.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.storage.models import Call, Delivery, LoyaltyEntry, Order, OrderItem, Ticket
from cdhub.storage.repo.key_pairs import pair_chunks, pair_in
from cdhub.storage.repo.source_records import chunks
from cdhub.storage.repo.upsert import upsert
from mdm.records import CallFact, DeliveryFact, LoyaltyEvent, OrderFact
from mdm.serialization import content_hash, fact_to_dict


async def store_orders(session: AsyncSession, facts: Sequence[OrderFact], now: datetime) -> None:
    """Upsert order headers, then their items; totals missing from the source are summed."""
    if not facts:
        return
    headers: dict[tuple[str, str], OrderFact] = {}
    for fact in facts:  # the last delivery of a header wins; items accumulate
        headers[(fact.source_system, fact.order_no)] = fact
    columns = (
        "party_system",
        "party_key",
        "channel",
        "status",
        "ordered_at",
        "paid_at",
        "total_amount",
        "currency",
        "receiver",
        "external_ref",
        "content_hash",
        "updated_at",
    )
    for with_total in (True, False):
        # Orders without a total (ERP rows) get it summed from their items below.
        await upsert(
            session,
            Order,
            [
                _order_row(f, now)
                for f in headers.values()
                if (f.total_amount is not None) == with_total
            ],
            conflict=("source_system", "order_no"),
            update=columns if with_total else tuple(c for c in columns if c != "total_amount"),
        )
    ids = await _order_ids(session, list(headers))
    items: dict[tuple[int, str], dict[str, Any]] = {}
    for fact in facts:
        order_id = ids[(fact.source_system, fact.order_no)]
        for item in fact.items:
            items[(order_id, item.line_no)] = {
                "order_id": order_id,
                "line_no": item.line_no,
                "sku": item.sku,
                "title": item.title,
                "quantity": item.quantity,
                "unit_price": item.unit_price,
                "amount": item.amount,
                "batch_no": item.batch_no,
            }
    await upsert(
        session,
        OrderItem,
        list(items.values()),
        conflict=("order_id", "line_no"),
        update=("sku", "title", "quantity", "unit_price", "amount", "batch_no"),
    )
    without_total = sorted({ids[k] for k, f in headers.items() if f.total_amount is None})
    for part in chunks(without_total):
        item_sum = (
            select(func.sum(OrderItem.amount))
            .where(OrderItem.order_id == Order.id)
            .scalar_subquery()
        )
        await session.execute(
            update(Order)
            .where(Order.id.in_(part), Order.total_amount.is_distinct_from(item_sum))
            .values(total_amount=item_sum)
        )


def _order_row(f: OrderFact, now: datetime) -> dict[str, Any]:
    return {
        "source_system": f.source_system,
        "order_no": f.order_no,
        "party_system": f.party.source_system if f.party else None,
        "party_key": f.party.source_key if f.party else None,
        "channel": f.channel,
        "status": f.status,
        "ordered_at": f.ordered_at,
        "paid_at": f.paid_at,
        "total_amount": f.total_amount,
        "currency": f.currency or "CNY",
        "receiver": dict(f.receiver),
        "external_ref": f.external_ref,
        "content_hash": content_hash(fact_to_dict(f)),
        "updated_at": now,
    }


async def _order_ids(
    session: AsyncSession, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    for part in pair_chunks(session, keys):
        rows = await session.execute(
            select(Order.source_system, Order.order_no, Order.id).where(
                pair_in(session, (Order.source_system, Order.order_no), part)
            )
        )
        for system, number, order_id in rows:
            found[(system, number)] = order_id
    return found


async def store_deliveries(session: AsyncSession, facts: Sequence[DeliveryFact]) -> None:
    rows = {
        (f.source_system, f.delivery_no): {
            "source_system": f.source_system,
            "delivery_no": f.delivery_no,
            "order_no": f.order_no,
            "carrier": f.carrier,
            "tracking_no": f.tracking_no,
            "shipped_at": f.shipped_at,
            "content_hash": content_hash(fact_to_dict(f)),
        }
        for f in facts
    }
    await upsert(
        session,
        Delivery,
        list(rows.values()),
        conflict=("source_system", "delivery_no"),
        update=("order_no", "carrier", "tracking_no", "shipped_at", "content_hash"),
    )


async def store_calls(session: AsyncSession, facts: Sequence[CallFact], now: datetime) -> None:
    """Upsert calls, then fold them into their tickets (status from the latest call)."""
    if not facts:
        return
    calls = {(f.source_system, f.call_id): f for f in facts}
    await upsert(
        session,
        Call,
        [
            {
                "source_system": f.source_system,
                "call_id": f.call_id,
                "ticket_no": f.ticket_no,
                "started_at": f.started_at,
                "duration_s": f.duration_s,
                "agent_id": f.agent_id,
                "category": f.category,
                "summary": f.summary,
                "ticket_status": f.ticket_status,
                "order_no": f.order_no,
                "batch_no": f.batch_no,
                "satisfaction": f.satisfaction,
                "caller_number": f.caller_number,
                "content_hash": content_hash(fact_to_dict(f)),
            }
            for f in calls.values()
        ],
        conflict=("source_system", "call_id"),
        update=(
            "ticket_no",
            "started_at",
            "duration_s",
            "agent_id",
            "category",
            "summary",
            "ticket_status",
            "order_no",
            "batch_no",
            "satisfaction",
            "caller_number",
            "content_hash",
        ),
    )
    tickets = sorted({(f.source_system, f.ticket_no) for f in calls.values() if f.ticket_no})
    await refresh_tickets(session, tickets, now)


async def refresh_tickets(
    session: AsyncSession, tickets: Sequence[tuple[str, str]], now: datetime
) -> None:
    """Recompute each ticket from all its calls, so arrival order never matters."""
    for part in pair_chunks(session, tickets):
        rows = await session.execute(
            select(Call)
            .where(pair_in(session, (Call.source_system, Call.ticket_no), part))
            .order_by(Call.started_at, Call.id)
        )
        by_ticket: dict[tuple[str, str], list[Call]] = {}
        for call in rows.scalars():
            assert call.ticket_no is not None
            by_ticket.setdefault((call.source_system, call.ticket_no), []).append(call)
        existing = await session.execute(
            select(Ticket.source_system, Ticket.ticket_no, Ticket.status, Ticket.status_at).where(
                pair_in(session, (Ticket.source_system, Ticket.ticket_no), part)
            )
        )
        hub_status = {(s, n): (status, at) for s, n, status, at in existing}
        await upsert(
            session,
            Ticket,
            [_ticket_row(key, calls, hub_status.get(key), now) for key, calls in by_ticket.items()],
            conflict=("source_system", "ticket_no"),
            update=(
                "party_system",
                "party_key",
                "status",
                "category",
                "order_no",
                "batch_no",
                "satisfaction",
                "opened_at",
                "status_at",
                "updated_at",
            ),
        )


def _ticket_row(
    key: tuple[str, str],
    calls: list[Call],
    current: tuple[str, datetime | None] | None,
    now: datetime,
) -> dict[str, Any]:
    first, last = calls[0], calls[-1]
    status, status_at = last.ticket_status or "open", last.started_at
    # A status set in the hub after the latest call stands.
    if (
        current is not None
        and current[1] is not None
        and (status_at is None or _aware(current[1]) > _aware(status_at))
    ):
        status, status_at = current
    rated = [c.satisfaction for c in calls if c.satisfaction is not None]
    return {
        "source_system": key[0],
        "ticket_no": key[1],
        "party_system": first.source_system,
        "party_key": first.call_id,
        "status": status,
        "category": next((c.category for c in calls if c.category), None),
        "order_no": next((c.order_no for c in calls if c.order_no), None),
        "batch_no": next((c.batch_no for c in calls if c.batch_no), None),
        "satisfaction": rated[-1] if rated else None,
        "opened_at": first.started_at,
        "status_at": status_at,
        "updated_at": now,
    }


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def store_loyalty(session: AsyncSession, events: Sequence[LoyaltyEvent]) -> None:
    """Insert ledger entries; an entry key seen before is a no-op."""
    rows = {
        e.entry_key: {
            "entry_key": e.entry_key,
            "source_system": e.source_system,
            "party_system": e.party.source_system,
            "party_key": e.party.source_key,
            "kind": e.kind,
            "points": e.points,
            "order_no": e.order_no,
            "note": e.note,
            "occurred_at": e.occurred_at,
        }
        for e in events
    }
    await upsert(session, LoyaltyEntry, list(rows.values()), conflict=("entry_key",))
