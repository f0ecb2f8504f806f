"""Client input normalised exactly as ingest normalises source data.

A phone typed ``+86 139-1234-5678`` must find the identity stored as
``+8613912345678``, a traditional 陳 the simplified 陈, ``LinJiaxin`` the
pinyin ``lin jia xin``: the same `mdm.normalize` functions do both sides.
"""

from __future__ import annotations

import re

from cdhub.storage.queries.search import SearchTerms
from mdm.normalize.emails import normalize_email
from mdm.normalize.identifiers import normalize_credit_code, normalize_resident_id
from mdm.normalize.phones import normalize_phone
from mdm.normalize.pinyin import has_hanzi, segment_pinyin
from mdm.normalize.text import clean_text, to_simplified
from resolvers.errors import BadUserInput

_MIN_PHONE_FRAGMENT = 4
_PHONE_CHARACTERS = re.compile(r"[\d\s+()\-－.]+")
_LATIN_WORD = re.compile(r"[a-z]+")


def identity_key(
    *,
    phone: str | None = None,
    email: str | None = None,
    unionid: str | None = None,
    resident_id: str | None = None,
    credit_code: str | None = None,
) -> tuple[str, str]:
    """``(kind, value)`` as stored in ``golden_identities`` for exactly one given argument."""
    given = {
        "phone": phone,
        "email": email,
        "unionid": unionid,
        "residentId": resident_id,
        "creditCode": credit_code,
    }
    present = [name for name, value in given.items() if value is not None]
    if len(present) != 1:
        raise BadUserInput(
            "give exactly one of phone, email, unionid, residentId, creditCode", given=present
        )
    name = present[0]
    raw = given[name]
    assert raw is not None
    value: str | None
    kind = name
    if name == "phone":
        parsed = normalize_phone(raw)
        value = parsed.e164 if parsed else None
    elif name == "email":
        address = normalize_email(raw)
        value = address.value if address else None
    elif name == "residentId":
        kind = "resident_id"
        resident = normalize_resident_id(raw)
        value = resident.identifier.value if resident else None
    elif name == "creditCode":
        kind = "credit_code"
        value = normalize_credit_code(raw).value or None
    else:
        value = clean_text(raw) or None
    if value is None:
        raise BadUserInput(f"{name} {raw!r} is not a valid {name}", argument=name)
    return kind, value


def search_terms(text: str) -> SearchTerms:
    """Name, pinyin and phone readings of a search box text."""
    cleaned = clean_text(text)
    if not cleaned:
        raise BadUserInput("the search text is empty", argument="text")
    if _PHONE_CHARACTERS.fullmatch(cleaned):
        digits = "".join(ch for ch in cleaned if ch.isdigit())
        parsed = normalize_phone(cleaned)
        e164 = parsed.e164 if parsed is not None else None
        if e164 is None and len(digits) < _MIN_PHONE_FRAGMENT:
            raise BadUserInput(
                f"a phone fragment needs at least {_MIN_PHONE_FRAGMENT} digits", argument="text"
            )
        return SearchTerms(e164=e164, digits=digits if len(digits) >= _MIN_PHONE_FRAGMENT else None)
    simplified = to_simplified(cleaned)
    names = tuple(
        dict.fromkeys(n.lower() for n in (cleaned, simplified, simplified.replace(" ", "")))
    )
    if has_hanzi(simplified):
        return SearchTerms(names=names)
    return SearchTerms(names=names, pinyins=_pinyins(simplified.lower()))


def _pinyins(latin: str) -> tuple[str, ...]:
    """``lin jia xin`` and ``linjiaxin`` for "Lin Jiaxin", "linjiaxin" or "LIN JIA XIN"."""
    syllables: list[str] = []
    for word in _LATIN_WORD.findall(latin):
        parts = segment_pinyin(word)
        if parts is None:
            return ()  # not pinyin ("Smith"): the name readings cover it
        syllables.extend(parts)
    if not syllables:
        return ()
    return tuple(dict.fromkeys((" ".join(syllables), "".join(syllables))))
