from __future__ import annotations

import httpx

from cdhub.metrics import HubMetrics
from cdhub.storage.engine import StatementCounter
from schema.extensions import operation_label
from tests.schema.conftest import Graph


async def test_operations_are_timed_by_name(gql: Graph, client: httpx.AsyncClient) -> None:
    await gql("query HubFacts { hub { version } }")
    await gql("{ hub { version } }")
    await gql("query A { hub { version } } query B { __typename }", operationName="B")
    text = (await client.get("/metrics")).text
    bucket = "cdhub_graphql_operation_duration_seconds_count"
    assert f'{bucket}{{operation="HubFacts"}} 1.0' in text
    assert f'{bucket}{{operation="anonymous"}} 1.0' in text
    assert f'{bucket}{{operation="B"}} 1.0' in text


async def test_failed_operations_are_timed_too(gql: Graph, client: httpx.AsyncClient) -> None:
    await gql("query Broken { nope }")
    text = (await client.get("/metrics")).text
    assert 'cdhub_graphql_operation_duration_seconds_count{operation="Broken"} 1.0' in text


def test_operation_labels_stay_bounded() -> None:
    metrics = HubMetrics(StatementCounter())
    labels = {operation_label(metrics, f"Op{n}") for n in range(500)}
    assert len(labels) == 201
    assert "other" in labels
    assert operation_label(metrics, "Op1") == "Op1"  # known names keep their label
    assert operation_label(metrics, "bad name!") == "other"
    assert operation_label(metrics, None) == "anonymous"
