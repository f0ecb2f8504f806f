"""Phone numbers: allocation of unique mobiles and landlines, and their writings."""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass
from itertools import accumulate

from cdhub.demo.geo import Place

# Mobile number segments with rough market shares (China Mobile, Unicom, Telecom).
_MOBILE_PREFIXES: dict[str, int] = {
    "138": 8, "139": 8, "135": 6, "136": 6, "137": 6, "134": 3, "130": 4, "131": 4,
    "132": 4, "133": 4, "150": 4, "151": 4, "152": 3, "155": 3, "156": 3, "157": 2,
    "158": 5, "159": 5, "153": 3, "176": 3, "177": 3, "178": 3, "173": 2, "180": 3,
    "181": 3, "182": 3, "183": 3, "185": 3, "186": 4, "187": 3, "188": 3, "189": 4,
    "191": 1, "193": 1, "195": 1, "198": 2, "199": 2, "166": 1,
}  # fmt: skip
_FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)} | {" ": "\u3000"})


@dataclass(frozen=True)
class Landline:
    """A fixed-line number: city area code and local number."""

    area: str  # 021
    local: str  # 62345678

    @property
    def digits(self) -> str:
        return self.area + self.local


class PhoneBook:
    """Hands out phone numbers that no one else holds (unless shared on purpose)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._taken: set[str] = set()
        self._prefixes = list(_MOBILE_PREFIXES)
        self._cum = list(accumulate(_MOBILE_PREFIXES.values()))

    def mobile(self) -> str:
        """A new 11-digit mobile number."""
        rng = self._rng
        while True:
            prefix = self._prefixes[min(bisect(self._cum, rng.random() * self._cum[-1]), 37)]
            number = f"{prefix}{rng.randrange(10**8):08d}"
            if number not in self._taken:
                self._taken.add(number)
                return number

    def landline(self, place: Place) -> Landline:
        """A new landline in the place's city; local numbers start with 2-8."""
        rng = self._rng
        while True:
            rest = rng.randrange(10 ** (place.local_digits - 1))
            local = f"{rng.randint(2, 8)}{rest:0{place.local_digits - 1}d}"
            if place.area_code + local not in self._taken:
                self._taken.add(place.area_code + local)
                return Landline(place.area_code, local)


def full_width(text: str) -> str:
    """The text with ASCII letters, digits and spaces in their full-width forms."""
    return text.translate(_FULL_WIDTH)


def write_mobile(number: str, style: int) -> str:
    """One of the common writings of a mobile number; style 0 is the bare 11 digits."""
    a, b, c = number[:3], number[3:7], number[7:]
    writings = (
        number,
        f"{a} {b} {c}",
        f"+86 {a}-{b}-{c}",
        f"0086{number}",
        f"+86{number}",
        f"{a}-{b}-{c}",
        f"+86 {number}",
        f"86-{number}",
        full_width(number),
        f" {number} ",
    )
    return writings[style % len(writings)]


def write_landline(line: Landline, style: int, extension: str = "") -> str:
    """One of the common writings of a landline, optionally with an extension."""
    area, local = line.area, line.local
    half = len(local) - 4
    spaced = f"{local[:half]} {local[half:]}"
    writings = (
        f"{area}-{local}",
        f"{area}-{spaced}",
        f"({area}){local}",
        f"{area}{local}",
        f"+86 {area[1:]} {spaced}",
        f"{area} {local}",
        local,  # the area code left out, as local callers write it
    )
    written = writings[style % len(writings)]
    if extension:
        joiner = ("-", "转", "-", " ext.")[style % 4]
        return f"{area}-{local}{joiner}{extension}"
    return written


def mistype(digits: str, rng: random.Random) -> str:
    """The number with one digit changed or two neighbouring digits swapped."""
    position = rng.randrange(3, len(digits) - 1)
    if rng.random() < 0.5 and digits[position] != digits[position + 1]:
        chars = list(digits)
        chars[position], chars[position + 1] = chars[position + 1], chars[position]
        return "".join(chars)
    replacement = rng.choice([d for d in "0123456789" if d != digits[position]])
    return digits[:position] + replacement + digits[position + 1 :]
