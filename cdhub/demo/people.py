"""Synthetic people living in households: the true persons behind the records."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from cdhub.demo.codes import resident_id
from cdhub.demo.geo import Address, Place, PlaceSampler
from cdhub.demo.names import (
    ENGLISH_NAMES_F,
    ENGLISH_NAMES_M,
    NameSampler,
    char_pinyin,
    given_pinyin,
    surname_pinyin,
)
from cdhub.demo.phones import Landline, PhoneBook

_MAIL_DOMAINS = ("163.com", "126.com", "sina.com", "gmail.com", "hotmail.com", "foxmail.com")


@dataclass(frozen=True)
class Person:
    """A real person: the truth every person record is matched against."""

    index: int
    surname: str
    given: str
    gender: str  # M | F
    birth: date
    resident_id: str
    mobiles: tuple[str, ...]  # primary first; may be empty (some elderly)
    email: str | None
    english_name: str | None
    home: Address
    household: int

    @property
    def entity_id(self) -> str:
        return f"P{self.index + 1:06d}"

    @property
    def name(self) -> str:
        return self.surname + self.given

    @property
    def pinyin(self) -> str:
        return given_pinyin(self.given)


@dataclass(frozen=True)
class Household:
    """People sharing an address and perhaps a landline.

    `shared_mobile` is (parent, child) when the parent's shop account carries
    the child's mobile: same surname and address, different given name and age.
    """

    index: int
    members: tuple[int, ...]
    landline: Landline | None
    shared_mobile: tuple[int, int] | None


@dataclass
class _Draft:
    surname: str
    given: str
    gender: str
    birth: date


def _birth(rng: random.Random, year: int) -> date:
    return date(year, 1, 1) + timedelta(days=rng.randrange(365))


def _family(rng: random.Random, names: NameSampler, size: int) -> list[_Draft]:
    """Drafts for one household: a single, a couple, parents with children, a grandparent."""
    if size == 1:
        gender = rng.choice("MF")
        year = rng.randint(1955, 2005)
        return [_Draft(*names.full(gender, year), gender, _birth(rng, year))]
    father_year = rng.randint(1950, 1988)
    mother_year = min(father_year + rng.randint(-1, 4), 1990)
    father = _Draft(*names.full("M", father_year), "M", _birth(rng, father_year))
    mother = _Draft(*names.full("F", mother_year), "F", _birth(rng, mother_year))
    if size == 2 and rng.random() < 0.7:
        return [father, mother]
    parents = [father, mother] if size > 2 else [rng.choice((father, mother))]
    drafts = list(parents)
    for _ in range(min(size - len(parents), 2)):
        year = min(mother_year + rng.randint(22, 34), 2008)
        gender = rng.choice("MF")
        surname = father.surname if father is parents[0] or rng.random() < 0.7 else mother.surname
        drafts.append(_Draft(surname, names.given(gender, year), gender, _birth(rng, year)))
    if len(drafts) < size:
        year = max(father_year - rng.randint(22, 32), 1930)
        if rng.random() < 0.5:
            drafts.append(_Draft(father.surname, names.given("M", year), "M", _birth(rng, year)))
        else:
            drafts.append(_Draft(*names.full("F", year), "F", _birth(rng, year)))
    return drafts


def _email(rng: random.Random, draft: _Draft, english: str | None) -> str | None:
    if rng.random() < 0.25:
        return None
    sur, giv = surname_pinyin(draft.surname), given_pinyin(draft.given)
    roll = rng.random()
    if roll < 0.3:
        return f"{rng.randint(10000, 3999999999)}@qq.com"
    domain = rng.choice(_MAIL_DOMAINS)
    initials = sur[0] + "".join(char_pinyin(c)[0] for c in draft.given)
    locals_ = (
        f"{sur}{giv}",
        f"{giv}.{sur}",
        f"{initials}{draft.birth.year}",
        f"{sur}{giv}{rng.randint(1, 99)}",
        f"{(english or giv).lower()}.{sur}",
        f"{sur}_{giv[:2]}{draft.birth:%m%d}",
    )
    return f"{rng.choice(locals_)}@{domain}"


def build_people(
    rng: random.Random,
    count: int,
    names: NameSampler,
    places: PlaceSampler,
    phones: PhoneBook,
) -> tuple[list[Person], list[Household]]:
    """`count` people in households of 1-5, each with IDs, phones and an address."""
    people: list[Person] = []
    households: list[Household] = []
    sizes, weights = (1, 2, 3, 4, 5), (50, 22, 16, 8, 4)
    while len(people) < count:
        size = min(rng.choices(sizes, weights)[0], count - len(people))
        drafts = _family(rng, names, size)
        place = places.place()
        home = places.home(place)
        has_line = rng.random() < (0.65 if size > 1 else 0.12)
        landline = phones.landline(place) if has_line else None
        members: list[int] = []
        for draft in drafts:
            members.append(len(people))
            people.append(_person(rng, len(people), draft, home, len(households), places, phones))
        shared = None
        if len(drafts) >= 2 and rng.random() < 0.3:
            parent = people[members[0]]
            children = [
                m
                for m in members[1:]
                if people[m].surname == parent.surname
                and people[m].birth > parent.birth + timedelta(days=365 * 18)
                and people[m].mobiles
            ]
            if children:
                shared = (parent.index, rng.choice(children))
        households.append(Household(len(households), tuple(members), landline, shared))
    return people, households


def _person(
    rng: random.Random,
    index: int,
    draft: _Draft,
    home: Address,
    household: int,
    places: PlaceSampler,
    phones: PhoneBook,
) -> Person:
    born_in: Place = home.place if rng.random() < 0.65 else places.place()
    mobiles: tuple[str, ...]
    if draft.birth.year < 1950 and rng.random() < 0.4:
        mobiles = ()
    elif rng.random() < 0.07:
        mobiles = (phones.mobile(), phones.mobile())
    else:
        mobiles = (phones.mobile(),)
    english = None
    if draft.birth.year > 1975 and rng.random() < 0.15:
        english = rng.choice(ENGLISH_NAMES_M if draft.gender == "M" else ENGLISH_NAMES_F)
    return Person(
        index=index,
        surname=draft.surname,
        given=draft.given,
        gender=draft.gender,
        birth=draft.birth,
        resident_id=resident_id(rng, born_in.admin_code, draft.birth, draft.gender),
        mobiles=mobiles,
        email=_email(rng, draft, english),
        english_name=english,
        home=home,
        household=household,
    )
