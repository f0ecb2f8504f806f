"""Every table of a hub database by content, for comparing two runs that should agree.

Surrogate ids and wall-clock stamps differ between runs (PostgreSQL does not
roll sequences back, a killed run burns some), so rows are compared by what
they say: a source record by (system, key), a golden customer by the source
records it was created for (``xrefs.home_golden_id``), an order item by its
order's number. Ids inside JSON (``sources``, ``source_record_ids``) become
natural keys too. Golden customers therefore compare as the partition of
source records into clusters, plus everything said about each cluster.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import JSON, Text, cast, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cdhub.storage.models import Base

#: Columns that say when a row was written, not what it says.
VOLATILE = frozenset(
    {
        "created_at",
        "updated_at",
        "received_at",
        "linked_at",
        "decided_at",
        "pinned_at",
        "trained_at",
        "resolved_at",
        "replayed_at",
        "last_used_at",
        "erased_at",
        "at",
    }
)
RECORD_COLUMNS = frozenset(
    {
        "source_record_id",
        "left_source_record_id",
        "right_source_record_id",
        "other_source_record_id",
        "person_record_id",
    }
)
GOLDEN_COLUMNS = frozenset({"golden_id", "merged_into_id", "home_golden_id", "other_golden_id"})
RECORD_LIST_KEYS = frozenset({"sources", "source_record_ids"})

Row = tuple[Any, ...]
Snapshot = dict[str, Counter[Row]]
_ID_KEYS = ('"sources"', '"source_record_ids"', '"source_record_id"', '"golden_id"', '"merged"')
GOLDEN_KEYS = frozenset({"golden_id"})
GOLDEN_LIST_KEYS = frozenset({"merged"})  # golden ids an xref's decision absorbed


async def snapshot(
    sessions: async_sessionmaker[AsyncSession], skip: Iterable[str] = ()
) -> Snapshot:
    """Each table (but ``skip``) as a multiset of its rows in natural-key form.

    JSON columns are read as text (PostgreSQL prints jsonb canonically) and only
    parsed when they hold record ids to translate, which keeps 100,000-record
    databases quick to compare.
    """
    wanted = [t for t in Base.metadata.sorted_tables if t.name not in set(skip)]
    async with sessions() as session:
        tables: dict[str, tuple[list[str], list[Row]]] = {}
        for table in wanted:
            columns = [c for c in table.columns if c.name != "id" and c.name not in VOLATILE]
            if "id" in table.c:  # read to resolve references, not compared
                columns.insert(0, table.c.id)
            selected = [cast(c, Text) if isinstance(c.type, JSON) else c for c in columns]
            rows = (await session.execute(select(*selected))).all()
            tables[table.name] = ([c.name for c in columns], [tuple(r) for r in rows])
    record_key = _keys(tables, "source_records", "source_system", "source_key")
    golden_label = _golden_labels(tables, record_key)
    order_key = _keys(tables, "orders", "source_system", "order_no")
    ticket_key = _keys(tables, "tickets", "source_system", "ticket_no")

    def value(column: str, raw: Any) -> Any:
        if raw is None:
            return None
        if column in RECORD_COLUMNS:
            return record_key.get(raw, f"?record#{raw}")
        if column in GOLDEN_COLUMNS:
            return golden_label.get(raw, f"?golden#{raw}")
        if column == "order_id":
            return order_key.get(raw, f"?order#{raw}")
        if column == "ticket_id":
            return ticket_key.get(raw, f"?ticket#{raw}")
        if isinstance(raw, str) and raw[:1] in ("{", "[") and any(k in raw for k in _ID_KEYS):
            try:
                document = json.loads(raw)
            except ValueError:
                return raw
            if column in RECORD_LIST_KEYS and isinstance(document, list):
                return tuple(sorted(record_key.get(i, f"?record#{i}") for i in document))
            return json.dumps(_translated(document, record_key, golden_label), sort_keys=True)
        if column in RECORD_LIST_KEYS and isinstance(raw, str) and raw.startswith("["):
            ids = json.loads(raw)
            return tuple(sorted(record_key.get(i, f"?record#{i}") for i in ids))
        if isinstance(raw, float):
            return round(raw, 9)
        return raw

    out: Snapshot = {}
    for name, (columns, rows) in tables.items():
        kept = [i for i, c in enumerate(columns) if c != "id"]
        out[name] = Counter(tuple(value(columns[i], row[i]) for i in kept) for row in rows)
    return out


def rows_of(snap: Snapshot, table: str) -> int:
    return sum(snap[table].values())


def clusters(snap: Snapshot) -> set[frozenset[str]]:
    """The partition of linked source records into golden customers (from ``xrefs``)."""
    names = [c.name for c in Base.metadata.tables["xrefs"].columns if c.name not in VOLATILE]
    record, golden = names.index("source_record_id"), names.index("golden_id")
    by_golden: dict[str, set[str]] = {}
    for row in snap["xrefs"]:
        by_golden.setdefault(str(row[golden]), set()).add(str(row[record]))
    return {frozenset(members) for members in by_golden.values()}


def differences(left: Snapshot, right: Snapshot, limit: int = 3) -> dict[str, list[str]]:
    """Per table that differs, up to ``limit`` rows found only left (-) and only right (+)."""
    found: dict[str, list[str]] = {}
    for name in sorted(set(left) | set(right)):
        a, b = left.get(name, Counter()), right.get(name, Counter())
        if a == b:
            continue
        only_a = sorted(repr(r) for r in (a - b).elements())
        only_b = sorted(repr(r) for r in (b - a).elements())
        found[name] = [f"- {r[:300]}" for r in only_a[:limit]]
        found[name] += [f"+ {r[:300]}" for r in only_b[:limit]]
        if only_a and only_b:  # where the closest pair parts
            x, y = only_a[0], only_b[0]
            at = next((i for i, (p, q) in enumerate(zip(x, y, strict=False)) if p != q), 0)
            found[name].append(f"first pair parts at {at}: -…{x[at - 80 : at + 120]}")
            found[name].append(f"                          +…{y[at - 80 : at + 120]}")
        found[name].append(f"{len(only_a)} rows only left, {len(only_b)} only right")
    return found


def _keys(
    tables: Mapping[str, tuple[list[str], list[Row]]], table: str, *columns: str
) -> dict[int, str]:
    if table not in tables:
        return {}
    names, rows = tables[table]
    ident, *parts = (names.index(c) for c in ("id", *columns))
    return {row[ident]: ":".join(str(row[p]) for p in parts) for row in rows}


def _golden_labels(
    tables: Mapping[str, tuple[list[str], list[Row]]], record_key: Mapping[int, str]
) -> dict[int, str]:
    """Name each golden id by the records it was created for (else its members, else its rank)."""
    home: dict[int, list[str]] = {}
    members: dict[int, list[str]] = {}
    if "xrefs" in tables:
        names, rows = tables["xrefs"]
        record, golden, first = (
            names.index(c) for c in ("source_record_id", "golden_id", "home_golden_id")
        )
        for row in rows:
            key = record_key.get(row[record], "?")
            if row[first] is not None:
                home.setdefault(row[first], []).append(key)
            members.setdefault(row[golden], []).append(key)
    labels: dict[int, str] = {}
    if "golden_customers" not in tables:
        return labels
    names, rows = tables["golden_customers"]
    ident = names.index("id")
    orphans = 0
    for gid in sorted(row[ident] for row in rows):
        named = home.get(gid) or members.get(gid)
        if named:
            labels[gid] = "golden[" + ",".join(sorted(named)) + "]"
        else:
            orphans += 1
            labels[gid] = f"golden#{orphans}"
    return labels


def _translated(raw: Any, record_key: Mapping[int, str], golden_label: Mapping[int, str]) -> Any:
    """A JSON document with the record and golden ids inside it replaced by natural keys."""
    if isinstance(raw, dict):
        out: dict[str, Any] = {}
        for k, v in raw.items():
            if k in RECORD_LIST_KEYS and isinstance(v, list):
                out[k] = sorted(record_key.get(i, f"?record#{i}") for i in v)
            elif k == "source_record_id" and isinstance(v, int):
                out[k] = record_key.get(v, f"?record#{v}")
            elif k in GOLDEN_KEYS and str(v).isdigit():  # explanations write it as text
                out[k] = golden_label.get(int(v), f"?golden#{v}")
            elif k in GOLDEN_LIST_KEYS and isinstance(v, list):
                out[k] = sorted(
                    golden_label.get(int(g), f"?golden#{g}") if str(g).isdigit() else str(g)
                    for g in v
                )
            else:
                out[k] = _translated(v, record_key, golden_label)
        return out
    if isinstance(raw, list):
        return [_translated(v, record_key, golden_label) for v in raw]
    return raw
