"""Webhooks: signed bodies are ingested with a result per record; others change nothing."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from cdhub.app import create_app
from cdhub.settings import load_settings
from cdhub.state import HubState
from cdhub.webhooks import hmac_signature, wechat_signature
from tests.services.helpers import scalar

SECRET = "shop-secret"
TOKEN = "wechat-token"


@pytest.fixture
async def signed_hub(database_url: str) -> AsyncIterator[HubState]:
    settings = load_settings(
        database_url=database_url,
        webhook_secrets={"shop": SECRET, "callcenter": "cc"},
        wechat_token=TOKEN,
    )
    state = HubState.open(settings)
    yield state
    await state.close()


@pytest.fixture
async def client(signed_hub: HubState) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(signed_hub.settings, state=signed_hub)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hub"
    ) as http:
        yield http


MEMBERS = [
    {"type": "member", "member_id": "W1", "name": "林嘉欣", "mobile": "+86 139-1234-5678"},
    {"type": "member"},  # no key: rejected, reported, kept
]


async def test_a_signed_json_array_is_ingested_with_a_result_per_record(
    client: httpx.AsyncClient, signed_hub: HubState
) -> None:
    body = json.dumps(MEMBERS, ensure_ascii=False).encode()
    response = await client.post(
        "/connectors/shop/events",
        content=body,
        headers={
            "x-cdhub-signature": hmac_signature(SECRET, body),
            "content-type": "application/json",
        },
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "rejected"]
    assert results[0]["keys"] == ["shop:W1"]
    assert results[1]["reason"] == "missing_key:member_id"
    assert await scalar(signed_hub, "SELECT count(*) FROM source_records") == 1
    assert await scalar(signed_hub, "SELECT count(*) FROM quarantine") == 1


@pytest.mark.parametrize(
    "headers",
    [{}, {"x-cdhub-signature": "sha256=" + "0" * 64}, {"x-cdhub-signature": "garbage"}],
)
async def test_unsigned_or_badly_signed_calls_are_refused_and_store_nothing(
    client: httpx.AsyncClient, signed_hub: HubState, headers: dict[str, str]
) -> None:
    body = json.dumps(MEMBERS, ensure_ascii=False).encode()
    response = await client.post("/connectors/shop/events", content=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHENTICATED"
    assert await scalar(signed_hub, "SELECT count(*) FROM source_records") == 0
    assert await scalar(signed_hub, "SELECT count(*) FROM quarantine") == 0


async def test_a_source_without_a_secret_refuses_every_call(client: httpx.AsyncClient) -> None:
    body = b'{"KUNNR": "1"}'
    response = await client.post(
        "/connectors/erp/events",
        content=body,
        headers={"x-cdhub-signature": hmac_signature("x", body)},
    )
    assert response.status_code == 401
    assert "not configured" in response.json()["error"]["message"]


async def test_wechat_signature_scheme_and_jsonl_body(
    client: httpx.AsyncClient, signed_hub: HubState
) -> None:
    events = [
        {
            "event": "user_info",
            "openid": "o1",
            "unionid": "u1",
            "nickname": "小林",
            "sex": 2,
            "subscribe": 1,
            "subscribe_time": 1382694957,
        },
        {"event": "unsubscribe", "openid": "o1", "time": 1382699999},
    ]
    body = "\n".join(json.dumps(e, ensure_ascii=False) for e in events).encode()
    timestamp, nonce = str(int(time.time())), "n0nce"
    params = {
        "timestamp": timestamp,
        "nonce": nonce,
        "signature": wechat_signature(TOKEN, timestamp, nonce),
    }
    response = await client.post("/connectors/wechat/events", params=params, content=body)
    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == ["created", "created"]
    attributes = await scalar(
        signed_hub, "SELECT attributes FROM source_records WHERE source_key = 'o1'"
    )
    stored = attributes if isinstance(attributes, dict) else json.loads(attributes)
    assert stored["subscribed"] is False
    assert stored["nickname"] == "小林"  # the unsubscribe did not wipe the follower
    stale = {**params, "timestamp": "1000", "signature": wechat_signature(TOKEN, "1000", nonce)}
    refused = await client.post("/connectors/wechat/events", params=stale, content=body)
    assert refused.status_code == 401


async def test_unknown_source_is_not_found(client: httpx.AsyncClient) -> None:
    response = await client.post("/connectors/crm/events", content=b"[]")
    assert response.status_code == 404
