"""Gender: "M" or "F" from codes, words and honorifics; None when unknown."""

from __future__ import annotations

import re

from mdm.normalize.text import clean_text, to_simplified

_MALE = frozenset({"m", "male", "man", "boy", "男", "男性", "男士", "先生", "1", "mr"})
_FEMALE = frozenset(
    {"f", "female", "woman", "girl", "女", "女性", "女士", "小姐", "2", "mrs", "ms"}
)
_MALE_TITLES = ("先生", "男士")
_FEMALE_TITLES = ("小姐", "女士", "太太", "夫人", "阿姨", "姐姐", "大姐", "大妈", "奶奶", "老板娘")
_LATIN_TITLE = re.compile(r"^\s*(mr|mister|mrs|ms|miss|madam|madame)\b\.?", re.IGNORECASE)
_LATIN_GENDER = {"mr": "M", "mister": "M"}
_TRAILING = re.compile(r"[\W_]+$")


def normalize_gender(value: object) -> str | None:
    """Return "M" or "F" from a gender code or word, else None.

    Understands M/F, male/female, 男/女, 先生 (M), 小姐/女士 (F) and WeChat's
    ``sex`` (1 male, 2 female, 0 unknown).

    Example:
        >>> normalize_gender("女"), normalize_gender(1), normalize_gender(0)
        ('F', 'M', None)
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    key = to_simplified(clean_text(str(value))).lower().rstrip(".")
    if key in _MALE:
        return "M"
    if key in _FEMALE:
        return "F"
    return None


def gender_from_honorific(raw_name: str) -> str | None:
    """Return the gender a title in a name implies: 林先生 -> "M", 林小姐 / Ms Lin -> "F".

    Example:
        >>> gender_from_honorific("林小姐"), gender_from_honorific("Mr. Lin")
        ('F', 'M')
    """
    name = _TRAILING.sub("", to_simplified(clean_text(raw_name)))
    if name.endswith(_MALE_TITLES):
        return "M"
    if name.endswith(_FEMALE_TITLES):
        return "F"
    if (m := _LATIN_TITLE.match(name)) is not None:
        return _LATIN_GENDER.get(m.group(1).lower(), "F")
    return None
