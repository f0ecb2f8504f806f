"""What the hub's own write services (contacts, tickets, loyalty) share: their error
type and the lock on the customer a write is for."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.services.stewardship import StewardError
from cdhub.storage.repo import locks


class WriteError(StewardError):
    """A write that cannot be done; ``code`` as for `StewardError`, ``detail`` for the client
    (``argument`` names the offending input field)."""

    def __init__(self, code: str, message: str, **detail: Any) -> None:
        super().__init__(code, message)
        self.detail = detail


def checked_text(
    value: str | None, field: str, limit: int, *, required: bool = False
) -> str | None:
    """``value`` trimmed (None when blank); BAD_USER_INPUT when too long or required and blank."""
    if value is None or not value.strip():
        if required:
            raise WriteError("BAD_USER_INPUT", f"{field} must not be empty", argument=field)
        return None
    value = value.strip()
    if len(value) > limit:
        raise WriteError(
            "BAD_USER_INPUT", f"{field} is longer than {limit} characters", argument=field
        )
    return value


async def lock_customer(session: AsyncSession, golden_id: int) -> int:
    """The surviving id of ``golden_id``, locked until commit (see `locks.lock_golden`).

    Writes that read before they decide (a redemption reads the balance) lock
    first, so two of them on one customer run one after the other.

    Raises:
        WriteError: NOT_FOUND for an unknown id, CONFLICT for an erased customer.
    """
    found = await locks.lock_surviving(session, golden_id)
    if found is None:
        raise WriteError("NOT_FOUND", f"no customer has the id {golden_id}", id=golden_id)
    target, status = found
    if status != "active":
        raise WriteError("CONFLICT", f"customer {golden_id} is {status}", id=golden_id)
    return target
