"""Matching service: the I/O around `mdm.incremental.assign`.

For a batch of new or changed source records it stores their blocking keys and
retrieves candidate golden customers (`cdhub.storage.repo.candidates`: one
statement on PostgreSQL), runs the pure assignment record by record against an
in-memory picture of the affected golden customers (so records of one batch
also match each other), and then writes the outcome: absorbed ids as redirects,
then new golden customers, cross-references, merge events, review candidates and
refreshed golden views (`cdhub.storage.repo.match_outcome`: one more statement).

Two writers that see the same new person at the same moment end in one golden
customer: on PostgreSQL every batch takes transaction-scoped advisory locks on
the hash buckets of its records' blocking keys before it looks for candidates,
so the second writer waits and then sees the first one's golden customer. On
SQLite the database admits one writer at a time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.services import golden_views
from cdhub.services.ingest import ChangedParty, MatchSummary
from cdhub.storage.queries import references as references_repo
from cdhub.storage.repo import candidates as candidates_repo
from cdhub.storage.repo import decisions as decisions_repo
from cdhub.storage.repo import golden as golden_repo
from cdhub.storage.repo import match_outcome as outcome_repo
from cdhub.storage.repo.decisions import CandidateWrite, EventWrite
from cdhub.storage.repo.golden import Member, XrefWrite
from cdhub.storage.repo.match_outcome import Outcome
from cdhub.storage.repo.source_records import chunks
from mdm.blocking import BlockingKey, blocking_keys, keys_to_query, max_block_size
from mdm.clustering import CannotLinks
from mdm.incremental import Assignment, CandidateGolden, GoldenDecision, assign
from mdm.model import Model, TermFrequencies, tf_key_types
from mdm.records import PartyRecord, with_references
from mdm.serialization import party_from_dict
from mdm.settings import MatchSettings
from mdm.survivorship import SurvivorshipPolicy

LOCK_NAMESPACE = 7_211_001
# Term frequencies are shares of a population. The shipped prior model assumes a
# hub of this size; until the hub holds that many records, counts are read against
# it, so that the second record of a value in a young hub is not taken as common.
TF_MIN_POPULATION = 50_000
LOCK_BUCKETS = 4096
NEW = "new:"


@dataclass(frozen=True, slots=True)
class MatchConfig:
    settings: MatchSettings
    model: Model
    policy: SurvivorshipPolicy
    actor: str = "system"


@dataclass
class _Picture:
    """The affected golden customers as the batch sees them while it decides."""

    golden_of: dict[int, str] = field(default_factory=dict)
    members: dict[str, dict[int, PartyRecord]] = field(default_factory=dict)
    created_order: dict[str, int] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    redirect: dict[str, str] = field(default_factory=dict)
    new_refs: list[str] = field(default_factory=list)
    absorbed: list[tuple[str, str]] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)
    xrefs: dict[int, tuple[str, str, float | None, dict[str, Any]]] = field(default_factory=dict)
    events: list[tuple[str, str, str | None, int | None, str | None, dict[str, Any]]] = field(
        default_factory=list
    )
    reviews: list[tuple[int, str, GoldenDecision]] = field(default_factory=list)
    meta: dict[int, Member] = field(default_factory=dict)  # system, key and times per record

    def final(self, ref: str) -> str:
        while ref in self.redirect:
            ref = self.redirect[ref]
        return ref

    def new_golden(self, kind: str) -> str:
        ref = f"{NEW}{len(self.new_refs)}"
        self.new_refs.append(ref)
        self.members[ref] = {}
        self.created_order[ref] = 10**15 + len(self.new_refs)
        self.kinds[ref] = kind
        return ref

    def move(self, record_id: int, record: PartyRecord, ref: str) -> None:
        old = self.golden_of.get(record_id)
        if old is not None and old != ref:
            self.members[old].pop(record_id, None)
            self.touched.add(old)
        self.golden_of[record_id] = ref
        self.members.setdefault(ref, {})[record_id] = record
        self.touched.add(ref)

    def absorb(self, absorbed: str, survivor: str) -> None:
        for record_id, record in list(self.members.get(absorbed, {}).items()):
            self.move(record_id, record, survivor)
        self.members[absorbed] = {}
        self.redirect[absorbed] = survivor
        self.absorbed.append((absorbed, survivor))
        self.touched.discard(absorbed)


MATCH_PART = 250  # records per candidate statement


class MatchService:
    """Matches batches of changed party records into golden customers."""

    def __init__(self, config: MatchConfig) -> None:
        self.config = config
        self._tf_types = tf_key_types(config.settings)

    async def match(
        self, session: AsyncSession, changed: Sequence[ChangedParty], now: datetime
    ) -> MatchSummary:
        # A file batch (2,000 records in a bulk-sized load) in one candidate statement
        # ran past the statement timeout on a hub of 25,000 records: parts of
        # MATCH_PART records keep each statement short, each seeing the parts before.
        summary = MatchSummary()
        for part in chunks(changed, MATCH_PART):
            summary.add(await self._match_part(session, part, now))
        return summary

    async def _match_part(
        self, session: AsyncSession, changed: Sequence[ChangedParty], now: datetime
    ) -> MatchSummary:
        if not changed:
            return MatchSummary()
        settings = self.config.settings
        changed, placed = await _with_placed_orders(session, changed)
        keys = {c.record_id: blocking_keys(c.party) for c in changed}
        await _lock_keys(session, (k for ks in keys.values() for k in ks))
        fresh = {c.record_id for c in changed if c.is_new}  # stored in this batch: no keys yet
        # the customers who placed the orders these records cite (not their own orders)
        cited = {r for c in changed for r in c.party.references} - placed
        caps = {
            k.key_type: max_block_size(k.key_type, settings) for ks in keys.values() for k in ks
        }
        found = await candidates_repo.store_keys_and_find(session, keys, fresh, caps, cited)
        sizes, holders, placers = found.sizes, found.holders, found.placers
        usable = {record_id: keys_to_query(ks, sizes, settings) for record_id, ks in keys.items()}
        picture, refs = _picture(found.members, found.kinds, placers)
        for c in changed:
            refs[c.record_id] = (c.party.source_system, c.party.source_key)
            picture.meta[c.record_id] = Member(
                c.record_id,
                c.party.source_system,
                c.party.source_key,
                {},
                c.received_at,
                c.party.observed_at,
                0,
            )
        known = {**found.refs, **refs}
        links = CannotLinks.of(
            pairs=[(known[a], known[b]) for a, b in found.cannot_links if a in known and b in known]
        )
        tf = TermFrequencies(
            total=max(found.newest, TF_MIN_POPULATION),
            counts=_tf_counts(sizes, self._tf_types),
        )
        placer_of: dict[str, set[int]] = {}
        for rid, refs_placed in placers.items():
            for r in refs_placed:
                placer_of.setdefault(r, set()).add(rid)
        summary = MatchSummary()
        for c in changed:
            neighbours = {rid for k in usable[c.record_id] for rid in holders.get(k, ())}
            neighbours.update(rid for r in c.party.references for rid in placer_of.get(r, ()))
            self._decide(picture, c, neighbours, tf, links, summary)
        # A record stored for the first time in this batch has no candidates to supersede.
        await decisions_repo.supersede_candidates(
            session, [c.record_id for c in changed if not c.is_new]
        )
        await self._write(session, picture, now, summary, found.pins)
        return summary

    def _decide(
        self,
        picture: _Picture,
        change: ChangedParty,
        neighbours: set[int],
        tf: TermFrequencies,
        links: CannotLinks,
        summary: MatchSummary,
    ) -> None:
        record_id, party = change.record_id, change.party
        current = picture.golden_of.get(record_id)
        if current is not None:
            picture.members[current][record_id] = party  # compare against the new version
        candidate_refs = {
            picture.final(picture.golden_of[rid])
            for rid in neighbours
            if rid != record_id and rid in picture.golden_of
        }
        if current is not None:
            candidate_refs.add(current)
        candidates = {
            ref: CandidateGolden(
                ref, tuple(picture.members[ref].values()), picture.created_order[ref]
            )
            for ref in sorted(candidate_refs)
            if picture.members.get(ref)
        }
        assignment = assign(party, candidates, self.config.model, self.config.settings, tf, links)
        alone = current is not None and set(picture.members[current]) == {record_id}
        group = [r for r in (assignment.golden_id, *assignment.merge) if r is not None]
        if alone and current is not None and current not in group:
            group.append(current)
        if not group:
            target = picture.new_golden(party.kind.value) if current is None else None
            if target is None:  # a changed record that no longer fits its golden leaves it
                assert current is not None
                target = picture.new_golden(party.kind.value)
                picture.events.append(("split", target, current, record_id, "contradiction", {}))
            else:
                picture.events.append(("create", target, None, record_id, None, {}))
                summary.golden_created += 1
            picture.move(record_id, party, target)
            picture.xrefs[record_id] = (target, "new", None, _explanation(assignment, None))
        else:
            survivor = min(group, key=lambda r: (picture.created_order[r], r))
            for other in sorted(set(group) - {survivor}):
                if picture.members.get(other):
                    picture.events.append(("merge", survivor, other, record_id, "bridge", {}))
                    summary.golden_merged += 1
                    picture.absorb(other, survivor)
            best = _decision_for(assignment, group)
            weight = best.weight if best is not None and best.best is not None else None
            method = "match_rule" if best and best.best and best.best.rules.match_rule else "match"
            if current is not None and survivor == current:
                method = "unchanged" if record_id in picture.xrefs else "rematch"
            if current is None or picture.final(current) != survivor:
                picture.events.append(("join", survivor, current, record_id, method, {}))
            picture.move(record_id, party, survivor)
            picture.xrefs[record_id] = (survivor, method, weight, _explanation(assignment, best))
        summary.records_matched += 1
        final = picture.golden_of[record_id]
        for review in assignment.review:
            if picture.final(review.golden_id) != final and review.best is not None:
                picture.reviews.append((record_id, review.golden_id, review))

    async def _write(
        self,
        session: AsyncSession,
        picture: _Picture,
        now: datetime,
        summary: MatchSummary,
        pins: dict[int, dict[str, str]],
    ) -> None:
        """Store the batch's outcome. Goldens it made are named by placeholders (-1 for the
        first) until the statement that creates them gives their ids."""
        live_new = [ref for ref in picture.new_refs if ref not in picture.redirect]
        placeholders = {ref: -index for index, ref in enumerate(live_new, start=1)}

        def real(ref: str) -> int:
            final = picture.final(ref)
            return placeholders[final] if final.startswith(NEW) else int(final)

        actor, version = self.config.actor, self.config.model.version
        absorbed = [(int(a), real(s)) for a, s in picture.absorbed if not a.startswith(NEW)]
        await golden_repo.absorb_many(session, absorbed, now)
        xrefs = [
            XrefWrite(rid, real(ref), method, weight, explanation, version, actor)
            for rid, (ref, method, weight, explanation) in sorted(picture.xrefs.items())
        ]
        events = [
            EventWrite(
                kind,
                real(ref),
                _real_or_none(other, placeholders, picture),
                rid,
                actor,
                reason,
                {},
                after,
                version,
            )
            for kind, ref, other, rid, reason, after in picture.events
            if not (kind == "merge" and other is not None and other.startswith(NEW))
        ]
        touched = {real(ref) for ref in picture.touched if picture.members.get(picture.final(ref))}
        emptied = {
            int(ref)
            for ref in picture.touched
            if not ref.startswith(NEW)
            and not picture.members.get(ref)
            and ref not in picture.redirect
        }
        known = {rid: rec for members in picture.members.values() for rid, rec in members.items()}
        members_of: dict[int, list[Member]] = {golden: [] for golden in touched | emptied}
        for ref, members in picture.members.items():
            if members and ref not in picture.redirect:
                golden = real(ref)
                if golden in members_of:
                    members_of[golden].extend(
                        replace(picture.meta[rid], golden_id=golden) for rid in sorted(members)
                    )
        if absorbed:  # pins of absorbed goldens have moved to their survivors
            pins = await golden_repo.pins(session, [g for g in touched | emptied if g > 0])
        # stored goldens by id, then the new ones in the order they are made (as ids would sort)
        order = sorted(touched | emptied, key=lambda g: (g < 0, abs(g)))
        views = golden_views.compose(order, members_of, self.config.policy, pins, known)
        record_ids = {
            (record.source_system, record.source_key): rid
            for members in picture.members.values()
            for rid, record in members.items()
        }
        reviews = [
            CandidateWrite(
                rid,
                real(ref),
                _other_record_id(record_ids, decision),
                decision.weight,
                decision.best.score.probability if decision.best else 0.0,
                decision.to_dict(),
                version,
            )
            for rid, ref, decision in picture.reviews
            if real(ref) != real(picture.golden_of[rid])
        ]
        summary.sent_to_review += len(reviews)
        kinds = [picture.kinds[ref] for ref in live_new]
        created = await outcome_repo.store(
            session, Outcome(kinds, xrefs, events, reviews, views), now
        )

        def stored(golden: int) -> int:
            return created[-golden - 1] if golden < 0 else golden

        await golden_repo.retire_empty(
            session, [stored(g) for g in order if not members_of.get(g)], now
        )
        summary.touched |= {stored(g) for g in touched | emptied}
        summary.touched |= {a for a, _ in absorbed}


def _picture(
    members: dict[int, list[Member]], kinds: dict[int, str], placed: dict[int, set[str]]
) -> tuple[_Picture, dict[int, tuple[str, str]]]:
    """The golden customers read for a batch, with their members; ``placed`` adds the
    references of orders a member placed (as the batch's records cite them)."""
    picture = _Picture()
    refs: dict[int, tuple[str, str]] = {}
    for golden_id, golden_members in sorted(members.items()):
        ref = str(golden_id)
        picture.created_order[ref] = golden_id
        picture.kinds[ref] = kinds.get(golden_id, "person")
        picture.members[ref] = {}
        for m in golden_members:
            picture.meta[m.source_record_id] = m
            picture.members[ref][m.source_record_id] = with_references(
                party_from_dict(m.attributes), sorted(placed.get(m.source_record_id, ()))
            )
            picture.golden_of[m.source_record_id] = ref
            refs[m.source_record_id] = (m.source_system, m.source_key)
    return picture, refs


async def _with_placed_orders(
    session: AsyncSession, changed: Sequence[ChangedParty]
) -> tuple[Sequence[ChangedParty], set[str]]:
    """The changed records with the references of the orders each one placed; those references."""
    placed = await references_repo.placed_orders(
        session, {(c.party.source_system, c.party.source_key) for c in changed}
    )
    if not placed:
        return changed, set()
    augmented = [
        replace(c, party=with_references(c.party, placed.get(_ref_of(c.party), ())))
        for c in changed
    ]
    return augmented, {r for refs in placed.values() for r in refs}


def _ref_of(party: PartyRecord) -> tuple[str, str]:
    return party.source_system, party.source_key


def _real_or_none(ref: str | None, ids: dict[str, int], picture: _Picture) -> int | None:
    if ref is None:
        return None
    final = picture.final(ref) if ref.startswith(NEW) else ref
    if final.startswith(NEW):
        return ids.get(final)
    return int(ref)


def _explanation(assignment: Assignment, chosen: GoldenDecision | None) -> dict[str, Any]:
    """What is kept on the cross-reference: the deciding pair and the versions used."""
    return {
        "decision": chosen.to_dict() if chosen is not None else None,
        "candidates": len(assignment.decisions),
        "merged": list(assignment.merge),
        "settings_version": assignment.settings_version,
        "model_version": assignment.model_version,
    }


def _decision_for(assignment: Assignment, group: list[str]) -> GoldenDecision | None:
    wanted = set(group)
    best = [d for d in assignment.decisions if d.golden_id in wanted and d.best is not None]
    return max(best, key=lambda d: d.weight) if best else None


def _other_record_id(
    record_ids: dict[tuple[str, str], int], decision: GoldenDecision
) -> int | None:
    return record_ids.get(decision.best.right) if decision.best is not None else None


def _tf_counts(
    sizes: dict[BlockingKey, int], tf_types: frozenset[str]
) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for key, size in sizes.items():
        if key.key_type in tf_types:
            counts.setdefault(key.key_type, {})[key.value] = size
    return counts


def _bucket(key: BlockingKey) -> int:
    digest = hashlib.blake2b(f"{key.key_type}\x1f{key.value}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % LOCK_BUCKETS


async def _lock_keys(session: AsyncSession, keys: Iterable[BlockingKey]) -> None:
    """Serialise writers whose records share a blocking key (PostgreSQL only)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    buckets = sorted({_bucket(k) for k in keys})
    if buckets:
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:ns, b) FROM unnest(CAST(:buckets AS int[])) AS b"),
            {"ns": LOCK_NAMESPACE, "buckets": buckets},
        )
