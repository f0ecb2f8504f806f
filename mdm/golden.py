"""The golden view of a customer and the lineage of every value in it.

`survivorship.survive` turns the `SourceContribution`s of one golden customer into
a `GoldenView`: the surviving single values (name, gender, birth date, ...), every
distinct phone, email, address and identifier with the source records that gave
it, and a `Lineage` entry per golden value naming those records and the rule that
made the value win. ``to_dict``/``from_dict`` give the JSON stored next to the
golden record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from mdm.records import Address, OrgName, PartyKind, PartyRecord, PersonName
from mdm.serialization import (
    address_from_dict,
    address_to_dict,
    org_name_from_dict,
    org_name_to_dict,
    person_name_from_dict,
    person_name_to_dict,
)

__all__ = ["AttributeValue", "GoldenView", "Lineage", "SourceContribution", "address_text"]


@dataclass(frozen=True, slots=True)
class SourceContribution:
    """One stored source record (a version of it) that belongs to a golden customer.

    Attributes:
        source_record_id: the storage id of the source record.
        source_system: ``shop``, ``wechat``, ``callcenter``, ``erp``, ``hub``, ...
        source_key: the source-local key.
        received_at: when the hub received this version.
        observed_at: when the source says the data was true; falls back to
            ``record.observed_at``, then ``received_at``, for recency.
        record: the normalised record.
        confirmed: an edit (usually by a call-center agent in the hub) that the
            customer confirmed; trust lists name it ``"<system>:confirmed"``.
    """

    source_record_id: int
    source_system: str
    source_key: str
    received_at: datetime
    observed_at: datetime | None
    record: PartyRecord
    confirmed: bool = False


@dataclass(frozen=True, slots=True)
class AttributeValue:
    """One distinct value of a multi-valued attribute (phone, email, address, identifier).

    Attributes:
        value: e164 phone, normalised email, `address_text` of the address, or the
            normalised identifier value.
        sources: ids of the source records that carry the value, ascending.
        is_primary: the one value chosen by the rule chain (per identifier kind).
        rule: for the primary, the rule that made it win (``"pinned"``,
            ``"source_priority:shop"``, ``"most_recent"``, ...); ``"retained"`` for
            the other values; ``"invalid"`` for identifier evidence.
        kind: the phone kind (``mobile``, ...) or the identifier kind.
        valid: False only for identifiers whose checksum failed (kept as evidence).
        address: the structured address, for address values.
    """

    value: str
    sources: tuple[int, ...]
    is_primary: bool
    rule: str
    kind: str | None = None
    valid: bool = True
    address: Address | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "sources": list(self.sources),
            "is_primary": self.is_primary,
            "rule": self.rule,
            "kind": self.kind,
            "valid": self.valid,
            "address": None if self.address is None else address_to_dict(self.address),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AttributeValue:
        address = d.get("address")
        return cls(
            value=d["value"],
            sources=tuple(d["sources"]),
            is_primary=d["is_primary"],
            rule=d["rule"],
            kind=d.get("kind"),
            valid=d.get("valid", True),
            address=None if address is None else address_from_dict(address),
        )


@dataclass(frozen=True, slots=True)
class Lineage:
    """Where one golden value came from and why it won.

    ``attribute`` is a survivorship attribute name (``person_name``, ``phone``,
    ``identifier.resident_id``, ``display_name``, ...); ``value`` its text;
    ``rule`` as in `AttributeValue.rule`, ``"only_value"`` when no other value
    competed, ``"derived:<attribute>"`` for the display name. Multi-valued
    attributes get one entry per value; ``is_primary`` is False for the retained ones.
    """

    attribute: str
    value: str
    source_record_ids: tuple[int, ...]
    rule: str
    is_primary: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "attribute": self.attribute,
            "value": self.value,
            "source_record_ids": list(self.source_record_ids),
            "rule": self.rule,
            "is_primary": self.is_primary,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Lineage:
        return cls(
            attribute=d["attribute"],
            value=d["value"],
            source_record_ids=tuple(d["source_record_ids"]),
            rule=d["rule"],
            is_primary=d.get("is_primary", True),
        )


@dataclass(frozen=True, slots=True)
class GoldenView:
    """The surviving view of one golden customer.

    ``person_name`` is set for persons, ``org_name`` for organisations.
    ``phones``/``emails``/``addresses`` hold every distinct value, primary first;
    ``identifiers`` every valid identifier, grouped by kind with one primary per
    kind; ``identifier_evidence`` the invalid ones (``valid=False``), never primary.
    """

    kind: PartyKind
    display_name: str | None
    person_name: PersonName | None
    org_name: OrgName | None
    gender: str | None
    birth_date: date | None
    nickname: str | None
    avatar_url: str | None
    member_level: str | None
    subscribed: bool | None
    primary_phone: str | None
    primary_email: str | None
    primary_address: Address | None
    phones: tuple[AttributeValue, ...]
    emails: tuple[AttributeValue, ...]
    addresses: tuple[AttributeValue, ...]
    identifiers: tuple[AttributeValue, ...]
    identifier_evidence: tuple[AttributeValue, ...]
    lineage: tuple[Lineage, ...]
    source_record_ids: tuple[int, ...]
    policy_version: str

    def to_dict(self) -> dict[str, Any]:
        """Return the view as JSON-ready dict with a stable key order."""
        return {
            "kind": self.kind.value,
            "display_name": self.display_name,
            "person_name": None
            if self.person_name is None
            else person_name_to_dict(self.person_name),
            "org_name": None if self.org_name is None else org_name_to_dict(self.org_name),
            "gender": self.gender,
            "birth_date": None if self.birth_date is None else self.birth_date.isoformat(),
            "nickname": self.nickname,
            "avatar_url": self.avatar_url,
            "member_level": self.member_level,
            "subscribed": self.subscribed,
            "primary_phone": self.primary_phone,
            "primary_email": self.primary_email,
            "primary_address": None
            if self.primary_address is None
            else address_to_dict(self.primary_address),
            "phones": [v.to_dict() for v in self.phones],
            "emails": [v.to_dict() for v in self.emails],
            "addresses": [v.to_dict() for v in self.addresses],
            "identifiers": [v.to_dict() for v in self.identifiers],
            "identifier_evidence": [v.to_dict() for v in self.identifier_evidence],
            "lineage": [entry.to_dict() for entry in self.lineage],
            "source_record_ids": list(self.source_record_ids),
            "policy_version": self.policy_version,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> GoldenView:
        person_name = d.get("person_name")
        org_name = d.get("org_name")
        birth_date = d.get("birth_date")
        primary_address = d.get("primary_address")
        return cls(
            kind=PartyKind(d["kind"]),
            display_name=d.get("display_name"),
            person_name=None if person_name is None else person_name_from_dict(person_name),
            org_name=None if org_name is None else org_name_from_dict(org_name),
            gender=d.get("gender"),
            birth_date=None if birth_date is None else date.fromisoformat(birth_date),
            nickname=d.get("nickname"),
            avatar_url=d.get("avatar_url"),
            member_level=d.get("member_level"),
            subscribed=d.get("subscribed"),
            primary_phone=d.get("primary_phone"),
            primary_email=d.get("primary_email"),
            primary_address=None if primary_address is None else address_from_dict(primary_address),
            phones=tuple(AttributeValue.from_dict(v) for v in d.get("phones", ())),
            emails=tuple(AttributeValue.from_dict(v) for v in d.get("emails", ())),
            addresses=tuple(AttributeValue.from_dict(v) for v in d.get("addresses", ())),
            identifiers=tuple(AttributeValue.from_dict(v) for v in d.get("identifiers", ())),
            identifier_evidence=tuple(
                AttributeValue.from_dict(v) for v in d.get("identifier_evidence", ())
            ),
            lineage=tuple(Lineage.from_dict(e) for e in d.get("lineage", ())),
            source_record_ids=tuple(d.get("source_record_ids", ())),
            policy_version=d["policy_version"],
        )


def address_text(address: Address) -> str:
    """The text of an address as a golden value: its known parts, space-separated.

    A municipality's city equal to its province is written once.

    Example:
        >>> address_text(Address("", "上海", "31", "上海", "徐汇区", "漕溪北路88号12楼"))
        '上海 徐汇区 漕溪北路88号12楼'
    """
    parts: list[str] = []
    for part in (address.province, address.city, address.district, address.detail):
        if part and (not parts or parts[-1] != part):
            parts.append(part)
    return " ".join(parts)
