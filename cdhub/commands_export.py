"""`cdhub export`: customers, orders, tickets or the cross-reference, as CSV, JSONL or Parquet."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn
from sqlalchemy import Select, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.cli import app, run_async
from cdhub.console import console
from cdhub.settings import Settings
from cdhub.storage.engine import create_engine, create_sessionmaker
from cdhub.storage.models import GoldenCustomer, Order, SourceRecord, Ticket, Xref

PAGE = 5000


class Dataset(StrEnum):
    customers = "customers"
    orders = "orders"
    tickets = "tickets"
    xref = "xref"


class Format(StrEnum):
    csv = "csv"
    jsonl = "jsonl"
    parquet = "parquet"


# Orders and tickets name the party's source record; the golden customer comes via xref.
_ORDER_PARTY = and_(
    SourceRecord.source_system == Order.party_system, SourceRecord.source_key == Order.party_key
)
_TICKET_PARTY = and_(
    SourceRecord.source_system == Ticket.party_system, SourceRecord.source_key == Ticket.party_key
)

QUERIES: dict[Dataset, tuple[tuple[str, ...], Any]] = {
    Dataset.xref: (
        ("source_system", "source_key", "customer_id"),
        lambda after: (
            select(
                SourceRecord.id, SourceRecord.source_system, SourceRecord.source_key, Xref.golden_id
            )
            .join(Xref, Xref.source_record_id == SourceRecord.id)
            .where(SourceRecord.id > after)
            .order_by(SourceRecord.id)
        ),
    ),
    Dataset.customers: (
        (
            "customer_id",
            "kind",
            "name",
            "primary_phone",
            "primary_email",
            "province",
            "city",
            "tier",
            "source_count",
            "channel_count",
            "created_at",
        ),
        lambda after: (
            select(
                GoldenCustomer.id,
                GoldenCustomer.id,
                GoldenCustomer.kind,
                GoldenCustomer.display_name,
                GoldenCustomer.primary_phone,
                GoldenCustomer.primary_email,
                GoldenCustomer.province,
                GoldenCustomer.city,
                GoldenCustomer.tier,
                GoldenCustomer.source_count,
                GoldenCustomer.channel_count,
                GoldenCustomer.created_at,
            )
            .where(GoldenCustomer.status == "active", GoldenCustomer.id > after)
            .order_by(GoldenCustomer.id)
        ),
    ),
    Dataset.orders: (
        (
            "order_no",
            "source_system",
            "channel",
            "status",
            "ordered_at",
            "total_amount",
            "currency",
            "customer_id",
        ),
        lambda after: (
            select(
                Order.id,
                Order.order_no,
                Order.source_system,
                Order.channel,
                Order.status,
                Order.ordered_at,
                Order.total_amount,
                Order.currency,
                Xref.golden_id,
            )
            .outerjoin(SourceRecord, _ORDER_PARTY)
            .outerjoin(Xref, Xref.source_record_id == SourceRecord.id)
            .where(Order.id > after)
            .order_by(Order.id)
        ),
    ),
    Dataset.tickets: (
        (
            "ticket_no",
            "source_system",
            "status",
            "category",
            "order_no",
            "batch_no",
            "satisfaction",
            "opened_at",
            "customer_id",
        ),
        lambda after: (
            select(
                Ticket.id,
                Ticket.ticket_no,
                Ticket.source_system,
                Ticket.status,
                Ticket.category,
                Ticket.order_no,
                Ticket.batch_no,
                Ticket.satisfaction,
                Ticket.opened_at,
                Xref.golden_id,
            )
            .outerjoin(SourceRecord, _TICKET_PARTY)
            .outerjoin(Xref, Xref.source_record_id == SourceRecord.id)
            .where(Ticket.id > after)
            .order_by(Ticket.id)
        ),
    ),
}


async def rows_of(session: AsyncSession, dataset: Dataset) -> AsyncIterator[Sequence[Any]]:
    """Every row of a dataset, paged by keyset on the primary key (no OFFSET)."""
    _, query = QUERIES[dataset]
    after = 0
    while True:
        statement: Select[Any] = query(after).limit(PAGE)
        page = (await session.execute(statement)).all()
        if not page:
            return
        for row in page:
            yield row[1:]
        after = page[-1][0]


@contextmanager
def _output(path: Path | None, binary: bool) -> Iterator[IO[Any]]:
    if path is None:
        yield sys.stdout.buffer if binary else sys.stdout
        return
    if binary:
        with path.open("wb") as raw:
            yield raw
    else:
        with path.open("w", encoding="utf-8", newline="") as text:
            yield text


def _text(value: Any) -> Any:
    if value is None or isinstance(value, (int, float, str)):
        return value
    if isinstance(value, datetime):
        # SQLite hands timestamps back naive; everything is stored in UTC.
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return str(value)


@app.command()
def export(
    dataset: Annotated[Dataset, typer.Argument(help="What to export.")],
    format: Annotated[Format, typer.Option("--format", help="File format.")] = Format.csv,
    output: Annotated[Path | None, typer.Option(help="File to write (default: stdout).")] = None,
) -> None:
    """Export golden customers, orders, tickets or the cross-reference."""
    if format is Format.parquet and output is None:
        console.print("[red]--format parquet needs --output FILE")
        raise typer.Exit(2)
    header, _ = QUERIES[dataset]

    async def _run(settings: Settings) -> int:
        engine = create_engine(settings)
        count = 0
        try:
            async with create_sessionmaker(engine)() as session:
                with Progress(
                    SpinnerColumn(), TextColumn("{task.description}"), console=console
                ) as progress:
                    task = progress.add_task(f"export {dataset.value}", total=None)
                    rows: list[list[Any]] = []
                    with _output(output, binary=format is Format.parquet) as sink:
                        writer = csv.writer(sink) if format is Format.csv else None
                        if writer is not None:
                            writer.writerow(header)
                        async for row in rows_of(session, dataset):
                            values = [_text(v) for v in row]
                            count += 1
                            if writer is not None:
                                writer.writerow(values)
                            elif format is Format.jsonl:
                                sink.write(
                                    json.dumps(
                                        dict(zip(header, values, strict=True)), ensure_ascii=False
                                    )
                                    + "\n"
                                )
                            else:
                                rows.append(values)
                            if count % PAGE == 0:
                                progress.update(
                                    task, description=f"export {dataset.value}: {count}"
                                )
                        if format is Format.parquet:
                            _write_parquet(sink, header, rows)
        finally:
            await engine.dispose()
        return count

    count = run_async(_run)
    console.print(f"exported {count} {dataset.value} rows")


def _write_parquet(sink: IO[bytes], header: Sequence[str], rows: list[list[Any]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {name: [row[i] for row in rows] for i, name in enumerate(header)}
    pq.write_table(pa.table(columns), sink)
