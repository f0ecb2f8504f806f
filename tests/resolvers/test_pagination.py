from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from cdhub.storage.queries.keyset import Keyset, PageRequest
from resolvers.errors import BadUserInput, NotFound
from resolvers.pagination import (
    decode_cursor,
    encode_cursor,
    global_id,
    id_of,
    page_request,
    parse_global_id,
)


@pytest.mark.parametrize(
    "value",
    [
        None,
        7,
        2.5,
        "lin jia xin",
        Decimal("12.30"),
        date(2024, 3, 1),
        datetime(2024, 3, 1, 2, 0, tzinfo=UTC),
        datetime(2024, 3, 1, 2, 0),  # SQLite's naive timestamps round-trip as naive
    ],
)
def test_cursor_round_trips_its_sort_value(value: object) -> None:
    key = Keyset(value, 42)  # type: ignore[arg-type]
    assert decode_cursor(encode_cursor("orders.x", key), "orders.x") == key


@pytest.mark.parametrize("cursor", ["", "abc", "!!!!", encode_cursor("other", Keyset(1, 1))])
def test_bad_or_foreign_cursor_is_bad_user_input(cursor: str) -> None:
    with pytest.raises(BadUserInput) as caught:
        decode_cursor(cursor, "orders.x")
    assert caught.value.extensions == {"code": "BAD_USER_INPUT", "argument": "cursor"}


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (None, None, PageRequest(size=20)),
        (5, None, PageRequest(size=5)),
        (0, None, PageRequest(size=0)),
        (None, 100, PageRequest(size=100, forward=False)),
    ],
)
def test_page_request_defaults_and_directions(
    first: int | None, last: int | None, expected: PageRequest
) -> None:
    request = page_request(
        first=first, after=None, last=last, before=None, ordering="o", max_size=100
    )
    assert request == expected


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (101, None, "first must be at most 100 (got 101)"),
        (None, 101, "last must be at most 100 (got 101)"),
        (-1, None, "first must not be negative"),
        (1, 1, "give first or last, not both"),
    ],
)
def test_page_size_over_the_cap_is_refused_not_clamped(
    first: int | None, last: int | None, message: str
) -> None:
    with pytest.raises(BadUserInput, match=re.escape(message)):
        page_request(first=first, after=None, last=last, before=None, ordering="o", max_size=100)


def test_default_page_size_respects_a_small_cap() -> None:
    request = page_request(first=None, after=None, last=None, before=None, ordering="o", max_size=5)
    assert request.size == 5


def test_global_ids_are_base64_of_type_and_id() -> None:
    assert global_id("Customer", 1) == "Q3VzdG9tZXI6MQ=="
    assert parse_global_id("Q3VzdG9tZXI6MQ==") == ("Customer", 1)
    assert parse_global_id("Q3VzdG9tZXI6MQ") == ("Customer", 1)  # padding optional
    assert id_of("Q3VzdG9tZXI6MQ==", "Customer") == 1
    assert id_of("17", "Customer") == 17


@pytest.mark.parametrize("value", ["", "%%%", "Q3VzdG9tZXI=", "Q3VzdG9tZXI6eA==", "bm9wZQ=="])
def test_malformed_global_ids_are_not_found(value: str) -> None:
    with pytest.raises(NotFound):
        parse_global_id(value)


@pytest.mark.parametrize("value", ["²", "①7"])  # digits to str.isdigit, not to int()
def test_an_id_of_non_ascii_digits_is_not_found(value: str) -> None:
    with pytest.raises(NotFound):
        id_of(value, "Customer")


def test_id_of_another_type_is_not_found() -> None:
    with pytest.raises(NotFound, match="the id of a Order, not a Customer"):
        id_of(global_id("Order", 3), "Customer")


def test_ids_beyond_bigint_name_nothing_instead_of_overflowing_the_driver() -> None:
    largest = 2**63 - 1  # what a BIGINT column holds
    assert id_of(str(largest), "Customer") == largest
    assert id_of(global_id("Customer", largest), "Customer") == largest
    for value in (str(largest + 1), global_id("Customer", largest + 1)):
        with pytest.raises(NotFound):
            id_of(value, "Customer")
