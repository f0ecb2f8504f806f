"""Fixtures for reliability tests: extra databases, and commands run as real processes."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import PG_URL, _admin, _with_database
from tests.reliability.servers import throwaway_postgres, throwaway_redis

__all__ = ["throwaway_postgres", "throwaway_redis"]  # fixtures of throw-away servers

CDHUB = [sys.executable, "-m", "cdhub"]


def _admin_now(sql: str) -> None:
    """Run an admin statement from sync or async test code (in a thread of its own)."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _admin(sql)).result()


@pytest.fixture
def new_database(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[Callable[[str], str]]:
    """A factory of clean migrated databases: ``new_database("postgres")`` or ``("sqlite")``."""
    template = request.getfixturevalue("postgres_template") if PG_URL is not None else None
    made: list[str] = []

    def make(backend: str) -> str:
        if backend == "sqlite":
            path = tmp_path / f"db_{uuid.uuid4().hex[:8]}.db"
            shutil.copyfile(sqlite_template, path)
            return f"sqlite+aiosqlite:///{path}"
        if PG_URL is None or template is None:
            pytest.skip("CDHUB_TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
        name = f"cdhub_r_{uuid.uuid4().hex[:12]}"
        _admin_now(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        made.append(name)
        return _with_database(PG_URL, name)

    yield make
    for name in made:
        _admin_now(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cdhub_env(database_url: str, redis_url: str | None = None) -> dict[str, str]:
    """The environment of a `cdhub` child process: only the settings we mean."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDHUB_")}
    # these tests compare ingest runs with each other: no learning and re-matching after a file
    env.update(
        CDHUB_DATABASE_URL=database_url,
        CDHUB_LOG_LEVEL="WARNING",
        CDHUB_LEARN_AUTOMATICALLY="false",
    )
    if redis_url is not None:
        env["CDHUB_REDIS_URL"] = redis_url
    return env


def start_cdhub(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CDHUB, *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_cdhub(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 600) -> str:
    """Run a `cdhub` command to completion; its stdout (fails the test on a non-zero exit)."""
    done = subprocess.run(
        [*CDHUB, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"cdhub {' '.join(args)}: {done.stderr[-3000:]}"
    return done.stdout
