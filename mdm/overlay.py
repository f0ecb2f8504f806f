"""Partial updates: lay the fields an event carries over the stored record."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from mdm.records import PartyRecord

_MULTI = ("phones", "emails", "identifiers", "addresses", "names")


def overlay(stored: PartyRecord, update: PartyRecord) -> PartyRecord:
    """Return ``stored`` with every non-empty field of ``update`` laid over it.

    Single values are replaced when the update has one; multi-valued fields
    (phones, emails, identifiers, addresses, names) gain the update's values
    without losing the stored ones, so a WeChat ``phone_bound`` event adds a
    phone and an ``unsubscribe`` event changes only the subscription.

    Example:
        >>> overlay(follower, unsubscribed).subscribed
        False
    """
    changes: dict[str, Any] = {}
    for field in fields(PartyRecord):
        name = field.name
        if name in ("source_system", "source_key"):
            continue
        new = getattr(update, name)
        if name in _MULTI:
            old = getattr(stored, name)
            merged = tuple(dict.fromkeys((*old, *new)))
            if merged != old:
                changes[name] = merged
        elif name == "extra":
            if new:
                changes[name] = {**stored.extra, **new}
        elif name == "kind":
            continue
        elif new is not None:
            changes[name] = new
    return replace(stored, **changes) if changes else stored
