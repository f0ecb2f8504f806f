"""Comparison vectors: which level of each declared comparison a pair falls into.

A :class:`mdm.settings.Comparison` names a feature attribute and ordered
levels; each level names a *test* from the vocabulary below. The first level
whose test holds is the pair's level. Multi-valued attributes (names,
addresses) are compared element by element and the most specific level wins.

Tests by attribute:

``names`` (person names)
    ``null`` (either has no name), ``one_part`` (latin names, one side gives
    only a surname or only a given name, equal or near to a part of the
    other: one word agrees, not a whole name), ``exact`` (same simplified full name),
    ``pinyin_exact`` (same pinyin, so 林嘉欣, 林嘉欣 in traditional and "Lin
    Jiaxin" meet; or the same surname and given parts in any written order),
    ``pinyin_swapped`` (surname and given swapped), ``jaro_winkler`` (on the
    compact pinyin; for two hanzi names every differing syllable must itself
    be near, xin/xing but not xin/yi, so siblings 林嘉欣/林嘉怡 do not pass),
    ``parts_jaro_winkler`` (latin names: surname and given each at the
    threshold, in either order), ``surname_only`` (same surname, one side
    knows only the surname: 林小姐), ``given_only`` (same given name, near at
    the threshold for latin names, at least two syllables for pinyin ones;
    ``syllable_dropped`` (pinyin names, same surname, one given-name syllable
    dropped or added: 胡荣 / 胡小荣);
    the surnames differ or one is missing), ``same_surname`` (same surname, different given name: a
    family member), ``else``.
``phones``
    ``null``, ``shared_mobile``, ``shared_landline``, ``mobile_typo`` (two
    mobiles one substituted or transposed digit apart), ``else`` (both have
    phones, none shared).
``identifiers`` (resident ID, credit code, passport; same kind only)
    ``null``, ``exact_valid``, ``exact``, ``near`` (one substituted or two
    transposed characters), ``different_valid``, ``else``.
``birth_date``
    ``null``, ``exact``, ``day_month_swapped``, ``year_off_by_one``,
    ``one_digit_typo``, ``else``.
``addresses``
    ``null``, ``detail_exact`` / ``detail_fuzzy`` (street detail inside a
    compatible area), ``detail_partial`` (the shorter detail near a stretch of
    the longer one), ``same_district`` (or same postcode), ``same_city``,
    ``same_province``, ``else``.
``org_name``
    ``null``, ``exact`` (same core and branch), ``same_core``,
    ``core_fuzzy``, ``else``.
``accounts``
    ``null`` (no account kind in common), ``exact``, ``else``.
``emails``
    also ``name_like``: every shared address only spells the holders' name
    (``fang.wang@163.com``): namesakes write the same one, so it is
    term-frequency adjusted on the name, not on the address.
any set-valued attribute (``emails``, ``unionids``, ``gender``, ``nickname``)
    ``null``, ``exact``, ``jaro_winkler`` (for emails: of the local parts
    within one domain), ``else``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel, JaroWinkler

from mdm.features import AddressFeature, NameFeature, RecordFeatures
from mdm.normalize.identifiers import near_identifier
from mdm.settings import Comparison, MatchSettings

_SYLLABLE_NEAR = 0.88
CITY_NEAR = 0.9
# a detail at least this long that starts the other is the same place, more specific
PREFIX_MIN = 6
# a detail shorter than this is not searched for inside the other
PARTIAL_MIN = 8

_jw = JaroWinkler.normalized_similarity
_ratio = Indel.normalized_similarity

# --- person names ------------------------------------------------------------------------

NameTest = Callable[[NameFeature, NameFeature, float], bool]


def _name_one_part(a: NameFeature, b: NameFeature, t: float) -> bool:
    """A latin name of which one side gives only one part (a given name, or a
    surname), equal or near to a part of the other: the agreement of one word,
    not of a whole name."""
    if not (a.is_latin or b.is_latin) or a.honorific_only or b.honorific_only:
        return False
    if a.surname and a.given and b.surname and b.given:
        return False
    if (a.has_given or b.has_given) and _name_surname_only(a, b, t):
        return False  # a whole name and its surname alone: ``surname_only``
    xs = [p for p in (a.surname, a.given) if p]
    ys = [p for p in (b.surname, b.given) if p]
    return any(x == y or _jw(x, y) >= t for x in xs for y in ys)


def _name_exact(a: NameFeature, b: NameFeature, t: float) -> bool:
    return bool(a.full) and a.full == b.full and not (a.honorific_only or b.honorific_only)


def _name_pinyin(a: NameFeature, b: NameFeature, t: float) -> bool:
    if a.honorific_only or b.honorific_only or not a.pinyin:
        return False
    if a.pinyin == b.pinyin:
        return True
    return bool(a.given) and a.surname == b.surname and a.given == b.given


def _name_swapped(a: NameFeature, b: NameFeature, t: float) -> bool:
    if not (a.has_given and b.has_given and a.surname and b.surname):
        return False
    if a.surname == b.given and a.given == b.surname:
        return True
    return len(a.syllables) > 1 and sorted(a.syllables) == sorted(b.syllables)


def _syllables_near(x: Sequence[str], y: Sequence[str]) -> bool:
    """Equal-length syllables each equal or near; or one syllable dropped."""
    if len(x) == len(y):
        return all(s == r or _jw(s, r) >= _SYLLABLE_NEAR for s, r in zip(x, y, strict=True))
    if abs(len(x) - len(y)) != 1:
        return False
    short, long_ = (x, y) if len(x) < len(y) else (y, x)
    return any(tuple(long_[:i]) + tuple(long_[i + 1 :]) == tuple(short) for i in range(len(long_)))


def _name_jw(a: NameFeature, b: NameFeature, t: float) -> bool:
    if a.honorific_only or b.honorific_only or not a.pinyin or not b.pinyin:
        return False
    if _jw(a.pinyin, b.pinyin) < t:
        return False
    if a.is_latin or b.is_latin:
        return True
    return _syllables_near(a.syllables, b.syllables)


def _name_parts_jw(a: NameFeature, b: NameFeature, t: float) -> bool:
    if not (a.is_latin or b.is_latin) or not (a.has_given and b.has_given):
        return False
    if not (a.surname and b.surname):
        return False
    if _jw(a.surname, b.surname) >= t and _jw(a.given, b.given) >= t:
        return True
    # written in the other order, with a typo ("chloe, ryna" / "ryan, chloe")
    return _jw(a.surname, b.given) >= t and _jw(a.given, b.surname) >= t


def _given_near(x: NameFeature, y: NameFeature, t: float) -> bool:
    if x.is_latin and y.is_latin:
        return len(x.given) >= 3 and (x.given == y.given or _jw(x.given, y.given) >= t)
    # pinyin given names: two or more syllables, equal (a one-syllable given
    # name such as wei is shared by far too many people)
    return x.given == y.given and len(x.syllables) - (1 if x.surname else 0) >= 2


def _name_given_only(a: NameFeature, b: NameFeature, t: float) -> bool:
    """The same given name, the surnames differ or one is missing: a changed
    family name (marriage), a misheard one, or a record that lost it."""
    if not (a.has_given and b.has_given) or a.surname == b.surname:
        return False
    return _given_near(a, b, t) or _whole_is_given(a, b) or _whole_is_given(b, a)


def _whole_is_given(x: NameFeature, y: NameFeature) -> bool:
    """A two-character hanzi name that is the other's two-syllable given name
    (瑞晨 / 唐瑞晨): read as surname + given, it is the given name alone."""
    if x.is_latin or y.is_latin or len(x.syllables) != 2:
        return False
    return x.pinyin == y.given and len(y.syllables) == 3


def _given_syllables(n: NameFeature) -> tuple[str, ...]:
    for k in range(len(n.syllables)):
        if "".join(n.syllables[k:]) == n.given:
            return n.syllables[k:]
    return ()


def _name_syllable_dropped(a: NameFeature, b: NameFeature, t: float) -> bool:
    """Pinyin names of one surname whose given names differ by one dropped or
    added syllable (胡荣 / 胡小荣): a familiar form or a typing slip."""
    if a.is_latin or b.is_latin or not (a.has_given and b.has_given) or a.surname != b.surname:
        return False
    x, y = _given_syllables(a), _given_syllables(b)
    if not x or not y or abs(len(x) - len(y)) != 1:
        return False
    short, long_ = (x, y) if len(x) < len(y) else (y, x)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _name_surname_only(a: NameFeature, b: NameFeature, t: float) -> bool:
    return bool(a.surname) and a.surname == b.surname and not (a.has_given and b.has_given)


def _name_same_surname(a: NameFeature, b: NameFeature, t: float) -> bool:
    return bool(a.surname) and a.surname == b.surname


def _always(a: object, b: object, t: float) -> bool:
    return True


NAME_TESTS: dict[str, NameTest] = {
    "one_part": _name_one_part,
    "exact": _name_exact,
    "pinyin_exact": _name_pinyin,
    "pinyin_swapped": _name_swapped,
    "jaro_winkler": _name_jw,
    "parts_jaro_winkler": _name_parts_jw,
    "syllable_dropped": _name_syllable_dropped,
    "surname_only": _name_surname_only,
    "given_only": _name_given_only,
    "same_surname": _name_same_surname,
    "else": _always,
}

# --- addresses ---------------------------------------------------------------------------

AddressTest = Callable[[AddressFeature, AddressFeature, float], bool]


def _city_same(x: str | None, y: str | None) -> bool:
    return x is not None and y is not None and (x == y or _jw(x, y) >= CITY_NEAR)


def _area_compatible(a: AddressFeature, b: AddressFeature) -> bool:
    if a.province and b.province and a.province != b.province:
        return False
    if a.postcode is not None and a.postcode == b.postcode:
        return True  # the postcode pins the area: a differing city is a typo or a variant
    if a.city and b.city and not _city_same(a.city, b.city):
        return False
    return not (a.district and b.district and a.district != b.district)


def _addr_detail_exact(a: AddressFeature, b: AddressFeature, t: float) -> bool:
    return a.detail is not None and a.detail == b.detail and _area_compatible(a, b)


def _detail_similar(x: str, y: str, t: float) -> bool:
    """Indel similarity, or one detail a more specific version of the other
    (漕溪北路88号12楼 / 漕溪北路88号12楼1201室)."""
    short, long_ = (x, y) if len(x) <= len(y) else (y, x)
    if len(short) >= PREFIX_MIN and long_.startswith(short):
        return True
    return _ratio(x, y) >= t


def _addr_detail_fuzzy(a: AddressFeature, b: AddressFeature, t: float) -> bool:
    return (
        a.detail is not None
        and b.detail is not None
        and _detail_similar(a.detail, b.detail, t)
        and _area_compatible(a, b)
    )


def _addr_detail_partial(a: AddressFeature, b: AddressFeature, t: float) -> bool:
    """The shorter detail (at least eight characters) is near a stretch of the
    longer one: a building name, a unit or a street dropped from one side."""
    if a.detail is None or b.detail is None or min(len(a.detail), len(b.detail)) < PARTIAL_MIN:
        return False
    return fuzz.partial_ratio(a.detail, b.detail) >= 100 * t and _area_compatible(a, b)


def _addr_district(a: AddressFeature, b: AddressFeature, t: float) -> bool:
    if a.postcode is not None and a.postcode == b.postcode:
        return True
    return a.district is not None and a.district == b.district and _area_compatible(a, b)


def _addr_city(a: AddressFeature, b: AddressFeature, t: float) -> bool:
    return _city_same(a.city, b.city) and not (
        a.province and b.province and a.province != b.province
    )


def _addr_province(a: AddressFeature, b: AddressFeature, t: float) -> bool:
    return a.province is not None and a.province == b.province


ADDRESS_TESTS: dict[str, AddressTest] = {
    "detail_exact": _addr_detail_exact,
    "detail_fuzzy": _addr_detail_fuzzy,
    "detail_partial": _addr_detail_partial,
    "same_district": _addr_district,
    "same_city": _addr_city,
    "same_province": _addr_province,
    "else": _always,
}

# --- record-level attributes -------------------------------------------------------------

RecordTest = Callable[[RecordFeatures, RecordFeatures, float], bool]


def _phones_null(a: RecordFeatures, b: RecordFeatures, t: float) -> bool:
    return not (a.mobiles or a.landlines) or not (b.mobiles or b.landlines)


def _shared_mobile(a: RecordFeatures, b: RecordFeatures, t: float) -> bool:
    return not a.mobiles.isdisjoint(b.mobiles | b.landlines) or not b.mobiles.isdisjoint(
        a.landlines
    )


def _shared_landline(a: RecordFeatures, b: RecordFeatures, t: float) -> bool:
    return not a.landlines.isdisjoint(b.landlines)


def _mobile_typo(a: RecordFeatures, b: RecordFeatures, t: float) -> bool:
    return any(near_identifier(x, y) for x in a.mobiles for y in b.mobiles)


def _ids_null(a: RecordFeatures, b: RecordFeatures, t: float) -> bool:
    return not a.all_ids or not b.all_ids or a.all_ids.keys().isdisjoint(b.all_ids.keys())


def _ids_exact_valid(a: RecordFeatures, b: RecordFeatures, t: float) -> bool:
    return any(not v.isdisjoint(b.valid_ids.get(k, ())) for k, v in a.valid_ids.items())


def _ids_exact(a: RecordFeatures, b: RecordFeatures, t: float) -> bool:
    return any(not v.isdisjoint(b.all_ids.get(k, ())) for k, v in a.all_ids.items())


def _ids_near(a: RecordFeatures, b: RecordFeatures, t: float) -> bool:
    return any(
        near_identifier(x, y) for k, v in a.all_ids.items() for x in v for y in b.all_ids.get(k, ())
    )


def _ids_different_valid(a: RecordFeatures, b: RecordFeatures, t: float) -> bool:
    return any(k in b.valid_ids and v.isdisjoint(b.valid_ids[k]) for k, v in a.valid_ids.items())


def _accounts_null(a: RecordFeatures, b: RecordFeatures, t: float) -> bool:
    return not a.accounts or not b.accounts or a.accounts.keys().isdisjoint(b.accounts.keys())


def _accounts_exact(a: RecordFeatures, b: RecordFeatures, t: float) -> bool:
    return any(not v.isdisjoint(b.accounts.get(k, ())) for k, v in a.accounts.items())


def _dates(a: RecordFeatures, b: RecordFeatures) -> tuple[date, date] | None:
    if a.birth_date is None or b.birth_date is None:
        return None
    return a.birth_date, b.birth_date


def _birth_null(a: RecordFeatures, b: RecordFeatures, t: float) -> bool:
    return a.birth_date is None or b.birth_date is None


def _birth_exact(a: RecordFeatures, b: RecordFeatures, t: float) -> bool:
    return a.birth_date == b.birth_date


def _birth_swapped(a: RecordFeatures, b: RecordFeatures, t: float) -> bool:
    d = _dates(a, b)
    return d is not None and (
        d[0].year == d[1].year and d[0].month == d[1].day and d[0].day == d[1].month
    )


def _birth_year_off(a: RecordFeatures, b: RecordFeatures, t: float) -> bool:
    d = _dates(a, b)
    return d is not None and (
        d[0].month == d[1].month and d[0].day == d[1].day and abs(d[0].year - d[1].year) == 1
    )


def _birth_digit(a: RecordFeatures, b: RecordFeatures, t: float) -> bool:
    d = _dates(a, b)
    if d is None:
        return False
    x, y = d[0].isoformat(), d[1].isoformat()
    return sum(1 for i, j in zip(x, y, strict=True) if i != j) == 1


def _org_null(a: RecordFeatures, b: RecordFeatures, t: float) -> bool:
    return a.org is None or b.org is None


def _org_exact(a: RecordFeatures, b: RecordFeatures, t: float) -> bool:
    return (
        a.org is not None
        and b.org is not None
        and (a.org.core == b.org.core and a.org.branch == b.org.branch)
    )


def _org_core(a: RecordFeatures, b: RecordFeatures, t: float) -> bool:
    return a.org is not None and b.org is not None and a.org.core == b.org.core


def _org_fuzzy(a: RecordFeatures, b: RecordFeatures, t: float) -> bool:
    return a.org is not None and b.org is not None and _ratio(a.org.core, b.org.core) >= t


RECORD_TESTS: dict[str, dict[str, RecordTest]] = {
    "phones": {
        "null": _phones_null,
        "shared_mobile": _shared_mobile,
        "shared_landline": _shared_landline,
        "mobile_typo": _mobile_typo,
        "else": _always,
    },
    "identifiers": {
        "null": _ids_null,
        "exact_valid": _ids_exact_valid,
        "exact": _ids_exact,
        "near": _ids_near,
        "different_valid": _ids_different_valid,
        "else": _always,
    },
    "accounts": {"null": _accounts_null, "exact": _accounts_exact, "else": _always},
    "birth_date": {
        "null": _birth_null,
        "exact": _birth_exact,
        "day_month_swapped": _birth_swapped,
        "year_off_by_one": _birth_year_off,
        "one_digit_typo": _birth_digit,
        "else": _always,
    },
    "org_name": {
        "null": _org_null,
        "exact": _org_exact,
        "same_core": _org_core,
        "core_fuzzy": _org_fuzzy,
        "else": _always,
    },
}


def _single(value: str | None) -> frozenset[str]:
    return frozenset((value,)) if value else frozenset()


SET_ATTRIBUTES: dict[str, Callable[[RecordFeatures], frozenset[str]]] = {
    "emails": lambda f: f.emails,
    "unionids": lambda f: f.unionids,
    "mobiles": lambda f: f.mobiles,
    "gender": lambda f: _single(f.gender),
    "nickname": lambda f: _single(f.nickname),
    "references": lambda f: f.references,
}


def _email_near(x: str, y: str, t: float) -> bool:
    """Jaro-Winkler of the local parts, only within one domain (a typo, not a namesake)."""
    lx, _, dx = x.rpartition("@")
    ly, _, dy = y.rpartition("@")
    return dx == dy and _jw(lx, ly) >= t


def _plain_near(x: str, y: str, t: float) -> bool:
    return _jw(x, y) >= t


def _spellings(f: RecordFeatures) -> dict[str, str]:
    """Email local parts (letters only) that merely spell one of the record's
    names, surname and given name in either order, to the name's pinyin."""
    out: dict[str, str] = {}
    for n in f.names:
        if n.surname and n.given and not n.honorific_only:
            out[n.surname + n.given] = n.pinyin
            out[n.given + n.surname] = n.pinyin
    return out


