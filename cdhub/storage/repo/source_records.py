"""Source records: versioned by content hash, one row per (source system, key)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import orjson
from sqlalchemy import (
    JSON,
    BindParameter,
    Table,
    bindparam,
    func,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.storage.models import SourceRecord, SourceRecordVersion, Xref, table_of
from cdhub.storage.repo.key_pairs import pair_chunks, pair_in
from cdhub.storage.repo.row_arrays import CHUNK as ARRAY_CHUNK
from cdhub.storage.repo.row_arrays import array_params, rows_from_arrays

CHUNK = 500
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class StoredRecord:
    id: int
    source_system: str
    source_key: str
    version: int
    content_hash: str
    attributes: dict[str, Any]
    received_at: datetime
    erased: bool


@dataclass(frozen=True, slots=True)
class RecordWrite:
    """A party record to store: raw payload, normalised attributes and their hash."""

    source_system: str
    source_key: str
    party_kind: str
    raw: dict[str, Any]
    attributes: dict[str, Any]
    content_hash: str
    observed_at: datetime | None


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def insert_many(
    session: AsyncSession,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    constants: Mapping[str, Any] | None = None,
) -> None:
    """Insert ``rows`` (values in ``columns`` order) in the order given, plus ``constants``.

    One INSERT ... SELECT per chunk of many thousand rows, the rows sent as one
    parameter (see :func:`_row_source`) instead of one set of bound values per
    row: the per-row work of an executemany is most of the cost of a bulk write.
    """

    def statement(quote: Callable[[str], str], source: str, fixed: Sequence[str]) -> str:
        names = ", ".join(quote(name) for name in [*columns, *fixed])
        values = ", ".join([*(f"t.c{i}" for i in range(len(columns))), *(f":k_{n}" for n in fixed)])
        return (
            f"INSERT INTO {quote(table.name)} ({names}) SELECT {values} FROM {source} ORDER BY t.n"
        )

    await _per_chunk(session, table, columns, rows, constants, statement)


async def update_many(
    session: AsyncSession,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    constants: Mapping[str, Any] | None = None,
) -> None:
    """Set ``columns[1:]`` (and ``constants``) of the row whose ``columns[0]`` (a key) is
    each row's first value: an UPDATE ... FROM per chunk, like :func:`insert_many`."""

    def statement(quote: Callable[[str], str], source: str, fixed: Sequence[str]) -> str:
        sets = ", ".join(
            [
                *(f"{quote(c)} = t.c{i}" for i, c in enumerate(columns) if i),
                *(f"{quote(n)} = :k_{n}" for n in fixed),
            ]
        )
        target, key = quote(table.name), quote(columns[0])
        return f"UPDATE {target} SET {sets} FROM {source} WHERE {target}.{key} = t.c0"

    await _per_chunk(session, table, columns, rows, constants, statement)


async def _per_chunk(
    session: AsyncSession,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    constants: Mapping[str, Any] | None,
    statement: Callable[[Callable[[str], str], str, Sequence[str]], str],
) -> None:
    if not rows:
        return
    fixed = dict(constants or {})
    source, parts = _row_source(session, table, columns, rows)
    quote = session.get_bind().dialect.identifier_preparer.quote
    sql = text(statement(quote, source, list(fixed))).bindparams(*_constants(table, fixed))
    for params in parts:
        await session.execute(sql, params)


def _constants(table: Table, fixed: Mapping[str, Any]) -> list[BindParameter[Any]]:
    return [bindparam(f"k_{name}", v, type_=table.c[name].type) for name, v in fixed.items()]


