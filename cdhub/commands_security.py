"""`cdhub keys`, `cdhub partners`, `cdhub audit` and `cdhub erase`: access control by CLI.

Every change made here is written to the audit log as the operator
(``cli:$USER``, role admin), like a change made through the API.
"""

from __future__ import annotations

import getpass
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.cli import app, run_async
from cdhub.console import console
from cdhub.security import api_keys, audit, erasure, partners
from cdhub.security.principal import Principal, Role
from cdhub.settings import Settings
from cdhub.storage.engine import create_engine, create_sessionmaker

T = TypeVar("T")

keys_app = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)
partners_app = typer.Typer(
    help="Partners and the customers assigned to them.", no_args_is_help=True
)
app.add_typer(keys_app, name="keys")
app.add_typer(partners_app, name="partners")


def operator() -> Principal:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Principal(role=Role.ADMIN, name=f"cli:{user}")


def in_transaction(work: Callable[[AsyncSession, datetime], Awaitable[T]]) -> T:
    """Run ``work`` in one committed unit of work; a ValueError ends the command with 2."""

    async def _run(settings: Settings) -> T:
        engine = create_engine(settings)
        try:
            async with create_sessionmaker(engine)() as session, session.begin():
                return await work(session, datetime.now(UTC))
        finally:
            await engine.dispose()

    try:
        return run_async(_run)
    except ValueError as exc:
        console.print(f"[red]{exc}")
        raise typer.Exit(2) from None


def _when(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value is not None else "-"


@keys_app.command("create")
def keys_create(
    role: Annotated[Role, typer.Option(help="What the key may do.")],
    name: Annotated[str, typer.Option(help="Who or what holds the key.")] = "",
    partner: Annotated[str | None, typer.Option(help="Partner code (partner keys).")] = None,
    customer: Annotated[
        int | None, typer.Option(help="Golden customer id (self-service keys).")
    ] = None,
    pii: Annotated[
        bool, typer.Option("--pii", help="Partner keys: see assigned customers unmasked.")
    ] = False,
) -> None:
    """Create a key. The key is printed once, alone on the last line; only its hash is kept."""
    label = name or f"{role.value}-key"

    async def work(session: AsyncSession, now: datetime) -> api_keys.NewKey:
        created = await api_keys.create_key(
            session,
            role,
            label,
            now,
            partner_code=partner,
            golden_id=customer,
            grants=["pii"] if pii else [],
        )
        scope = [customer] if customer is not None else []
        detail = f"key {created.id} role {role.value}"
        await audit.record(session, operator(), "cli:keys.create", scope, now, detail)
        return created

    created = in_transaction(work)
    typer.echo(f"created key {created.id} ({role.value}, prefix {created.prefix}); store it now:")
    typer.echo(created.key)


@keys_app.command("list")
def keys_list(
    all_keys: Annotated[bool, typer.Option("--all", help="Include revoked keys.")] = False,
) -> None:
    """Keys without their secrets."""

    async def work(session: AsyncSession, _now: datetime) -> list[api_keys.KeyInfo]:
        return await api_keys.list_keys(session, include_revoked=all_keys)

    typer.echo("id\tprefix\trole\tname\tpartner\tcustomer\tgrants\tcreated\tlast_used\trevoked")
    for key in in_transaction(work):
        typer.echo(
            "\t".join(
                [
                    str(key.id),
                    key.prefix,
                    key.role,
                    key.name,
                    key.partner_code or "-",
                    str(key.golden_id or "-"),
                    ",".join(key.grants) or "-",
                    _when(key.created_at),
                    _when(key.last_used_at),
                    _when(key.revoked_at),
                ]
            )
        )


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[int, typer.Argument(help="The key's id.")]) -> None:
    """Revoke a key at once; requests with it get 401 from now on."""

    async def work(session: AsyncSession, now: datetime) -> bool:
        done = await api_keys.revoke_key(session, key_id, now)
        if done:
            await audit.record(session, operator(), "cli:keys.revoke", [], now, f"key {key_id}")
        return done

    if not in_transaction(work):
        console.print(f"[red]no active key has the id {key_id}")
        raise typer.Exit(1)
    typer.echo(f"revoked key {key_id}")


