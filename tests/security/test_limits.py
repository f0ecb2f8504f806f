from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import strawberry

from cdhub.security.documents import TrustedDocuments, TrustedDocumentsError, document_id
from cdhub.security.limits import AnalysisCache, Limits, analyse
from cdhub.security.principal import Principal, Role
from cdhub.settings import load_settings
from tests.security.toy_schema import Context, build

ADMIN = Principal(role=Role.ADMIN, name="ops")


def codes(result: Any) -> list[str]:
    return [str((e.extensions or {}).get("code")) for e in result.errors or ()]


async def run(schema: strawberry.Schema, query: str, **kwargs: Any) -> Any:
    principal = kwargs.pop("principal", ADMIN)
    return await schema.execute(query, context_value=Context(principal), **kwargs)


@pytest.fixture
def schema() -> strawberry.Schema:
    return build(load_settings(max_query_depth=4, max_aliases=2, max_query_cost=60))


def _analysis(schema: strawberry.Schema, query: str, variables: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    from graphql import parse

    return analyse(schema._schema, parse(query), None, variables, Limits())


def test_cost_multiplies_nested_pages(schema: strawberry.Schema) -> None:
    flat = _analysis(schema, "{ customers(first: 10) { name } }")
    nested = _analysis(schema, "{ customers(first: 10) { friends(first: 5) { name } } }")
    defaulted = _analysis(schema, "{ customers { name } }")
    by_variable = _analysis(
        schema, "query Q($n: Int = 7) { customers(first: $n) { name } }", {"n": 30}
    )
    by_default = _analysis(schema, "query Q($n: Int = 7) { customers(first: $n) { name } }")
    nodes = _analysis(schema, "{ nodes(ids: [1, 2, 3]) { name } }")
    assert (flat.cost, flat.depth) == (1, 2)
    assert nested.cost == 1 + 10 * (1 + 5 * 0)
    assert defaulted.largest_page == 20
    assert (by_variable.largest_page, by_default.largest_page) == (30, 7)
    assert nodes.largest_page == 3


def test_fragments_count_and_cycles_do_not_hang(schema: strawberry.Schema) -> None:
    query = """
    { customers(first: 2) { ...F } }
    fragment F on Customer { friends(first: 3) { ...G } }
    fragment G on Customer { friends(first: 3) { ...F } }
    """
    found = _analysis(schema, query)
    assert found.depth >= 3


def test_analyses_are_kept_per_value_of_the_variables_that_size_pages(
    schema: strawberry.Schema,
) -> None:
    from graphql import parse

    query = """query Q($id: Int!, $n: Int) {
      customer(id: $id) { friends(first: $n) { name } a: friends(first: 1) { name } }
    }"""
    document, cache, limits = parse(query), AnalysisCache(), Limits()

    def analysed(variables: dict[str, Any]) -> Any:
        return cache.analyse(schema._schema, document, query, None, variables, limits)

    two = analysed({"id": 1, "n": 2})
    assert analysed({"id": 2, "n": 2}) is two  # another customer: the same walk
    three = analysed({"id": 1, "n": 3})
    assert three == analyse(schema._schema, document, None, {"id": 1, "n": 3}, limits)
    assert (two.largest_page, three.largest_page) == (2, 3)
    assert analysed({"id": 1}) == analyse(schema._schema, document, None, {"id": 1}, limits)


async def test_limits_refuse_with_clear_codes(schema: strawberry.Schema) -> None:
    deep = "{ customer(id: 1) { friends { friends { friends { friends { name } } } } } }"
    aliases = (
        "{ a: customer(id: 1) { name } b: customer(id: 2) { name } c: customer(id: 3) { name } }"
    )
    costly = "{ customers(first: 100) { friends(first: 100) { name } } }"
    page = "{ customers(first: 101) { name } }"
    assert codes(await run(schema, deep)) == ["QUERY_TOO_DEEP"]
    assert codes(await run(schema, aliases)) == ["TOO_MANY_ALIASES"]
    assert codes(await run(schema, costly)) == ["QUERY_TOO_COSTLY"]
    assert codes(await run(schema, page)) == ["BAD_USER_INPUT"]
    # A second time the parser and validation caches answer; the limits still hold.
    assert codes(await run(schema, costly)) == ["QUERY_TOO_COSTLY"]
    ok = await run(schema, "{ customers(first: 3) { name } }")
    assert ok.errors is None


async def test_too_many_tokens_are_refused_while_parsing() -> None:
    schema = build(load_settings(max_tokens=20))
    result = await run(schema, "{ " + " ".join(f"a{i}: hub" for i in range(20)) + " }")
    assert codes(result) == ["QUERY_TOO_LARGE"]


async def test_subscriptions_are_limited_too(schema: strawberry.Schema) -> None:
    query = (
        "subscription { customerChanged(id: 1) "
        "{ friends(first: 100) { friends(first: 100) { name } } } }"
    )
    stream = await schema.subscribe(query, context_value=Context(ADMIN))
    results = [r async for r in stream]
    assert codes(results[0]) == ["QUERY_TOO_COSTLY"]


async def test_introspection_and_suggestions_are_off_in_prod() -> None:
    prod = build(load_settings(env="prod"))
    dev = build(load_settings(env="dev"))
    assert codes(await run(prod, "{ __schema { types { name } } }")) == ["INTROSPECTION_DISABLED"]
    assert (await run(dev, "{ __schema { types { name } } }")).errors is None
    assert (await run(prod, "{ __typename }")).errors is None
    misspelt = await run(prod, "{ customerz(id: 1) { name } }")
    assert "Did you mean" not in misspelt.errors[0].message
    assert "Did you mean" in (await run(dev, "{ customerz(id: 1) { name } }")).errors[0].message


async def test_internal_errors_lose_their_text_in_prod_only() -> None:
    prod = await run(build(load_settings(env="prod")), "{ hub }")
    dev = await run(build(load_settings(env="dev")), "{ hub }")
    assert prod.errors[0].message == "Internal server error."
    assert prod.errors[0].extensions == {"code": "INTERNAL_SERVER_ERROR"}
    assert "SELECT" not in json.dumps(prod.errors[0].formatted)
    assert "SELECT" in dev.errors[0].message


async def test_a_request_over_its_time_stops_resolving() -> None:
    schema = build(load_settings(request_time_limit_s=0.05))
    result = await run(schema, "{ orders { name friends { name } } }")
    assert "REQUEST_TIMEOUT" in codes(result)


def _documents(tmp_path: Path, *queries: str, manifest: bool = False) -> Path:
    path = tmp_path / "trusted.json"
    if manifest:
        body: Any = {
            "format": "apollo-persisted-query-manifest",
            "version": 1,
            "operations": [
                {"id": document_id(q), "body": q, "name": "Q", "type": "query"} for q in queries
            ],
        }
    else:
        body = {document_id(q): q for q in queries}
    path.write_text(json.dumps(body))
    return path


async def test_trusted_documents_run_by_hash(tmp_path: Path) -> None:
    query = "{ customers(first: 2) { name } }"
    settings = load_settings(trusted_documents_file=_documents(tmp_path, query, manifest=True))
    schema = build(settings)
    by_hash = {"persistedQuery": {"version": 1, "sha256Hash": document_id(query)}}
    result = await schema.execute(None, context_value=Context(ADMIN), operation_extensions=by_hash)
    assert result.errors is None
    assert len(result.data["customers"]) == 2  # type: ignore[index]
    unknown = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
    missing = await schema.execute(None, context_value=Context(ADMIN), operation_extensions=unknown)
    assert codes(missing) == ["PERSISTED_QUERY_NOT_FOUND"]
    # Not trusted-only: other documents still run.
    assert (await run(schema, "{ customer(id: 1) { name } }")).errors is None


async def test_trusted_only_refuses_every_other_document(tmp_path: Path) -> None:
    query = "{ customers(first: 2) { name } }"
    settings = load_settings(
        trusted_documents_file=_documents(tmp_path, query), trusted_documents_only=True
    )
    schema = build(settings)
    assert (await run(schema, query)).errors is None  # the same text hashes to a listed id
    for _ in range(2):  # caches warm: still refused
        refused = await run(schema, "{ customer(id: 1) { name } }")
        assert codes(refused) == ["PERSISTED_QUERY_NOT_FOUND"]
        assert refused.data is None


def test_a_tampered_documents_file_stops_the_start(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"0" * 64: "{ hub }"}))
    with pytest.raises(TrustedDocumentsError):
        TrustedDocuments.load(path)
    with pytest.raises(TrustedDocumentsError):
        build(load_settings(trusted_documents_only=True))
