"""Survivorship: which source values become a customer's golden values, and why.

`survive` takes the `SourceContribution`s of one golden customer and a
`SurvivorshipPolicy` (the declarative, versioned rules of `survivorship.toml`)
and returns a `GoldenView` whose every value carries its lineage. Per attribute a
steward's pin wins; then the attribute's rules in their configured order
(``source_priority``, ``most_recent``, ``most_frequent``, ``most_complete``);
then a deterministic tie break (source system, source record id, position).

Example:
    >>> view = survive(contributions, load_policy(), pins={"email": "lin@example.com"})
    >>> view.primary_email
    'lin@example.com'
    >>> next(e.rule for e in view.lineage if e.attribute == "email")
    'pinned'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta, timezone
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from mdm.golden import AttributeValue, GoldenView, Lineage, SourceContribution, address_text
from mdm.records import (
    Address,
    Email,
    IdentifierKind,
    OrgName,
    PartyKind,
    PersonName,
    Phone,
    PhoneKind,
)
from mdm.survivorship_policy import (
    ATTRIBUTES,
    IDENTIFIER_ATTRIBUTES,
    MOST_COMPLETE,
    MOST_FREQUENT,
    MOST_RECENT,
    MULTI_ATTRIBUTES,
    RULES,
    SINGLE_ATTRIBUTES,
    SOURCE_PRIORITY,
    AttributePolicy,
    SurvivorshipPolicy,
    load_policy,
)

__all__ = [
    "ATTRIBUTES",
    "PIN_ATTRIBUTES",
    "RULES",
    "AttributePolicy",
    "SurvivorshipPolicy",
    "load_policy",
    "survive",
]

PINNED = "pinned"
ONLY_VALUE = "only_value"
TIE_BREAK = "tie_break"
RETAINED = "retained"
INVALID = "invalid"
PIN_ATTRIBUTES = ("kind", *SINGLE_ATTRIBUTES, *MULTI_ATTRIBUTES, *IDENTIFIER_ATTRIBUTES)
"""Attribute names a steward may pin."""

_CHINA = timezone(timedelta(hours=8))  # naive source times are Beijing time (no DST)
_NO_PINS: Mapping[str, str] = MappingProxyType({})


# --- ranking ---------------------------------------------------------------

T = TypeVar("T")


class _Source:
    """A contribution with what every rule asks of it computed once."""

    __slots__ = ("confirmed", "contribution", "id", "system", "timestamp", "valid_resident_id")

    def __init__(self, contribution: SourceContribution) -> None:
        self.contribution = contribution
        self.id = contribution.source_record_id
        self.system = contribution.source_system
        self.confirmed = contribution.confirmed
        when = contribution.observed_at or contribution.record.observed_at
        when = contribution.received_at if when is None else when
        if when.utcoffset() is None:
            when = when.replace(tzinfo=_CHINA)
        self.timestamp = when.timestamp()
        self.valid_resident_id = any(
            i.valid and i.kind is IdentifierKind.RESIDENT_ID
            for i in contribution.record.identifiers
        )


class _Group(Generic[T]):
    """One distinct value of an attribute and the sources that carry it."""

    __slots__ = ("sources", "text", "tie", "value", "values")

    def __init__(self, text: str, value: T) -> None:
        self.text = text
        self.value = value  # the representative: the one of the first source by tie order
        self.values: list[T] = []  # every occurrence, for merging details
        self.sources: list[_Source] = []
        self.tie: tuple[str, int, int] = ("\U0010ffff", 0, 0)  # sorts after any source

    def add(self, source: _Source, position: int, value: T) -> None:
        if source not in self.sources:
            self.sources.append(source)
        self.values.append(value)
        tie = (source.system, source.id, position)
        if tie < self.tie:
            self.tie = tie
            self.value = value

    def source_ids(self) -> tuple[int, ...]:
        return tuple(sorted({s.id for s in self.sources}))


def _collect(items: list[tuple[str, _Source, int, T]]) -> list[_Group[T]]:
    groups: dict[str, _Group[T]] = {}
    for text, source, position, value in items:
        group = groups.get(text)
        if group is None:
            group = groups[text] = _Group(text, value)
        group.add(source, position, value)
    return list(groups.values())


Completeness = Callable[[_Group[Any]], tuple[int, ...]]
Gate = Callable[[list[_Group[Any]]], list[_Group[Any]]]


def _rank(
    groups: list[_Group[T]], policy: AttributePolicy, complete: Completeness
) -> tuple[list[_Group[T]], str]:
    """Order groups best first; return them with the rule that separated the first two."""
    if len(groups) <= 1:
        return groups, ONLY_VALUE
    keyed: list[tuple[tuple[Any, ...], tuple[str, int, int], str, int]] = []
    tokens: list[str] = []
    for index, group in enumerate(groups):
        parts: list[Any] = []
        token = ""
        for rule in policy.rules:
            if rule == SOURCE_PRIORITY:
                rank, token = min(policy.trust_rank(s.system, s.confirmed) for s in group.sources)
                parts.append(rank)
            elif rule == MOST_RECENT:
                parts.append(-max(s.timestamp for s in group.sources))
            elif rule == MOST_FREQUENT:
                parts.append(-len(group.sources))
            else:
                parts.append(tuple(-x for x in complete(group)))
        keyed.append((tuple(parts), group.tie, group.text, index))
        tokens.append(token)
    keyed.sort()
    first, second = keyed[0][0], keyed[1][0]
    label = TIE_BREAK
    for rule, a, b in zip(policy.rules, first, second, strict=True):
        if a != b:
            label = f"{rule}:{tokens[keyed[0][3]]}" if rule == SOURCE_PRIORITY else rule
            break
    return [groups[k[3]] for k in keyed], label


def _order(
    groups: list[_Group[T]],
    policy: AttributePolicy,
    complete: Completeness,
    pin: str | None,
    from_pin: Callable[[str], T],
    gate: Gate | None = None,
) -> tuple[list[_Group[T]], str]:
    """The full chain: pin, then the gate (fixed preferences), then `_rank`.

    A pin matching no source value becomes a value of its own, without sources.
    """
    if pin is not None:
        pinned = next((g for g in groups if g.text == pin), None)
        if pinned is None:
            pinned = _Group(pin, from_pin(pin))
        rest = [g for g in groups if g is not pinned]
        ranked, _ = _order(rest, policy, complete, None, from_pin, gate)
        return [pinned, *ranked], PINNED
    if gate is not None:
        preferred = gate(groups)
        if len(preferred) < len(groups):
            ranked, label = _rank(preferred, policy, complete)
            others, _ = _rank([g for g in groups if g not in preferred], policy, complete)
            return ranked + others, MOST_COMPLETE if len(preferred) == 1 else label
    return _rank(groups, policy, complete)


# --- attribute specifics ---------------------------------------------------


def _length(group: _Group[Any]) -> tuple[int, ...]:
    return (len(group.text),)


def _name_completeness(group: _Group[Any]) -> tuple[int, ...]:
    name: PersonName = group.value
    return (not name.honorific_only, not name.is_latin)


def _name_gate(groups: list[_Group[Any]]) -> list[_Group[Any]]:
    fuller = [g for g in groups if not g.value.honorific_only] or groups
    return [g for g in fuller if not g.value.is_latin] or fuller


def _resident_id_completeness(group: _Group[Any]) -> tuple[int, ...]:
    return (any(s.valid_resident_id for s in group.sources),)


def _resident_id_gate(groups: list[_Group[Any]]) -> list[_Group[Any]]:
    return [g for g in groups if _resident_id_completeness(g)[0]] or groups


def _org_completeness(group: _Group[Any]) -> tuple[int, ...]:
    return (group.value.legal_form is not None, len(group.text))


_PHONE_KIND_RANK = {PhoneKind.MOBILE: 2, PhoneKind.LANDLINE: 1, PhoneKind.UNKNOWN: 0}


def _phone_completeness(group: _Group[Any]) -> tuple[int, ...]:
    return (max(_PHONE_KIND_RANK[p.kind] for p in group.values) if group.values else 0,)


def _address_completeness(group: _Group[Any]) -> tuple[int, ...]:
    a: Address = group.value
    parts = sum(p is not None for p in (a.province, a.city, a.district, a.detail))
    return (parts, len(a.detail or ""), a.postcode is not None)


def _no_completeness(group: _Group[Any]) -> tuple[int, ...]:
    return ()


def _merged_address(group: _Group[Address]) -> Address:
    """The representative address with a missing postcode/province code filled in."""
    address = group.value
    postcode = address.postcode or next((a.postcode for a in group.values if a.postcode), None)
    code = address.province_code or next(
        (a.province_code for a in group.values if a.province_code), None
    )
    if postcode == address.postcode and code == address.province_code:
        return address
    return Address(
        address.raw,
        address.province,
        code,
        address.city,
        address.district,
        address.detail,
        postcode,
    )


def _pinned_name(text: str) -> PersonName:
    # A pin that matches no source name; mdm.normalize owns pinyin, so it stays empty.
    return PersonName(text, text, None, None, "", "", text.isascii())


def _parse_bool(text: str) -> bool:
    if text not in ("true", "false"):
        raise ValueError(f"pins: subscribed: expected 'true' or 'false', got {text!r}")
    return text == "true"


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"pins: birth_date: expected YYYY-MM-DD, got {text!r}") from exc


# --- survive ---------------------------------------------------------------


class _Survivor:
    """Builds one golden view; holds what every attribute needs."""

    def __init__(
        self, sources: list[_Source], policy: SurvivorshipPolicy, pins: Mapping[str, str]
    ) -> None:
        self.sources = sources
        self.policy = policy
        self.pins = pins
        self.lineage: list[Lineage] = []

    def single(
        self,
        attribute: str,
        items: list[tuple[str, _Source, int, T]],
        complete: Completeness,
        from_pin: Callable[[str], T],
        gate: Gate | None = None,
    ) -> T | None:
        pin = self.pins.get(attribute)
        if not items and pin is None:
            return None
        ranked, rule = _order(
            _collect(items),
            self.policy.for_attribute(attribute),
            complete,
            pin,
            from_pin,
            gate,
        )
        winner = ranked[0]
        self.lineage.append(Lineage(attribute, winner.text, winner.source_ids(), rule))
        return winner.value

    def multi(
        self,
        attribute: str,
        items: list[tuple[str, _Source, int, T]],
        complete: Completeness,
        from_pin: Callable[[str], T],
        describe: Callable[[_Group[T], bool, str], AttributeValue],
    ) -> list[AttributeValue]:
        pin = self.pins.get(attribute)
        if not items and pin is None:
            return []
        ranked, rule = _order(
            _collect(items), self.policy.for_attribute(attribute), complete, pin, from_pin
        )
        values: list[AttributeValue] = []
        for index, group in enumerate(ranked):
            value = describe(group, index == 0, rule if index == 0 else RETAINED)
            values.append(value)
            self.lineage.append(
                Lineage(attribute, value.value, value.sources, value.rule, value.is_primary)
            )
        return values

    def kind(self) -> PartyKind:
        pin = self.pins.get("kind")
        persons = [s.id for s in self.sources if s.contribution.record.kind is PartyKind.PERSON]
        orgs = [s.id for s in self.sources if s.contribution.record.kind is not PartyKind.PERSON]
        if pin is not None:
            try:
                kind = PartyKind(pin)
            except ValueError as exc:
                raise ValueError(
                    f"pins: kind: expected person or organisation, got {pin!r}"
                ) from exc
            rule = PINNED
        elif not persons or not orgs:
            kind, rule = (PartyKind.PERSON if persons else PartyKind.ORGANISATION), ONLY_VALUE
        elif len(persons) > len(orgs):
            kind, rule = PartyKind.PERSON, MOST_FREQUENT
        else:
            kind = PartyKind.ORGANISATION
            rule = MOST_FREQUENT if len(orgs) > len(persons) else TIE_BREAK
        ids = persons if kind is PartyKind.PERSON else orgs
        self.lineage.append(Lineage("kind", kind.value, tuple(sorted(set(ids))), rule))
        return kind

    def identifiers(self) -> tuple[list[AttributeValue], list[AttributeValue]]:
        valid: dict[IdentifierKind, list[tuple[str, _Source, int, str]]] = {}
        invalid: dict[IdentifierKind, list[tuple[str, _Source, int, str]]] = {}
        for source in self.sources:
            for position, ident in enumerate(source.contribution.record.identifiers):
                if ident.value:
                    bucket = valid if ident.valid else invalid
                    bucket.setdefault(ident.kind, []).append(
                        (ident.value, source, position, ident.value)
                    )
        golden: list[AttributeValue] = []
        evidence: list[AttributeValue] = []
        for kind in IdentifierKind:
            attribute = f"identifier.{kind.value}"
            if kind in valid or attribute in self.pins:

                def describe(
                    group: _Group[str], primary: bool, rule: str, kind: str = kind.value
                ) -> AttributeValue:
                    return AttributeValue(group.text, group.source_ids(), primary, rule, kind)

                golden += self.multi(attribute, valid.get(kind, []), _length, str, describe)
            known = {text for text, *_ in valid.get(kind, [])}
            for group in _collect(invalid.get(kind, [])):
                if group.text not in known:
                    evidence.append(
                        AttributeValue(
                            group.text, group.source_ids(), False, INVALID, kind.value, valid=False
                        )
                    )
        return golden, evidence


def _phone_value(group: _Group[Any], primary: bool, rule: str) -> AttributeValue:
    kind = group.value.kind.value if group.values else None
    return AttributeValue(group.text, group.source_ids(), primary, rule, kind)


def _email_value(group: _Group[Any], primary: bool, rule: str) -> AttributeValue:
    return AttributeValue(group.text, group.source_ids(), primary, rule)


def _address_value(group: _Group[Address], primary: bool, rule: str) -> AttributeValue:
    address = _merged_address(group) if group.values else group.value
    return AttributeValue(group.text, group.source_ids(), primary, rule, address=address)


def _pinned_phone(text: str) -> Phone:
    return Phone(text, text, PhoneKind.UNKNOWN)


def _pinned_email(text: str) -> Email:
    return Email(text, text)


def _pinned_address(text: str) -> Address:
    return Address(text, None, None, None, None, text)


def _pinned_org_name(text: str) -> OrgName:
    return OrgName(text, text, text, None, None)


def _display_name(
    person_name: PersonName | None,
    org_name: OrgName | None,
    nickname: str | None,
    emails: list[AttributeValue],
    phones: list[AttributeValue],
) -> tuple[str | None, str]:
    """The name to show, and the attribute it comes from."""
    if person_name is not None:
        if person_name.is_latin or person_name.honorific_only:
            # "Lin Jiaxin" keeps its capitals; 林小姐 is better than the bare surname
            return person_name.raw.strip() or person_name.full, "person_name"
        return person_name.full, "person_name"
    if org_name is not None:
        return org_name.full, "org_name"
    if nickname is not None:
        return nickname, "nickname"
    if emails:
        return emails[0].value, "email"
    if phones:
        return phones[0].value, "phone"
    return None, ""


def survive(
    contributions: Sequence[SourceContribution],
    policy: SurvivorshipPolicy,
    pins: Mapping[str, str] = _NO_PINS,
) -> GoldenView:
    """Build the golden view of one customer from its source contributions.

    Args:
        contributions: every current source record version of the customer.
        policy: the survivorship policy; its version is stored on the view.
        pins: a steward's pinned values by attribute (see `PIN_ATTRIBUTES`):
            text as in the lineage (e164 phone, ``YYYY-MM-DD``, ``true``/``false``,
            `address_text`, ``identifier.resident_id`` -> the id, ...).

    Raises:
        ValueError: no contributions, an unknown pin attribute or a malformed pin.

    Example:
        >>> view = survive([shop_member, confirmed_hub_edit], load_policy())
        >>> view.primary_phone, [e.rule for e in view.lineage if e.attribute == "phone"]
        ('+8613912345678', ['source_priority:hub:confirmed', 'retained'])
    """
    if not contributions:
        raise ValueError("survive: no contributions")
    for key in pins:
        if key not in PIN_ATTRIBUTES:
            raise ValueError(f"pins: {key}: unknown attribute; known: {PIN_ATTRIBUTES}")
    sources = [_Source(c) for c in contributions]
    s = _Survivor(sources, policy, pins)
    records = [(src, src.contribution.record) for src in sources]

    kind = s.kind()
    person_name: PersonName | None = None
    org_name: OrgName | None = None
    if kind is PartyKind.PERSON:
        person_name = s.single(
            "person_name",
            [
                (name.full, src, i, name)
                for src, rec in records
                if rec.kind is PartyKind.PERSON
                for i, name in enumerate(rec.names)
                if name.full
            ],
            _name_completeness,
            _pinned_name,
            _name_gate,
        )
    else:
        org_name = s.single(
            "org_name",
            [
                (rec.org_name.full, src, 0, rec.org_name)
                for src, rec in records
                if rec.kind is PartyKind.ORGANISATION and rec.org_name and rec.org_name.full
            ],
            _org_completeness,
            _pinned_org_name,
        )
    gender = s.single(
        "gender",
        [(rec.gender, src, 0, rec.gender) for src, rec in records if rec.gender],
        _resident_id_completeness,
        str,
        _resident_id_gate,
    )
    birth_date = s.single(
        "birth_date",
        [
            (rec.birth_date.isoformat(), src, 0, rec.birth_date)
            for src, rec in records
            if rec.birth_date
        ],
        _resident_id_completeness,
        _parse_date,
        _resident_id_gate,
    )
    nickname, avatar_url, member_level = (
        s.single(
            attribute,
            [(v, src, 0, v) for src, rec in records if (v := getattr(rec, attribute))],
            _length,
            str,
        )
        for attribute in ("nickname", "avatar_url", "member_level")
    )
    subscribed = s.single(
        "subscribed",
        [
            ("true" if rec.subscribed else "false", src, 0, rec.subscribed)
            for src, rec in records
            if rec.subscribed is not None
        ],
        _no_completeness,
        _parse_bool,
    )
    phones = s.multi(
        "phone",
        [(p.e164, src, i, p) for src, rec in records for i, p in enumerate(rec.phones) if p.e164],
        _phone_completeness,
        _pinned_phone,
        _phone_value,
    )
    emails = s.multi(
        "email",
        [(e.value, src, i, e) for src, rec in records for i, e in enumerate(rec.emails) if e.value],
        _length,
        _pinned_email,
        _email_value,
    )
    addresses = s.multi(
        "address",
        [
            (text, src, i, a)
            for src, rec in records
            for i, a in enumerate(rec.addresses)
            if (text := address_text(a))
        ],
        _address_completeness,
        _pinned_address,
        _address_value,
    )
    identifiers, evidence = s.identifiers()

    display_name, derived_from = _display_name(person_name, org_name, nickname, emails, phones)
    if display_name is not None:
        origin = next(e for e in s.lineage if e.attribute == derived_from)
        s.lineage.insert(
            1,
            Lineage(
                "display_name", display_name, origin.source_record_ids, f"derived:{derived_from}"
            ),
        )
    return GoldenView(
        kind=kind,
        display_name=display_name,
        person_name=person_name,
        org_name=org_name,
        gender=gender,
        birth_date=birth_date,
        nickname=nickname,
        avatar_url=avatar_url,
        member_level=member_level,
        subscribed=subscribed,
        primary_phone=phones[0].value if phones else None,
        primary_email=emails[0].value if emails else None,
        primary_address=addresses[0].address if addresses else None,
        phones=tuple(phones),
        emails=tuple(emails),
        addresses=tuple(addresses),
        identifiers=tuple(identifiers),
        identifier_evidence=tuple(evidence),
        lineage=tuple(s.lineage),
        source_record_ids=tuple(sorted({src.id for src in sources})),
        policy_version=policy.version,
    )
