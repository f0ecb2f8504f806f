"""A batch's outcome stored at once: placeholders become the new goldens' ids on both databases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import text

from cdhub.state import HubState
from cdhub.storage.repo import match_outcome as outcome_repo
from cdhub.storage.repo import source_records as records_repo
from cdhub.storage.repo.decisions import CandidateWrite, EventWrite
from cdhub.storage.repo.golden import ViewWrite, XrefWrite
from cdhub.storage.repo.match_outcome import Outcome
from cdhub.storage.repo.source_records import RecordWrite

NOW = datetime(2025, 1, 2, tzinfo=UTC)
LATER = datetime(2025, 1, 3, tzinfo=UTC)


def _view(
    golden_id: int,
    name: str,
    identities: Sequence[tuple[str, str, bool, Sequence[int]]],
    sources: int = 1,
) -> ViewWrite:
    return ViewWrite(
        golden_id=golden_id,
        kind="person",
        view={"display_name": name},
        display_name=name,
        name_pinyin=None,
        search_text=name,
        primary_phone=None,
        primary_email=None,
        province=None,
        city=None,
        tier=None,
        source_count=sources,
        channel_count=1,
        identities=identities,
        lineage=[("display_name", name, [1], "only_value", True)],
    )


async def _rows(hub: HubState, sql: str) -> list[tuple[object, ...]]:
    async with hub.sessions() as session:
        return [tuple(row) for row in (await session.execute(text(sql))).all()]


async def test_new_goldens_get_ids_and_stored_views_are_replaced(hub: HubState) -> None:
    async with hub.sessions() as session, session.begin():
        a, b = await records_repo.insert_records(
            session,
            [RecordWrite("shop", k, "person", {}, {}, k.rjust(64, "0"), None) for k in "AB"],
            NOW,
        )
        (old,) = await outcome_repo.store(
            session,
            Outcome(
                ["person"],
                [XrefWrite(a, -1, "new", None, {}, "m1", "system")],
                [EventWrite("create", -1, None, a, "system", None, {}, {}, "m1")],
                [],
                [_view(-1, "old", [("phone", "+861", True, [a]), ("email", "a@x.cn", False, [a])])],
            ),
            NOW,
        )
    async with hub.sessions() as session, session.begin():
        await session.execute(
            text(
                "INSERT INTO match_candidates (source_record_id, golden_id, match_weight,"
                " probability, explanation, status) VALUES (:b, :g, 0, 0, '{}', 'rejected')"
            ),
            {"b": b, "g": old},
        )
    async with hub.sessions() as session, session.begin():
        first, second = await outcome_repo.store(
            session,
            Outcome(
                ["person", "organisation"],
                [
                    XrefWrite(a, old, "rematch", 2.5, {"why": "same"}, "m2", "system"),
                    XrefWrite(b, -2, "new", None, {}, "m2", "system"),
                ],
                [
                    EventWrite("split", -2, old, b, "system", "contradiction", {}, {}, "m2"),
                    EventWrite("join", old, None, a, "system", "rematch", {}, {}, "m2"),
                ],
                [
                    CandidateWrite(a, -2, b, 1.0, 0.6, {"n": 1}, "m2"),
                    CandidateWrite(a, -2, b, 1.5, 0.7, {"n": 2}, "m2"),  # the last one stays
                    CandidateWrite(b, old, a, 0.5, 0.5, {}, "m2"),  # a steward resolved it
                ],
                [
                    _view(
                        old, "kept", [("phone", "+861", False, [a]), ("phone", "+862", True, [a])]
                    ),
                    _view(-2, "org", [("email", "b@x.cn", True, [b])], sources=1),
                ],
            ),
            LATER,
        )
    assert old < first < second
    goldens = await _rows(
        hub,
        "SELECT id, kind, status, display_name, source_count, version FROM golden_customers"
        " ORDER BY id",
    )
    assert goldens == [
        (old, "person", "active", "kept", 1, 1),
        (first, "person", "active", None, 0, 1),  # no view: the caller retires it
        (second, "person", "active", "org", 1, 1),
    ]
    identities = await _rows(
        hub, "SELECT golden_id, kind, value, is_primary FROM golden_identities ORDER BY 1, 2, 3"
    )
    assert identities == [
        (old, "phone", "+861", False),
        (old, "phone", "+862", True),
        (second, "email", "b@x.cn", True),
    ]
    lineage = await _rows(hub, "SELECT golden_id, value FROM attribute_lineage ORDER BY 1")
    assert lineage == [(old, "kept"), (second, "org")]
    xrefs = await _rows(
        hub,
        "SELECT source_record_id, golden_id, home_golden_id, link_method, match_weight"
        " FROM xrefs ORDER BY 1",
    )
    assert xrefs == [(a, old, old, "rematch", 2.5), (b, second, second, "new", None)]
    events = await _rows(
        hub, "SELECT event_type, golden_id, other_golden_id FROM merge_events ORDER BY id"
    )
    assert events == [("create", old, None), ("split", second, old), ("join", old, None)]
    candidates = await _rows(
        hub,
        "SELECT source_record_id, golden_id, other_source_record_id, match_weight, status"
        " FROM match_candidates ORDER BY id",
    )
    assert candidates == [(b, old, None, 0.0, "rejected"), (a, second, b, 1.5, "open")]
