from __future__ import annotations

import pytest

from cdhub.settings import Environment, SettingsError, load_settings


def test_defaults_are_the_embedded_sqlite_file_without_redis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("CDHUB_DATABASE_URL", "CDHUB_REDIS_URL", "CDHUB_ENV"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(_env_file=None)
    assert settings.database_url == "sqlite+aiosqlite:///./cdhub.db"
    assert settings.redis_url is None
    assert settings.env is Environment.DEV


def test_plain_postgres_url_is_mapped_to_the_async_driver() -> None:
    settings = load_settings(database_url="postgresql://u@db/cdhub")
    assert settings.database_url == "postgresql+asyncpg://u@db/cdhub"
    assert not settings.is_sqlite


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("CDHUB_DATABASE_URL", "mysql://x/y", "CDHUB_DATABASE_URL"),
        ("CDHUB_REDIS_URL", "http://cache", "CDHUB_REDIS_URL"),
        ("CDHUB_ENV", "staging", "CDHUB_ENV"),
        ("CDHUB_PORT", "99999", "CDHUB_PORT"),
    ],
)
def test_invalid_setting_fails_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=named):
        load_settings()


def test_empty_redis_url_means_no_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDHUB_REDIS_URL", "")
    assert load_settings().redis_url is None
