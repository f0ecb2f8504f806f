"""A re-delivered record of an erased person is held for review instead of recreating them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from cdhub.security.erasure import erase_customer
from cdhub.state import HubState
from tests.services.helpers import golden_of, ingest, scalar


async def test_redelivery_of_an_erased_record_is_quarantined(hub: HubState, tmp_path: Path) -> None:
    path = tmp_path / "member.jsonl"
    path.write_text(
        json.dumps(
            {"type": "member", "member_id": "E1", "name": "林嘉欣", "mobile": "13912345678"},
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    await ingest(hub, "shop", path)
    golden = await golden_of(hub, "shop", "E1")
    assert golden is not None
    async with hub.sessions() as session, session.begin():
        await erase_customer(session, golden, "dpo@test", datetime.now(UTC))
    summary = await ingest(hub, "shop", path)
    assert summary.rejected == 1
    assert summary.reasons["erased_subject"] == 1
    assert summary.created == summary.updated == 0
    held = await scalar(hub, "SELECT count(*) FROM quarantine WHERE reason = 'erased_subject'")
    assert held == 1
    names = await scalar(
        hub, "SELECT count(*) FROM golden_customers WHERE display_name = :n", n="林嘉欣"
    )
    assert names == 0
