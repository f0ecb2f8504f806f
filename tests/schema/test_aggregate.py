from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from cdhub.state import HubState
from cdhub.storage.models import Order
from tests.schema.conftest import Graph, codes, data
from tests.schema.seed import Seed

AGGREGATE = """
query($d: [Dimension!]!, $m: [Measure!]!, $f: AggregateFilter, $in: [Fact!]) {
  aggregate(dimensions: $d, measures: $m, filter: $f, customersIn: $in) {
    dimensions { dimension value }
    measures { measure value exact }
  }
}
"""


async def table(
    gql: Graph,
    dimensions: list[str],
    measures: list[str],
    f: dict[str, Any] | None = None,
    customers_in: list[str] | None = None,
) -> list[tuple[Any, ...]]:
    """Rows as tuples: dimension values, then exact measure values."""
    variables = {"d": dimensions, "m": measures, "f": f, "in": customers_in}
    rows = data(await gql(AGGREGATE, variables))["aggregate"]
    out = []
    for row in rows:
        assert [d["dimension"] for d in row["dimensions"]] == dimensions
        assert [m["measure"] for m in row["measures"]] == measures
        for m in row["measures"]:
            assert (m["value"] is None) is (m["exact"] is None)
        out.append(
            (*(d["value"] for d in row["dimensions"]), *(m["exact"] for m in row["measures"]))
        )
    return out


async def test_a_customer_seen_in_two_channels_counts_once(gql: Graph, seeded: Seed) -> None:
    # lin ordered in the shop and through the ERP: two channels, one golden customer
    by_channel = await table(gql, ["CHANNEL"], ["DISTINCT_CUSTOMERS", "ORDER_COUNT"])
    assert by_channel == [("erp", "1", "1"), ("shop", "2", "4")]
    total = await table(gql, [], ["DISTINCT_CUSTOMERS", "ORDER_COUNT", "REVENUE"])
    assert total == [("2", "5", "1660.40")]  # the unlinked member's order has no customer


async def test_revenue_per_golden_customer_without_double_counting(
    gql: Graph, seeded: Seed
) -> None:
    rows = await table(gql, ["PROVINCE"], ["DISTINCT_CUSTOMERS", "REVENUE", "REVENUE_PER_CUSTOMER"])
    assert rows == [
        ("上海", "1", "1510.50", "1510.50"),
        ("广东", "1", "99.90", "99.90"),
        (None, "0", "50.00", None),
    ]
    per_customer = await table(gql, ["CUSTOMER"], ["REVENUE", "ORDER_COUNT"])
    assert per_customer[:2] == [
        (str(seeded.lin), "1510.50", "3"),
        (str(seeded.chen), "99.90", "1"),
    ]


async def test_complaints_per_batch_per_month(gql: Graph, seeded: Seed) -> None:
    rows = await table(
        gql, ["BATCH_NO", "MONTH"], ["TICKET_COUNT"], {"ticketCategory": "complaint"}
    )
    assert rows == [("B2403", "2024-03", "1"), ("B2403", "2024-04", "1")]


async def test_revenue_per_batch_counts_the_batch_lines(gql: Graph, seeded: Seed) -> None:
    rows = await table(gql, ["BATCH_NO"], ["REVENUE", "ORDER_COUNT"])
    assert rows == [("B2401", "60.00", "1"), ("B2403", "1440.50", "2")]


async def test_measures_from_several_facts_join_on_dimensions(gql: Graph, seeded: Seed) -> None:
    rows = await table(gql, ["CHANNEL"], ["ORDER_COUNT", "TICKET_COUNT", "DISTINCT_CUSTOMERS"])
    assert rows == [
        ("callcenter", "0", "2", "1"),
        ("erp", "1", "0", "1"),
        ("hub", "0", "1", "1"),
        ("shop", "4", "0", "2"),
    ]


async def test_points_satisfaction_and_golden_dimensions(gql: Graph, seeded: Seed) -> None:
    assert await table(gql, ["CHANNEL"], ["POINTS"]) == [
        ("erp", "50"),
        ("hub", "-10"),
        ("shop", "107"),
    ]
    assert await table(gql, ["TICKET_CATEGORY"], ["AVG_SATISFACTION", "TICKET_COUNT"]) == [
        ("complaint", "2.00", "2"),
        ("inquiry", "5.00", "1"),
    ]
    assert await table(gql, ["TIER"], ["DISTINCT_CUSTOMERS"]) == [
        ("gold", "1"),
        ("silver", "1"),
        (None, "1"),
    ]
    assert await table(gql, ["CHANNEL_COUNT"], ["DISTINCT_CUSTOMERS"]) == [
        ("1", "2"),
        ("4", "1"),
    ]
    assert await table(gql, ["CHANNEL"], ["DISTINCT_CUSTOMERS"], {"kind": "PERSON"}) == [
        ("callcenter", "1"),
        ("erp", "1"),
        ("shop", "2"),
        ("wechat", "2"),
    ]
    loyal = await table(gql, [], ["DISTINCT_CUSTOMERS"], customers_in=["LOYALTY", "TICKETS"])
    assert loyal == [("2",)]


async def test_months_are_china_months_unless_told_otherwise(
    gql: Graph, hub: HubState, seeded: Seed
) -> None:
    async with hub.sessions() as session, session.begin():
        session.add(
            Order(
                source_system="shop",
                order_no="SO-LATE",
                party_system="shop",
                party_key="M1002",
                channel="shop",
                ordered_at=datetime(2024, 3, 31, 20, 0, tzinfo=UTC),  # 04:00 on 1 April in Beijing
                total_amount=Decimal(1),
                content_hash="late",
            )
        )
    since = {"from": "2024-03-31T00:00:00Z", "to": "2024-04-01T00:00:00Z"}
    assert await table(gql, ["MONTH"], ["ORDER_COUNT"], since) == [("2024-04", "1")]
    utc = {**since, "utcOffsetMinutes": 0}
    assert await table(gql, ["MONTH"], ["ORDER_COUNT"], utc) == [("2024-03", "1")]


@pytest.mark.parametrize(
    ("dimensions", "measures", "f", "customers_in"),
    [
        (["TICKET_CATEGORY"], ["REVENUE"], None, None),
        ([], ["ORDER_COUNT"], {"ticketCategory": "complaint"}, None),
        (["BATCH_NO"], ["DISTINCT_CUSTOMERS"], None, None),
        (["BATCH_NO"], ["DISTINCT_CUSTOMERS"], None, ["LOYALTY"]),
        (["MONTH", "MONTH"], ["REVENUE"], None, None),
        (["MONTH"], [], None, None),
    ],
)
async def test_dimensions_and_filters_that_do_not_fit_are_refused(
    gql: Graph,
    seeded: Seed,
    dimensions: list[str],
    measures: list[str],
    f: dict[str, Any] | None,
    customers_in: list[str] | None,
) -> None:
    variables = {"d": dimensions, "m": measures, "f": f, "in": customers_in}
    assert codes(await gql(AGGREGATE, variables)) == ["BAD_USER_INPUT"]
