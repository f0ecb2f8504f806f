"""Orders as matching evidence: who placed an order, and which orders a party placed.

A call that cites an order, and the guest buyer of that order, carry the
order's reference on their own records (`mdm.records.order_reference`). A
member or an ERP customer does not: its orders arrive as facts naming it.
These two queries give the matcher the missing side, from the ``orders``
table, so that a caller citing an order meets the customer who placed it.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.storage.models import Order, SourceRecord
from cdhub.storage.repo.key_pairs import pair_chunks, pair_in
from cdhub.storage.repo.source_records import chunks
from mdm.records import order_reference

# A party's most recent orders that count as its references: a complaint cites
# a recent order, and a company with thousands of orders must not turn each
# into a blocking key.
ORDERS_PER_PARTY = 200

Ref = tuple[str, str]


async def placed_orders(
    session: AsyncSession, parties: Collection[Ref] | None = None
) -> dict[Ref, tuple[str, ...]]:
    """The order references of each party that placed orders; every party when None.

    At most `ORDERS_PER_PARTY` per party, the most recent first.
    """
    query = select(Order.party_system, Order.party_key, Order.order_no).where(
        Order.party_key.is_not(None)
    )
    ordered = query.order_by(Order.party_system, Order.party_key, Order.ordered_at.desc())
    rows: list[tuple[str | None, str | None, str]] = []
    if parties is None:
        rows = [(s, k, n) for s, k, n in (await session.execute(ordered)).all()]
    else:
        for chunk in pair_chunks(session, parties):
            result = await session.execute(
                ordered.where(pair_in(session, (Order.party_system, Order.party_key), chunk))
            )
            rows.extend((s, k, n) for s, k, n in result.all())
    out: dict[Ref, list[str]] = {}
    for system, key, order_no in rows:
        if system is None or key is None:
            continue
        refs = out.setdefault((system, key), [])
        if len(refs) < ORDERS_PER_PARTY:
            refs.append(order_reference(order_no))
    return {party: tuple(refs) for party, refs in out.items()}


async def order_placers(session: AsyncSession, references: Collection[str]) -> dict[int, set[str]]:
    """Source records that placed the cited orders: record id -> the references it placed."""
    numbers = sorted({r.partition(":")[2] for r in references if r.startswith("order:")})
    out: dict[int, set[str]] = {}
    for part in chunks(numbers):
        result = await session.execute(
            select(SourceRecord.id, Order.order_no)
            .join(
                SourceRecord,
                (SourceRecord.source_system == Order.party_system)
                & (SourceRecord.source_key == Order.party_key),
            )
            .where(
                Order.order_no.in_(part),
                SourceRecord.erased.is_(False),
            )
        )
        for record_id, order_no in result.all():
            out.setdefault(int(record_id), set()).add(order_reference(order_no))
    return out


async def order_placers_now(
    session: AsyncSession, orders: Collection[tuple[str, str]]
) -> dict[tuple[str, str], Ref | None]:
    """(source system, order number) -> the party that placed it, for the stored ones."""
    out: dict[tuple[str, str], Ref | None] = {}
    for chunk in pair_chunks(session, orders):
        result = await session.execute(
            select(Order.source_system, Order.order_no, Order.party_system, Order.party_key).where(
                pair_in(session, (Order.source_system, Order.order_no), chunk)
            )
        )
        for system, number, party_system, party_key in result.all():
            placer = (party_system, party_key) if party_system and party_key else None
            out[(system, number)] = placer
    return out
