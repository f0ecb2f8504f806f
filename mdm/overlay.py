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
    return _lay(stored, update, fill_only=False)


def overlay_in_time(stored: PartyRecord, update: PartyRecord) -> PartyRecord:
    """:func:`overlay`, unless ``update`` is older than ``stored`` (by ``observed_at``).

    An older event (a file delivered again, events out of order) only fills
    what the stored record lacks: a replayed ``user_info`` must not make a
    follower who unsubscribed since look subscribed again, nor make a second
    delivery of the same file a new version.

    Example:
        >>> overlay_in_time(unsubscribed, follower).subscribed  # the follower event is older
        False
    """
    older = (
        update.observed_at is not None
        and stored.observed_at is not None
        and update.observed_at < stored.observed_at
    )
    return _lay(stored, update, fill_only=older)


def _lay(stored: PartyRecord, update: PartyRecord, *, fill_only: bool) -> PartyRecord:
    changes: dict[str, Any] = {}
    for field in fields(PartyRecord):
        name = field.name
        if name in ("source_system", "source_key", "kind"):
            continue
        new = getattr(update, name)
        old = getattr(stored, name)
        if name in _MULTI:
            merged = tuple(dict.fromkeys((*old, *new)))
            if merged != old:
                changes[name] = merged
        elif name == "extra":
            if new:
                extra = {**new, **old} if fill_only else {**old, **new}
                if extra != old:
                    changes[name] = extra
        elif new is not None and (old is None or not fill_only):
            changes[name] = new
    return replace(stored, **changes) if changes else stored
