"""Assembled customer views, the one place the customer loader reads them from.

With a cache, `CustomerViews.get_many` is read-through: each id is looked up
under ``customer:<id>`` first, only the misses are read from the database (one
statement) and stored for ``ttl_s`` seconds. Only a view read under its own id
is stored: an id absorbed by a merge is always resolved in the database, so the
redirect can never go stale. Every write that changes a view deletes its key
after commit (`cdhub.notify.customers_changed`; a merge deletes both ids), so a
read after a mutation sees the new view.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence

from cdhub.cache import Cache
from cdhub.notify import customer_view_key
from cdhub.storage.queries.customers import CustomerRecord, customers_by_ids
from cdhub.storage.queries.keyset import Scope
from resolvers.session import RequestSession

log = logging.getLogger("cdhub.views")


class CustomerViews:
    """Golden customers by id, following merges; None for unknown or erased ids and
    for customers outside ``scope`` (give a scoped caller no cache: cached views
    are shared by every caller)."""

    def __init__(
        self,
        db: RequestSession,
        cache: Cache | None = None,
        ttl_s: int = 0,
        scope: Scope | None = None,
    ) -> None:
        self._db = db
        self._scope = scope
        self._cache = cache if ttl_s > 0 else None
        self._ttl_s = ttl_s

    async def get_many(self, ids: Sequence[int]) -> list[CustomerRecord | None]:
        found: dict[int, CustomerRecord] = {}
        if self._cache is not None:
            found = await self._cached(ids)
        missing = [gid for gid in ids if gid not in found]
        if missing:
            loaded = await self._db.run(
                lambda session: customers_by_ids(session, missing, self._scope)
            )
            found.update(loaded)
            if self._cache is not None:
                await self._store([r for gid, r in loaded.items() if r.id == gid])
        return [found.get(gid) for gid in ids]

    async def _cached(self, ids: Sequence[int]) -> dict[int, CustomerRecord]:
        assert self._cache is not None
        cache = self._cache
        values = await asyncio.gather(*(cache.get(customer_view_key(gid)) for gid in ids))
        found: dict[int, CustomerRecord] = {}
        for gid, value in zip(ids, values, strict=True):
            if value is None:
                continue
            try:
                found[gid] = CustomerRecord.from_dict(json.loads(value))
            except (ValueError, TypeError, KeyError):  # an entry of an older shape
                log.warning("dropping unreadable cached view of customer %s", gid)
        return found

    async def _store(self, records: Sequence[CustomerRecord]) -> None:
        assert self._cache is not None
        cache = self._cache
        await asyncio.gather(
            *(
                cache.set(
                    customer_view_key(r.id),
                    json.dumps(r.to_dict(), ensure_ascii=False, separators=(",", ":")).encode(),
                    self._ttl_s,
                )
                for r in records
            )
        )