def _spelled_name(email: str, a: RecordFeatures, b: RecordFeatures) -> str | None:
    """The pinyin of the name ``email`` spells (``fang.wang@163.com``), if it does."""
    local = "".join(c for c in email.rpartition("@")[0] if c.isalpha()).lower()
    if not local:
        return None
    return _spellings(a).get(local) or _spellings(b).get(local)


def _email_name_like(a: RecordFeatures, b: RecordFeatures, t: float) -> bool:
    """Every shared email only spells the holders' name: a namesake writes the same one."""
    common = a.emails & b.emails
    return bool(common) and all(_spelled_name(e, a, b) is not None for e in common)


def _email_value(comparison: Comparison) -> TfValue:
    """The shared email, or for ``name_like`` the name it spells: such an address
    is as common as the name (tf on ``name_pinyin``)."""
    tests = tuple(lv.test for lv in comparison.levels)

    def tf_value(a: RecordFeatures, b: RecordFeatures, level: int) -> str | None:
        common = a.emails & b.emails
        if not common:
            return None
        if tests[level] == "name_like":
            return _spelled_name(min(common), a, b)
        return min(common)

    return tf_value


def _set_tests(
    get: Callable[[RecordFeatures], frozenset[str]],
    near: Callable[[str, str, float], bool] = _plain_near,
) -> dict[str, RecordTest]:
    def null(a: RecordFeatures, b: RecordFeatures, t: float) -> bool:
        return not get(a) or not get(b)

    def exact(a: RecordFeatures, b: RecordFeatures, t: float) -> bool:
        return not get(a).isdisjoint(get(b))

    def jaro_winkler(a: RecordFeatures, b: RecordFeatures, t: float) -> bool:
        return any(near(x, y, t) for x in get(a) for y in get(b))

    return {"null": null, "exact": exact, "jaro_winkler": jaro_winkler, "else": _always}


