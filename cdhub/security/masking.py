"""Masking of personal data for callers that may not see it in full.

``bi`` callers always get masked values; ``partner`` callers too unless their
key carries the ``pii`` grant. Masks keep just enough to recognise a value
on the phone with its owner: ``139****5678``, ``310104********1234``,
``l***@example.com``, ``林**``. Organisation names are not personal data and
stay as they are.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from cdhub.security.principal import PII_GRANT, Principal, Role

STARS = "****"
_DIGIT = re.compile(r"\d")


def masks_personal_data(principal: Principal | None) -> bool:
    """True when ``principal`` must see personal data masked (and for no principal at all)."""
    if principal is None:
        return True
    if principal.role is Role.BI:
        return True
    if principal.role is Role.PARTNER:
        return not principal.has(PII_GRANT)
    return False


def mask_phone(value: str | None) -> str | None:
    """``13912345678`` -> ``139****5678``; ``+8613912345678`` -> ``+86139****5678``.

    The first three and last four digits of the national number stay; spaces
    and dashes stay where they were. Short numbers keep only their last two digits.
    """
    if not value:
        return value
    prefix, rest = ("+86", value[3:]) if value.startswith("+86") else ("", value)
    digits = [m.start() for m in _DIGIT.finditer(rest)]
    if len(digits) >= 8:
        keep = set(digits[:3] + digits[-4:])
    else:
        keep = set(digits[-2:])
    masked = "".join(
        "*" if index in digits and index not in keep else char for index, char in enumerate(rest)
    )
    return prefix + masked


def mask_resident_id(value: str | None) -> str | None:
    """``310104199001011234`` -> ``310104********1234`` (region code and last four stay)."""
    if not value:
        return value
    if len(value) >= 12:
        return value[:6] + "*" * (len(value) - 10) + value[-4:]
    return "*" * (len(value) - 2) + value[-2:]


def mask_email(value: str | None) -> str | None:
    """``lin.jiaxin@example.com`` -> ``l***@example.com``."""
    if not value:
        return value
    local, at, domain = value.partition("@")
    if not at:
        return mask_generic(value)
    return f"{local[:1]}***@{domain}"


def mask_name(value: str | None) -> str | None:
    """``林嘉欣`` -> ``林**``; ``Lin Jiaxin`` -> ``L*********`` (first character, then stars)."""
    if not value:
        return value
    text = value.strip()
    if len(text) <= 1:
        return "*"
    return text[0] + "*" * (len(text) - 1)


def mask_pinyin(value: str | None) -> str | None:
    """``lin jia xin`` -> ``lin ** **``: the surname syllable stays."""
    if not value:
        return value
    head, *rest = value.split(" ")
    if not rest:
        return mask_name(value)
    return " ".join([head, *("*" * len(part) for part in rest)])


def mask_generic(value: str | None) -> str | None:
    """Any other identifying text: the first and last character stay."""
    if not value:
        return value
    if len(value) <= 4:
        return "*" * len(value)
    return value[0] + STARS + value[-1]


def mask_address_parts(
    province: str | None, city: str | None, district: str | None, detail: str | None
) -> str:
    """An address down to its district; the street, house and room are masked."""
    area = "".join(part for part in (province, city, district) if part)
    return area + (STARS if detail or not area else "")


def mask_identifier(kind: str | None, value: str | None) -> str | None:
    """By identifier kind: resident IDs and passports keep their ends, credit codes stay
    (they name organisations), account ids keep a first and last character."""
    if kind == "credit_code":
        return value
    if kind in ("resident_id", "passport"):
        return mask_resident_id(value)
    return mask_generic(value)


def mask_contact(value: str | None) -> str | None:
    """A phone number or an e-mail address, told apart by the ``@``."""
    if value and "@" in value:
        return mask_email(value)
    return mask_phone(value)


def mask_attribute(attribute: str, value: str | None) -> str | None:
    """A lineage value, by its survivorship attribute name."""
    if value is None:
        return None
    if attribute in ("person_name", "display_name", "nickname"):
        return mask_name(value)
    if attribute.startswith("phone"):
        return mask_phone(value)
    if attribute.startswith("email"):
        return mask_email(value)
    if attribute.startswith("identifier"):
        kind = attribute.partition(".")[2] or None
        return mask_identifier(kind, value)
    if attribute in ("org_name", "kind", "member_level", "subscribed", "gender"):
        return value
    if attribute.startswith("address"):
        return value[:6] + STARS if len(value) > 6 else STARS
    return mask_generic(value)


def _mask_address_dict(address: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if address is None:
        return None
    masked = dict(address)
    masked["raw"] = mask_address_parts(
        address.get("province"), address.get("city"), address.get("district"), address.get("raw")
    )
    masked["detail"] = STARS if address.get("detail") else None
    return masked


def _mask_values(values: Any, mask: Any) -> list[dict[str, Any]]:
    out = []
    for item in values or ():
        entry = dict(item)
        entry["value"] = mask(entry.get("kind"), entry.get("value"))
        if entry.get("address") is not None:
            entry["address"] = _mask_address_dict(entry["address"])
            address = entry["address"]
            entry["value"] = address["raw"] if address else entry["value"]
        out.append(entry)
    return out


def _mask_golden_view(view: Mapping[str, Any]) -> dict[str, Any]:
    """Mask a ``GoldenView.to_dict()``."""
    masked = copy.deepcopy(dict(view))
    person = masked.get("person_name")
    if isinstance(person, dict):
        for key in ("raw", "full"):
            person[key] = mask_name(person.get(key))
        given = person.get("given")
        person["given"] = "*" * len(given) if given else given
        person["pinyin"] = mask_pinyin(person.get("pinyin"))
        person["initials"] = (person.get("initials") or "")[:1] or None
    if masked.get("kind") != "organisation":
        masked["display_name"] = mask_name(masked.get("display_name"))
    masked["nickname"] = mask_name(masked.get("nickname"))
    masked["birth_date"] = None
    masked["avatar_url"] = None
    masked["primary_phone"] = mask_phone(masked.get("primary_phone"))
    masked["primary_email"] = mask_email(masked.get("primary_email"))
    masked["primary_address"] = _mask_address_dict(masked.get("primary_address"))
    masked["phones"] = _mask_values(masked.get("phones"), lambda _k, v: mask_phone(v))
    masked["emails"] = _mask_values(masked.get("emails"), lambda _k, v: mask_email(v))
    masked["addresses"] = _mask_values(masked.get("addresses"), lambda _k, v: v)
    masked["identifiers"] = _mask_values(masked.get("identifiers"), mask_identifier)
    masked["identifier_evidence"] = _mask_values(masked.get("identifier_evidence"), mask_identifier)
    masked["lineage"] = [
        {**entry, "value": mask_attribute(str(entry.get("attribute")), entry.get("value"))}
        for entry in masked.get("lineage") or ()
    ]
    return masked


def mask_view(view: Mapping[str, Any], principal: Principal | None) -> dict[str, Any]:
    """``view`` as ``principal`` may see it: a masked copy, or a plain copy when it may
    see everything.

    Takes a customer record dict (``CustomerRecord.to_dict()``: the golden
    columns plus the assembled ``view``) or a bare ``GoldenView.to_dict()``.
    """
    if not masks_personal_data(principal):
        return dict(view)
    if "view" not in view:
        return _mask_golden_view(view)
    masked = dict(view)
    organisation = view.get("kind") == "organisation"
    if not organisation:
        masked["display_name"] = mask_name(view.get("display_name"))
        masked["name_pinyin"] = mask_pinyin(view.get("name_pinyin"))
    masked["primary_phone"] = mask_phone(view.get("primary_phone"))
    masked["primary_email"] = mask_email(view.get("primary_email"))
    masked["view"] = _mask_golden_view(view.get("view") or {})
    return masked
