"""Assembled customer views, the one place the customer loader reads them from.

`CustomerViews.get_many` is the seam for a read-through cache: a cached
implementation looks the ids up in `cdhub.cache.Cache` first (by id and
``version``), reads only the misses from the database and stores them with
`CustomerRecord.to_dict`. Merges redirect absorbed ids, so a cache must key the
survivor's view by its own id and keep the redirect separately.
"""

from __future__ import annotations

from collections.abc import Sequence

from cdhub.storage.queries.customers import CustomerRecord, customers_by_ids
from resolvers.session import RequestSession


class CustomerViews:
    """Golden customers by id, following merges; None for unknown or erased ids."""

    def __init__(self, db: RequestSession) -> None:
        self._db = db

    async def get_many(self, ids: Sequence[int]) -> list[CustomerRecord | None]:
        found = await self._db.run(lambda session: customers_by_ids(session, ids))
        return [found.get(gid) for gid in ids]