# --- compiled comparisons ----------------------------------------------------------------

Evaluator = Callable[[RecordFeatures, RecordFeatures], int]
TfValue = Callable[[RecordFeatures, RecordFeatures, int], str | None]


@dataclass(frozen=True, slots=True)
class CompiledComparison:
    """A comparison turned into a level function and a tf-value function."""

    name: str
    labels: tuple[str, ...]
    null_level: int | None
    tf_keys: tuple[str | None, ...]
    level_of: Evaluator
    tf_value: TfValue


T = TypeVar("T")
E = TypeVar("E", NameFeature, AddressFeature)


def _element_evaluator(
    comparison: Comparison,
    tests: dict[str, Callable[[E, E, float], bool]],
    elements: Callable[[RecordFeatures], tuple[E, ...]],
    value: Callable[[E], str | None],
) -> tuple[Evaluator, TfValue, int | None]:
    null_level = None
    steps: list[tuple[int, Callable[[E, E, float], bool], float]] = []
    for i, lv in enumerate(comparison.levels):
        if lv.is_null:
            null_level = i
        else:
            steps.append((i, _lookup(tests, lv.test, comparison), lv.threshold or 0.0))
    fallback = len(comparison.levels) - 1
    first = steps[0][0] if steps else fallback

    def level_of(a: RecordFeatures, b: RecordFeatures) -> int:
        xs, ys = elements(a), elements(b)
        if not xs or not ys:
            return null_level if null_level is not None else fallback
        best = fallback
        for x in xs:
            for y in ys:
                for i, test, t in steps:
                    if i >= best:
                        break
                    if test(x, y, t):
                        best = i
                        break
                if best == first:
                    return best
        return best

    def tf_value(a: RecordFeatures, b: RecordFeatures, level: int) -> str | None:
        for i, test, t in steps:
            if i == level:
                for x in elements(a):
                    for y in elements(b):
                        if test(x, y, t):
                            return value(x)
        return None

    return level_of, tf_value, null_level


