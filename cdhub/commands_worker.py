"""`cdhub worker`: process the webhook ingest streams (Redis) into the database."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
from typing import Annotated

import typer

from cdhub.cli import app, run_async
from cdhub.settings import Settings
from cdhub.webhooks import WEBHOOK_SOURCES


@app.command()
def worker(
    source: Annotated[
        list[str] | None,
        typer.Option("--source", help="Source stream to consume (repeat); default: all."),
    ] = None,
    consumer: Annotated[
        str | None, typer.Option(help="Consumer name, unique per worker (default: host:pid).")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, max=5000)] = 200,
    claim_idle_s: Annotated[
        float,
        typer.Option(
            min=0.0,
            help="Claim entries another worker left unacknowledged this long (it died). "
            "Keep it above the longest batch.",
        ),
    ] = 60.0,
    max_deliveries: Annotated[
        int, typer.Option(min=1, help="Quarantine an entry handed out more often than this.")
    ] = 5,
    drain: Annotated[
        bool, typer.Option("--drain", help="Exit once every stream is empty.")
    ] = False,
) -> None:
    """Consume the ingest streams in the consumer group until stopped (SIGTERM/SIGINT)."""
    sources = source or list(WEBHOOK_SOURCES)
    unknown = sorted(set(sources) - set(WEBHOOK_SOURCES))
    if unknown:
        typer.secho(f"unknown source(s): {', '.join(unknown)}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    name = consumer or f"{socket.gethostname()}:{os.getpid()}"

    async def _run(settings: Settings) -> dict[str, object]:
        from cdhub.state import HubState
        from cdhub.worker import Worker

        if settings.redis_url is None:
            typer.secho("CDHUB_REDIS_URL is not set: nothing to consume", fg="red", err=True)
            raise typer.Exit(2)
        hub = HubState.open(settings)
        assert hub.queue is not None
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        work = Worker(
            hub.sessions,
            settings,
            hub.queue,
            sources=sources,
            consumer=name,
            batch_size=batch_size,
            claim_idle_ms=int(claim_idle_s * 1000),
            max_deliveries=max_deliveries,
            cache=hub.cache,
            broker=hub.broker,
        )
        try:
            report = await work.run(stop, drain=drain)
        finally:
            await hub.close()
        return {
            "consumer": name,
            "entries": report.entries,
            "skipped_as_done": report.skipped,
            "quarantined_as_failing": report.isolated,
            **report.summary.as_dict(),
        }

    typer.echo(json.dumps(run_async(_run), ensure_ascii=False))
