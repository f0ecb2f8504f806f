"""The synthetic world: people, households, companies, and which systems know whom."""

from __future__ import annotations

import random
from dataclasses import dataclass

from cdhub.demo.geo import PlaceSampler
from cdhub.demo.names import NameSampler
from cdhub.demo.organisations import Office, Organisation, build_organisations
from cdhub.demo.people import Household, Person, build_people
from cdhub.demo.phones import PhoneBook


@dataclass(frozen=True)
class Presence:
    """The channel systems that hold records of one person."""

    shop: bool
    wechat: bool
    callcenter: bool
    erp: bool


@dataclass(frozen=True)
class World:
    """Everything the channel generators render into source records."""

    people: tuple[Person, ...]
    households: tuple[Household, ...]
    organisations: tuple[Organisation, ...]
    offices: tuple[Office, ...]
    employer: dict[int, int]  # person index -> organisation index
    presence: tuple[Presence, ...]

    def office_of(self, person: int) -> Office | None:
        """The office a person works at, if any."""
        org = self.employer.get(person)
        return None if org is None else self.offices[self.organisations[org].office]


def build_world(seed: int, people: int) -> World:
    """Synthesise `people` persons and their companies, deterministically per seed."""
    rng = random.Random(f"{seed}/world")
    places = PlaceSampler(rng)
    phones = PhoneBook(rng)
    persons, households = build_people(rng, people, NameSampler(rng), places, phones)
    orgs, offices, employer = build_organisations(rng, persons, places, phones)
    contacts = {p for org in orgs for p in org.contacts}
    office_callers = {p for office in offices for p in office.callers}
    sharing = {p for h in households if h.shared_mobile for p in h.shared_mobile}
    presence: list[Presence] = []
    for person in persons:
        index = person.index
        young = person.birth.year >= 1965
        shop = rng.random() < (0.75 if young else 0.45) or index in sharing
        wechat = rng.random() < (0.55 if young else 0.35)
        callcenter = rng.random() < 0.28 or index in office_callers
        erp = rng.random() < (0.8 if index in contacts else 0.15)
        if not (shop or wechat or callcenter or erp):
            shop = True
        presence.append(Presence(shop, wechat, callcenter, erp))
    return World(
        tuple(persons),
        tuple(households),
        tuple(orgs),
        tuple(offices),
        employer,
        tuple(presence),
    )
