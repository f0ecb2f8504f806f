"""What data stewards work on: possible matches, quarantined input, the merge audit trail."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from cdhub.storage.queries.stewardship import CandidateRow, MergeEventRow, QuarantineRow
from resolvers.context import Info
from resolvers.pagination import global_id
from schema.customer import Customer
from schema.node import Node, aware, aware_now
from schema.sources import SourceRecord


@strawberry.enum
class CandidateStatus(Enum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"


@strawberry.enum
class QuarantineStatus(Enum):
    OPEN = "open"
    REPLAYED = "replayed"
    DISCARDED = "discarded"


@strawberry.type(description="How one comparison moved the match weight.")
class Contribution:
    comparison: str
    level: str
    weight: float
    tf_adjusted: bool = strawberry.field(description="Weight adjusted for the value's frequency.")


@strawberry.type(description="Why the matcher proposed this pair.")
class MatchExplanation:
    outcome: str | None
    rule: str | None = strawberry.field(description="The rule that forced, forbade or capped.")
    veto: str | None
    prior_weight: float | None
    contradiction: bool | None
    contributions: list[Contribution]
    raw: JSON = strawberry.field(description="The stored explanation as it is.")

    @classmethod
    def from_json(cls, stored: dict[str, Any]) -> MatchExplanation:
        # Stored as GoldenDecision.to_dict(): the best pair's Decision.to_dict() inside.
        pair: dict[str, Any] = stored.get("best_pair") or stored
        return cls(
            outcome=stored.get("outcome") or pair.get("outcome"),
            rule=pair.get("rule"),
            veto=stored.get("veto"),
            prior_weight=pair.get("prior_weight"),
            contradiction=pair.get("contradiction"),
            contributions=[
                Contribution(
                    comparison=str(c.get("comparison")),
                    level=str(c.get("level")),
                    weight=float(c.get("weight") or 0.0),
                    tf_adjusted=bool(c.get("tf_adjusted")),
                )
                for c in pair.get("explanation") or ()
                if isinstance(c, dict)
            ],
            raw=JSON(stored),
        )


@strawberry.type(description="A possible match waiting for a data steward.")
class MatchCandidate(Node):
    score: float = strawberry.field(description="The match weight (log2 Bayes factor).")
    match_weight: float
    probability: float
    status: CandidateStatus
    model_version: str | None
    created_at: datetime
    resolved_by: str | None
    resolved_at: datetime | None
    explanation: MatchExplanation
    row: strawberry.Private[CandidateRow]

    @classmethod
    def from_row(cls, row: CandidateRow) -> MatchCandidate:
        return cls(
            id=strawberry.ID(global_id("MatchCandidate", row.id)),
            score=row.match_weight,
            match_weight=row.match_weight,
            probability=row.probability,
            status=CandidateStatus(row.status),
            model_version=row.model_version,
            created_at=aware_now(row.created_at),
            resolved_by=row.resolved_by,
            resolved_at=aware(row.resolved_at),
            explanation=MatchExplanation.from_json(row.explanation),
            row=row,
        )

    @strawberry.field(description="The incoming source record.")
    async def source_record(self, info: Info) -> SourceRecord | None:
        row = await info.context.loaders.source_record.load(self.row.source_record_id)
        return None if row is None else SourceRecord.from_row(row)

    @strawberry.field(description="The record of the golden customer it scored best against.")
    async def other_source_record(self, info: Info) -> SourceRecord | None:
        if self.row.other_source_record_id is None:
            return None
        row = await info.context.loaders.source_record.load(self.row.other_source_record_id)
        return None if row is None else SourceRecord.from_row(row)

    @strawberry.field(description="The golden customer it may belong to.")
    async def customer(self, info: Info) -> Customer | None:
        record = await info.context.loaders.customer.load(self.row.golden_id)
        return None if record is None else Customer.from_record(record)


@strawberry.type(description="Input that could not be ingested, kept until fixed and replayed.")
class QuarantinedRecord(Node):
    source: str
    origin: str = strawberry.field(description="File and line, or webhook request.")
    reason: str
    detail: str | None
    raw: str
    received_at: datetime
    status: QuarantineStatus
    replayed_at: datetime | None

    @classmethod
    def from_row(cls, row: QuarantineRow) -> QuarantinedRecord:
        return cls(
            id=strawberry.ID(global_id("QuarantinedRecord", row.id)),
            source=row.source_system,
            origin=row.origin,
            reason=row.reason,
            detail=row.detail,
            raw=row.raw,
            received_at=aware_now(row.received_at),
            status=QuarantineStatus(row.status),
            replayed_at=aware(row.replayed_at),
        )


@strawberry.type(description="A change of a golden customer's membership: merge, split, review.")
class MergeEvent(Node):
    event_type: str
    golden_id: int
    other_golden_id: int | None
    actor: str
    reason: str | None
    before: JSON
    after: JSON
    model_version: str | None
    created_at: datetime
    row: strawberry.Private[MergeEventRow]

    @classmethod
    def from_row(cls, row: MergeEventRow) -> MergeEvent:
        return cls(
            id=strawberry.ID(global_id("MergeEvent", row.id)),
            event_type=row.event_type,
            golden_id=row.golden_id,
            other_golden_id=row.other_golden_id,
            actor=row.actor,
            reason=row.reason,
            before=JSON(row.before),
            after=JSON(row.after),
            model_version=row.model_version,
            created_at=aware_now(row.created_at),
            row=row,
        )

    @strawberry.field(description="The golden customer the event is about, as it is now.")
    async def customer(self, info: Info) -> Customer | None:
        record = await info.context.loaders.customer.load(self.row.golden_id)
        return None if record is None else Customer.from_record(record)

    @strawberry.field(description="The source record moved, when the event moved one.")
    async def source_record(self, info: Info) -> SourceRecord | None:
        if self.row.source_record_id is None:
            return None
        row = await info.context.loaders.source_record.load(self.row.source_record_id)
        return None if row is None else SourceRecord.from_row(row)
