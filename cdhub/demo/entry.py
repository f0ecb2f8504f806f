"""How a person's attributes come out when someone types them into a system.

Each channel has its own habits (a call-center agent writes 林小姐, an ERP clerk
writes the full name, a shop form validates mobiles); these functions apply a
channel's mix of writings and corruptions to the true values.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from cdhub.demo import noise
from cdhub.demo.geo import Address
from cdhub.demo.names import romanise
from cdhub.demo.people import Person
from cdhub.demo.phones import Landline, full_width, mistype, write_landline, write_mobile


@dataclass(frozen=True)
class NameMix:
    """Probabilities of each way a channel writes a person's name; the rest is clean."""

    traditional: float = 0.0
    typo: float = 0.0
    romanised: float = 0.0
    title: float = 0.0  # surname + 先生/小姐/女士
    missing: float = 0.0


def name(person: Person, rng: random.Random, mix: NameMix) -> str | None:
    """The person's name as this channel writes it, or None."""
    roll = rng.random()
    kind = "clean"
    for chance, candidate in (
        (mix.missing, "missing"),
        (mix.title, "title"),
        (mix.typo, "typo"),
        (mix.traditional, "traditional"),
        (mix.romanised, "romanised"),
    ):
        if roll < chance:
            kind = candidate
            break
        roll -= chance
    if kind == "clean":
        return person.name
    if kind == "missing":
        return None
    if kind == "title":
        return noise.title(person.surname, person.gender, rng)
    if kind == "typo":
        return noise.typo(person.name, rng)
    if kind == "traditional":
        return noise.traditional(person.name)
    if person.english_name and rng.random() < 0.5:
        return f"{person.english_name} {romanise(person.surname, person.given, 2).split()[-1]}"
    return romanise(person.surname, person.given, rng.randrange(6))


def mobile(number: str, rng: random.Random, plain: float, typo_rate: float = 0.01) -> str:
    """A writing of the mobile: bare digits with probability `plain`, else any writing."""
    if rng.random() < typo_rate:
        number = mistype(number, rng)
    if rng.random() < plain:
        return number
    return write_mobile(number, rng.randrange(1, 10))


def landline(line: Landline, rng: random.Random, plain: float, extension: str = "") -> str:
    """A writing of the landline: `021-62345678` with probability `plain`."""
    if extension:
        return write_landline(line, rng.randrange(4), extension)
    if rng.random() < plain:
        return write_landline(line, 0)
    return write_landline(line, rng.randrange(1, 7))


def email(address: str | None, rng: random.Random, mixed_case: float = 0.15) -> str | None:
    """The email, sometimes in mixed case."""
    if address is not None and rng.random() < mixed_case:
        return noise.email_case(address, rng)
    return address


def address_parts(address: Address, rng: random.Random, short: float) -> dict[str, str]:
    """Province, city, district and detail; short names (上海, 徐汇) with probability `short`."""
    place = address.place
    is_short = rng.random() < short
    city = place.city_short if is_short else place.city
    if place.municipality and rng.random() < 0.05:
        city = "市辖区"  # the national division table's name for a municipality's city level
    detail = address.detail(0 if rng.random() < 0.6 else rng.randrange(1, 6))
    if rng.random() < 0.03:
        detail = full_width(detail)
    return {
        "province": place.province_short if is_short else place.province,
        "city": city,
        "district": place.district_short if rng.random() < short else place.district,
        "detail": detail,
    }


def put(record: dict[str, Any], key: str, value: object, rng: random.Random) -> None:
    """Set a JSON field; a missing value is left out, null, or an empty string."""
    if value is not None:
        record[key] = value
        return
    roll = rng.random()
    if roll < 0.4:
        return
    record[key] = None if roll < 0.8 else ""
