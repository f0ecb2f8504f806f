"""Learning the match model from the hub's own records, and when to do it again.

The shipped prior (`mdm/default_model.toml`) is set by hand; a model learned
from the hub's records (EM, `mdm.training`) matches its data far better. So
after a file load the hub learns on its own once it holds enough records to
learn from, and again each time it has grown by a factor since the last model
(the data it learned from would otherwise be a small, early sample), then
re-matches everything in batch with the new model. A source system the model
saw little or nothing of counts too: a model learned from the shop's members
alone has never seen a caller known as "林小姐", so once the call center holds
a real share of the hub the model is learned again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cdhub.services.rebuild import RebuildReport, load_parties, rebuild, train
from cdhub.services.setup import load_match_config
from cdhub.settings import Settings
from cdhub.storage.repo import decisions as decisions_repo
from cdhub.storage.repo import source_records as records_repo

_LOCK = 7_211_002  # advisory lock namespace of learning (matching uses 7_211_001)
# A source system holding at least this share of the hub's records, grown the
# learning growth factor since the model learned (from none, say), is due.
SOURCE_SHARE = 0.05


@dataclass(frozen=True, slots=True)
class LearnReport:
    model: str
    records: int
    rebuild: RebuildReport
    trained: bool = True  # False: re-matched with the active model, nothing learned

    def describe(self) -> str:
        learned = (
            f"learned model {self.model} from {self.records} records; " if self.trained else ""
        )
        return (
            f"{learned}matched {self.rebuild.records} records in batch into "
            f"{self.rebuild.clusters} customers"
        )


def learning_due(
    records: Mapping[str, int],
    trained_on: Mapping[str, int] | None,
    min_records: int,
    growth: float,
) -> bool:
    """Whether to learn now.

    Args:
        records: The hub's party records per source system.
        trained_on: Per source system, what the active model learned from; None
            while the prior serves. A key ``""`` holds a total whose sources are
            not known (a model saved before they were kept).
        min_records: Too few records to learn from below this.
        growth: Learn again once the hub, or a source system holding at least
            ``SOURCE_SHARE`` of it, has grown this many times over.
    """
    total = sum(records.values())
    if total < min_records:
        return False
    if trained_on is None or total >= growth * sum(trained_on.values()):
        return True
    if "" in trained_on:
        return False
    return any(
        n >= SOURCE_SHARE * total and n >= growth * trained_on.get(system, 0)
        for system, n in records.items()
    )


async def train_and_rebuild(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, actor: str
) -> LearnReport:
    """Learn m/u from the stored records, then re-match everything with the learned model."""
    report = await _learn(sessions, settings, actor, due=None)
    assert report is not None
    return report


async def learn_if_due(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, actor: str
) -> LearnReport | None:
    """`train_and_rebuild` when `learning_due` says so and settings allow it; else None.

    Several ingest processes may finish at once: on PostgreSQL the first one
    learns under a transaction lock and the others, once it is released, find
    nothing due.
    """
    if not settings.learn_automatically:
        return None
    return await _learn(sessions, settings, actor, _due_check(settings))


async def match_everything(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, actor: str
) -> LearnReport:
    """Re-match every record in batch, learning the model first when it is due.

    What a bulk load (stored without matching) ends with.
    """
    due = _due_check(settings) if settings.learn_automatically else _never
    report = await _learn(sessions, settings, actor, due, rebuild_anyway=True)
    assert report is not None
    return report


_Due = Callable[[Mapping[str, int], Mapping[str, int] | None], bool]


def _due_check(settings: Settings) -> _Due:
    def due(records: Mapping[str, int], trained_on: Mapping[str, int] | None) -> bool:
        return learning_due(records, trained_on, settings.learn_min_records, settings.learn_growth)

    return due


def _never(records: Mapping[str, int], trained_on: Mapping[str, int] | None) -> bool:
    return False


async def _learn(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    actor: str,
    due: _Due | None,
    *,
    rebuild_anyway: bool = False,
) -> LearnReport | None:
    config = await load_match_config(sessions, settings, actor)
    async with sessions() as session, session.begin():
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(text("SELECT pg_advisory_xact_lock(:ns, 0)"), {"ns": _LOCK})
        counts = await records_repo.party_counts(session)
        records = sum(counts.values())
        learn = due is None or due(counts, await decisions_repo.trained_on(session))
        if not (learn or rebuild_anyway):
            return None
        # One read serves both: the same record objects also reuse their cached features.
        loaded = await load_parties(session)
        if learn:
            config = replace(config, model=await train(session, config, loaded=loaded))
        report = await rebuild(session, config, loaded=loaded)
    return LearnReport(config.model.version, records, report, trained=learn)
