"""Abusive requests to the real endpoint: each refused with its code, the server unharmed."""

from __future__ import annotations

import pytest

from cdhub.settings import Settings, load_settings
from tests.security.graph import Caller, Hub, codes, prepare, serving

NORMAL = "query($id: ID!) { customer(id: $id) { goldenId name } }"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings(database_url=database_url, redis_url=None)


def _still_answers(caller: Caller, hub: Hub) -> None:
    normal = caller.post(NORMAL, {"id": str(hub.seed.lin)})
    assert "errors" not in normal, normal
    assert normal["data"]["customer"]["goldenId"] == hub.seed.lin


def _deep(levels: int) -> str:
    # customer -> organisations/relationships would need data; nest through orders/customer.
    inner = "goldenId"
    for _ in range(levels // 2):
        inner = f"orders(first: 1) {{ edges {{ node {{ customer {{ {inner} }} }} }} }}"
    return f"query($id: ID!) {{ customer(id: $id) {{ {inner} }} }}"


def test_abusive_requests_are_refused_with_their_code(settings: Settings) -> None:
    hub = prepare(settings)
    with serving(hub) as client:
        admin = Caller(client, hub.keys["admin"])
        deep = admin.post(_deep(30), {"id": str(hub.seed.lin)})
        assert codes(deep) == ["QUERY_TOO_DEEP"]
        assert deep.get("data") is None
        _still_answers(admin, hub)

        aliases = " ".join(f"a{i}: hub {{ version }}" for i in range(1000))
        many = admin.post(f"{{ {aliases} }}")
        # 1,000 aliases are refused by the alias limit or, first, by the token limit.
        assert codes(many) in (["TOO_MANY_ALIASES"], ["QUERY_TOO_LARGE"]), codes(many)
        few_tokens = ",".join(f"a{i}:__typename" for i in range(1000))
        assert codes(admin.post(f"{{{few_tokens}}}"))[0] in ("TOO_MANY_ALIASES", "QUERY_TOO_LARGE")
        _still_answers(admin, hub)

        huge_page = admin.post("{ customers(first: 1000000) { edges { node { goldenId } } } }")
        assert codes(huge_page) == ["BAD_USER_INPUT"]
        assert huge_page.get("data") is None
        _still_answers(admin, hub)

        body = '{"query": "{ __typename }", "padding": "' + "x" * (5 * 1024 * 1024) + '"}'
        big = client.post(
            "/graphql",
            content=body.encode(),
            headers={**admin.headers, "Content-Type": "application/json"},
        )
        assert big.status_code == 413
        assert [e["extensions"]["code"] for e in big.json()["errors"]] == ["PAYLOAD_TOO_LARGE"]
        _still_answers(admin, hub)

        # In dev the schema may be introspected; in prod it may not (below).
        assert "errors" not in admin.post("{ __schema { queryType { name } } }")


def test_introspection_is_refused_in_prod(database_url: str) -> None:
    settings = load_settings(database_url=database_url, redis_url=None, env="prod")
    hub = prepare(settings)
    with serving(hub) as client:
        admin = Caller(client, hub.keys["admin"])
        refused = admin.post("{ __schema { types { name } } }")
        assert codes(refused) == ["INTROSPECTION_DISABLED"]
        assert refused.get("data") is None
        typed = admin.post('{ __type(name: "Customer") { fields { name } } }')
        assert codes(typed) == ["INTROSPECTION_DISABLED"]
        # No "Did you mean" in prod.
        misspelt = admin.post("{ custmer(id: 1) { name } }")
        assert "Did you mean" not in str(misspelt)
        _still_answers(admin, hub)


def test_webhooks_health_and_metrics_are_outside_the_graphql_guards(settings: Settings) -> None:
    hub = prepare(settings)
    with serving(hub) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/metrics").status_code == 200
        # No bearer and a body over the GraphQL limit: the webhook's own HMAC check answers.
        body = b'{"events": []}' + b" " * (settings.max_body_bytes + 1)
        hook = client.post("/connectors/shop/events", content=body)
        assert hook.status_code not in (413, 429)
        # The webhook's own answer (``{"error": ...}``), not the GraphQL guards' (``errors``).
        assert "errors" not in hook.json()
        assert "error" in hook.json()
