"""The one contract every connector keeps, run over all of them.

Each fixture file is read with ``read_records`` and every line is accounted
for: a good record parses into exactly the expected canonical records, a bad
one is rejected with a stable reason (never another exception), and a line
that cannot even be read comes back as an error record.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors import KNOWN_SYSTEMS, Connector, get_connector
from connectors.base import RejectedPayload
from connectors.files import read_records
from mdm.records import (
    CallFact,
    DeliveryFact,
    LoyaltyEvent,
    OrderFact,
    ParsedPayload,
    PartyRecord,
    PartyRef,
)

FIXTURES = Path(__file__).parent / "fixtures"
CRM_MAPPING = Path(__file__).parents[2] / "examples" / "mappings" / "crm_contacts.toml"


@dataclass(frozen=True)
class Rejected:
    reason: str


@dataclass(frozen=True)
class Unreadable:
    error_prefix: str


Expected = list[str] | Rejected | Unreadable


@dataclass(frozen=True)
class FixtureCase:
    system: str
    file: str
    expected: dict[int, Expected]  # line number -> what that record yields

    def connector(self) -> Connector:
        return get_connector(self.system, CRM_MAPPING if self.system == "generic" else None)


def _order(key: str) -> list[str]:
    return [f"order shop/{key}"]


CUSTOMERS: dict[int, Expected] = {
    2: ["party erp/0000100234"],
    3: ["party erp/0000100777"],
    4: ["party erp/0000100901"],
    5: ["party erp/0000100902"],
    6: Rejected("missing_key:KUNNR"),
}

CASES = [
    FixtureCase(
        "shop",
        "shop.jsonl",
        {
            1: ["party shop/M100234"],
            2: ["party shop/M100235"],
            3: [
                "order shop/E20241103000123",
                "delivery shop/E20241103000123",
                "loyalty shop:order:E20241103000123:earn",
            ],
            4: ["party shop/E20241104000456", "order shop/E20241104000456"],
            5: ["order shop/E20241105000789", "loyalty shop:order:E20241105000789:earn"],
            6: ["party shop/M100999"],
            7: Unreadable("invalid_json"),
            8: Unreadable("not_object:list"),
            9: Rejected("missing_key:member_id"),
            10: Rejected("bad_type:items"),
            11: Rejected("bad_type:payment"),
            12: Rejected("bad_type:receiver"),
            13: Rejected("unknown_type"),
            14: Rejected("bad_timestamp:created"),
            15: Rejected("missing_key:member_id"),
            16: Rejected("bad_type:items[0].price"),
        },
    ),
    FixtureCase(
        "wechat",
        "wechat.jsonl",
        {
            1: ["party wechat/o6_bmjrPTlm6_2sgVt7hMZOPfL2M"],
            2: ["party wechat/o6_bmjrPTlm6_2sgVt7hMZOPfXYZ"],
            3: ["party wechat/oMini_x8uA1b2C3d4"],
            4: ["party wechat/oMini_y9vB2c3D4e5"],
            5: ["party wechat/o6_bmjrPTlm6_2sgVt7hMZOPfL2M"],
            6: ["party wechat/o6_bmjrPTlm6_2sgVt7hMZOPfQQQ"],
            7: Rejected("missing_key:openid"),
            8: Rejected("unknown_type"),
            9: Rejected("bad_type:openid"),
            10: Unreadable("invalid_json"),
            11: Unreadable("not_object:str"),
        },
    ),
    FixtureCase(
        "callcenter",
        "callcenter.csv",
        {
            2: ["party callcenter/C-88120", "call callcenter/C-88120"],
            3: ["party callcenter/C-88121", "call callcenter/C-88121"],
            4: ["party callcenter/C-88122", "call callcenter/C-88122"],
            5: ["party callcenter/C-88130", "call callcenter/C-88130"],  # spans lines 5-6
            7: ["party callcenter/C-88131", "call callcenter/C-88131"],
            8: Rejected("missing_key:call_id"),
            9: Rejected("bad_value:satisfaction"),
            10: Rejected("bad_type:satisfaction"),
            11: Rejected("bad_timestamp:started_at"),
            12: Rejected("bad_type:duration_s"),
            13: Unreadable("csv_columns"),
        },
    ),
    FixtureCase("erp", "erp_customers.csv", CUSTOMERS),
    FixtureCase("erp", "erp_customers_gbk.csv", CUSTOMERS),
    FixtureCase(
        "erp",
        "erp_orders.csv",
        {
            2: ["order erp/4500012345"],
            3: ["order erp/4500012345"],
            4: ["order erp/4500012346"],
            5: Rejected("bad_type:NETWR"),
            6: Rejected("bad_timestamp:ERDAT"),
            7: Rejected("missing_key:POSNR"),
        },
    ),
    FixtureCase(
        "erp",
        "erp_deliveries.csv",
        {
            2: ["delivery erp/8000000001"],
            3: ["delivery erp/8000000002"],
            4: Rejected("missing_key:VBELN"),
            5: Rejected("bad_timestamp:SHIPPED_AT"),
        },
    ),
    FixtureCase(
        "generic",
        "crm_contacts.csv",
        {
            2: ["party crm/CRM-0001"],
            3: ["party crm/CRM-0002"],
            4: ["party crm/CRM-0003"],
            5: ["party crm/CRM-0004"],
            6: Rejected("missing_key:contact_id"),
        },
    ),
]


def summarise(parsed: ParsedPayload) -> list[str]:
    """One line per canonical record: its kind and identity."""
    lines = [f"party {p.source_system}/{p.source_key}" for p in parsed.parties]
    for fact in parsed.facts:
        if isinstance(fact, OrderFact):
            lines.append(f"order {fact.source_system}/{fact.order_no}")
        elif isinstance(fact, DeliveryFact):
            lines.append(f"delivery {fact.source_system}/{fact.delivery_no}")
        elif isinstance(fact, CallFact):
            lines.append(f"call {fact.source_system}/{fact.call_id}")
        elif isinstance(fact, LoyaltyEvent):
            lines.append(f"loyalty {fact.entry_key}")
    return lines


def assert_canonical(parsed: ParsedPayload, system: str) -> None:
    """Invariants of every good parse: own system, UTC times, clean text, str extras."""
    assert parsed.parties or parsed.facts
    for party in parsed.parties:
        assert isinstance(party, PartyRecord)
        assert party.source_system == system
        assert party.source_key
        assert party.source_key == party.source_key.strip()
        assert all(isinstance(v, str) for v in party.extra.values())
        if party.nickname is not None:
            assert party.nickname == party.nickname.strip()
    for record in (*parsed.parties, *parsed.facts):
        assert record.source_system == system
        for field in dataclasses.fields(record):
            value = getattr(record, field.name)
            if isinstance(value, datetime):
                assert value.utcoffset() is not None
                assert value.tzinfo == UTC, f"{field.name} is not UTC: {value!r}"
            if isinstance(value, PartyRef):
                assert value.source_system == system
                assert value.source_key


def _ids(case: FixtureCase) -> str:
    return case.file


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_every_fixture_line_yields_what_it_should(case: FixtureCase) -> None:
    connector = case.connector()
    records = list(read_records(FIXTURES / case.file))
    assert sorted(r.line_no for r in records) == sorted(case.expected)
    for record in records:
        expected = case.expected[record.line_no]
        where = f"{case.file}:{record.line_no}"
        if isinstance(expected, Unreadable):
            assert record.payload is None, where
            assert record.error is not None
            assert record.error.startswith(expected.error_prefix), where
            continue
        assert record.error is None, f"{where}: {record.error}"
        assert record.payload is not None
        if isinstance(expected, Rejected):
            with pytest.raises(RejectedPayload) as caught:
                connector.parse(record.payload)
            assert caught.value.reason == expected.reason, f"{where}: {caught.value}"
            assert caught.value.detail
            continue
        parsed = connector.parse(record.payload)
        assert summarise(parsed) == expected, where
        assert_canonical(parsed, connector.system)
        assert connector.parse(record.payload) == parsed, f"{where}: parse is not deterministic"


CONNECTORS = [
    pytest.param("shop", id="shop"),
    pytest.param("wechat", id="wechat"),
    pytest.param("callcenter", id="callcenter"),
    pytest.param("erp", id="erp"),
    pytest.param("generic", id="generic"),
]


@pytest.fixture(params=CONNECTORS)
def connector(request: pytest.FixtureRequest) -> Connector:
    system: str = request.param
    return get_connector(system, CRM_MAPPING if system == "generic" else None)


def test_every_known_system_is_under_contract() -> None:
    assert set(KNOWN_SYSTEMS) == {p.values[0] for p in CONNECTORS}
    assert {case.system for case in CASES} == set(KNOWN_SYSTEMS)


@pytest.mark.parametrize("payload", [None, [], "member", 42, b"{}"])
def test_a_payload_that_is_not_an_object_is_rejected(connector: Connector, payload: Any) -> None:
    with pytest.raises(RejectedPayload) as caught:
        connector.parse(payload)
    assert caught.value.reason == "bad_type:payload"


def test_an_empty_object_is_rejected_with_a_reason(connector: Connector) -> None:
    with pytest.raises(RejectedPayload) as caught:
        connector.parse({})
    assert caught.value.reason.split(":")[0] in {"missing_key", "unknown_type"}


def test_overlays_only_for_wechat(connector: Connector) -> None:
    assert connector.overlays is (connector.system == "wechat")


def _good_payloads(system: str) -> list[dict[str, Any]]:
    case_files = [c for c in CASES if c.system == system]
    payloads = []
    for case in case_files:
        for record in read_records(FIXTURES / case.file):
            if isinstance(case.expected[record.line_no], list) and record.payload is not None:
                payloads.append(record.payload)
    return payloads


_junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["", " ", "null", "N/A", "0", "-1", "1e999", "NaN", "２０２４", "🌸", "\x00"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.sampled_from(["name", "mobile", "amount"]), st.text(max_size=5), max_size=2),
)


@pytest.mark.parametrize("system", KNOWN_SYSTEMS)
@settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_parse_raises_nothing_but_rejected_payload_on_junk(
    system: str, data: st.DataObject
) -> None:
    connector = get_connector(system, CRM_MAPPING if system == "generic" else None)
    base = data.draw(st.sampled_from(_good_payloads(system)))
    field = data.draw(st.sampled_from(sorted(base)))
    payload: Mapping[str, Any] = {**base, field: data.draw(_junk)}
    if data.draw(st.booleans()):  # junk in nested objects and lists too
        for name, value in base.items():
            if isinstance(value, dict) and value:
                inner = data.draw(st.sampled_from(sorted(value)))
                payload = {**payload, name: {**value, inner: data.draw(_junk)}}
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                inner = data.draw(st.sampled_from(sorted(value[0])))
                payload = {**payload, name: [{**value[0], inner: data.draw(_junk)}]}
    outcome: ParsedPayload | RejectedPayload
    try:
        outcome = connector.parse(payload)
    except RejectedPayload as exc:
        outcome = exc
    if isinstance(outcome, RejectedPayload):
        assert outcome.reason != "internal_error", f"{json.dumps(payload, default=str)}: {outcome}"
    else:
        assert_canonical(outcome, connector.system)


def test_unexpected_exceptions_become_internal_error_rejections() -> None:
    connector = get_connector("shop")
    with pytest.raises(RejectedPayload) as caught:
        connector.parse(_Exploding())
    assert caught.value.reason == "internal_error"


class _Exploding(dict[str, Any]):
    def get(self, key: str, default: Any = None) -> Any:
        raise RuntimeError("boom")
