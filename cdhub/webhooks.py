"""Webhooks: ``POST /connectors/{source}/events`` with a JSON array or JSON Lines body.

Every call is authenticated before anything is read into the pipeline: an
``X-Cdhub-Signature: sha256=<hex>`` header holding the HMAC-SHA256 of the raw
body under the source's secret (``CDHUB_WEBHOOK_SECRETS``); the ``wechat``
source also accepts WeChat's own scheme, ``signature`` = sha1 of the sorted
token, ``timestamp`` and ``nonce`` query parameters (``CDHUB_WECHAT_TOKEN``),
with a timestamp no older than five minutes. Unsigned or badly signed calls get
401 and nothing is stored. The reply has one result per record.

With Redis configured the records are appended to the source's ingest stream
and the reply is 202 with one ``queued`` result (and stream entry id) per
record; ``cdhub worker`` processes them (:mod:`cdhub.worker`). Without Redis,
or while it is unreachable (a warning is logged), they are processed inline and
the reply says what became of each.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from datetime import UTC, datetime

from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import JSONResponse

from cdhub.services.announce import announce_changes
from cdhub.services.file_ingest import RETRIES, retryable
from cdhub.services.ingest import IngestPipeline, IngestSummary, RecordResult
from cdhub.services.setup import load_match_service
from cdhub.settings import Settings
from cdhub.state import HubState
from connectors import KNOWN_SYSTEMS, get_connector
from connectors.files import RawRecord, parse_body

log = logging.getLogger("cdhub.webhooks")

SIGNATURE_HEADER = "x-cdhub-signature"
MAX_BODY_BYTES = 16 * 1024 * 1024
WECHAT_MAX_SKEW_S = 300
WEBHOOK_SOURCES = tuple(s for s in KNOWN_SYSTEMS if s != "generic")


def hmac_signature(secret: str, body: bytes) -> str:
    """The header value a sender puts in ``X-Cdhub-Signature``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def wechat_signature(token: str, timestamp: str, nonce: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()


def authenticate(settings: Settings, source: str, request: Request, body: bytes) -> str | None:
    """None when the call is authentic, else the reason it is refused."""
    secret = settings.webhook_secrets.get(source)
    header = request.headers.get(SIGNATURE_HEADER)
    if secret is not None and header is not None:
        expected = hmac_signature(secret.get_secret_value(), body)
        return None if hmac.compare_digest(header.strip(), expected) else "bad signature"
    if source == "wechat" and settings.wechat_token is not None:
        params = request.query_params
        signature, timestamp, nonce = (params.get(k) for k in ("signature", "timestamp", "nonce"))
        if signature and timestamp and nonce:
            if not timestamp.isdecimal() or abs(time.time() - int(timestamp)) > WECHAT_MAX_SKEW_S:
                return "stale or malformed timestamp"
            expected = wechat_signature(settings.wechat_token.get_secret_value(), timestamp, nonce)
            return None if hmac.compare_digest(signature, expected) else "bad signature"
    if secret is None and not (source == "wechat" and settings.wechat_token is not None):
        return f"webhooks for {source!r} are not configured (no secret)"
    return "missing signature"


async def receive_events(request: Request) -> JSONResponse:
    hub: HubState = request.app.state.hub
    source = request.path_params["source"]
    if source not in WEBHOOK_SOURCES:
        return _error(
            404, "NOT_FOUND", f"unknown source {source!r}; known: {', '.join(WEBHOOK_SOURCES)}"
        )
    length = request.headers.get("content-length")
    if length is not None and length.isdecimal() and int(length) > MAX_BODY_BYTES:
        return _error(413, "PAYLOAD_TOO_LARGE", f"body over {MAX_BODY_BYTES} bytes")
    body = await _read_limited(request)
    if body is None:
        return _error(413, "PAYLOAD_TOO_LARGE", f"body over {MAX_BODY_BYTES} bytes")
    refused = authenticate(hub.settings, source, request, body)
    if refused is not None:
        return _error(401, "UNAUTHENTICATED", refused)
    raws = parse_body(body, request.headers.get("content-type"))
    if not raws:
        return _error(400, "BAD_USER_INPUT", "the body holds no records")
    queued = await _enqueue(hub, source, raws)
    if queued is not None:
        return queued
    pipeline = IngestPipeline(
        get_connector(source),
        await load_match_service(hub.sessions, hub.settings, f"webhook:{source}"),
    )
    summary, results = await _process(hub, pipeline, raws)
    await announce_changes(
        hub.sessions, hub.cache if hub.redis else None, hub.broker, results, summary
    )
    hub.metrics.ingested.labels(source, "created").inc(summary.created)
    hub.metrics.ingested.labels(source, "rejected").inc(summary.rejected)
    status = 200 if summary.rejected < summary.read else 422
    return JSONResponse(
        {"summary": summary.as_dict(), "results": [_result(r) for r in results]}, status_code=status
    )


async def _enqueue(hub: HubState, source: str, raws: list[RawRecord]) -> JSONResponse | None:
    """Append to the source's stream: 202 with the entry ids, or None to process inline."""
    queue = hub.queue
    if queue is None:
        return None
    try:
        ids = await queue.append(source, raws)
    except (RedisError, OSError) as exc:
        if queue.available:
            log.warning("ingest queue unavailable (%s); processing webhooks inline", exc)
        queue.available = False
        return None
    if not queue.available:
        log.warning("ingest queue is back; webhooks are queued again")
        queue.available = True
    results = [
        {"line": raw.line_no, "status": "queued", "id": entry}
        for raw, entry in zip(raws, ids, strict=True)
    ]
    return JSONResponse({"queued": len(ids), "results": results}, status_code=202)


async def _process(
    hub: HubState, pipeline: IngestPipeline, raws: list[RawRecord]
) -> tuple[IngestSummary, list[RecordResult]]:
    for attempt in range(1, RETRIES + 1):
        try:
            async with hub.sessions() as session, session.begin():
                return await pipeline.process_batch(session, raws, datetime.now(UTC))
        except Exception as exc:
            if attempt == RETRIES or not retryable(exc):
                raise
    raise AssertionError("unreachable")


async def _read_limited(request: Request) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _result(result: RecordResult) -> dict[str, object]:
    out: dict[str, object] = {"line": result.line_no, "status": result.status}
    if result.keys:
        out["keys"] = list(result.keys)
    if result.reason:
        out["reason"] = result.reason
        out["detail"] = result.detail
    return out


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
