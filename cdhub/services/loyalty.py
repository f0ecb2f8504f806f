"""Loyalty points moved in the hub: earn, redeem, adjust.

Each movement is a ledger entry naming the golden customer (``golden_id``);
the balance is the sum of the customer's entries from every source. A
redemption (or a negative adjustment) never takes the balance below zero, also
when several arrive at once: the customer's row is locked before the balance
is read, so they are decided one after the other.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.services.hub_writes import WriteError, checked_text, lock_customer
from cdhub.storage.queries import loyalty as loyalty_queries
from cdhub.storage.repo import ledger_writes
from cdhub.storage.repo.ledger_writes import NewEntry

MAX_POINTS = 1_000_000
MAX_NOTE = 2000


class Movement(StrEnum):
    EARN = "earn"
    REDEEM = "redeem"
    ADJUST = "adjust"


@dataclass(frozen=True, slots=True)
class PointsOutcome:
    entry_id: int
    golden_id: int
    points: int  # signed, as booked
    balance: int  # after the entry


def signed_points(movement: Movement, points: int) -> int:
    """The ledger amount of a movement; BAD_USER_INPUT outside the allowed range.

    Earn and redeem take a positive amount (a redemption is booked negative);
    an adjustment is signed and not zero.
    """
    if movement is Movement.ADJUST:
        if points == 0 or abs(points) > MAX_POINTS:
            raise WriteError(
                "BAD_USER_INPUT",
                f"an adjustment is a non-zero amount up to ±{MAX_POINTS}",
                argument="points",
            )
        return points
    if not 1 <= points <= MAX_POINTS:
        raise WriteError("BAD_USER_INPUT", f"points must be 1 to {MAX_POINTS}", argument="points")
    return -points if movement is Movement.REDEEM else points


async def move_points(
    session: AsyncSession,
    actor: str,
    golden_id: int,
    movement: Movement,
    points: int,
    now: datetime,
    *,
    order_no: str | None = None,
    note: str | None = None,
) -> PointsOutcome:
    """Book the movement; CONFLICT (with the balance) when it would overdraw the account."""
    amount = signed_points(movement, points)
    order_no = checked_text(order_no, "orderNo", 100)
    note = checked_text(note, "note", MAX_NOTE, required=movement is Movement.ADJUST)
    target = await lock_customer(session, golden_id)
    balance = (await loyalty_queries.balances(session, [target]))[target]
    if amount < 0 and balance + amount < 0:
        raise WriteError(
            "CONFLICT",
            f"customer {target} has {balance} points; {-amount} cannot be taken",
            balance=balance,
        )
    entry_id = await ledger_writes.add_entry(
        session,
        NewEntry(
            entry_key=f"hub:{uuid.uuid4().hex}",
            golden_id=target,
            kind=movement.value,
            points=amount,
            order_no=order_no,
            note=note,
            actor=actor,
        ),
        now,
    )
    return PointsOutcome(entry_id, target, amount, balance + amount)