def _row_source(
    session: AsyncSession, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> tuple[str, list[dict[str, Any]]]:
    """A FROM item ``t`` giving ``rows`` as columns c0, c1, ... and their position n,
    with the parameters of each chunk of rows.

    SQLite: the chunk is one JSON array read by ``json_each``; PostgreSQL: one array
    per column, unnested. JSON columns get the same text SQLAlchemy would write on
    SQLite, which stores it as it is; PostgreSQL parses it into JSONB, where the
    spelling does not matter, so orjson writes it (a rebuild writes every view).
    """
    dialect = session.get_bind().dialect
    json_columns = {i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)}
    if json_columns:
        encode = _json_text if dialect.name == "postgresql" else json.dumps
        rows = [[encode(v) if i in json_columns else v for i, v in enumerate(row)] for row in rows]
    names = ", ".join(f"c{i}" for i in range(len(columns)))
    if dialect.name == "postgresql":
        arrays = ", ".join(
            f"CAST(:c{i} AS {_array_type(table.c[c].type.compile(dialect=dialect))}[])"
            for i, c in enumerate(columns)
        )
        return f"unnest({arrays}) WITH ORDINALITY AS t({names}, n)", [
            {f"c{i}": [row[i] for row in part] for i in range(len(columns))}
            for part in chunks(rows, 20000)
        ]
    values = ", ".join(f"json_extract(j.value, '$[{i}]') AS c{i}" for i in range(len(columns)))
    return f"(SELECT {values}, j.key AS n FROM json_each(:rows) AS j) AS t", [
        {"rows": json.dumps(list(part), ensure_ascii=False)} for part in chunks(rows, 5000)
    ]


def _json_text(value: Any) -> str:
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # what orjson refuses (an integer beyond 64 bits) json still writes
        return json.dumps(value)


def _array_type(compiled: str) -> str:
    """The element type of a column's array: VARCHAR(24) -> VARCHAR (a cast would cut)."""
    return re.sub(r"\(\d+\)", "", compiled)


async def load_by_keys(
    session: AsyncSession, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], StoredRecord]:
    """Current stored records for (source system, source key) pairs."""
    found: dict[tuple[str, str], StoredRecord] = {}
    for part in pair_chunks(session, keys):
        rows = await session.execute(
            select(SourceRecord).where(
                pair_in(session, (SourceRecord.source_system, SourceRecord.source_key), part)
            )
        )
        for row in rows.scalars():
            found[(row.source_system, row.source_key)] = _stored(row)
    return found


async def load_by_ids(session: AsyncSession, ids: Iterable[int]) -> dict[int, StoredRecord]:
    wanted = sorted(set(ids))
    found: dict[int, StoredRecord] = {}
    for part in chunks(wanted):
        rows = await session.execute(select(SourceRecord).where(SourceRecord.id.in_(part)))
        for row in rows.scalars():
            found[row.id] = _stored(row)
    return found


def _stored(row: SourceRecord) -> StoredRecord:
    return StoredRecord(
        id=row.id,
        source_system=row.source_system,
        source_key=row.source_key,
        version=row.version,
        content_hash=row.content_hash,
        attributes=row.attributes,
        received_at=row.received_at,
        erased=row.erased,
    )


async def insert_records(
    session: AsyncSession, writes: Sequence[RecordWrite], now: datetime
) -> list[int]:
    """Insert new source records (version 1) and their first version row; ids in order."""
    if not writes:
        return []
    rows = [
        {
            "source_system": w.source_system,
            "source_key": w.source_key,
            "party_kind": w.party_kind,
            "version": 1,
            "content_hash": w.content_hash,
            "raw": w.raw,
            "attributes": w.attributes,
            "observed_at": w.observed_at,
            "received_at": now,
            "updated_at": now,
            "erased": False,
        }
        for w in writes
    ]
    if session.get_bind().dialect.name == "postgresql":
        ids = await _insert_from_arrays(session, rows)
    else:
        result = await session.execute(
            insert(SourceRecord).returning(SourceRecord.id, sort_by_parameter_order=True), rows
        )
        ids = [row[0] for row in result]
    await _insert_versions(session, ids, now)
    return ids


