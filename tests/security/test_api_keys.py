from __future__ import annotations

import pytest
from sqlalchemy import select

from cdhub.security import api_keys
from cdhub.security.api_keys import KeyRequestError, prefix_of
from cdhub.security.partners import create_partner
from cdhub.security.principal import Role
from cdhub.state import HubState
from cdhub.storage.models import ApiKey
from tests.security.conftest import NOW, add_golden


def test_keys_are_random_and_carry_their_prefix() -> None:
    prefix, key = api_keys.generate_key()
    other_prefix, other = api_keys.generate_key()
    assert key != other
    assert prefix != other_prefix
    assert prefix_of(key) == prefix
    assert prefix_of("cdhk_short") is None
    assert prefix_of("Bearer nonsense") is None


async def test_only_the_hash_is_stored_and_the_key_finds_its_principal(hub: HubState) -> None:
    async with hub.sessions() as session, session.begin():
        created = await api_keys.create_key(session, Role.CHANNEL, "shop-app", NOW)
    async with hub.sessions() as session:
        row = (await session.execute(select(ApiKey))).scalar_one()
        assert row.key_hash == api_keys.hash_key(created.key)
        assert created.key not in repr(row.__dict__)
        principal = await api_keys.principal_for_key(session, created.key)
    assert principal is not None
    assert (principal.role, principal.name, principal.key_id) == (Role.CHANNEL, "shop-app", row.id)


async def test_a_wrong_or_revoked_key_finds_nobody(hub: HubState) -> None:
    async with hub.sessions() as session, session.begin():
        created = await api_keys.create_key(session, Role.BI, "report", NOW)
    tampered = created.key[:-3] + ("aaa" if not created.key.endswith("aaa") else "bbb")
    async with hub.sessions() as session:
        assert await api_keys.principal_for_key(session, tampered) is None
    async with hub.sessions() as session, session.begin():
        assert await api_keys.revoke_key(session, created.id, NOW)
        assert not await api_keys.revoke_key(session, created.id, NOW)
    async with hub.sessions() as session:
        assert await api_keys.principal_for_key(session, created.key) is None
        listed = await api_keys.list_keys(session)
    assert listed[0].revoked_at is not None


async def test_partner_and_customer_keys_carry_their_scope(hub: HubState) -> None:
    async with hub.sessions() as session, session.begin():
        await create_partner(session, "D001", "华东经销", "dealer", NOW)
        golden = await add_golden(session)
        partner = await api_keys.create_key(
            session, Role.PARTNER, "d001", NOW, partner_code="D001", grants=["pii"]
        )
        customer = await api_keys.create_key(session, Role.CUSTOMER, "app", NOW, golden_id=golden)
    async with hub.sessions() as session:
        p = await api_keys.principal_for_key(session, partner.key)
        c = await api_keys.principal_for_key(session, customer.key)
        listed = await api_keys.list_keys(session)
    assert p is not None
    assert p.partner_id is not None
    assert p.grants == frozenset({"pii"})
    assert c is not None
    assert c.customer_id == golden
    assert [k.partner_code for k in listed] == ["D001", None]


@pytest.mark.parametrize(
    ("role", "kwargs", "message"),
    [
        (Role.PARTNER, {}, "needs --partner"),
        (Role.CHANNEL, {"partner_code": "D001"}, "only for partner"),
        (Role.CUSTOMER, {}, "needs --customer"),
        (Role.BI, {"grants": ["pii"]}, "only for partner"),
        (Role.BI, {"grants": ["root"]}, "unknown grant"),
        (Role.PARTNER, {"partner_code": "NOPE"}, "no partner"),
        (Role.CUSTOMER, {"golden_id": 999_999}, "no active customer"),
    ],
)
async def test_keys_with_a_wrong_scope_are_refused(
    hub: HubState, role: Role, kwargs: dict[str, object], message: str
) -> None:
    async with hub.sessions() as session:
        with pytest.raises(KeyRequestError, match=message):
            await api_keys.create_key(session, role, "k", NOW, **kwargs)  # type: ignore[arg-type]
