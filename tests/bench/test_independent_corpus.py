"""The independent corpus comes out in the shapes of the formats contract, with a sound truth."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from bench.independent_corpus import (
    ENCODINGS,
    generate,
    resident_id_valid,
    uscc_check,
    uscc_valid,
)

# the headers exactly as /work/shared/formats/README.md writes them
HEADERS = {
    "callcenter.csv": "call_id,caller_number,customer_name,started_at,duration_s,agent_id,"
    "category,summary,ticket_no,ticket_status,order_no,batch_no,satisfaction",
    "erp_customers.csv": "KUNNR,KTOKD,NAME1,NAME2,STCD5,TELF1,SMTP_ADDR,LAND1,REGIO,ORT01,ORT02,"
    "STRAS,PSTLZ,ERDAT",
    "erp_orders.csv": "VBELN,POSNR,KUNNR,ERDAT,NETWR,WAERK,MATNR,ARKTX,KWMENG,CHARG,BSTKD",
    "erp_deliveries.csv": "VBELN_DEL,VBELN,CARRIER,TRACKING_NO,SHIPPED_AT",
    "truth.csv": "source_system,source_key,entity_id",
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    generate(out, people=30, seed=7)
    return out


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding=ENCODINGS.get(path.name, "utf-8"), newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def _jsonl(path: Path) -> tuple[list[dict[str, object]], int]:
    objs, junk = [], 0
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            junk += 1
            continue
        assert isinstance(obj, dict)
        objs.append(obj)
    return objs, junk


def _party_keys(corpus: Path) -> set[tuple[str, str]]:
    keys: set[tuple[str, str]] = set()
    shop, _ = _jsonl(corpus / "shop.jsonl")
    for o in shop:
        assert o["type"] in ("member", "order")
        if o["type"] == "member" and isinstance(o.get("member_id"), str):
            keys.add(("shop", o["member_id"]))
        elif o["type"] == "order" and not o.get("member_id"):
            assert isinstance(o["tid"], str)
            keys.add(("shop", o["tid"]))
    wechat, _ = _jsonl(corpus / "wechat.jsonl")
    for o in wechat:
        assert o["event"] in ("user_info", "phone_bound", "unsubscribe")
        if o["event"] != "unsubscribe" and isinstance(o.get("openid"), str):
            keys.add(("wechat", o["openid"]))
    for name, system, key in (("callcenter.csv", "callcenter", "call_id"),
                              ("erp_customers.csv", "erp", "KUNNR")):  # fmt: skip
        for row in _rows(corpus / name)[1]:
            if row[key]:
                keys.add((system, row[key]))
    return keys


def test_files_have_the_contract_shapes(corpus: Path) -> None:
    for name, header in HEADERS.items():
        fields, rows = _rows(corpus / name)
        assert ",".join(fields) == header, name
        assert rows, name
        assert all(None not in row for row in rows), f"{name}: a row longer than its header"
    shop, shop_junk = _jsonl(corpus / "shop.jsonl")
    wechat, wechat_junk = _jsonl(corpus / "wechat.jsonl")
    assert shop_junk >= 1  # quarantine is exercised
    assert wechat_junk >= 1
    members = [o for o in shop if o["type"] == "member"]
    orders = [o for o in shop if o["type"] == "order"]
    assert members
    assert any(o.get("member_id") for o in orders)
    assert any(not o.get("member_id") for o in orders)  # guest orders
    assert all(isinstance(o["subscribe_time"], int) for o in wechat if "subscribe_time" in o)
    assert {o["event"] for o in wechat} == {"user_info", "phone_bound", "unsubscribe"}
    customers = _rows(corpus / "erp_customers.csv")[1]
    assert {r["KTOKD"] for r in customers} == {"Z001", "Z002"}
    assert all(
        len(r["KUNNR"]) == 10 and r["KUNNR"].startswith("0") for r in customers if r["KUNNR"]
    )


def test_truth_is_unique_and_covers_every_party_record(corpus: Path) -> None:
    _, truth = _rows(corpus / "truth.csv")
    keys = [(r["source_system"], r["source_key"]) for r in truth]
    assert len(keys) == len(set(keys))
    assert _party_keys(corpus) == set(keys)
    assert {r["entity_id"][0] for r in truth} == {"P", "O"}


def test_identifiers_pass_their_checksums(corpus: Path) -> None:
    rows = [r for r in _rows(corpus / "erp_customers.csv")[1] if r["STCD5"].strip()]
    organisations = [r["STCD5"] for r in rows if r["KTOKD"] == "Z001"]
    persons = [r["STCD5"] for r in rows if r["KTOKD"] == "Z002"]
    assert organisations
    assert all(uscc_valid(code) for code in organisations), organisations
    assert all(resident_id_valid(number) for number in persons), persons
    # the checksum functions themselves, on published examples
    assert uscc_check("91350100M000100Y4") == "3"
    assert resident_id_valid("11010519491231002X")
    assert not resident_id_valid("110105194912310021")
