"""E-mail addresses: trimmed, lower-cased, checked for a sane shape."""

from __future__ import annotations

import functools
import re

from mdm.normalize.text import clean_text, is_blank
from mdm.records import Email

_MAILTO = re.compile(r"^mailto:", re.IGNORECASE)
_ANGLE = re.compile(r"<([^<>]+)>")
_LOCAL = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_EMAIL = re.compile(rf"{_LOCAL}@(?:{_LABEL}\.)+(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})")
# Chinese input methods type these in place of the ASCII characters.
_IME = str.maketrans({"。": ".", "．": ".", "＠": "@", "，": ","})


@functools.lru_cache(maxsize=65536)
def normalize_email(raw: str) -> Email | None:
    """Normalise an e-mail address.

    Trims, removes ``mailto:`` and angle brackets ("Lin <lin@x.cn>"), makes
    full-width characters half-width, lower-cases and checks the shape
    ``local@domain.tld`` (one @, no spaces, a dotted domain).

    Returns:
        None when ``raw`` is blank; otherwise an Email whose ``value`` is None
        when the address is not valid.

    Example:
        >>> normalize_email(" Lin.JiaXin@Example.com ").value
        'lin.jiaxin@example.com'
    """
    if is_blank(raw):
        return None
    text = clean_text(raw.translate(_IME))
    if (m := _ANGLE.search(text)) is not None:
        text = m.group(1)
    text = _MAILTO.sub("", text.strip()).strip().rstrip(".").lower()
    return Email(raw, text if _EMAIL.fullmatch(text) else None)
