"""Telling the hub which customers an ingest batch changed, after it committed."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cdhub import notify
from cdhub.cache import Broker, Cache
from cdhub.services.ingest import IngestSummary, RecordResult
from cdhub.storage.queries.ownership import golden_of_orders, golden_of_parties

log = logging.getLogger("cdhub.ingest")


async def announce_changes(
    sessions: async_sessionmaker[AsyncSession],
    cache: Cache | None,
    broker: Broker | None,
    results: Sequence[RecordResult],
    summary: IngestSummary,
) -> None:
    """After a commit: tell every customer whose records or facts changed (their cached
    views and answers go stale): the golden records matching touched, the owners of
    created or updated party records, and the owners of the facts written."""
    if cache is None or broker is None:
        return
    parties = set(summary.fact_parties)
    for result in results:
        if result.status in ("created", "updated"):
            for key in result.keys:
                system, _, source_key = key.partition(":")
                parties.add((system, source_key))
    owners = set(summary.matching.touched)
    if not owners and not parties and not summary.delivered_orders:
        return
    try:
        async with sessions() as session:
            owners |= set((await golden_of_parties(session, parties)).values())
            owners |= await golden_of_orders(session, summary.delivered_orders)
        await notify.customers_changed(cache, broker, owners, notify.CustomerChange.SOURCES)
    except Exception as exc:  # the change is committed; its views expire with their TTL
        log.warning("could not announce changed customers: %s", exc)


async def announce_customers(
    cache: Cache | None, broker: Broker | None, golden_ids: Collection[int]
) -> None:
    """After a commit that moved records between customers (a rebuild): tell them."""
    if cache is None or broker is None or not golden_ids:
        return
    try:
        await notify.customers_changed(
            cache, broker, set(golden_ids), notify.CustomerChange.SOURCES
        )
    except Exception as exc:  # the change is committed; their views expire with their TTL
        log.warning("could not announce %d changed customers: %s", len(golden_ids), exc)
