"""Builds the matching configuration from settings files and the stored model."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cdhub.services.matching import MatchConfig, MatchService
from cdhub.settings import Settings
from cdhub.storage.repo import decisions as decisions_repo
from mdm.model import check_model, load_default_model, model_from_dict
from mdm.settings import MatchSettings, default_settings, settings_from_json
from mdm.survivorship import load_policy

log = logging.getLogger("cdhub.matching")


def match_settings(path: Path | None) -> MatchSettings:
    if path is None:
        return default_settings()
    return settings_from_json(path.read_text(encoding="utf-8"))


async def load_match_config(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, actor: str = "system"
) -> MatchConfig:
    """The active trained model when there is one, else the shipped prior model."""
    async with sessions() as session:
        stored = await decisions_repo.active_model(session)
    match = match_settings(settings.match_settings_file)
    model = model_from_dict(stored) if stored else load_default_model()
    problems = check_model(model, match)
    if stored and problems:
        # settings changed since training (an upgrade): the prior fits until retrained
        log.warning("active model unfit for the match settings, using the prior: %s", problems)
        model = load_default_model()
    return MatchConfig(
        settings=match,
        model=model,
        policy=load_policy(settings.survivorship_file),
        actor=actor,
    )


async def load_match_service(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, actor: str = "system"
) -> MatchService:
    return MatchService(await load_match_config(sessions, settings, actor))
