"""What matching a batch writes: new goldens, xrefs, merge events, review candidates and
the touched goldens' views.

:func:`store` writes them in one statement on PostgreSQL (data-modifying CTEs),
where a real-time match would otherwise pay six to ten round trips; on SQLite
(in-process) it runs the usual repository functions one after another. A golden
made by the batch has no id until it is stored, so the writes name it by a
placeholder: golden id ``-1`` is the first of ``new_kinds``, ``-2`` the second.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.storage.repo import decisions as decisions_repo
from cdhub.storage.repo import golden as golden_repo
from cdhub.storage.repo.decisions import CandidateWrite, EventWrite
from cdhub.storage.repo.golden import ViewWrite, XrefWrite


@dataclass(frozen=True, slots=True)
class Outcome:
    """The writes of one batch; negative golden ids are placeholders for ``new_kinds``.

    ``views`` of goldens that exist already replace their identities and lineage;
    ``candidates`` are opened for review unless a steward resolved the pair already.
    """

    new_kinds: Sequence[str]
    xrefs: Sequence[XrefWrite]
    events: Sequence[EventWrite]
    candidates: Sequence[CandidateWrite]
    views: Sequence[ViewWrite]


async def store(session: AsyncSession, outcome: Outcome, now: datetime) -> list[int]:
    """Store ``outcome``; the ids of the new goldens, in ``new_kinds`` order (ascending)."""
    if session.get_bind().dialect.name == "postgresql":
        return await _in_one_statement(session, outcome, now)
    created = await golden_repo.create(session, outcome.new_kinds, now)

    def real(golden: int) -> int:
        return created[-golden - 1] if golden < 0 else golden

    await golden_repo.set_xrefs(
        session,
        [
            replace(
                x,
                golden_id=real(x.golden_id),
                home_golden_id=real(x.home_golden_id or x.golden_id),
            )
            for x in outcome.xrefs
        ],
        now,
    )
    await decisions_repo.add_events(
        session,
        [
            replace(
                e,
                golden_id=real(e.golden_id),
                other_golden_id=None if e.other_golden_id is None else real(e.other_golden_id),
            )
            for e in outcome.events
        ],
        now,
    )
    await decisions_repo.add_candidates(
        session, [replace(c, golden_id=real(c.golden_id)) for c in outcome.candidates], now
    )
    await golden_repo.write_views(
        session, [replace(v, golden_id=real(v.golden_id)) for v in outcome.views], now, set(created)
    )
    return created


async def _in_one_statement(session: AsyncSession, outcome: Outcome, now: datetime) -> list[int]:
    views = [golden_repo.view_row(v) for v in outcome.views]
    identities = golden_repo.identity_rows(outcome.views)
    lineage = golden_repo.lineage_rows(outcome.views)
    xrefs = outcome.xrefs
    events = outcome.events
    # one row per pair (the last one given), as decisions_repo.add_candidates keeps them
    reviews = list({(c.source_record_id, c.golden_id): c for c in outcome.candidates}.values())
    params: dict[str, Any] = {
        "now": now,
        "new": len(outcome.new_kinds),
        "new_kinds": list(outcome.new_kinds),
        "replaced": sorted({v.golden_id for v in outcome.views if v.golden_id > 0}),
        **_columns("v", golden_repo.VIEW_COLUMNS, views),
        **_columns("i", golden_repo.IDENTITY_COLUMNS, identities),
        **_columns("l", golden_repo.LINEAGE_COLUMNS, lineage),
        "x_rid": [x.source_record_id for x in xrefs],
        "x_golden": [x.golden_id for x in xrefs],
        "x_home": [x.home_golden_id or x.golden_id for x in xrefs],
        "x_method": [x.link_method for x in xrefs],
        "x_weight": [x.match_weight for x in xrefs],
        "x_explanation": [json.dumps(x.explanation) for x in xrefs],
        "x_model": [x.model_version for x in xrefs],
        "x_by": [x.linked_by for x in xrefs],
        "e_type": [e.event_type for e in events],
        "e_golden": [e.golden_id for e in events],
        "e_other": [e.other_golden_id for e in events],
        "e_rid": [e.source_record_id for e in events],
        "e_actor": [e.actor for e in events],
        "e_reason": [e.reason for e in events],
        "e_before": [json.dumps(e.before) for e in events],
        "e_after": [json.dumps(e.after) for e in events],
        "e_model": [e.model_version for e in events],
        "c_rid": [c.source_record_id for c in reviews],
        "c_golden": [c.golden_id for c in reviews],
        "c_other": [c.other_source_record_id for c in reviews],
        "c_weight": [c.match_weight for c in reviews],
        "c_probability": [c.probability for c in reviews],
        "c_explanation": [json.dumps(c.explanation) for c in reviews],
        "c_model": [c.model_version for c in reviews],
    }
    result = await session.execute(_STORE, params)
    return [int(golden) for (golden,) in result]


_JSON_COLUMNS = frozenset({"view", "source_record_ids"})


def _columns(
    prefix: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> dict[str, list[Any]]:
    """One array per column, named ``{prefix}0``, ``{prefix}1``, ... (JSON as its text)."""
    return {
        f"{prefix}{i}": [json.dumps(row[i]) if name in _JSON_COLUMNS else row[i] for row in rows]
        for i, name in enumerate(columns)
    }


# ``ids`` draws the new goldens' ids in order; every golden id column maps a
# placeholder through it. Sibling CTEs run in no set order and see the rows as
# they were before the statement: replaced lineage is deleted and inserted anew,
# but an identity a view keeps is updated in place (deleting and inserting it
# again could meet in the unique (golden, kind, value) index) and only the
# identities it no longer has are deleted. A review candidate of a pair a steward
# resolved is left out, like decisions_repo.add_candidates does.
_STORE = text(
    """
