"""A small schema shaped like the hub's (Customer, ContactValue, paged lists) for
testing the security extensions without the real resolvers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache

from cdhub.security.guards import security_extensions
from cdhub.security.principal import Principal
from cdhub.settings import Settings


@strawberry.type
class ContactValue:
    value: str
    kind: str | None = None


@strawberry.type
class Customer:
    golden_id: int
    kind: str
    name: str | None
    primary_phone: str | None
    phones: list[ContactValue]

    @strawberry.field
    def friends(self, first: int | None = None, last: int | None = None) -> list[Customer]:
        return [person(self.golden_id + 1 + i) for i in range(min(first or last or 2, 3))]


def person(golden_id: int) -> Customer:
    return Customer(
        golden_id=golden_id,
        kind="person",
        name="林嘉欣",
        primary_phone="+8613912345678",
        phones=[ContactValue(value="+8613912345678", kind="mobile")],
    )


@strawberry.type
class Query:
    @strawberry.field
    def customer(self, id: int) -> Customer:
        return person(id)

    @strawberry.field
    def customers(self, first: int | None = None, last: int | None = None) -> list[Customer]:
        return [person(i) for i in range(min(first or last or 20, 3))]

    @strawberry.field
    def nodes(self, ids: list[int]) -> list[Customer]:
        return [person(i) for i in ids]

    @strawberry.field
    def aggregate(self) -> int:
        return 1

    @strawberry.field
    def hub(self) -> int:  # named like a real root field so the policy lets it run
        raise RuntimeError('relation "golden_customers" SELECT * FROM secrets WHERE 1=1')

    @strawberry.field
    async def orders(self) -> Customer:  # slow
        await asyncio.sleep(0.2)
        return person(1)


@strawberry.type
class Mutation:
    @strawberry.mutation
    def update_contact(self, id: int) -> Customer:
        return person(id)

    @strawberry.mutation
    def merge_customers(self, first: int, second: int) -> Customer:
        return person(first)


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def customer_changed(self, id: int) -> AsyncGenerator[Customer, None]:
        yield person(id)


@dataclass
class Context:
    principal: Principal | None
    hub: Any = None


def build(settings: Settings) -> strawberry.Schema:
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: ParserCache(maxsize=64),
        lambda: ValidationCache(maxsize=64),
    ]
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[*extensions, *security_extensions(settings)],
    )
