"""Settings from the environment (``CDHUB_*``) and an optional ``.env`` file."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    DEV = "dev"
    PROD = "prod"


_DRIVERS = ("sqlite+aiosqlite://", "postgresql+asyncpg://")


class Settings(BaseSettings):
    """Everything the hub needs to start; passed explicitly, never a global."""

    model_config = SettingsConfigDict(
        env_prefix="CDHUB_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite+aiosqlite:///./cdhub.db"
    redis_url: str | None = None
    env: Environment = Environment.DEV
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8000
    db_pool_size: Annotated[int, Field(ge=1, le=200)] = 10
    db_statement_timeout_ms: Annotated[int, Field(ge=0)] = 15_000
    log_level: str = "INFO"
    # Webhook secrets per source system: CDHUB_WEBHOOK_SECRETS='{"shop": "..."}'
    webhook_secrets: dict[str, SecretStr] = Field(default_factory=dict)
    wechat_token: SecretStr | None = None
    survivorship_file: Path | None = None
    match_settings_file: Path | None = None
    # After `cdhub ingest`, learn the model from the data once the hub holds
    # `learn_min_records` party records, and again whenever it, or a source
    # system holding a real share of it, has grown `learn_growth`-fold since
    # (cdhub/services/learning.py).
    learn_automatically: bool = True
    learn_min_records: Annotated[int, Field(ge=2)] = 100
    learn_growth: Annotated[float, Field(gt=1.0)] = 2.0
    # A file load of at least `bulk_min_records` lines that at least doubles the hub
    # stores first and matches once in batch (cdhub/services/loading.py): matching
    # each record in real time would be redone by the rebuild that learning runs.
    bulk_min_records: Annotated[int, Field(ge=1)] = 1000
    cache_ttl_s: Annotated[int, Field(ge=0)] = 300
    # How long a mutation's idempotency key answers a retry; older keys are pruned.
    idempotency_keys_kept_days: Annotated[int, Field(ge=1)] = 30
    max_page_size: Annotated[int, Field(ge=1, le=1000)] = 100

    # Access control (docs/security.md). JWTs are accepted only when a key is set.
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_algorithm: Literal["HS256", "RS256"] = "HS256"
    # HS256: the shared secret; RS256: the issuer's public key (PEM), or a file holding it.
    jwt_key: SecretStr | None = None
    jwt_key_file: Path | None = None
    # Demo only: requests without credentials act as admin. Refused with CDHUB_ENV=prod.
    allow_anonymous_admin: bool = False

    # Abuse limits.
    rate_limit_per_minute: Annotated[int, Field(ge=0)] = 600  # per key; 0 turns it off
    max_body_bytes: Annotated[int, Field(ge=1024)] = 262_144
    max_query_depth: Annotated[int, Field(ge=1, le=100)] = 10
    max_aliases: Annotated[int, Field(ge=0)] = 20
    max_tokens: Annotated[int, Field(ge=10)] = 2_000
    max_query_cost: Annotated[int, Field(ge=1)] = 5_000
    request_time_limit_s: Annotated[float, Field(gt=0)] = 10.0
    trusted_documents_file: Path | None = None
    # Accept only the documents of the trusted-documents file (meant for prod).
    trusted_documents_only: bool = False

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        # Plain postgresql:// is what operators paste; we run async, so map it.
        if value.startswith(("postgresql://", "postgres://")):
            value = "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite:///"):
            value = "sqlite+aiosqlite:///" + value.removeprefix("sqlite:///")
        if not value.startswith(_DRIVERS):
            raise ValueError(f"must start with one of {', '.join(_DRIVERS)} (got {value!r})")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"must be a redis:// or rediss:// URL (got {value!r})")
        return value

    @field_validator("allow_anonymous_admin")
    @classmethod
    def _never_anonymous_in_prod(cls, value: bool, info: ValidationInfo) -> bool:
        if value and info.data.get("env") is Environment.PROD:
            raise ValueError(
                "anonymous admin is for the dev demo only; unset it with CDHUB_ENV=prod"
            )
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def is_prod(self) -> bool:
        return self.env is Environment.PROD


class SettingsError(RuntimeError):
    """Raised with a message that names each offending ``CDHUB_*`` variable."""


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, turning validation errors into one clear message."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]) or "?"
            problems.append(f"CDHUB_{field.upper()}: {error['msg']}")
        raise SettingsError("invalid settings: " + "; ".join(problems)) from None
