"""The `cdhub` command line."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

import typer

from cdhub.settings import Settings, SettingsError, load_settings

app = typer.Typer(help="cdhub: customer-data hub.", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")

T = TypeVar("T")


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None


def run_async(func: Callable[[Settings], Coroutine[Any, Any, T]]) -> T:
    settings = settings_or_exit()
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    return asyncio.run(func(settings))


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Create or migrate the schema (safe to run again)."""
    from cdhub.storage.engine import create_engine
    from cdhub.storage.migrate import current_revision, upgrade

    async def _run(settings: Settings) -> str | None:
        engine = create_engine(settings)
        try:
            await upgrade(engine, revision)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    typer.echo(f"database at revision {run_async(_run)}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's migration revision."""
    from cdhub.storage.engine import create_engine
    from cdhub.storage.migrate import current_revision

    async def _run(settings: Settings) -> str | None:
        engine = create_engine(settings)
        try:
            return await current_revision(engine)
        finally:
            await engine.dispose()

    typer.echo(run_async(_run) or "(empty database)")


@db_app.command("prune")
def db_prune() -> None:
    """Delete mutation idempotency keys older than CDHUB_IDEMPOTENCY_KEYS_KEPT_DAYS
    (workers also do it hourly). Receipts of queued webhook records keep their own."""
    from datetime import UTC, datetime, timedelta

    from cdhub.storage.engine import create_engine, create_sessionmaker
    from cdhub.storage.repo import idempotency, receipts

    async def _run(settings: Settings) -> int:
        engine = create_engine(settings)
        try:
            before = datetime.now(UTC) - timedelta(days=settings.idempotency_keys_kept_days)
            async with create_sessionmaker(engine)() as session, session.begin():
                return await idempotency.prune(session, before, keep=[receipts.OPERATION])
        finally:
            await engine.dispose()

    typer.echo(f"pruned {run_async(_run)} idempotency keys")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (CDHUB_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (CDHUB_PORT).")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the GraphQL API, health, metrics and webhooks."""
    import uvicorn

    settings = settings_or_exit()
    uvicorn.run(
        "cdhub.app:app_from_environment",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level=settings.log_level.lower(),
    )


def main() -> None:  # pragma: no cover - console entry
    app()


def _register_commands() -> None:
    # Command modules attach themselves to `app`; imported late to keep `--help` fast.
    import cdhub.commands_export
    import cdhub.commands_ingest
    import cdhub.commands_match
    import cdhub.commands_security
    import cdhub.commands_worker  # noqa: F401


_register_commands()
