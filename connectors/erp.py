"""The ERP: customer master, sales-order items and deliveries, SAP-style CSV rows.

The row kind follows from its columns, so the three files need no
configuration:

- ``KUNNR`` + ``KTOKD``: a customer master row (KNA1) -> :class:`PartyRecord`
  keyed by ``KUNNR`` with its leading zeros. ``KTOKD`` Z001 is an organisation
  (name ``NAME1`` + ``NAME2``, credit code ``STCD5``), Z002 a person; any other
  account group is decided by whether ``NAME1`` reads like an organisation.
- ``VBELN_DEL``: a delivery -> :class:`DeliveryFact`.
- ``VBELN`` + ``POSNR``: one sales-order item (VBAK/VBAP) -> an
  :class:`OrderFact` with that one item; storage upserts items by ``line_no``.

Amounts: SAP's ``NETWR`` on VBAK is the header's net value, on VBAP the
item's. An export with one row per item carries the item's, so ``NETWR`` is
read as the item's net amount (``OrderItem.amount``), ``total_amount`` is left
None and storage sums the items for the order total. ``unit_price`` is left
None rather than derived by a division SAP did not make.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors import fields
from connectors.base import RejectedPayload, rejecting_unexpected
from mdm.normalize.addresses import normalize_address
from mdm.normalize.identifiers import normalize_credit_code, normalize_resident_id
from mdm.normalize.names import looks_like_organisation, normalize_org_name
from mdm.records import (
    DeliveryFact,
    Identifier,
    IdentifierKind,
    OrderFact,
    OrderItem,
    ParsedPayload,
    PartyKind,
    PartyRecord,
    PartyRef,
    PersonName,
)

SYSTEM = "erp"
_ORGANISATION_GROUPS = frozenset({"Z001"})
_PERSON_GROUPS = frozenset({"Z002"})


class ErpConnector:
    """Parses ERP customer, sales-order-item and delivery rows, telling them apart by columns.

    Example:
        >>> row = {"KUNNR": "0000100777", "KTOKD": "Z002", "NAME1": "林嘉欣", "REGIO": "31"}
        >>> record = ErpConnector().parse(row).parties[0]
        >>> record.source_key, record.kind.value, record.addresses[0].province
        ('0000100777', 'person', '上海')
    """

    system = SYSTEM
    overlays = False

    @rejecting_unexpected
    def parse(self, payload: Mapping[str, Any]) -> ParsedPayload:
        """Map one ERP row to canonical records; see the module docstring.

        Raises:
            RejectedPayload: columns of no known row kind (``unknown_type``), a
                blank key, amounts or quantities that are not numbers, dates
                of orders or deliveries that do not parse.
        """
        if "VBELN_DEL" in payload:
            return ParsedPayload(facts=(_delivery(payload),))
        if "VBELN" in payload and "POSNR" in payload:
            return ParsedPayload(facts=(_order_item(payload),))
        if "KUNNR" in payload and "KTOKD" in payload:
            return ParsedPayload(parties=(_customer(payload),))
        columns = ", ".join(sorted(str(name) for name in payload)[:12])
        raise RejectedPayload("unknown_type", f"not an ERP customer, order or delivery: {columns}")


def _customer(payload: Mapping[str, Any]) -> PartyRecord:
    kunnr = fields.key(payload, "KUNNR")
    extra: dict[str, str] = {}
    group = fields.text(payload, "KTOKD")
    name1 = fields.text(payload, "NAME1")
    name2 = fields.text(payload, "NAME2")
    if group in _ORGANISATION_GROUPS:
        is_org = True
    elif group in _PERSON_GROUPS:
        is_org = False
    else:
        is_org = name1 is not None and looks_like_organisation(name1)
        extra["account_group"] = group or ""
    tax_code = fields.text(payload, "STCD5")
    identifiers: list[Identifier | None] = [fields.identifier(IdentifierKind.ERP_CUSTOMER, kunnr)]
    birth_date = gender = None
    if is_org:
        full_name = _join_name(name1, name2)
        org_name = normalize_org_name(full_name) if full_name else None
        if org_name is not None and name1 and name2 and org_name.branch is None:
            whole = normalize_org_name(name1)
            if whole is not None and whole.legal_form is not None:
                # NAME1 is a whole name already: NAME2 is a second line (an English
                # name, a department), not the rest of it; gluing them spoils the core.
                org_name = whole
                extra["NAME2"] = name2
        names: tuple[PersonName, ...] = ()
        # An invalid credit code stays on the record as evidence, valid=False.
        identifiers.append(normalize_credit_code(tax_code) if tax_code else None)
    else:
        org_name = None
        names = fields.person_names(name1)
        if name2:
            extra["NAME2"] = name2
        # A person's tax number is their resident ID when it checks out as one.
        resident = normalize_resident_id(tax_code) if tax_code else None
        if resident is not None and resident.identifier.valid:
            identifiers.append(resident.identifier)
            birth_date, gender = resident.birth_date, resident.gender
        else:
            identifiers.append(fields.identifier(IdentifierKind.OTHER, tax_code))
    country = fields.text(payload, "LAND1")
    domestic = country is None or country.upper() == "CN"
    if not domestic and country:
        extra["LAND1"] = country
    address = normalize_address(
        region_code=fields.text(payload, "REGIO") if domestic else None,
        city=fields.text(payload, "ORT01"),
        district=fields.text(payload, "ORT02"),
        detail=fields.text(payload, "STRAS"),
        postcode=fields.text(payload, "PSTLZ"),
    )
    return PartyRecord(
        source_system=SYSTEM,
        source_key=kunnr,
        kind=PartyKind.ORGANISATION if is_org else PartyKind.PERSON,
        names=names,
        org_name=org_name,
        phones=fields.phones(fields.text(payload, "TELF1"), fields.text(payload, "TELF2")),
        emails=fields.emails(fields.text(payload, "SMTP_ADDR")),
        identifiers=fields.identifiers(*identifiers),
        birth_date=birth_date,
        gender=gender,
        addresses=(address,) if address is not None else (),
        observed_at=fields.party_timestamp(payload, "ERDAT", extra),
        extra=extra,
    )


def _order_item(payload: Mapping[str, Any]) -> OrderFact:
    vbeln = fields.key(payload, "VBELN")
    kunnr = fields.optional_key(payload, "KUNNR")
    item = OrderItem(
        line_no=fields.key(payload, "POSNR"),
        sku=fields.text(payload, "MATNR"),
        title=fields.text(payload, "ARKTX"),
        quantity=fields.decimal(payload, "KWMENG"),
        unit_price=None,
        amount=fields.decimal(payload, "NETWR"),
        batch_no=fields.text(payload, "CHARG"),
    )
    return OrderFact(
        source_system=SYSTEM,
        order_no=vbeln,
        party=PartyRef(SYSTEM, kunnr) if kunnr else None,
        channel="erp",
        status=fields.text(payload, "STATUS"),
        ordered_at=fields.timestamp(payload, "ERDAT"),
        paid_at=None,
        total_amount=None,
        currency=fields.text(payload, "WAERK") or "CNY",
        items=(item,),
        external_ref=fields.text(payload, "BSTKD"),
    )


def _delivery(payload: Mapping[str, Any]) -> DeliveryFact:
    return DeliveryFact(
        source_system=SYSTEM,
        delivery_no=fields.key(payload, "VBELN_DEL"),
        order_no=fields.key(payload, "VBELN"),
        carrier=fields.text(payload, "CARRIER"),
        tracking_no=fields.text(payload, "TRACKING_NO"),
        shipped_at=fields.timestamp(payload, "SHIPPED_AT"),
    )


def _join_name(name1: str | None, name2: str | None) -> str | None:
    """NAME2 continues NAME1 (SAP cuts names at 35 characters): glue hanzi, space latin."""
    if not name1 or not name2:
        return name1 or name2
    latin_seam = name1[-1].isascii() and name2[0].isascii()
    return f"{name1} {name2}" if latin_seam else name1 + name2
