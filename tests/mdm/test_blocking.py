from __future__ import annotations

from dataclasses import replace

from mdm.blocking import (
    MAX_KEY_LENGTH,
    BlockingKey,
    blocking_keys,
    candidate_pairs,
    is_strong,
    keys_to_query,
    max_block_size,
)
from mdm.settings import default_settings
from tests.mdm.matching_records import organisation, person

SETTINGS = default_settings()


def test_person_keys_cover_identifiers_and_fuzzy_name_keys() -> None:
    r = person(
        "M1",
        "林嘉欣",
        mobile="13912345678",
        landline="021-62345678",
        email="Lin.JiaXin@Example.com",
        resident_id="11010519900314002X",
        unionid="oU1",
        member_id="M1",
        birth="1990-03-14",
        address=("上海市", "上海市", "徐汇区", "漕溪北路88号"),
    )
    assert blocking_keys(r) == {
        BlockingKey("mobile", "+8613912345678"),
        BlockingKey("phone", "+862162345678"),
        BlockingKey("email", "lin.jiaxin@example.com"),
        BlockingKey("resident_id", "11010519900314002X"),
        BlockingKey("unionid", "oU1"),
        BlockingKey("member_id", "M1"),
        BlockingKey("name_initials", "lin|jx"),
        BlockingKey("name_pinyin", "linjiaxin"),
        BlockingKey("name_district", "linjiaxin|徐汇"),
        BlockingKey("birth_surname", "1990-03-14|lin"),
        BlockingKey("birth_given", "1990-03-14|jiaxin"),
        BlockingKey("birth_date", "1990-03-14"),
        BlockingKey("address", "徐汇|漕溪北路88号"),
        BlockingKey("name_sorted", "jiaxin|lin"),
        BlockingKey("surname", "lin"),
        BlockingKey("surname_street", "lin|漕溪北路"),
    }


def test_invalid_resident_id_gives_no_key_and_honorific_gives_no_name_keys() -> None:
    r = person("C1", "林小姐", source="callcenter", resident_id="110105199003140021")
    assert {k.key_type for k in blocking_keys(r)} == set()


def test_org_tokens_drop_legal_form_and_region() -> None:
    keys = blocking_keys(organisation("K1", "上海林氏贸易有限公司"))
    assert {k.value for k in keys if k.key_type == "org_token"} == {
        "林氏",
        "氏贸",
        "贸易",
        "林氏贸易",
    }


def test_strong_keys_are_never_capped() -> None:
    assert is_strong("resident_id")
    assert is_strong("unionid")
    assert max_block_size("resident_id", SETTINGS) is None
    assert max_block_size("phone", SETTINGS) == 30
    assert not is_strong("mobile")


def test_oversized_landline_block_is_skipped_but_strong_block_kept() -> None:
    shared = frozenset({BlockingKey("phone", "+862162345678")})
    keys = [shared] * 40 + [frozenset({BlockingKey("unionid", "u")})] * 3
    pairs = candidate_pairs(keys, SETTINGS)
    assert pairs.tolist() == [[40, 41], [40, 42], [41, 42]]


def test_candidate_pairs_are_distinct_and_ordered() -> None:
    a = frozenset({BlockingKey("mobile", "1"), BlockingKey("email", "e")})
    pairs = candidate_pairs([a, a, frozenset()], SETTINGS)
    assert pairs.tolist() == [[0, 1]]


def test_keys_to_query_skips_large_fuzzy_blocks() -> None:
    keys = [BlockingKey("phone", "p"), BlockingKey("unionid", "u"), BlockingKey("name_pinyin", "n")]
    sizes = {keys[0]: 40, keys[1]: 500, keys[2]: 3}
    assert keys_to_query(keys, sizes, SETTINGS) == [keys[2], keys[1]]


def test_references_are_uncapped_keys_shared_by_the_records_of_one_order() -> None:
    caller = replace(person("C-1", "林小姐", source="callcenter"), references=("order:E-1",))
    buyer = replace(person("E-1", "林嘉欣"), references=("order:E-1",))
    shared = blocking_keys(caller) & blocking_keys(buyer)
    assert BlockingKey("reference", "order:E-1") in shared
    assert is_strong("reference")


def test_long_key_values_are_bounded_and_still_tell_values_apart() -> None:
    street = "漕溪北路" * 100

    def address_key(detail: str) -> str:
        r = person("M1", "林嘉欣", address=("上海市", "上海市", "徐汇区", detail))
        (key,) = [k.value for k in blocking_keys(r) if k.key_type == "address"]
        return key

    long_key = address_key(street)
    assert len(long_key) == MAX_KEY_LENGTH
    assert long_key.startswith("徐汇|漕溪北路")
    assert address_key(street) == long_key  # the same value, the same key
    assert address_key(street + "1号") != long_key  # differs only past the kept head
    assert address_key("漕溪北路88号") == "徐汇|漕溪北路88号"  # short values are untouched
