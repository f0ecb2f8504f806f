"""API keys: random, shown once, stored as a SHA-256 with a short prefix to find them.

A key reads ``cdhk_<prefix>_<secret>``: ten hex characters of prefix (unique,
indexed) and 256 random bits of secret. The hub keeps only the SHA-256 of the
whole key; the secret is random enough that a plain hash is as good as a slow
one, and lets every request check its key in one indexed lookup plus a
constant-time comparison.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.security.principal import GRANTS, PII_GRANT, Principal, Role
from cdhub.security.scoping import utc
from cdhub.storage.models import ApiKey, GoldenCustomer, Partner

KEY_MARK = "cdhk_"
PREFIX_LENGTH = 10
_UNUSED_HASH = hashlib.sha256(b"no such key").hexdigest()


class KeyRequestError(ValueError):
    """A key cannot be created or changed as asked (the message says why)."""


@dataclass(frozen=True, slots=True)
class NewKey:
    id: int
    key: str  # shown once, never stored
    prefix: str


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """A stored key without its secret, for listings."""

    id: int
    prefix: str
    name: str
    role: str
    grants: tuple[str, ...]
    partner_code: str | None
    golden_id: int | None
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def generate_key() -> tuple[str, str]:
    """A new ``(prefix, key)``."""
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    return prefix, f"{KEY_MARK}{prefix}_{secrets.token_urlsafe(32)}"


def prefix_of(key: str) -> str | None:
    """The lookup prefix of a well-formed key, else None."""
    end = len(KEY_MARK) + PREFIX_LENGTH
    if not key.startswith(KEY_MARK) or len(key) < end + 20 or key[end] != "_":
        return None
    return key[len(KEY_MARK) : end]


def _check_scope(
    role: Role, partner_code: str | None, golden_id: int | None, grants: Iterable[str]
) -> tuple[str, ...]:
    wanted = tuple(sorted(set(grants)))
    unknown = [g for g in wanted if g not in GRANTS]
    if unknown:
        raise KeyRequestError(f"unknown grant(s): {', '.join(unknown)}")
    if role is Role.PARTNER and partner_code is None:
        raise KeyRequestError("a partner key needs --partner CODE")
    if role is not Role.PARTNER and partner_code is not None:
        raise KeyRequestError("--partner is only for partner keys")
    if role is Role.CUSTOMER and golden_id is None:
        raise KeyRequestError("a customer key needs --customer GOLDEN_ID")
    if role is not Role.CUSTOMER and golden_id is not None:
        raise KeyRequestError("--customer is only for customer keys")
    if PII_GRANT in wanted and role is not Role.PARTNER:
        raise KeyRequestError("the pii grant is only for partner keys (other roles are not masked)")
    return wanted


async def create_key(
    session: AsyncSession,
    role: Role,
    name: str,
    now: datetime,
    *,
    partner_code: str | None = None,
    golden_id: int | None = None,
    grants: Iterable[str] = (),
) -> NewKey:
    """Store a new key for ``role`` (flushes); the plain key is only in the result."""
    checked = _check_scope(role, partner_code, golden_id, grants)
    partner_id = None
    if partner_code is not None:
        partner_id = await session.scalar(select(Partner.id).where(Partner.code == partner_code))
        if partner_id is None:
            raise KeyRequestError(f"no partner has the code {partner_code!r}")
    if golden_id is not None:
        status = await session.scalar(
            select(GoldenCustomer.status).where(GoldenCustomer.id == golden_id)
        )
        if status not in ("active", "merged"):
            raise KeyRequestError(f"no active customer has the id {golden_id}")
    prefix, key = generate_key()
    while await session.scalar(select(ApiKey.id).where(ApiKey.prefix == prefix)) is not None:
        prefix, key = generate_key()
    row = ApiKey(
        prefix=prefix,
        key_hash=hash_key(key),
        name=name,
        role=role.value,
        grants=list(checked),
        partner_id=partner_id,
        golden_id=golden_id,
        created_at=utc(now),
    )
    session.add(row)
    await session.flush()
    return NewKey(id=row.id, key=key, prefix=prefix)


async def list_keys(session: AsyncSession, *, include_revoked: bool = True) -> list[KeyInfo]:
    stmt = (
        select(ApiKey, Partner.code)
        .outerjoin(Partner, Partner.id == ApiKey.partner_id)
        .order_by(ApiKey.id)
    )
    if not include_revoked:
        stmt = stmt.where(ApiKey.revoked_at.is_(None))
    rows = (await session.execute(stmt)).all()
    return [
        KeyInfo(
            id=key.id,
            prefix=key.prefix,
            name=key.name,
            role=key.role,
            grants=tuple(key.grants or ()),
            partner_code=code,
            golden_id=key.golden_id,
            created_at=key.created_at,
            revoked_at=key.revoked_at,
            last_used_at=key.last_used_at,
        )
        for key, code in rows
    ]


async def revoke_key(session: AsyncSession, key_id: int, now: datetime) -> bool:
    """Revoke a key; False when there is no such key or it was revoked already."""
    result = await session.execute(
        update(ApiKey)
        .where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=utc(now))
        .returning(ApiKey.id)
    )
    return result.first() is not None


async def revoke_customer_keys(
    session: AsyncSession, golden_ids: Iterable[int], now: datetime
) -> int:
    """Revoke the self-service keys of customers (on erasure); returns how many."""
    ids = sorted(set(golden_ids))
    if not ids:
        return 0
    result = await session.execute(
        update(ApiKey)
        .where(ApiKey.golden_id.in_(ids), ApiKey.revoked_at.is_(None))
        .values(revoked_at=utc(now))
        .returning(ApiKey.id)
    )
    return len(result.all())


async def principal_for_key(session: AsyncSession, key: str) -> Principal | None:
    """The principal of a valid, unrevoked key; None otherwise (the same work either way)."""
    prefix = prefix_of(key)
    row = None
    if prefix is not None:
        row = await session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    presented = hash_key(key)
    stored = row.key_hash if row is not None else _UNUSED_HASH
    if not hmac.compare_digest(presented, stored) or row is None or row.revoked_at is not None:
        return None
    try:
        role = Role(row.role)
    except ValueError:
        return None
    return Principal(
        role=role,
        name=row.name,
        key_id=row.id,
        partner_id=row.partner_id,
        customer_id=row.golden_id,
        grants=frozenset(row.grants or ()),
    )


async def mark_used(session: AsyncSession, key_id: int, now: datetime) -> None:
    await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=utc(now)))
