"""National identifiers with their check characters.

- Resident ID (居民身份证号码, GB 11643-1999): 6-digit division code, birth date
  YYYYMMDD, 3-digit sequence (odd for men, even for women), ISO 7064 MOD 11-2
  check character (0-9 or X).
- Unified social credit code (统一社会信用代码, GB 32100-2015): registration
  authority, organisation category, 6-digit division code, 9-character
  organisation code, GB 32100 MOD 31 check character.
"""

from __future__ import annotations

import random
from datetime import date

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def resident_id_check(body: str) -> str:
    """The check character for the first 17 digits of a resident ID."""
    total = sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def is_valid_resident_id(text: str) -> bool:
    """Whether an 18-character resident ID has a valid check character and birth date."""
    if len(text) != 18 or not text[:17].isdigit():
        return False
    try:
        date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False
    return resident_id_check(text[:17]) == text[17].upper()


def resident_id(rng: random.Random, admin_code: str, birth: date, gender: str) -> str:
    """A valid resident ID for someone born on `birth`, registered in `admin_code`."""
    sequence = rng.randrange(0, 999)
    if (sequence % 2 == 1) != (gender == "M"):
        sequence += 1
    body = f"{admin_code}{birth:%Y%m%d}{sequence:03d}"
    return body + resident_id_check(body)


def _credit_value(char: str) -> int:
    return CREDIT_CHARSET.index(char)


def credit_code_check(body: str) -> str:
    """The GB 32100 check character for the first 17 characters of a credit code."""
    total = sum(_credit_value(c) * w for c, w in zip(body, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def is_valid_credit_code(text: str) -> bool:
    """Whether an 18-character unified social credit code has a valid check character."""
    if len(text) != 18 or any(c not in CREDIT_CHARSET for c in text):
        return False
    return credit_code_check(text[:17]) == text[17]


def _org_code_check(body: str) -> str:
    # GB 11714 check digit over 0-9 and A-Z (A=10), 10 written X and 11 written 0.
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def credit_code(rng: random.Random, admin_code: str) -> str:
    """A valid credit code of a company (9 = market regulator, 1 = enterprise)."""
    if rng.random() < 0.6:  # post-2015 registrations: MA-prefixed organisation codes
        org_body = "MA" + "".join(rng.choices(CREDIT_CHARSET, k=6))
    else:
        org_body = "".join(rng.choices("0123456789", k=8))
    org_code = org_body + _org_code_check(org_body)
    body = f"91{admin_code}{org_code}"
    return body + credit_code_check(body)
