"""Serialisation: exact, JSON-ready round trips and a canonical content hash."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdm.records import (
    Address,
    CallFact,
    DeliveryFact,
    Email,
    Fact,
    Identifier,
    LoyaltyEvent,
    OrderFact,
    OrderItem,
    OrgName,
    PartyKind,
    PartyRecord,
    PartyRef,
    PersonName,
    Phone,
)
from mdm.serialization import (
    content_hash,
    fact_from_dict,
    fact_to_dict,
    party_from_dict,
    party_to_dict,
)

# Strategies built from the dataclasses: `st.builds` infers every required field
# from its annotation; fields with defaults, datetimes (fixed offsets, as the
# connectors produce) and Decimals (no NaN, which never equals itself) are given.

_offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
datetimes = st.datetimes(timezones=st.none() | _offsets)
optional_datetimes = st.none() | datetimes
decimals = st.none() | st.decimals(allow_nan=False)
optional_text = st.none() | st.text()

person_names = st.builds(PersonName, honorific_only=st.booleans())
org_names = st.builds(OrgName)
phones = st.builds(Phone, extension=optional_text)
emails = st.builds(Email)
identifiers = st.builds(Identifier)
addresses = st.builds(Address, postcode=optional_text)


def _tuples(elements: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple[Any, ...]]:
    return st.lists(elements, max_size=3).map(tuple)


party_records = st.builds(
    PartyRecord,
    names=_tuples(person_names),
    org_name=st.none() | org_names,
    nickname=optional_text,
    phones=_tuples(phones),
    emails=_tuples(emails),
    identifiers=_tuples(identifiers),
    birth_date=st.none() | st.dates(),
    gender=st.none() | st.sampled_from(["M", "F"]),
    addresses=_tuples(addresses),
    member_level=optional_text,
    subscribed=st.none() | st.booleans(),
    avatar_url=optional_text,
    observed_at=optional_datetimes,
    contact_of=st.none() | st.tuples(st.text(), st.text()),
    references=st.lists(st.text(), max_size=3).map(tuple),
    extra=st.dictionaries(st.text(), st.text(), max_size=3),
)

party_refs = st.builds(PartyRef)
order_items = st.builds(OrderItem, quantity=decimals, unit_price=decimals, amount=decimals)
facts: st.SearchStrategy[Fact] = st.one_of(
    st.builds(
        OrderFact,
        party=st.none() | party_refs,
        ordered_at=optional_datetimes,
        paid_at=optional_datetimes,
        total_amount=decimals,
        items=_tuples(order_items),
        receiver=st.dictionaries(st.text(), st.text(), max_size=3),
        external_ref=optional_text,
    ),
    st.builds(DeliveryFact, shipped_at=optional_datetimes),
    st.builds(CallFact, party=party_refs, started_at=optional_datetimes),
    st.builds(LoyaltyEvent, party=party_refs, occurred_at=optional_datetimes, note=optional_text),
)


@settings(database=None, max_examples=200)
@given(party_records)
def test_party_record_round_trips_exactly_through_json(record: PartyRecord) -> None:
    d = party_to_dict(record)
    assert party_from_dict(d) == record
    assert party_from_dict(json.loads(json.dumps(d, ensure_ascii=False))) == record


@settings(database=None, max_examples=200)
@given(facts)
def test_fact_round_trips_exactly_through_json(fact: Fact) -> None:
    d = fact_to_dict(fact)
    assert fact_from_dict(json.loads(json.dumps(d))) == fact
    assert next(iter(d)) == "fact"


@settings(database=None, max_examples=50)
@given(party_records)
def test_party_dict_keys_follow_the_field_order(record: PartyRecord) -> None:
    names = [f.name for f in dataclasses.fields(PartyRecord)]
    if not record.references:  # left out, so records without any keep their content hash
        names.remove("references")
    assert list(party_to_dict(record)) == names


SHOP_MEMBER = PartyRecord(
    source_system="shop",
    source_key="M100234",
    kind=PartyKind.PERSON,
    names=(PersonName("林嘉欣", "林嘉欣", "林", "嘉欣", "lin jia xin", "ljx", False),),
    birth_date=date(1990, 3, 14),
    observed_at=datetime(2023, 5, 2, 10, 11, 12, tzinfo=timezone(timedelta(hours=8))),
    extra={"level_raw": "GOLD", "b": "1"},
)


def test_party_dict_uses_only_json_types() -> None:
    d = party_to_dict(SHOP_MEMBER)
    assert d["kind"] == "person"
    assert d["birth_date"] == "1990-03-14"
    assert d["observed_at"] == "2023-05-02T10:11:12+08:00"
    assert isinstance(d["names"], list)
    assert list(d["extra"]) == ["b", "level_raw"]  # sorted: same record, same text


def test_party_from_dict_defaults_missing_optional_keys() -> None:
    minimal = {"source_system": "erp", "source_key": "0000100234", "kind": "organisation"}
    assert party_from_dict(minimal) == PartyRecord("erp", "0000100234", PartyKind.ORGANISATION)


def test_decimals_are_strings_and_keep_their_scale() -> None:
    item = OrderItem(
        "10", "MAT-7731", "保温杯", Decimal("600"), Decimal("20.00"), Decimal("12000.00"), None
    )
    order = OrderFact(
        "erp", "4500012345", None, "erp", None, None, None, Decimal("12000.00"), "CNY", (item,)
    )
    d = fact_to_dict(order)
    assert (d["fact"], d["total_amount"], d["items"][0]["unit_price"]) == (
        "order",
        "12000.00",
        "20.00",
    )
    assert fact_from_dict(d) == order


@pytest.mark.parametrize(
    ("fact", "tag"),
    [
        (DeliveryFact("erp", "8000001", "4500012345", "顺丰速运", "SF1", None), "delivery"),
        (
            CallFact(
                "callcenter",
                "C-88120",
                PartyRef("callcenter", "C-88120"),
                None,
                None,
                312,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                "021-62345678",
            ),
            "call",
        ),
        (
            LoyaltyEvent("shop", "E1:earn", PartyRef("shop", "M100234"), 398, "earn", "E1", None),
            "loyalty",
        ),
    ],
)
def test_fact_dict_names_its_type(fact: Fact, tag: str) -> None:
    assert fact_to_dict(fact)["fact"] == tag


@pytest.mark.parametrize("d", [{}, {"fact": "refund"}])
def test_unknown_fact_discriminator_is_an_error(d: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="unknown discriminator"):
        fact_from_dict(d)


def test_content_hash_is_sha256_of_canonical_utf8_json() -> None:
    expected = hashlib.sha256('{"a":1,"name":"林嘉欣"}'.encode()).hexdigest()
    assert content_hash({"name": "林嘉欣", "a": 1}) == expected


_JSON_TEXT = st.text(st.characters(exclude_categories=["Cs"]))  # any text UTF-8 can carry
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | _JSON_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_JSON_TEXT, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_JSON_TEXT, _JSON_VALUES, max_size=6))
def test_content_hash_is_the_canonical_json_hash_for_any_payload(payload: dict[str, Any]) -> None:
    # Stored hashes must not change with the encoder that computes them: an unchanged
    # redelivery would otherwise count as an update. Control characters, emoji,
    # key order by code point and integers beyond 64 bits included.
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert content_hash(payload) == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_content_hash_ignores_key_order_and_sees_every_change() -> None:
    d = party_to_dict(SHOP_MEMBER)
    reordered = dict(reversed(list(d.items())))
    assert content_hash(reordered) == content_hash(d)
    changed = party_to_dict(dataclasses.replace(SHOP_MEMBER, gender="F"))
    assert content_hash(changed) != content_hash(d)
