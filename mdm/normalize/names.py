"""Person names: honorifics off, one script, surname and given name, pinyin.

林嘉欣, 林嘉欣女士, "Lin Jiaxin", "JIAXIN LIN" and "Lin Jia-Xin" all get the
pinyin ``lin jia xin``; 林小姐 becomes the surname 林 with ``honorific_only``.
Organisation names live in :mod:`mdm.normalize.orgs` and are re-exported here.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from mdm.normalize.orgs import looks_like_organisation, normalize_org_name
from mdm.normalize.pinyin import (
    COMPOUND_LATIN_SURNAMES,
    COMPOUND_SURNAMES,
    LATIN_SURNAMES,
    hanzi_pinyin,
    has_hanzi,
    join_syllables,
    pinyin_of,
    segment_pinyin,
    surname_pinyin,
)
from mdm.normalize.text import clean_text, is_blank, is_hanzi, strip_accents, to_simplified
from mdm.records import PersonName

__all__ = [
    "is_hanzi",
    "looks_like_organisation",
    "normalize_org_name",
    "normalize_person_name",
    "pinyin_of",
]

# Titles written after a hanzi name, longest first so 总经理 wins over 经理 and 总.
_HANZI_TITLES: tuple[str, ...] = tuple(
    sorted(
        """
        先生 小姐 女士 太太 夫人 老师 经理 总经理 副总 总监 董事长 董事 主任 主管 师傅
        阿姨 同学 老板 老板娘 医生 大夫 律师 教授 博士 会计 工程师 部长 科长 处长 局长
        校长 院长 厂长 店长 书记 老总 姐姐 哥哥 叔叔 伯伯 大爷 大妈 大姐 大哥 奶奶 爷爷
        男士 女生 男生 小朋友 宝宝
        """.split(),
        key=len,
        reverse=True,
    )
)
_TITLE_SET = frozenset(_HANZI_TITLES)
# One-character titles ("林总", "张工", "王姐") only when a bare surname precedes them.
_SHORT_HANZI_TITLES = frozenset("总工哥姐叔姨伯婶董")
_LATIN_TITLES = frozenset(
    """
    mr mrs ms miss mx dr prof sir madam madame mister mstr messrs lady
    xiansheng xiaojie nvshi nushi taitai laoshi jingli shifu ayi laoban tongxue
    """.split()
)
_LATIN_TOKEN = re.compile(r"[a-z]+(?:['\-][a-z]+)*")
_TOKEN_PARTS = re.compile(r"['\-]")
_VOWELS = frozenset("aoe")


@dataclass(frozen=True, slots=True)
class _Token:
    """One written word of a latin name.

    ``is_pinyin``: the word splits into pinyin syllables as pinyin writes them.
    ``pinyin_like``: it splits only if an unwritten apostrophe is assumed
    before a vowel ("michaela" = mi cha e la, "maria" = ma ri a). Pinyin
    marks those boundaries ("Xi'an"), so such a word is read as a western
    one and kept whole, but it still counts as possibly pinyin when the
    name order is guessed ("Zhang Yian").
    """

    word: str  # as it stands in ``full``: "jiaxin", "xi'an", "smith", "michaela"
    syllables: tuple[str, ...]  # pinyin syllables, or (word,) when not pinyin
    is_pinyin: bool
    pinyin_like: bool = False


@functools.lru_cache(maxsize=131072)
def normalize_person_name(raw: str) -> PersonName | None:
    """Normalise a person's name for matching.

    Hanzi names are simplified, lose honorifics, punctuation, digits, emoji and
    spaces, and are split into surname (one character or a compound surname such
    as 欧阳) and given name. Latin names are lower-cased, their tokens split into
    pinyin syllables, and put in "surname given" order when the order is clear.

    Args:
        raw: the name as the source wrote it.

    Returns:
        The normalised name, or None when ``raw`` is blank or has no letters.

    Example:
        >>> normalize_person_name("林小姐").surname, normalize_person_name("JIAXIN LIN").full
        ('林', 'lin jiaxin')
    """
    if is_blank(raw):
        return None
    text = to_simplified(clean_text(raw))
    if has_hanzi(text):
        return _hanzi_name(raw, text)
    return _latin_name(raw, text)


def _strip_hanzi_title(name: str) -> tuple[str, bool]:
    """Remove trailing titles; returns the rest and whether a title was removed."""
    removed = False
    changed = True
    while changed:
        changed = False
        for title in _HANZI_TITLES:
            if name.endswith(title) and len(name) > len(title):
                name = name[: -len(title)]
                removed = changed = True
                break
        else:
            rest = name[:-1]
            if name[-1:] in _SHORT_HANZI_TITLES and (len(rest) == 1 or rest in COMPOUND_SURNAMES):
                name = rest
                removed = changed = True
    return name, removed


def _hanzi_name(raw: str, text: str) -> PersonName | None:
    name = "".join(ch for ch in text if is_hanzi(ch))
    if name in _TITLE_SET:
        return None  # "先生": a title and no name
    name, titled = _strip_hanzi_title(name)
    if (len(name) > 2 and name[:2] in COMPOUND_SURNAMES) or (titled and name in COMPOUND_SURNAMES):
        surname = name[:2]
    else:
        surname = name[:1]
    given = name[len(surname) :] or None
    syllables = surname_pinyin(surname).split()
    if given:
        syllables.extend(hanzi_pinyin(given))
    return PersonName(
        raw=raw,
        full=name,
        surname=surname,
        given=given,
        pinyin=" ".join(syllables),
        initials="".join(s[0] for s in syllables),
        is_latin=False,
        honorific_only=titled and given is None,
    )


def _latin_token(token: str) -> _Token:
    parts = [p for p in _TOKEN_PARTS.split(token) if p]
    syllables: list[str] = []
    unmarked = False
    for part in parts:
        # Passports write 吕 "LYU"; pypinyin writes ü as v.
        part = part.replace("lyu", "lv")
        if part.startswith("nyu"):
            part = "nv" + part[3:]
        seg = segment_pinyin(part)
        if seg is None:
            return _Token(token, (token,), is_pinyin=False)
        unmarked = unmarked or any(s[0] in _VOWELS for s in seg[1:])
        syllables.extend(seg)
    if unmarked:
        return _Token(token, (token,), is_pinyin=False, pinyin_like=True)
    return _Token(join_syllables(syllables), tuple(syllables), is_pinyin=True, pinyin_like=True)


def _latin_tokens(text: str) -> list[_Token]:
    return [_latin_token(t) for t in _LATIN_TOKEN.findall(text)]


def _is_surname(token: _Token) -> bool:
    return token.is_pinyin and (
        token.word in LATIN_SURNAMES or token.word in COMPOUND_LATIN_SURNAMES
    )


def _split_single(token: _Token) -> tuple[_Token | None, list[_Token]]:
    """Find the surname inside one written token ("linjiaxin", "ouyangna")."""
    syl = token.syllables
    if token.word in COMPOUND_LATIN_SURNAMES:
        return token, []
    if not token.is_pinyin or len(syl) < 2:
        return (token, []) if _is_surname(token) or len(syl) == 1 else (None, [token])
    for size in (2, 1):
        head = "".join(syl[:size])
        known = COMPOUND_LATIN_SURNAMES if size == 2 else LATIN_SURNAMES
        if len(syl) > size and head in known:
            rest = syl[size:]
            return (
                _Token(head, syl[:size], is_pinyin=True),
                [_Token(join_syllables(rest), rest, is_pinyin=True)],
            )
    return None, [token]


def _merge(tokens: list[_Token]) -> _Token:
    syllables = tuple(s for t in tokens for s in t.syllables)
    if all(t.is_pinyin for t in tokens):
        return _Token(join_syllables(syllables), syllables, is_pinyin=True)
    return _Token(" ".join(t.word for t in tokens), syllables, is_pinyin=False)


def _order(tokens: list[_Token], comma_at: int | None) -> tuple[_Token | None, list[_Token], bool]:
    """Pick the surname token.

    Returns the surname, the given-name tokens and whether the name reads
    surname first (canonical) or keeps its written western order.
    """
    if len(tokens) == 1:
        surname, given = _split_single(tokens[0])
        return surname, given, True
    first, last = tokens[0], tokens[-1]
    pinyin_only = all(t.is_pinyin for t in tokens)
    first_is, last_is = _is_surname(first), _is_surname(last)
    if all(t.pinyin_like for t in tokens) and first_is != last_is:
        # One end is a common surname and the other is not: the order is clear
        # ("Lin Jiaxin", "JIAXIN LIN"), whatever punctuation says.
        return (first, tokens[1:], True) if first_is else (last, tokens[:-1], True)
    if comma_at is not None and 0 < comma_at < len(tokens):
        # "Smith, John": the part before the comma is the surname.
        return _merge(tokens[:comma_at]), tokens[comma_at:], True
    if not pinyin_only:
        return last, tokens[:-1], False  # a western name: surname last, kept as written
    return first, tokens[1:], True  # Chinese order, the sources' usual one


def _latin_name(raw: str, text: str) -> PersonName | None:
    lowered = strip_accents(text.replace("ü", "v").replace("Ü", "V")).lower()
    lowered = lowered.replace("’", "'").replace("u:", "v")
    comma_at: int | None = None
    before_comma: list[_Token] = []
    after_comma: list[_Token] = []
    if "," in lowered:
        before, after = lowered.split(",", 1)
        before_comma, after_comma = _latin_tokens(before), _latin_tokens(after)
        tokens = before_comma + after_comma
        comma_at = len(before_comma) if before_comma and after_comma else None
    else:
        tokens = _latin_tokens(lowered)
    titled = False
    if any(t.word not in _LATIN_TITLES for t in tokens):
        kept = [t for t in tokens if t.word not in _LATIN_TITLES]
        if comma_at is not None:
            comma_at -= sum(1 for t in tokens[:comma_at] if t.word in _LATIN_TITLES)
        titled = len(kept) < len(tokens)
        tokens = kept
    if not tokens:
        return None
    if "," in lowered and not before_comma and after_comma:
        # ", Olivia": the family-name field was empty, what is left is the given name.
        given_only = (
            _merge(tokens).word
            if all(t.is_pinyin for t in tokens)
            else " ".join(t.word for t in tokens)
        )
        syllables = [s for t in tokens for s in t.syllables]
        return PersonName(
            raw=raw,
            full=given_only,
            surname=None,
            given=given_only,
            pinyin=" ".join(syllables),
            initials="".join(s[0] for s in syllables),
            is_latin=True,
        )
    surname, given, surname_first = _order(tokens, comma_at)
    given_word: str | None = None
    given_syllables: list[str] = []
    if surname is not None and given and _merge(given).word in _LATIN_TITLES:
        given, titled = [], True  # "Lin Xian Sheng": a surname and a title
    if surname is not None and not given and surname.is_pinyin and len(surname.syllables) > 1:
        # One word is left: read it as a one-word name is read ("linjiaxin").
        surname, given = _split_single(surname)
        if surname is not None and given and _merge(given).word in _LATIN_TITLES:
            given, titled = [], True  # "LINXIANSHENG"
    if given:
        # Pinyin given names are written as one word ("jiaxin"); other names keep their words.
        if all(t.is_pinyin for t in tokens):
            given_word = _merge(given).word
        else:
            given_word = " ".join(t.word for t in given)
        given_syllables = [s for t in given for s in t.syllables]
    head = [surname.word] if surname is not None else []
    head_syllables = list(surname.syllables) if surname is not None else []
    tail = [given_word] if given_word else []
    if surname_first:
        words, syllables = head + tail, head_syllables + given_syllables
    else:
        words, syllables = tail + head, given_syllables + head_syllables
    return PersonName(
        raw=raw,
        full=" ".join(words),
        surname=surname.word if surname is not None else None,
        given=given_word,
        pinyin=" ".join(syllables),
        initials="".join(s[0] for s in syllables),
        is_latin=True,
        honorific_only=titled and given_word is None and surname is not None,
    )