async def _insert_from_arrays(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[int]:
    """PostgreSQL: insert ``rows`` by one statement per `row_arrays.CHUNK`; their ids in order."""
    table = table_of(SourceRecord)
    columns = list(rows[0])
    statement = (
        insert(table)
        .from_select(columns, rows_from_arrays(table, columns))
        .returning(table.c.id, table.c.source_system, table.c.source_key)
    )
    ids: dict[tuple[str, str], int] = {}
    for part in chunks(rows, ARRAY_CHUNK):
        result = await session.execute(statement, array_params(columns, part))
        ids.update({(system, key): int(i) for i, system, key in result})
    return [ids[(row["source_system"], row["source_key"])] for row in rows]


async def update_records(
    session: AsyncSession,
    changes: Sequence[tuple[StoredRecord, RecordWrite]],
    now: datetime,
) -> None:
    """Store a new version of changed records (the history keeps every version)."""
    if not changes:
        return
    table = table_of(SourceRecord)
    await session.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(
            version=bindparam("b_version"),
            content_hash=bindparam("b_hash"),
            raw=bindparam("b_raw"),
            attributes=bindparam("b_attributes"),
            party_kind=bindparam("b_kind"),
            observed_at=bindparam("b_observed"),
            updated_at=now,
            received_at=now,
            erased=False,
        ),
        [
            {
                "b_id": stored.id,
                "b_version": stored.version + 1,
                "b_hash": write.content_hash,
                "b_raw": write.raw,
                "b_attributes": write.attributes,
                "b_kind": write.party_kind,
                "b_observed": write.observed_at,
            }
            for stored, write in changes
        ],
    )
    await _insert_versions(session, [stored.id for stored, _ in changes], now)


async def _insert_versions(session: AsyncSession, ids: Sequence[int], now: datetime) -> None:
    """Copy the current version of records into their history, inside the database
    (the payloads are not encoded and sent a second time)."""
    current = table_of(SourceRecord)
    for part in chunks(sorted(ids)):
        await session.execute(
            insert(table_of(SourceRecordVersion)).from_select(
                ["source_record_id", "version", "content_hash", "raw", "attributes", "received_at"],
                select(
                    current.c.id,
                    current.c.version,
                    current.c.content_hash,
                    current.c.raw,
                    current.c.attributes,
                    literal(now, current.c.received_at.type),
                ).where(current.c.id.in_(part)),
            )
        )


async def approximate_count(session: AsyncSession) -> int:
    """How many source records exist, roughly: the highest id (an index lookup, not a scan).

    Term frequencies only need the order of magnitude; an exact count(*) would
    read the whole table on every real-time match.
    """
    return int(await session.scalar(select(func.max(SourceRecord.id))) or 0)


async def party_count(session: AsyncSession) -> int:
    """Stored party records that are not erased (an exact count, for rare decisions)."""
    query = select(func.count(SourceRecord.id)).where(SourceRecord.erased.is_(False))
    return int(await session.scalar(query) or 0)


async def party_counts(session: AsyncSession) -> dict[str, int]:
    """Stored party records that are not erased, per source system (exact counts)."""
    query = (
        select(SourceRecord.source_system, func.count(SourceRecord.id))
        .where(SourceRecord.erased.is_(False))
        .group_by(SourceRecord.source_system)
    )
    return {str(system): int(n) for system, n in (await session.execute(query)).all()}


async def any_unmatched(session: AsyncSession) -> bool:
    """Whether a stored (not erased) record belongs to no golden customer yet: a
    deferred load awaiting its batch match, or one cut short before it ran."""
    linked = select(Xref.source_record_id).where(Xref.source_record_id == SourceRecord.id)
    query = select(SourceRecord.id).where(SourceRecord.erased.is_(False), ~linked.exists()).limit(1)
    return (await session.scalar(query)) is not None


async def all_parties(session: AsyncSession) -> list[tuple[int, str, str, dict[str, Any]]]:
    """Every stored (not erased) party record: id, system, key, attributes; by id."""
    rows = await session.stream(
        select(
            SourceRecord.id,
            SourceRecord.source_system,
            SourceRecord.source_key,
            SourceRecord.attributes,
        )
        .where(SourceRecord.erased.is_(False))
        .order_by(SourceRecord.id)
        .execution_options(yield_per=5000)
    )
    return [(int(i), s, k, a) async for i, s, k, a in rows]
