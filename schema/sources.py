"""Source records: one party as one system holds it, and how it links to a golden customer."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from cdhub.storage.queries.sources import SourceRecordRow
from resolvers.context import Info
from resolvers.pagination import global_id
from schema.node import Node, aware, aware_now

if TYPE_CHECKING:
    from schema.customer import Customer


@strawberry.type(description="A party as one source system holds it (the current version).")
class SourceRecord(Node):
    system: str = strawberry.field(description="Source system: shop, wechat, callcenter, erp, hub.")
    key: str = strawberry.field(description="The record's key in its source system.")
    party_kind: str
    version: int
    received_at: datetime
    observed_at: datetime | None
    updated_at: datetime
    erased: bool
    link_method: str | None = strawberry.field(
        description="How the record was linked to its golden customer (rule, score, steward, new)."
    )
    linked_at: datetime | None
    linked_by: str | None
    match_weight: float | None
    model_version: str | None
    golden_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: SourceRecordRow) -> SourceRecord:
        return cls(
            id=strawberry.ID(global_id("SourceRecord", row.id)),
            system=row.source_system,
            key=row.source_key,
            party_kind=row.party_kind,
            version=row.version,
            received_at=aware_now(row.received_at),
            observed_at=aware(row.observed_at),
            updated_at=aware_now(row.updated_at),
            erased=row.erased,
            link_method=row.link_method,
            linked_at=aware(row.linked_at),
            linked_by=row.linked_by,
            match_weight=row.match_weight,
            model_version=row.model_version,
            golden_id=row.golden_id,
        )

    @strawberry.field(description="The golden customer the record belongs to now.")
    async def customer(
        self, info: Info
    ) -> Annotated[Customer, strawberry.lazy("schema.customer")] | None:
        from schema.customer import Customer

        if self.golden_id is None:
            return None
        record = await info.context.loaders.customer.load(self.golden_id)
        return None if record is None else Customer.from_record(record)


async def source_records(info: Info, ids: tuple[int, ...] | list[int]) -> list[SourceRecord]:
    """The source records of ``ids`` that still exist, in the order given."""
    rows = await info.context.loaders.source_record.load_many(list(ids))
    return [SourceRecord.from_row(row) for row in rows if row is not None]
