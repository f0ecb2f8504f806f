"""Bulk writes in one statement per chunk store what a per-row executemany stores."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, text, update

from cdhub.state import HubState
from cdhub.storage.models import AttributeLineage, GoldenCustomer, table_of
from cdhub.storage.repo import golden as golden_repo
from cdhub.storage.repo.source_records import insert_many, update_many

NOW = datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
COLUMNS = ("golden_id", "attribute", "value", "source_record_ids", "rule", "is_primary")


def _rows(golden: int) -> list[tuple[Any, ...]]:
    return [
        (golden, "person_name", "林晓明", [3, 1], "source_priority", True),
        (golden, "phone", None, [], "most_recent", False),
        (golden, "address", 'quote " and \\ backslash', [2], "x" * 64, True),
        (golden, "email", "a@x.cn", [7, 8, 9], "most_frequent", False),
    ]


async def _stored(hub: HubState, golden: int) -> list[tuple[Any, ...]]:
    async with hub.sessions() as session:
        rows = await session.execute(
            text(
                "SELECT attribute, value, CAST(source_record_ids AS TEXT), rule, is_primary,"
                " CAST(decided_at AS TEXT) FROM attribute_lineage WHERE golden_id = :g ORDER BY id"
            ),
            {"g": golden},
        )
        return [tuple(row) for row in rows]


async def test_insert_many_stores_the_same_values_and_order_as_an_executemany(
    hub: HubState,
) -> None:
    async with hub.sessions() as session, session.begin():
        bulk, each = await golden_repo.create(session, ["person", "person"], NOW)
        await insert_many(
            session, table_of(AttributeLineage), COLUMNS, _rows(bulk), {"decided_at": NOW}
        )
        await session.execute(
            insert(table_of(AttributeLineage)),
            [{**dict(zip(COLUMNS, row, strict=True)), "decided_at": NOW} for row in _rows(each)],
        )
    stored = await _stored(hub, bulk)
    assert stored == await _stored(hub, each)
    assert [row[0] for row in stored] == ["person_name", "phone", "address", "email"]
    assert stored[2][1] == 'quote " and \\ backslash'


async def _golden_row(hub: HubState, golden: int) -> tuple[Any, ...]:
    async with hub.sessions() as session:
        row = await session.execute(
            text(
                "SELECT kind, CAST(view AS TEXT), display_name, source_count, tier,"
                " CAST(updated_at AS TEXT) FROM golden_customers WHERE id = :g"
            ),
            {"g": golden},
        )
        return tuple(row.one())


async def test_update_many_sets_the_same_values_as_an_executemany(hub: HubState) -> None:
    view = {
        "display_name": "林晓明",
        "phones": [{"value": "+8613900000001", "primary": True}],
        # what JSON writers spell differently: floats, escapes, nulls, huge integers
        "odd": {"w": 0.1, "tiny": 1e-07, "q": 'a"b\\c\n', "none": None, "huge": 2**70},
    }
    values = {"kind": "organisation", "view": view, "display_name": "林晓明", "source_count": 3}
    async with hub.sessions() as session, session.begin():
        bulk, each, untouched = await golden_repo.create(session, ["person"] * 3, NOW)
        columns = ("id", *values)
        await update_many(
            session,
            table_of(GoldenCustomer),
            columns,
            [(bulk, *values.values())],
            {"updated_at": NOW},
        )
        await session.execute(
            update(GoldenCustomer)
            .where(GoldenCustomer.id == each)
            .values({**values, "updated_at": NOW})
        )
    assert await _golden_row(hub, bulk) == await _golden_row(hub, each)
    assert (await _golden_row(hub, bulk))[0] == "organisation"
    assert (await _golden_row(hub, untouched))[0] == "person"
