"""The PostgreSQL pool: no ping round trips, and connections the server closed are replaced."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text

from cdhub.settings import load_settings
from cdhub.storage.engine import create_engine

pytestmark = pytest.mark.postgres


async def test_a_pooled_connection_the_server_closed_is_replaced_before_use(
    postgres_url: str,
) -> None:
    engine = create_engine(load_settings(database_url=postgres_url))
    try:
        async with engine.connect() as connection:
            pid = await connection.scalar(text("SELECT pg_backend_pid()"))
            driver: Any = (await connection.get_raw_connection()).driver_connection
        # A restart or an idle timeout, in small: the server ends the pooled connection.
        admin = await asyncpg.connect(postgres_url.replace("+asyncpg", "", 1))
        try:
            await admin.execute("SELECT pg_terminate_backend($1)", pid)
        finally:
            await admin.close()
        for _ in range(500):
            if driver.is_closed():
                break
            await asyncio.sleep(0.01)
        assert driver.is_closed()
        async with engine.connect() as connection:
            replaced = await connection.scalar(text("SELECT pg_backend_pid()"))
        assert replaced != pid
    finally:
        await engine.dispose()


async def test_taking_a_connection_from_the_pool_sends_nothing_to_the_server(
    postgres_url: str,
) -> None:
    engine = create_engine(load_settings(database_url=postgres_url))
    sent: list[str] = []
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            driver: Any = (await connection.get_raw_connection()).driver_connection
        driver.add_query_logger(lambda record: sent.append(record.query))
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            assert (await connection.get_raw_connection()).driver_connection is driver
        assert sent == []  # a pre-ping would have sent BEGIN and ROLLBACK around its own
    finally:
        await engine.dispose()
