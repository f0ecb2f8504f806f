from __future__ import annotations

import pytest

from cdhub.storage.queries.search import SearchTerms
from resolvers.errors import BadUserInput
from resolvers.identity import identity_key, search_terms


@pytest.mark.parametrize(
    ("arguments", "expected", "label"),
    [
        ({"phone": "+86 139-1234-5678"}, ("phone", "+8613912345678"), "spaced and dashed"),
        ({"phone": "13912345678"}, ("phone", "+8613912345678"), "national"),
        ({"phone": "0086 139 1234 5678"}, ("phone", "+8613912345678"), "00 prefix"),
        ({"phone": "021-6234 5678"}, ("phone", "+862162345678"), "landline"),
        ({"email": " Lin.JiaXin@Example.com "}, ("email", "lin.jiaxin@example.com"), "email"),
        ({"unionid": " oUnion1 "}, ("unionid", "oUnion1"), "unionid trimmed, case kept"),
        (
            {"resident_id": "110105 19491231 002x"},
            ("resident_id", "11010519491231002X"),
            "resident id",
        ),
        (
            {"credit_code": "91350100m000100y43"},
            ("credit_code", "91350100M000100Y43"),
            "credit code",
        ),
    ],
)
def test_identity_key_normalises_as_ingest_does(
    arguments: dict[str, str], expected: tuple[str, str], label: str
) -> None:
    assert identity_key(**arguments) == expected, label


@pytest.mark.parametrize(
    "arguments",
    [{}, {"phone": "1", "email": "a@b.cn"}, {"phone": "hello"}, {"email": "nobody"}],
)
def test_identity_key_refuses_what_is_not_one_valid_identity(arguments: dict[str, str]) -> None:
    with pytest.raises(BadUserInput):
        identity_key(**arguments)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("林嘉欣", SearchTerms(names=("林嘉欣",))),
        ("陳 志強", SearchTerms(names=("陳 志強", "陈 志强", "陈志强"))),
        (
            "Lin Jiaxin",
            SearchTerms(names=("lin jiaxin", "linjiaxin"), pinyins=("lin jia xin", "linjiaxin")),
        ),
        ("smith", SearchTerms(names=("smith",))),
        ("139 1234 5678", SearchTerms(e164="+8613912345678", digits="13912345678")),
        ("5678", SearchTerms(digits="5678")),
    ],
)
def test_search_terms_read_names_pinyin_and_phones(text: str, expected: SearchTerms) -> None:
    assert search_terms(text) == expected


@pytest.mark.parametrize("text", ["", "  ", "123"])
def test_search_terms_refuse_nothing_to_search(text: str) -> None:
    with pytest.raises(BadUserInput):
        search_terms(text)
