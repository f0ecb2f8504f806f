"""Comparison vectors of many pairs at once, column by column.

:func:`comparison_matrix` gives the level of every comparison for every
candidate (or randomly sampled) pair, exactly as the per-pair evaluators of
:mod:`mdm.comparisons` would, but decides the common cases column-wise:

* a pair where either record lacks the attribute gets the null level from a
  per-record presence array, without a call per pair;
* birth dates are compared as integer year/month/day arrays;
* addresses (one per record) level by level over arrays of their parts,
  with Indel, partial-ratio and Jaro-Winkler similarities from
  ``rapidfuzz.process.cpdist``;
* person names that certainly share nothing (different surnames, given
  names, sorted syllables and compact pinyin, and Jaro-Winkler below every
  threshold of the comparison, computed by ``rapidfuzz.process.cpdist`` over
  the pair arrays) get the ``else`` level.

Only the pairs left undecided go through the per-pair evaluator, so the
result does not depend on which path decided a pair.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz
from rapidfuzz.distance import Hamming, Indel, JaroWinkler
from rapidfuzz.process import cpdist

from mdm.comparisons import (
    CITY_NEAR,
    NAME_TESTS,
    PARTIAL_MIN,
    PREFIX_MIN,
    CompiledComparison,
    compile_settings,
)
from mdm.features import RecordFeatures
from mdm.settings import Comparison, MatchSettings

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Whether a record has anything a comparison of this attribute could compare;
# a pair where one side has nothing is at the null level (see mdm.comparisons).
_PRESENT: dict[str, Callable[[RecordFeatures], bool]] = {
    "names": lambda f: bool(f.names),
    "addresses": lambda f: bool(f.addresses),
    "phones": lambda f: bool(f.mobiles or f.landlines),
    "identifiers": lambda f: bool(f.all_ids),
    "accounts": lambda f: bool(f.accounts),
    "birth_date": lambda f: f.birth_date is not None,
    "org_name": lambda f: f.org is not None,
    "emails": lambda f: bool(f.emails),
    "unionids": lambda f: bool(f.unionids),
    "mobiles": lambda f: bool(f.mobiles),
    "gender": lambda f: f.gender is not None,
    "nickname": lambda f: f.nickname is not None,
    "references": lambda f: bool(f.references),
}
_ID_TESTS = frozenset({"null", "exact_valid", "exact", "near", "different_valid", "else"})
_ADDRESS_TESTS = frozenset(
    {
        "null",
        "detail_exact",
        "detail_fuzzy",
        "detail_partial",
        "same_district",
        "same_city",
        "same_province",
        "else",
    }
)
_BIRTH_TESTS = frozenset(
    {"null", "exact", "day_month_swapped", "year_off_by_one", "one_digit_typo", "else"}
)


def comparison_matrix(
    features: Sequence[RecordFeatures], pairs: IntArray, settings: MatchSettings
) -> npt.NDArray[np.int8]:
    """Level indices of every comparison for every pair, as an ``(n_pairs, n_comp)`` array."""
    compiled = compile_settings(settings)
    out = np.zeros((len(pairs), len(compiled)), dtype=np.int8)
    if not len(pairs):
        return out
    left, right = pairs[:, 0], pairs[:, 1]
    for k, (comparison, comp) in enumerate(zip(settings.comparisons, compiled, strict=True)):
        out[:, k] = _column(features, left, right, comparison, comp)
    return out


def _column(
    features: Sequence[RecordFeatures],
    left: IntArray,
    right: IntArray,
    comparison: Comparison,
    comp: CompiledComparison,
) -> npt.NDArray[np.int8]:
    levels = np.full(len(left), -1, dtype=np.int8)
    present = _PRESENT.get(comparison.attribute)
    null_first = bool(comparison.levels) and comparison.levels[0].is_null
    if present is not None and null_first:
        has = np.fromiter((present(f) for f in features), dtype=bool, count=len(features))
        levels[~(has[left] & has[right])] = 0
    tests = {lv.test for lv in comparison.levels}
    if comparison.attribute == "birth_date" and null_first and tests <= _BIRTH_TESTS:
        _birth_levels(features, left, right, comparison, levels)
    elif comparison.attribute == "addresses" and null_first and tests <= _ADDRESS_TESTS:
        _address_levels(features, left, right, comparison, levels)
    elif comparison.attribute == "names" and comparison.levels[-1].test == "else":
        _certainly_different_names(features, left, right, comparison, levels)
    elif comparison.attribute == "identifiers" and tests <= _ID_TESTS:
        _certainly_different_ids(features, left, right, comparison, levels)
    for row in np.flatnonzero(levels < 0).tolist():
        levels[row] = comp.level_of(features[int(left[row])], features[int(right[row])])
    return levels


def _address_levels(
    features: Sequence[RecordFeatures],
    left: IntArray,
    right: IntArray,
    comparison: Comparison,
    levels: npt.NDArray[np.int8],
) -> None:
    """The address tests of :mod:`mdm.comparisons` for pairs of records with
    one address each, as array operations (absent parts are empty strings)."""
    one = np.fromiter((len(f.addresses) == 1 for f in features), dtype=bool, count=len(features))
    rows = np.flatnonzero((levels < 0) & one[left] & one[right])
    if not len(rows):
        return
    first = [f.addresses[0] if len(f.addresses) == 1 else None for f in features]

    def column(attr: str) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
        arr = np.asarray(
            [(getattr(a, attr) or "") if a is not None else "" for a in first], dtype=object
        )
        return arr[left[rows]], arr[right[rows]]

    (pa, pb), (ca, cb), (da, db), (ta, tb), (qa, qb) = (
        column(attr) for attr in ("province", "city", "district", "detail", "postcode")
    )
    n = len(rows)
    province_differs = (pa != "") & (pb != "") & (pa != pb)
    postcode_same = (qa != "") & (qa == qb)
    both_cities = (ca != "") & (cb != "")
    city_same = both_cities & (ca == cb)
    near = np.flatnonzero(both_cities & ~city_same)
    if len(near):
        city_same[near] = _scores(ca[near], cb[near], JaroWinkler.normalized_similarity) >= (
            CITY_NEAR
        )
    district_differs = (da != "") & (db != "") & (da != db)
    compatible = ~province_differs & (
        postcode_same | (~(both_cities & ~city_same) & ~district_differs)
    )
    both_details = (ta != "") & (tb != "") & compatible
    ratio = np.zeros(n)
    partial = np.zeros(n)
    prefix = np.zeros(n, dtype=bool)
    todo = np.flatnonzero(both_details)
    if len(todo):
        xs, ys = ta[todo].tolist(), tb[todo].tolist()
        ratio[todo] = _scores(ta[todo], tb[todo], Indel.normalized_similarity)
        prefix[todo] = [
            min(len(x), len(y)) >= PREFIX_MIN
            and (x.startswith(y) if len(x) > len(y) else y.startswith(x))
            for x, y in zip(xs, ys, strict=True)
        ]
        long_enough = np.fromiter(
            (min(len(x), len(y)) >= PARTIAL_MIN for x, y in zip(xs, ys, strict=True)),
            dtype=bool,
            count=len(todo),
        )
        wide = todo[long_enough]
        if len(wide):
            partial[wide] = _scores(ta[wide], tb[wide], fuzz.partial_ratio) / 100.0
    tests: dict[str, Callable[[float], npt.NDArray[np.bool_]]] = {
        "detail_exact": lambda t: (ta != "") & (ta == tb) & compatible,
        "detail_fuzzy": lambda t: both_details & (prefix | (ratio >= t)),
        "detail_partial": lambda t: both_details & (partial >= t),
        "same_district": lambda t: postcode_same | ((da != "") & (da == db) & compatible),
        "same_city": lambda t: city_same & ~province_differs,
        "same_province": lambda t: (pa != "") & (pa == pb),
        "else": lambda t: np.ones(n, dtype=bool),
    }
    levels[rows] = _first_levels(comparison, lambda test, t: tests[test](t), np.ones(n, dtype=bool))


def _scores(
    xs: npt.NDArray[np.object_], ys: npt.NDArray[np.object_], scorer: Callable[..., float]
) -> npt.NDArray[np.float64]:
    result: npt.NDArray[np.float64] = cpdist(
        xs.tolist(), ys.tolist(), scorer=scorer, dtype=np.float64
    )
    return result


def _birth_levels(
    features: Sequence[RecordFeatures],
    left: IntArray,
    right: IntArray,
    comparison: Comparison,
    levels: npt.NDArray[np.int8],
) -> None:
    ymd = np.zeros((len(features), 3), dtype=np.int64)
    for i, f in enumerate(features):
        if f.birth_date is not None:
            ymd[i] = (f.birth_date.year, f.birth_date.month, f.birth_date.day)
    a, b = ymd[left], ymd[right]
    digits_a = _digits(a)
    digits_b = _digits(b)
    masks = {
        "exact": (a == b).all(axis=1),
        "day_month_swapped": (a[:, 0] == b[:, 0]) & (a[:, 1] == b[:, 2]) & (a[:, 2] == b[:, 1]),
        "year_off_by_one": (a[:, 1:] == b[:, 1:]).all(axis=1) & (np.abs(a[:, 0] - b[:, 0]) == 1),
        "one_digit_typo": (digits_a != digits_b).sum(axis=1) == 1,
        "else": np.ones(len(left), dtype=bool),
    }
    found = _first_levels(comparison, lambda test, t: masks[test], levels < 0)
    levels[found >= 0] = found[found >= 0]


def _first_levels(
    comparison: Comparison,
    holds: Callable[[str, float], BoolArray],
    todo: BoolArray,
) -> npt.NDArray[np.int8]:
    """Per row, the first non-null level whose test holds (-1 where none, or not ``todo``)."""
    out = np.full(len(todo), -1, dtype=np.int8)
    todo = todo.copy()
    for i, lv in enumerate(comparison.levels):
        if lv.is_null:
            continue
        hit = todo & holds(lv.test, lv.threshold or 0.0)
        out[hit] = i
        todo &= ~hit
    return out


def _digits(ymd: IntArray) -> IntArray:
    """The eight digits of YYYYMMDD, one column each."""
    number = ymd[:, 0] * 10_000 + ymd[:, 1] * 100 + ymd[:, 2]
    powers = 10 ** np.arange(7, -1, -1, dtype=np.int64)
    result: IntArray = (number[:, None] // powers) % 10
    return result


def _certainly_different_names(
    features: Sequence[RecordFeatures],
    left: IntArray,
    right: IntArray,
    comparison: Comparison,
    levels: npt.NDArray[np.int8],
) -> None:
    """Set the ``else`` level where no name test of :mod:`mdm.comparisons` can hold.

    Only for records with one name each, and only when every level's test is
    one whose conditions are covered here (all need equal surnames, equal
    given names, equal sorted syllables, equal pinyin, or a Jaro-Winkler of
    pinyin, surnames, given names or surname against given name at or above
    the smallest threshold of the comparison).
    """
    if not {lv.test for lv in comparison.levels} <= set(NAME_TESTS) | {"null"}:
        return
    threshold = min((lv.threshold for lv in comparison.levels if lv.threshold), default=1.0)
    single = np.fromiter((len(f.names) == 1 for f in features), dtype=bool, count=len(features))
    rows = np.flatnonzero((levels < 0) & single[left] & single[right])
    if not len(rows):
        return
    first = [f.names[0] if f.names else None for f in features]

    def column(values: list[str]) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
        arr = np.asarray(values, dtype=object)
        return arr[left[rows]], arr[right[rows]]

    parts = {
        attr: column([str(getattr(n, attr)) if n is not None else "" for n in first])
        for attr in ("pinyin", "surname", "given", "full")
    }
    parts["syllables"] = column(
        [" ".join(sorted(n.syllables)) if n is not None else "" for n in first]
    )
    differ = np.ones(len(rows), dtype=bool)
    for xs, ys in parts.values():
        differ &= xs != ys
    (pin_a, pin_b), (sur_a, sur_b), (giv_a, giv_b) = (
        parts["pinyin"],
        parts["surname"],
        parts["given"],
    )
    for xs, ys in ((pin_a, pin_b), (sur_a, sur_b), (giv_a, giv_b), (sur_a, giv_b), (giv_a, sur_b)):
        differ &= _jw(xs.tolist(), ys.tolist()) < threshold
    levels[rows[differ]] = len(comparison.levels) - 1


def _jw(xs: list[str], ys: list[str]) -> npt.NDArray[np.float64]:
    scores: npt.NDArray[np.float64] = cpdist(
        xs, ys, scorer=JaroWinkler.normalized_similarity, dtype=np.float64
    )
    return scores


def _certainly_different_ids(
    features: Sequence[RecordFeatures],
    left: IntArray,
    right: IntArray,
    comparison: Comparison,
    levels: npt.NDArray[np.int8],
) -> None:
    """Set the ``else`` level for records holding one unverified identifier
    each, of one kind, more than two characters apart (so neither equal nor
    one typo apart, and not two valid identifiers)."""

    def only(f: RecordFeatures) -> str | None:
        if f.valid_ids or len(f.all_ids) != 1:
            return None
        ((kind, values),) = f.all_ids.items()
        return f"{kind}|{next(iter(values))}" if len(values) == 1 else None

    single = [only(f) for f in features]
    ok = np.fromiter((v is not None for v in single), dtype=bool, count=len(features))
    rows = np.flatnonzero((levels < 0) & ok[left] & ok[right])
    if not len(rows):
        return
    arr = np.asarray([v or "" for v in single], dtype=object)
    xs, ys = arr[left[rows]], arr[right[rows]]
    kinds_a = np.asarray([v.split("|", 1)[0] for v in xs.tolist()], dtype=object)
    kinds_b = np.asarray([v.split("|", 1)[0] for v in ys.tolist()], dtype=object)
    far: npt.NDArray[np.float64] = cpdist(
        xs.tolist(), ys.tolist(), scorer=Hamming.distance, dtype=np.float64
    )
    differ = (kinds_a == kinds_b) & (far > 2)
    levels[rows[differ]] = len(comparison.levels) - 1