WITH ids AS MATERIALIZED (
  SELECT n, nextval(pg_get_serial_sequence('golden_customers', 'id')) AS id
  FROM generate_series(1, CAST(:new AS int)) AS n
), views AS (
  SELECT t.*, i.id AS new_id
  FROM unnest(CAST(:v0 AS bigint[]), CAST(:v1 AS text[]), CAST(:v2 AS jsonb[]),
    CAST(:v3 AS text[]), CAST(:v4 AS text[]), CAST(:v5 AS text[]), CAST(:v6 AS text[]),
    CAST(:v7 AS text[]), CAST(:v8 AS text[]), CAST(:v9 AS text[]), CAST(:v10 AS text[]),
    CAST(:v11 AS int[]), CAST(:v12 AS int[]))
    AS t(id, kind, view, display_name, name_pinyin, search_text, primary_phone,
      primary_email, province, city, tier, source_count, channel_count)
  LEFT JOIN ids i ON i.n = -t.id
), created AS (
  INSERT INTO golden_customers (id, kind, status, view, display_name, name_pinyin,
    search_text, primary_phone, primary_email, province, city, tier, source_count,
    channel_count, version, created_at, updated_at)
  SELECT i.id, coalesce(v.kind, k.kind), 'active', coalesce(v.view, '{}'), v.display_name,
    v.name_pinyin, v.search_text, v.primary_phone, v.primary_email, v.province, v.city,
    v.tier, coalesce(v.source_count, 0), coalesce(v.channel_count, 0), 1,
    CAST(:now AS timestamptz), CAST(:now AS timestamptz)
  FROM ids i
  JOIN unnest(CAST(:new_kinds AS text[])) WITH ORDINALITY AS k(kind, n) ON k.n = i.n
  LEFT JOIN views v ON v.new_id = i.id
  ORDER BY i.n
), updated AS (
  UPDATE golden_customers g SET kind = v.kind, view = v.view, display_name = v.display_name,
    name_pinyin = v.name_pinyin, search_text = v.search_text, primary_phone = v.primary_phone,
    primary_email = v.primary_email, province = v.province, city = v.city, tier = v.tier,
    source_count = v.source_count, channel_count = v.channel_count,
    updated_at = CAST(:now AS timestamptz)
  FROM views v WHERE v.id > 0 AND g.id = v.id
), identity_rows AS (
  SELECT coalesce(i.id, t.golden) AS golden, t.kind, t.value, t.is_primary, t.sources, t.n
  FROM unnest(CAST(:i0 AS bigint[]), CAST(:i1 AS text[]), CAST(:i2 AS text[]),
    CAST(:i3 AS boolean[]), CAST(:i4 AS jsonb[]))
    WITH ORDINALITY AS t(golden, kind, value, is_primary, sources, n)
  LEFT JOIN ids i ON i.n = -t.golden
), dropped_identities AS (
  DELETE FROM golden_identities g
  WHERE g.golden_id = ANY(CAST(:replaced AS bigint[])) AND NOT EXISTS (SELECT 1
    FROM identity_rows r WHERE r.golden = g.golden_id AND r.kind = g.kind AND r.value = g.value)
), identities AS (
  INSERT INTO golden_identities (golden_id, kind, value, is_primary, source_record_ids)
  SELECT golden, kind, value, is_primary, sources FROM identity_rows ORDER BY n
  ON CONFLICT (golden_id, kind, value) DO UPDATE SET is_primary = excluded.is_primary,
    source_record_ids = excluded.source_record_ids
), dropped_lineage AS (
  DELETE FROM attribute_lineage WHERE golden_id = ANY(CAST(:replaced AS bigint[]))
), lineage AS (
  INSERT INTO attribute_lineage (golden_id, attribute, value, source_record_ids, rule,
    is_primary, decided_at)
  SELECT coalesce(i.id, t.golden), t.attribute, t.value, t.sources, t.rule, t.is_primary,
    CAST(:now AS timestamptz)
  FROM unnest(CAST(:l0 AS bigint[]), CAST(:l1 AS text[]), CAST(:l2 AS text[]),
    CAST(:l3 AS jsonb[]), CAST(:l4 AS text[]), CAST(:l5 AS boolean[]))
    WITH ORDINALITY AS t(golden, attribute, value, sources, rule, is_primary, n)
  LEFT JOIN ids i ON i.n = -t.golden
  ORDER BY t.n
), xrefs_written AS (
  INSERT INTO xrefs (source_record_id, golden_id, home_golden_id, link_method, match_weight,
    explanation, model_version, linked_by, linked_at)
  SELECT t.rid, coalesce(i.id, t.golden), coalesce(h.id, t.home), t.method, t.weight,
    t.explanation, t.model, t.linked_by, CAST(:now AS timestamptz)
  FROM unnest(CAST(:x_rid AS bigint[]), CAST(:x_golden AS bigint[]),
    CAST(:x_home AS bigint[]), CAST(:x_method AS text[]), CAST(:x_weight AS float8[]),
    CAST(:x_explanation AS jsonb[]), CAST(:x_model AS text[]), CAST(:x_by AS text[]))
    WITH ORDINALITY AS t(rid, golden, home, method, weight, explanation, model, linked_by, n)
  LEFT JOIN ids i ON i.n = -t.golden
  LEFT JOIN ids h ON h.n = -t.home
  ORDER BY t.n
  ON CONFLICT (source_record_id) DO UPDATE SET golden_id = excluded.golden_id,
    link_method = excluded.link_method, match_weight = excluded.match_weight,
    explanation = excluded.explanation, model_version = excluded.model_version,
    linked_by = excluded.linked_by, linked_at = excluded.linked_at
  WHERE xrefs.golden_id IS DISTINCT FROM excluded.golden_id
    OR xrefs.link_method IS DISTINCT FROM excluded.link_method
    OR xrefs.match_weight IS DISTINCT FROM excluded.match_weight
    OR xrefs.explanation IS DISTINCT FROM excluded.explanation
    OR xrefs.model_version IS DISTINCT FROM excluded.model_version
    OR xrefs.linked_by IS DISTINCT FROM excluded.linked_by
), events AS (
  INSERT INTO merge_events (event_type, golden_id, other_golden_id, source_record_id, actor,
    reason, before, after, model_version, created_at)
  SELECT t.kind, coalesce(i.id, t.golden), coalesce(o.id, t.other), t.rid, t.actor, t.reason,
    t.before, t.after, t.model, CAST(:now AS timestamptz)
  FROM unnest(CAST(:e_type AS text[]), CAST(:e_golden AS bigint[]), CAST(:e_other AS bigint[]),
    CAST(:e_rid AS bigint[]), CAST(:e_actor AS text[]), CAST(:e_reason AS text[]),
    CAST(:e_before AS jsonb[]), CAST(:e_after AS jsonb[]), CAST(:e_model AS text[]))
    WITH ORDINALITY AS t(kind, golden, other, rid, actor, reason, before, after, model, n)
  LEFT JOIN ids i ON i.n = -t.golden
  LEFT JOIN ids o ON o.n = -t.other
  ORDER BY t.n
), reviews AS (
  INSERT INTO match_candidates (source_record_id, golden_id, other_source_record_id,
    match_weight, probability, explanation, status, model_version, created_at)
  SELECT t.rid, g.golden, t.other, t.weight, t.probability, t.explanation, 'open', t.model,
    CAST(:now AS timestamptz)
  FROM unnest(CAST(:c_rid AS bigint[]), CAST(:c_golden AS bigint[]), CAST(:c_other AS bigint[]),
    CAST(:c_weight AS float8[]), CAST(:c_probability AS float8[]),
    CAST(:c_explanation AS jsonb[]), CAST(:c_model AS text[]))
    WITH ORDINALITY AS t(rid, golden, other, weight, probability, explanation, model, n)
  LEFT JOIN ids i ON i.n = -t.golden
  CROSS JOIN LATERAL (SELECT coalesce(i.id, t.golden) AS golden) AS g
  WHERE NOT EXISTS (SELECT 1 FROM match_candidates m WHERE m.source_record_id = t.rid
    AND m.golden_id = g.golden AND m.status <> 'open')
  ORDER BY t.n
  ON CONFLICT (source_record_id, golden_id) DO UPDATE SET
    other_source_record_id = excluded.other_source_record_id,
    match_weight = excluded.match_weight, probability = excluded.probability,
    explanation = excluded.explanation, model_version = excluded.model_version,
    created_at = excluded.created_at
  WHERE match_candidates.other_source_record_id IS DISTINCT FROM excluded.other_source_record_id
    OR match_candidates.match_weight IS DISTINCT FROM excluded.match_weight
    OR match_candidates.probability IS DISTINCT FROM excluded.probability
    OR match_candidates.explanation IS DISTINCT FROM excluded.explanation
    OR match_candidates.model_version IS DISTINCT FROM excluded.model_version
)
SELECT id FROM ids ORDER BY n
"""
)
