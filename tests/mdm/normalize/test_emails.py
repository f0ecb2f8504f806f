from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdm.normalize.emails import normalize_email

EMAIL_ROWS = [
    ("Lin.JiaXin@Example.com", "lin.jiaxin@example.com", "shop member, mixed case"),
    ("  purchase@linshi.cn ", "purchase@linshi.cn", "spaces trimmed"),
    ("mailto:Lin@Example.com", "lin@example.com", "mailto prefix"),
    ("MAILTO:lin@example.com", "lin@example.com", "upper-case mailto"),
    ("林嘉欣 <lin@example.com>", "lin@example.com", "display name and angle brackets"),
    ("ｌｉｎ＠ｅｘａｍｐｌｅ．ｃｏｍ", "lin@example.com", "full-width"),
    ("lin@example。com", "lin@example.com", "ideographic full stop"),
    ("lin+shop@mail.example.com.cn", "lin+shop@mail.example.com.cn", "plus tag, sub-domains"),
    ("lin@example.com.", "lin@example.com", "trailing dot"),
    ("12345678@qq.com", "12345678@qq.com", "QQ mail"),
    ("lin@xn--fiqs8s.cn", "lin@xn--fiqs8s.cn", "punycode domain"),
    ("lin@@example.com", None, "two @"),
    ("lin@example", None, "no top-level domain"),
    ("lin example@example.com", None, "space in local part"),
    ("@example.com", None, "no local part"),
    ("lin@.com", None, "empty domain label"),
    ("lin..jia@example.com", None, "double dot"),
    ("13800138000", None, "a phone number"),
    ("lin@-example.com", None, "label starts with a dash"),
]


@pytest.mark.parametrize(("raw", "expected", "label"), EMAIL_ROWS, ids=[r[2] for r in EMAIL_ROWS])
def test_normalize_email(raw: str, expected: str | None, label: str) -> None:
    email = normalize_email(raw)
    assert email is not None, label
    assert (email.raw, email.value) == (raw, expected)


@pytest.mark.parametrize("raw", ["", "  ", "null", "N/A"])
def test_blank_email_is_none(raw: str) -> None:
    assert normalize_email(raw) is None


_local = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-", min_size=1)


@given(_local, st.sampled_from(["example.com", "Example.COM", "qq.com", "mail.linshi.cn"]))
def test_normalising_an_email_twice_changes_nothing(local: str, domain: str) -> None:
    email = normalize_email(f" {local}@{domain} ")
    assert email is not None
    if email.value is not None:
        again = normalize_email(email.value)
        assert again is not None
        assert again.value == email.value


@given(st.text(max_size=40))
def test_normalize_email_never_raises_and_is_stable(raw: str) -> None:
    email = normalize_email(raw)
    if email is not None and email.value is not None:
        again = normalize_email(email.value)
        assert again is not None
        assert again.value == email.value
