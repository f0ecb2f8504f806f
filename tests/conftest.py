"""Shared fixtures: a clean, migrated database per test (SQLite always, PostgreSQL
when CDHUB_TEST_DATABASE_URL is set) and a clean Redis DB when CDHUB_TEST_REDIS_URL is."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
import redis

from cdhub.settings import Settings, load_settings
from cdhub.state import HubState
from cdhub.storage.engine import create_engine
from cdhub.storage.migrate import upgrade

PG_URL = os.environ.get("CDHUB_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("CDHUB_TEST_REDIS_URL")
NO_PG = "CDHUB_TEST_DATABASE_URL is not set: PostgreSQL tests skipped"
NO_REDIS = "CDHUB_TEST_REDIS_URL is not set: Redis tests skipped"


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _with_database(url: str, name: str) -> str:
    base = url.rsplit("/", 1)[0]
    return f"{base}/{name}"


async def _migrate(url: str) -> None:
    engine = create_engine(load_settings(database_url=url))
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def _admin(sql: str) -> None:
    assert PG_URL is not None
    connection = await asyncpg.connect(_asyncpg_dsn(PG_URL))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    if PG_URL is None:
        pytest.skip(NO_PG)
    name = f"cdhub_tpl_{os.getpid()}"
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}"'))
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    asyncio.run(_migrate(_with_database(PG_URL, name)))
    yield name
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "cdhub.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def postgres_url(postgres_template: str) -> Iterator[str]:
    assert PG_URL is not None
    name = f"cdhub_t_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"'))
    yield _with_database(PG_URL, name)
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """A clean migrated database; every test using it runs on SQLite and PostgreSQL."""
    if request.param == "postgres":
        if PG_URL is None:
            pytest.skip(NO_PG)
        return str(request.getfixturevalue("postgres_url"))
    return str(request.getfixturevalue("sqlite_url"))


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A real Redis database index of its own, flushed before and after the test."""
    if REDIS_URL is None:
        pytest.skip(NO_REDIS)
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings(database_url=database_url, redis_url=None)


@pytest.fixture
async def hub(settings: Settings) -> AsyncIterator[HubState]:
    state = HubState.open(settings)
    try:
        yield state
    finally:
        await state.close()
