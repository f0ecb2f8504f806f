"""Contact edits in the hub: a call-center agent records a customer's new phone, e-mail
or address.

The edit becomes a source record of the system ``hub`` (key ``contact:<golden
id>``), a new version each time, cross-referenced to the customer
(``link_method`` "hub_edit", ``linked_by`` the agent). Survivorship then weighs
it like any source: an edit the customer confirmed (``extra["confirmed"]``)
ranks first under the packaged policy (``hub:confirmed``), so lineage shows
the hub record, and who changed it, behind the new value.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.services import golden_views
from cdhub.services.hub_writes import WriteError, lock_customer
from cdhub.services.stewardship import Steward
from cdhub.storage.repo import blocking as blocking_repo
from cdhub.storage.repo import decisions as decisions_repo
from cdhub.storage.repo import golden as golden_repo
from cdhub.storage.repo import source_records as records_repo
from cdhub.storage.repo.decisions import EventWrite
from cdhub.storage.repo.golden import XrefWrite
from cdhub.storage.repo.source_records import RecordWrite
from mdm.blocking import blocking_keys
from mdm.golden import address_text
from mdm.normalize import normalize_address, normalize_email, normalize_phone, parse_address_text
from mdm.overlay import overlay
from mdm.records import Address, Email, PartyKind, PartyRecord, Phone
from mdm.serialization import content_hash, party_from_dict, party_to_dict

HUB_SYSTEM = golden_views.HUB_SYSTEM
LINK_METHOD = "hub_edit"
EVENT = "contact_update"


@dataclass(frozen=True, slots=True)
class AddressParts:
    province: str | None = None
    city: str | None = None
    district: str | None = None
    detail: str | None = None
    postcode: str | None = None


@dataclass(frozen=True, slots=True)
class ContactEdit:
    """Normalised new values; build one with `contact_edit`."""

    phone: Phone | None
    email: Email | None
    address: Address | None
    confirmed: bool


@dataclass(frozen=True, slots=True)
class ContactUpdate:
    golden_id: int  # the customer edited (the survivor of the id given)
    source_record_id: int  # the hub record
    version: int
    moved_from: int | None  # another customer the hub record was linked to before


def contact_key(golden_id: int) -> str:
    return f"contact:{golden_id}"


def contact_edit(
    *,
    phone: str | None = None,
    email: str | None = None,
    address_line: str | None = None,
    address: AddressParts | None = None,
    confirmed: bool = False,
) -> ContactEdit:
    """Normalise the values as ingest does; BAD_USER_INPUT for junk or for nothing at all."""
    new_phone = normalize_phone(phone) if phone is not None else None
    if phone is not None and (new_phone is None or new_phone.e164 is None):
        raise WriteError("BAD_USER_INPUT", f"not a phone number: {phone!r}", argument="phone")
    new_email = normalize_email(email) if email is not None else None
    if email is not None and (new_email is None or new_email.value is None):
        raise WriteError("BAD_USER_INPUT", f"not an e-mail address: {email!r}", argument="email")
    if address_line is not None and address is not None:
        raise WriteError(
            "BAD_USER_INPUT", "give the address as text or as parts", argument="address"
        )
    new_address: Address | None = None
    if address_line is not None:
        new_address = parse_address_text(address_line)
    elif address is not None:
        new_address = normalize_address(
            province=address.province,
            city=address.city,
            district=address.district,
            detail=address.detail,
            postcode=address.postcode,
        )
    if (address_line is not None or address is not None) and (
        new_address is None or not new_address.detail
    ):
        raise WriteError("BAD_USER_INPUT", "the address needs a street detail", argument="address")
    if new_phone is None and new_email is None and new_address is None:
        raise WriteError("BAD_USER_INPUT", "give a phone, an e-mail or an address")
    return ContactEdit(new_phone, new_email, new_address, confirmed)


def _edited(base: PartyRecord, edit: ContactEdit, actor: str, now: datetime) -> PartyRecord:
    """``base`` with the edit laid over it.

    A new value replaces the hub's earlier value of its kind rather than joining
    it: both would carry the same source and time, and the older one, also
    held by other sources, would win on frequency.
    """
    cleared = replace(
        base,
        phones=() if edit.phone else base.phones,
        emails=() if edit.email else base.emails,
        addresses=() if edit.address else base.addresses,
    )
    update = PartyRecord(
        source_system=HUB_SYSTEM,
        source_key=base.source_key,
        kind=base.kind,
        phones=(edit.phone,) if edit.phone else (),
        emails=(edit.email,) if edit.email else (),
        addresses=(edit.address,) if edit.address else (),
        observed_at=now,
        extra={"confirmed": "true" if edit.confirmed else "false", "edited_by": actor},
    )
    return overlay(cleared, update)


def _summary(edit: ContactEdit) -> dict[str, Any]:
    return {
        "phone": edit.phone.e164 if edit.phone else None,
        "email": edit.email.value if edit.email else None,
        "address": address_text(edit.address) if edit.address else None,
        "confirmed": edit.confirmed,
    }


async def update_contact(
    session: AsyncSession, steward: Steward, golden_id: int, edit: ContactEdit, now: datetime
) -> ContactUpdate:
    """Store the edit as the customer's hub record and re-run survivorship."""
    target = await lock_customer(session, golden_id)
    kind = PartyKind((await golden_repo.rows(session, [target]))[target].kind)
    key = contact_key(target)
    stored = (await records_repo.load_by_keys(session, [(HUB_SYSTEM, key)])).get((HUB_SYSTEM, key))
    base = PartyRecord(HUB_SYSTEM, key, kind)
    if stored is not None and not stored.erased:
        base = replace(party_from_dict(stored.attributes), kind=kind)
    record = _edited(base, edit, steward.actor, now)
    attributes = party_to_dict(record)
    write = RecordWrite(
        source_system=HUB_SYSTEM,
        source_key=key,
        party_kind=kind.value,
        raw={**_summary(edit), "edited_by": steward.actor},
        attributes=attributes,
        content_hash=content_hash(attributes),
        observed_at=now,
    )
    if stored is None:
        (record_id,) = await records_repo.insert_records(session, [write], now)
        version, moved_from = 1, None
    else:
        await records_repo.update_records(session, [(stored, write)], now)
        record_id, version = stored.id, stored.version + 1
        moved_from = (await golden_repo.golden_of_records(session, [record_id])).get(record_id)
        if moved_from == target:
            moved_from = None
    await golden_repo.set_xrefs(
        session,
        [
            XrefWrite(
                record_id,
                target,
                LINK_METHOD,
                None,
                {"edited_by": steward.actor, "confirmed": edit.confirmed},
                None,
                steward.actor,
            )
        ],
        now,
    )
    await blocking_repo.replace_keys(session, {record_id: blocking_keys(record)})
    touched = [target] if moved_from is None else [target, moved_from]
    await golden_views.refresh(session, touched, steward.policy, now, {record_id: record})
    await decisions_repo.add_events(
        session,
        [
            EventWrite(
                EVENT,
                target,
                moved_from,
                record_id,
                steward.actor,
                None,
                {"version": version - 1},
                {"version": version, **_summary(edit)},
                None,
            )
        ],
        now,
    )
    return ContactUpdate(target, record_id, version, moved_from)
