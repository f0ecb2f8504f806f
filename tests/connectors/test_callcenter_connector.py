"""Call-center rows: the caller and the call."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.base import RejectedPayload
from connectors.callcenter import CallCenterConnector
from connectors.files import read_records
from mdm.records import CallFact, PartyKind, PartyRecord, PartyRef, PhoneKind

FIXTURES = Path(__file__).parent / "fixtures"
ROW = {
    "call_id": "C-88120",
    "caller_number": "021-62345678",
    "customer_name": "林小姐",
    "started_at": "2024-11-06 09:12:44",
    "duration_s": "312",
    "agent_id": "A017",
    "category": "complaint",
    "summary": "杯盖漏水 要求换货",
    "ticket_no": "T-5521",
    "ticket_status": "open",
    "order_no": "E20241103000123",
    "batch_no": "B2410-07",
    "satisfaction": "",
}


def parse(**changes: Any) -> tuple[PartyRecord, CallFact]:
    parsed = CallCenterConnector().parse({**ROW, **changes})
    (party,) = parsed.parties
    (call,) = parsed.facts
    assert isinstance(call, CallFact)
    return party, call


def test_an_honorific_only_name_gives_surname_and_gender() -> None:
    party, _ = parse()
    assert (party.source_system, party.source_key, party.kind) == (
        "callcenter",
        "C-88120",
        PartyKind.PERSON,
    )
    (name,) = party.names
    assert (name.surname, name.honorific_only) == ("林", True)
    assert party.gender == "F"
    (phone,) = party.phones
    assert (phone.e164, phone.kind) == ("+862162345678", PhoneKind.LANDLINE)
    assert party.observed_at == datetime(2024, 11, 6, 1, 12, 44, tzinfo=UTC)


@pytest.mark.parametrize(("name", "gender"), [("王先生", "M"), ("林嘉欣", None), ("张女士", "F")])
def test_gender_comes_from_the_title(name: str, gender: str | None) -> None:
    party, _ = parse(customer_name=name)
    assert party.gender == gender


def test_the_call_carries_the_ticket_and_refers_to_its_caller() -> None:
    _, call = parse()
    assert call == CallFact(
        source_system="callcenter",
        call_id="C-88120",
        party=PartyRef("callcenter", "C-88120"),
        ticket_no="T-5521",
        started_at=datetime(2024, 11, 6, 1, 12, 44, tzinfo=UTC),
        duration_s=312,
        agent_id="A017",
        category="complaint",
        summary="杯盖漏水 要求换货",
        ticket_status="open",
        order_no="E20241103000123",
        batch_no="B2410-07",
        satisfaction=None,
        caller_number="021-62345678",
    )


def test_the_caller_carries_the_ticket_and_the_cited_order_as_references() -> None:
    caller, _ = parse()
    assert caller.references == ("ticket:T-5521", "order:E20241103000123")


def test_one_ticket_spans_several_calls_from_the_fixture() -> None:
    connector = CallCenterConnector()
    calls = [
        fact
        for record in read_records(FIXTURES / "callcenter.csv")
        if record.payload and record.payload["ticket_no"] == "T-5521"
        for fact in connector.parse(record.payload).facts
        if isinstance(fact, CallFact)
    ]
    assert [c.call_id for c in calls] == ["C-88120", "C-88121", "C-88122"]
    assert [c.ticket_status for c in calls] == ["open", "resolved", "closed"]
    assert [c.satisfaction for c in calls] == [None, 4, 5]
    assert len({c.party for c in calls}) == 3


def test_a_summary_over_two_lines_is_one_line_of_text() -> None:
    _, call = parse(summary="询问发票\n需要专票")
    assert call.summary == "询问发票 需要专票"


def test_an_organisation_calling_is_an_organisation() -> None:
    party, _ = parse(customer_name="上海林氏贸易有限公司")
    assert party.kind is PartyKind.ORGANISATION
    assert party.org_name is not None
    assert party.names == ()
    assert party.gender is None


def test_a_blank_name_and_number_still_make_a_caller() -> None:
    party, call = parse(customer_name="", caller_number="")
    assert (party.names, party.phones, call.caller_number) == ((), (), None)


@pytest.mark.parametrize(("raw", "value"), [("", None), ("1", 1), ("5", 5), (" 3 ", 3), (4, 4)])
def test_satisfaction_from_one_to_five(raw: object, value: int | None) -> None:
    _, call = parse(satisfaction=raw)
    assert call.satisfaction == value


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"satisfaction": "0"}, "bad_value:satisfaction"),
        ({"satisfaction": "6"}, "bad_value:satisfaction"),
        ({"satisfaction": "4.5"}, "bad_type:satisfaction"),
        ({"satisfaction": "good"}, "bad_type:satisfaction"),
        ({"duration_s": "半分钟"}, "bad_type:duration_s"),
        ({"duration_s": "-3"}, "bad_value:duration_s"),
        ({"started_at": "上周三下午"}, "bad_timestamp:started_at"),
        ({"call_id": ""}, "missing_key:call_id"),
    ],
)
def test_unusable_calls_are_rejected(changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(RejectedPayload) as caught:
        parse(**changes)
    assert caught.value.reason == reason