def _record_evaluator(
    comparison: Comparison, tests: dict[str, RecordTest], shared: TfValue
) -> tuple[Evaluator, TfValue, int | None]:
    null_level = None
    steps: list[tuple[int, RecordTest, float]] = []
    for i, lv in enumerate(comparison.levels):
        if lv.is_null:
            null_level = i
        steps.append((i, _lookup(tests, lv.test, comparison), lv.threshold or 0.0))
    fallback = len(comparison.levels) - 1

    def level_of(a: RecordFeatures, b: RecordFeatures) -> int:
        for i, test, t in steps:
            if test(a, b, t):
                return i
        return fallback

    return level_of, shared, null_level


def _lookup(tests: dict[str, T], test: str, comparison: Comparison) -> T:
    try:
        return tests[test]
    except KeyError:
        raise ValueError(
            f"comparison {comparison.name!r}: test {test!r} unknown for {comparison.attribute!r}"
        ) from None


def _shared_value(get: Callable[[RecordFeatures], frozenset[str]]) -> TfValue:
    def tf_value(a: RecordFeatures, b: RecordFeatures, level: int) -> str | None:
        common = get(a) & get(b)
        return min(common) if common else None

    return tf_value


def _phone_value(comparison: Comparison) -> TfValue:
    tests = tuple(lv.test for lv in comparison.levels)

    def tf_value(a: RecordFeatures, b: RecordFeatures, level: int) -> str | None:
        if tests[level] == "shared_mobile":
            common = (a.mobiles & (b.mobiles | b.landlines)) | (b.mobiles & a.landlines)
        else:
            common = a.landlines & b.landlines
        return min(common) if common else None

    return tf_value