_DURATION = re.compile(r"^(\d+)([mhd])$")


def parse_since(value: str | None, now: datetime) -> datetime | None:
    """``30m``, ``12h``, ``7d`` back from now, or an ISO date/time (naive: Beijing)."""
    if value is None:
        return None
    match = _DURATION.match(value.strip())
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        minutes = amount * {"m": 1, "h": 60, "d": 1440}[unit]
        return now - timedelta(minutes=minutes)
    parsed = partners.parse_time(value)
    assert parsed is not None
    return parsed


@app.command("audit")
def audit_log(
    since: Annotated[
        str | None, typer.Option(help="ISO time, or 30m / 12h / 7d back from now.")
    ] = None,
    operation: Annotated[
        str | None, typer.Option(help="Exact operation, or a prefix ending in * (Mutation.*).")
    ] = None,
    customer: Annotated[int | None, typer.Option(help="Only rows naming this customer.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000)] = 1000,
) -> None:
    """Print the audit log (oldest first): time, key, role, operation, customers, detail."""

    async def work(session: AsyncSession, now: datetime) -> list[audit.AuditRow]:
        return await audit.entries(
            session,
            since=parse_since(since, now),
            operation=operation,
            customer_id=customer,
            limit=limit,
        )

    typer.echo("at\tkey\trole\toperation\tcustomers\tdetail")
    for row in in_transaction(work):
        key = f"{row.key_name}#{row.key_id}" if row.key_id is not None else row.key_name
        ids = ",".join(str(i) for i in row.customer_ids) or "-"
        typer.echo(
            f"{_when(row.at)}\t{key}\t{row.role}\t{row.operation}\t{ids}\t{row.detail or ''}"
        )


@partners_app.command("create")
def partners_create(
    code: Annotated[str, typer.Argument(help="Short unique code, e.g. D001.")],
    name: Annotated[str, typer.Argument(help="The partner's name.")],
    kind: Annotated[str, typer.Option(help="dealer or distributor.")] = "dealer",
) -> None:
    """Add a partner."""

    async def work(session: AsyncSession, now: datetime) -> int:
        created = await partners.create_partner(session, code, name, kind, now)
        await audit.record(session, operator(), "cli:partners.create", [], now, f"partner {code}")
        return created

    typer.echo(f"created partner {code} (id {in_transaction(work)})")


@partners_app.command("list")
def partners_list() -> None:
    """Partners and how many customers each has now."""

    async def work(session: AsyncSession, now: datetime) -> list[partners.PartnerInfo]:
        return await partners.list_partners(session, now)

    typer.echo("code\tkind\tassigned\tname")
    for p in in_transaction(work):
        typer.echo(f"{p.code}\t{p.kind}\t{p.assigned}\t{p.name}")


@partners_app.command("assign")
def partners_assign(
    code: Annotated[str | None, typer.Argument(help="Partner code (not with --file).")] = None,
    customer: Annotated[
        list[int] | None, typer.Option(help="Golden customer id; repeat for more.")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            help="CSV: partner, customer_id (or source_system, source_key)[, starts_at, ends_at]."
        ),
    ] = None,
    rule: Annotated[
        str | None,
        typer.Option(help="SYSTEM.FIELD=VALUE over raw source records, e.g. erp.VKBUR=1010."),
    ] = None,
    starts: Annotated[str | None, typer.Option(help="Start (ISO; default now).")] = None,
    ends: Annotated[str | None, typer.Option(help="End (ISO; default open).")] = None,
) -> None:
    """Assign customers to a partner: by id, from a CSV file, or by a rule on a source field."""
    chosen = [bool(customer), file is not None, rule is not None]
    if sum(chosen) != 1 or (file is None and code is None):
        console.print("[red]give CODE with --customer or --rule, or --file alone")
        raise typer.Exit(2)
    actor = operator()

    async def work(session: AsyncSession, now: datetime) -> partners.AssignResult:
        if file is not None:
            text = file.read_text(encoding="utf-8-sig")
            result = await partners.assign_from_csv(session, text, assigned_by=actor.actor, now=now)
        elif rule is not None:
            assert code is not None
            result = await partners.assign_by_rule(
                session,
                code,
                rule,
                assigned_by=actor.actor,
                now=now,
                starts_at=partners.parse_time(starts),
            )
        else:
            assert code is not None
            assert customer
            result = await partners.assign(
                session,
                code,
                customer,
                assigned_by=actor.actor,
                now=now,
                starts_at=partners.parse_time(starts),
                ends_at=partners.parse_time(ends),
            )
        detail = f"partner {code or 'from file'}: {result.created} new, {result.unchanged} kept"
        await audit.record(session, actor, "cli:partners.assign", result.golden_ids, now, detail)
        return result

    result = in_transaction(work)
    for where, why in result.rejected[:20]:
        console.print(f"[yellow]{where}: {why}")
    typer.echo(
        f"assigned {result.created}, already assigned {result.unchanged}, "
        f"rejected {len(result.rejected)}"
    )


@partners_app.command("end")
def partners_end(
    code: Annotated[str, typer.Argument(help="Partner code.")],
    customer: Annotated[int, typer.Option(help="Golden customer id.")],
    at: Annotated[str | None, typer.Option(help="End time (ISO; default now).")] = None,
) -> None:
    """End a customer's assignment to a partner (the history is kept)."""

    async def work(session: AsyncSession, now: datetime) -> int:
        ended = await partners.end_assignment(
            session, code, customer, ends_at=partners.parse_time(at) or now
        )
        await audit.record(
            session, operator(), "cli:partners.end", [customer], now, f"partner {code}"
        )
        return ended

    typer.echo(f"ended {in_transaction(work)} assignment(s)")


@partners_app.command("history")
def partners_history(
    customer: Annotated[int | None, typer.Option(help="Golden customer id.")] = None,
    partner: Annotated[str | None, typer.Option(help="Partner code.")] = None,
) -> None:
    """Every assignment, ended ones too, oldest first."""

    async def work(session: AsyncSession, _now: datetime) -> list[partners.AssignmentRow]:
        return await partners.history(session, golden_id=customer, partner_code=partner)

    typer.echo("partner\tcustomer\tstarts\tends\tsource\trule\tassigned_by")
    for a in in_transaction(work):
        typer.echo(
            f"{a.partner_code}\t{a.golden_id}\t{_when(a.starts_at)}\t{_when(a.ends_at)}\t"
            f"{a.source}\t{a.rule or '-'}\t{a.assigned_by}"
        )


@app.command("erase")
def erase(
    customer: Annotated[int, typer.Argument(help="Golden customer id (merges followed).")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: this cannot be undone.")] = False,
) -> None:
    """Erase a person's personal data (PIPL); keeps a tombstone and accounting facts."""
    if not yes:
        console.print("[red]erasure cannot be undone; run again with --yes")
        raise typer.Exit(2)
    actor = operator()

    async def _run(settings: Settings) -> erasure.ErasureReport:
        from cdhub.notify import customers_changed
        from cdhub.state import HubState

        hub = HubState.open(settings)
        try:
            async with hub.sessions() as session, session.begin():
                now = datetime.now(UTC)
                report = await erasure.erase_customer(session, customer, actor.actor, now)
                counts = ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items()))
                await audit.record(session, actor, "cli:erase", report.family, now, counts)
            await customers_changed(hub.cache, hub.broker, report.cache_ids, "erased")
            return report
        finally:
            await hub.close()

    try:
        report = run_async(_run)
    except erasure.ErasureError as exc:
        console.print(f"[red]{exc}")
        raise typer.Exit(1) from None
    typer.echo(
        f"erased customer {report.golden_id} ({len(report.family)} golden ids, "
        f"{len(report.source_keys)} source records); "
        + ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items()))
    )
