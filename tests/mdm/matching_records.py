"""Small builders of normalised PartyRecords for the matching tests."""

from __future__ import annotations

from datetime import date

from mdm.normalize import (
    make_identifier,
    normalize_address,
    normalize_email,
    normalize_org_name,
    normalize_person_name,
    normalize_phone,
)
from mdm.records import (
    Address,
    Email,
    Identifier,
    IdentifierKind,
    OrgName,
    PartyKind,
    PartyRecord,
    PersonName,
    Phone,
    PhoneKind,
)


def _ident(kind: IdentifierKind, raw: str | None) -> list[Identifier]:
    if raw is None:
        return []
    ident = make_identifier(kind, raw)
    assert ident is not None, raw
    return [ident]


def person(
    key: str,
    name: str | None = None,
    *,
    source: str = "shop",
    mobile: str | None = None,
    landline: str | None = None,
    email: str | None = None,
    resident_id: str | None = None,
    unionid: str | None = None,
    member_id: str | None = None,
    openid: str | None = None,
    birth: str | None = None,
    gender: str | None = None,
    address: tuple[str | None, str | None, str | None, str | None] | None = None,
    postcode: str | None = None,
    nickname: str | None = None,
    names: tuple[str, ...] = (),
) -> PartyRecord:
    """A person record; ``address`` is (province, city, district, detail)."""
    parsed: list[PersonName] = []
    for raw in ((name,) if name else ()) + names:
        n = normalize_person_name(raw)
        assert n is not None, raw
        parsed.append(n)
    phones: list[Phone] = []
    for raw in (mobile, landline):
        if raw:
            p = normalize_phone(raw)
            assert p is not None, raw
            phones.append(p)
    emails: list[Email] = []
    if email:
        e = normalize_email(email)
        assert e is not None
        emails.append(e)
    idents = (
        _ident(IdentifierKind.RESIDENT_ID, resident_id)
        + _ident(IdentifierKind.UNIONID, unionid)
        + _ident(IdentifierKind.MEMBER_ID, member_id)
        + _ident(IdentifierKind.OPENID, openid)
    )
    addresses: list[Address] = []
    if address is not None:
        province, city, district, detail = address
        a = normalize_address(
            province=province, city=city, district=district, detail=detail, postcode=postcode
        )
        assert a is not None
        addresses.append(a)
    return PartyRecord(
        source_system=source,
        source_key=key,
        kind=PartyKind.PERSON,
        names=tuple(parsed),
        phones=tuple(phones),
        emails=tuple(emails),
        identifiers=tuple(idents),
        birth_date=date.fromisoformat(birth) if birth else None,
        gender=gender,
        addresses=tuple(addresses),
        nickname=nickname,
    )


def latin_person(
    key: str,
    given: str | None,
    surname: str | None,
    *,
    source: str = "febrl",
    birth: str | None = None,
    suburb: str | None = None,
    street: str | None = None,
    postcode: str | None = None,
    phone: str | None = None,
) -> PartyRecord:
    """A Febrl-style record: English names, suburb/street/postcode address."""
    parts = [p for p in (given, surname) if p]
    full = " ".join(parts).lower()
    name = PersonName(
        raw=" ".join(parts),
        full=full,
        surname=surname.lower() if surname else None,
        given=given.lower() if given else None,
        pinyin=full,
        initials="".join(p[0] for p in full.split()),
        is_latin=True,
    )
    address = Address(
        raw=f"{street} {suburb}",
        province=None,
        province_code=None,
        city=suburb,
        district=None,
        detail=street,
        postcode=postcode,
    )
    phones = (Phone(phone, phone, PhoneKind.LANDLINE),)
    return PartyRecord(
        source_system=source,
        source_key=key,
        kind=PartyKind.PERSON,
        names=(name,) if parts else (),
        phones=phones if phone else (),
        birth_date=date.fromisoformat(birth) if birth else None,
        addresses=(address,) if (suburb or street or postcode) else (),
    )


def organisation(
    key: str,
    name: str,
    *,
    source: str = "erp",
    credit_code: str | None = None,
    landline: str | None = None,
    email: str | None = None,
) -> PartyRecord:
    """An organisation record."""
    org: OrgName | None = normalize_org_name(name)
    assert org is not None
    phones = [p for p in (normalize_phone(landline),) if p] if landline else []
    emails = [e for e in (normalize_email(email),) if e] if email else []
    return PartyRecord(
        source_system=source,
        source_key=key,
        kind=PartyKind.ORGANISATION,
        org_name=org,
        phones=tuple(phones),
        emails=tuple(emails),
        identifiers=tuple(_ident(IdentifierKind.CREDIT_CODE, credit_code)),
    )
