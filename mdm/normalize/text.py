"""Text clean-up shared by every normaliser: widths, invisible characters, scripts."""

from __future__ import annotations

import functools
import math
import re
import unicodedata

import opencc

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_BLANK_WORDS = frozenset({"", "null", "none", "n/a", "-", "--", "nil", "nan", "undefined"})
_WHITESPACE = re.compile(r"\s+")


def _build_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {ord(ch): None for ch in _ZERO_WIDTH}
    # Full-width ASCII (U+FF01..U+FF5E) sits exactly 0xFEE0 above its half-width twin.
    table.update({cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)})
    table[0x3000] = " "  # ideographic space
    for cp in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]:
        ch = chr(cp)
        # Control characters go; the whitespace ones become a space and then collapse.
        table[cp] = " " if ch in "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85" else None
    table[0xA0] = " "  # no-break space
    return table


_TABLE = _build_table()


# Source values repeat (cities, levels, channels, statuses, common names) and one value
# is cleaned at several layers (parsing, blank checks, storage checks): a cache hit
# costs a hash lookup, cleaning costs a translate and a regex pass.
@functools.lru_cache(maxsize=262_144)
def clean_text(s: str) -> str:
    """Return ``s`` with invisible characters removed, widths unified and spaces collapsed.

    Zero-width characters (U+200B..U+200D, U+2060, U+FEFF) and control characters
    are removed, full-width ASCII and the ideographic space become half-width,
    runs of whitespace become one space, and the ends are stripped.

    Example:
        >>> clean_text("\\ufeff１３８\\u3000００１３  8000 ")
        '138 0013 8000'
    """
    return _WHITESPACE.sub(" ", s.translate(_TABLE)).strip()


@functools.lru_cache(maxsize=1)
def _converter() -> tuple[opencc.OpenCC, frozenset[str] | None]:
    """Build the OpenCC converter (slow: it reads its dictionaries) once.

    Also returns every character some dictionary entry would change, so text
    without any of them skips the converter; None if the dictionaries cannot
    be read that way (then everything is converted).
    """
    converter = opencc.OpenCC("t2s")
    converter.convert("")  # loads the dictionaries
    changing: set[str] = set()
    try:
        for _longest, _shortest, mapping in converter.dict_cache.values():
            for key, value in mapping.items():
                target = value.split(" ")[0]
                if len(target) != len(key):
                    changing.update(key)
                else:  # a phrase can only change text holding a character it changes
                    changing.update(k for k, t in zip(key, target, strict=True) if k != t)
    except (AttributeError, TypeError, ValueError):
        return converter, None
    return converter, frozenset(changing)


@functools.lru_cache(maxsize=131072)
def to_simplified(s: str) -> str:
    """Convert traditional Chinese to simplified (OpenCC ``t2s``); other text is unchanged.

    Example:
        >>> to_simplified("林嘉欣 陳")
        '林嘉欣 陈'
    """
    if s.isascii():
        return s
    converter, changing = _converter()
    if changing is not None and changing.isdisjoint(s):
        return s
    result: str = converter.convert(s)
    return result


def is_blank(v: object) -> bool:
    """Tell whether a source value carries no information.

    None, NaN, empty or whitespace-only text, and the placeholders sources write
    for "nothing" (``null``, ``None``, ``N/A``, ``-``, ...) are blank.

    Example:
        >>> is_blank(" NULL "), is_blank("林")
        (True, False)
    """
    if v is None:
        return True
    if isinstance(v, float):
        return math.isnan(v)
    if isinstance(v, str):
        return _is_blank_text(v)
    return False


@functools.lru_cache(maxsize=262_144)
def _is_blank_text(s: str) -> bool:
    return clean_text(s).lower() in _BLANK_WORDS


def is_hanzi(ch: str) -> bool:
    """Tell whether ``ch`` (one character) is a CJK ideograph.

    Example:
        >>> is_hanzi("林"), is_hanzi("L")
        (True, False)
    """
    if len(ch) != 1:
        return False
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2EBEF
        or 0x30000 <= cp <= 0x323AF
        or 0xF900 <= cp <= 0xFAFF
        or cp == 0x3007  # 〇
    )


def strip_accents(s: str) -> str:
    """Remove combining marks from latin text (``Lǚ`` -> ``Lu``, ``José`` -> ``Jose``)."""
    decomposed = unicodedata.normalize("NFD", s)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