def _names(f: RecordFeatures) -> tuple[NameFeature, ...]:
    return f.names


def _name_value(n: NameFeature) -> str | None:
    return n.pinyin


def _addresses(f: RecordFeatures) -> tuple[AddressFeature, ...]:
    return f.addresses


def _address_value(a: AddressFeature) -> str | None:
    return a.detail


def compile_comparison(comparison: Comparison) -> CompiledComparison:
    """Turn declared levels into fast level functions; raises on unknown tests."""
    attr = comparison.attribute
    if attr == "names":
        level_of, tf_value, null_level = _element_evaluator(
            comparison,
            NAME_TESTS,
            _names,
            _name_value,
        )
    elif attr == "addresses":
        level_of, tf_value, null_level = _element_evaluator(
            comparison,
            ADDRESS_TESTS,
            _addresses,
            _address_value,
        )
    elif attr in RECORD_TESTS:
        shared = _phone_value(comparison) if attr == "phones" else _no_value
        level_of, tf_value, null_level = _record_evaluator(comparison, RECORD_TESTS[attr], shared)
    elif attr in SET_ATTRIBUTES:
        get = SET_ATTRIBUTES[attr]
        tests = _set_tests(get, _email_near if attr == "emails" else _plain_near)
        value = _shared_value(get)
        if attr == "emails":
            tests["name_like"] = _email_name_like
            value = _email_value(comparison)
        level_of, tf_value, null_level = _record_evaluator(comparison, tests, value)
    else:
        raise ValueError(f"comparison {comparison.name!r}: unknown attribute {attr!r}")
    return CompiledComparison(
        comparison.name,
        comparison.labels,
        null_level,
        tuple(lv.tf_key for lv in comparison.levels),
        level_of,
        tf_value,
    )


def _no_value(a: RecordFeatures, b: RecordFeatures, level: int) -> str | None:
    return None


_compiled: dict[int, tuple[MatchSettings, tuple[CompiledComparison, ...]]] = {}


def compile_settings(settings: MatchSettings) -> tuple[CompiledComparison, ...]:
    """All comparisons of ``settings``, compiled once per settings object (by identity)."""
    hit = _compiled.get(id(settings))
    if hit is not None and hit[0] is settings:
        return hit[1]
    compiled = tuple(compile_comparison(c) for c in settings.comparisons)
    if len(_compiled) > 16:
        _compiled.clear()
    _compiled[id(settings)] = (settings, compiled)
    return compiled


def comparison_levels(
    a: RecordFeatures, b: RecordFeatures, settings: MatchSettings
) -> tuple[int, ...]:
    """The comparison vector: one level index per comparison, in settings order."""
    return tuple(c.level_of(a, b) for c in compile_settings(settings))


def level_labels(a: RecordFeatures, b: RecordFeatures, settings: MatchSettings) -> dict[str, str]:
    """The comparison vector as ``{comparison name: level label}`` (for tests and rules)."""
    return {c.name: c.labels[c.level_of(a, b)] for c in compile_settings(settings)}
