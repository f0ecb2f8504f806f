"""Assembled customer views, the one place the customer loader reads them from.

With a cache, `CustomerViews.get_many` is read-through: every id's view and
its customer's generation (`cdhub.notify`) are read in one round trip, only
the misses are read from the database (one statement) and stored for
``ttl_s`` seconds, each with the generation read *before* the database was.
A view is served only while its generation is current, so a view read just
before a change committed and stored just after it was announced is never
served. Only a view read under its own id is stored: an id absorbed by a merge
is always resolved in the database, so the redirect can never go stale. Every
write that changes a view announces it after commit
(`cdhub.notify.customers_changed`; a merge both ids), so a read after a
mutation sees the new view.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import orjson

from cdhub.cache import Cache
from cdhub.notify import customer_generation_key, customer_view_key, generations
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
        current: dict[int, str] = {}
        if self._cache is not None:
            found, current = await self._cached(ids)
        missing = [gid for gid in ids if gid not in found]
        if missing:
            loaded = await self._db.run(
                lambda session: customers_by_ids(session, missing, self._scope)
            )
            found.update(loaded)
            if self._cache is not None:
                own = [r for gid, r in loaded.items() if r.id == gid]
                await self._store(own, current)
        return [found.get(gid) for gid in ids]

    async def _cached(self, ids: Sequence[int]) -> tuple[dict[int, CustomerRecord], dict[int, str]]:
        """The cached views still current, and every id's generation as read now."""
        assert self._cache is not None
        wanted = list(dict.fromkeys(ids))
        keys = [customer_view_key(g) for g in wanted]
        keys += [customer_generation_key(g) for g in wanted]
        values = await self._cache.get_many(keys)
        views, tokens = values[: len(wanted)], values[len(wanted) :]
        current = generations(wanted, tokens)
        found: dict[int, CustomerRecord] = {}
        for gid, value in zip(wanted, views, strict=True):
            if value is None:
                continue
            try:
                entry = orjson.loads(value)
                if entry["generation"] == current[gid]:
                    found[gid] = CustomerRecord.from_dict(entry["view"])
            except (ValueError, TypeError, KeyError):  # an entry of an older shape
                log.warning("dropping unreadable cached view of customer %s", gid)
        return found, current

    async def _store(self, records: Sequence[CustomerRecord], current: dict[int, str]) -> None:
        assert self._cache is not None
        entries = {
            customer_view_key(r.id): orjson.dumps(
                {"generation": current.get(r.id, ""), "view": r.to_dict()}
            )
            for r in records
        }
        await self._cache.set_many(entries, self._ttl_s)
