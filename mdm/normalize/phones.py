"""Phone numbers: every common writing of one number gives one E.164 string.

``13800138000``, ``138 0013 8000``, ``+86 138-0013-8000``, ``008613800138000``,
``86 13800138000`` and full-width digits all give ``+8613800138000``; landlines
keep their area code (``021-6234 5678`` -> ``+862162345678``) and an extension
(``-123``, ``转123``, ``ext. 123``, ``x123``) is split off.
"""

from __future__ import annotations

import functools
import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberType

from mdm.normalize.text import clean_text, is_blank
from mdm.records import Phone, PhoneKind

_MAX_LENGTH = 64  # longer text is no phone number; phonenumbers refuses > 250 anyway
_EXPLICIT_EXTENSION = re.compile(
    r"^(?P<number>.*?\d[^a-z转分]*?)\s*[,;(]?\s*"
    r"(?:转|分机|分|ext\.?|extn\.?|extension|x|#)\s*[:.]?\s*(?P<ext>\d{1,6})\s*\)?$",
    re.IGNORECASE,
)
_DASH_EXTENSION = re.compile(r"^(?P<number>.*\d)\s*-\s*(?P<ext>\d{1,5})$")
# Most numbers are plain mainland mobiles: those skip the full parser.
_PLAIN_CN_MOBILE = re.compile(r"(?:\+86|0086|86)?(1[3-9]\d{9})")
_SPACES_AND_DASHES = re.compile(r"[\s\-]+")
_KINDS = {
    PhoneNumberType.MOBILE: PhoneKind.MOBILE,
    PhoneNumberType.FIXED_LINE: PhoneKind.LANDLINE,
}


def _parse(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


@functools.lru_cache(maxsize=131072)
def normalize_phone(raw: str, region: str = "CN") -> Phone | None:
    """Parse a phone number written any common way into E.164.

    Args:
        raw: the number as the source wrote it.
        region: ISO 3166 region assumed for numbers without a country code.

    Returns:
        None when ``raw`` is blank. Otherwise a Phone whose ``e164`` is None when
        the text is not a valid number; ``kind`` is MOBILE or LANDLINE when the
        numbering plan tells (UNKNOWN otherwise) and ``extension`` holds an
        extension written after the number. Never raises on junk.

    Example:
        >>> normalize_phone("010-88889999转123")
        Phone(raw='010-88889999转123', e164='+861088889999', kind=<PhoneKind.LANDLINE: 'landline'>, extension='123')
    """  # noqa: E501
    if is_blank(raw):
        return None
    text = clean_text(raw)
    if len(text) > _MAX_LENGTH:
        return Phone(raw, None, PhoneKind.UNKNOWN)
    if region == "CN" and (m := _PLAIN_CN_MOBILE.fullmatch(_SPACES_AND_DASHES.sub("", text))):
        plain = PhoneNumber(country_code=86, national_number=int(m.group(1)))
        if phonenumbers.number_type(plain) == PhoneNumberType.MOBILE:
            return Phone(raw, "+86" + m.group(1), PhoneKind.MOBILE)
    extension: str | None = None
    if (m := _EXPLICIT_EXTENSION.match(text)) is not None:
        text, extension = m.group("number"), m.group("ext")
    number = _parse(text, region)
    if number is None and extension is None and (m := _DASH_EXTENSION.match(text)) is not None:
        # "010-88889999-123": the last group is an extension when the rest is a number.
        number = _parse(m.group("number"), region)
        if number is not None and phonenumbers.number_type(number) == PhoneNumberType.MOBILE:
            number = None  # mobiles have no extensions: "13800138000-1" is junk
        if number is not None:
            extension = m.group("ext")
    if number is None:
        return Phone(raw, None, PhoneKind.UNKNOWN, extension)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    kind = _KINDS.get(phonenumbers.number_type(number), PhoneKind.UNKNOWN)
    return Phone(raw, e164, kind, extension or number.extension or None)


@functools.lru_cache(maxsize=65536)
def phone_key(e164: str) -> str:
    """Return the national significant number of an E.164 number, for display and search.

    Text that does not parse gives its digits.

    Example:
        >>> phone_key("+8613800138000"), phone_key("+862162345678")
        ('13800138000', '2162345678')
    """
    try:
        number = phonenumbers.parse(e164, None if e164.startswith("+") else "CN")
    except NumberParseException:
        return "".join(ch for ch in e164 if ch.isdigit())
    key: str = phonenumbers.national_significant_number(number)
    return key
