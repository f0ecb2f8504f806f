"""Traces of one person in stored text: what to look for and how to wipe it.

Erasure removes a person's structured data by key; copies of it also sit in
free text and JSON blobs (quarantined payloads, stored responses, event
notes). `Traces` holds the values that identify the person, gathered from
their records, and tells whether a text carries any of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ERASED = "[erased]"
_NON_DIGIT = re.compile(r"\D")
MIN_PHONE_DIGITS = 7
MIN_STRONG = 6  # shorter values (a member level, "F") identify nobody


def national_number(phone: str) -> str | None:
    """The digits that identify a phone in any spelling (``+86 139-1234-5678`` and
    ``13912345678`` both give ``13912345678``); None for too few digits."""
    digits = _NON_DIGIT.sub("", phone)
    if phone.strip().startswith(("+86", "0086")) or (len(digits) == 13 and digits[:2] == "86"):
        digits = digits[2:] if not digits.startswith("0086") else digits[4:]
    digits = digits.lstrip("0")  # trunk prefix of landlines: 021-6234... -> 216234...
    return digits if len(digits) >= MIN_PHONE_DIGITS else None


@dataclass
class Traces:
    phones: set[str] = field(default_factory=set)  # national numbers, digits only
    strong: set[str] = field(default_factory=set)  # e-mails, identifiers (lower case)
    names: set[str] = field(default_factory=set)  # full names, nicknames

    def add_phone(self, value: str | None) -> None:
        number = national_number(value) if value else None
        if number:
            self.phones.add(number)

    def add_strong(self, value: str | None) -> None:
        if value and len(value.strip()) >= MIN_STRONG:
            self.strong.add(value.strip().lower())

    def add_name(self, value: str | None) -> None:
        if value and len(value.strip()) >= 2:
            self.names.add(value.strip())

    def add_party(self, attributes: Mapping[str, Any]) -> None:
        """The identifying values of a stored party record (``party_to_dict`` form)."""
        for phone in attributes.get("phones") or ():
            self.add_phone(phone.get("e164"))
            self.add_phone(phone.get("raw"))
        for email in attributes.get("emails") or ():
            self.add_strong(email.get("value"))
            self.add_strong(email.get("raw"))
        for identifier in attributes.get("identifiers") or ():
            self.add_strong(identifier.get("value"))
            self.add_strong(identifier.get("raw"))
        for name in attributes.get("names") or ():
            self.add_name(name.get("full"))
            self.add_name(name.get("raw"))
        self.add_name(attributes.get("nickname"))
        for key, value in (attributes.get("extra") or {}).items():
            if not isinstance(value, str):
                continue
            if "mobile" in key or "phone" in key:
                self.add_phone(value)
            elif "name" in key:
                self.add_name(value)

    def add_view(self, view: Mapping[str, Any]) -> None:
        """The identifying values of a golden view (``GoldenView.to_dict()``)."""
        for phone in view.get("phones") or ():
            self.add_phone(phone.get("value"))
        for kind in ("emails", "identifiers", "identifier_evidence"):
            for item in view.get(kind) or ():
                self.add_strong(item.get("value"))
        person = view.get("person_name") or {}
        self.add_name(person.get("full"))
        self.add_name(person.get("raw"))
        if view.get("kind") != "organisation":
            self.add_name(view.get("display_name"))
        self.add_name(view.get("nickname"))

    def add_identity(self, kind: str, value: str) -> None:
        if kind == "phone":
            self.add_phone(value)
        else:
            self.add_strong(value)

    def identifies(self, text: str | None) -> bool:
        """Whether ``text`` carries a phone, e-mail or identifier of the person
        (names alone are too common to pick out someone else's row by)."""
        if not text:
            return False
        low = text.lower()
        if any(value in low for value in self.strong):
            return True
        digits = _NON_DIGIT.sub("", text)
        return any(number in digits for number in self.phones)

    def mentions(self, text: str | None) -> bool:
        """`identifies`, or the text holds one of the person's names."""
        return self.identifies(text) or bool(text and any(n in text for n in self.names))

    def phone_patterns(self) -> list[str]:
        """LIKE patterns for the phones, to find candidate rows in SQL before checking."""
        return [f"%{number}%" for number in sorted(self.phones)]

    def strong_patterns(self) -> list[str]:
        return [f"%{value}%" for value in sorted(self.strong)]


def scrub(value: Any, traces: Traces) -> Any:
    """``value`` (JSON-like) with every string that mentions the person replaced."""
    if isinstance(value, str):
        return ERASED if traces.mentions(value) else value
    if isinstance(value, Mapping):
        return {k: scrub(v, traces) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v, traces) for v in value]
    return value


def key_pattern(keys: Iterable[str]) -> re.Pattern[str] | None:
    """A pattern matching any of the source keys as a whole token."""
    alternatives = sorted({re.escape(k) for k in keys if len(k) >= 4}, key=len, reverse=True)
    if not alternatives:
        return None
    return re.compile(r"(?<![0-9A-Za-z_])(?:" + "|".join(alternatives) + r")(?![0-9A-Za-z_])")
