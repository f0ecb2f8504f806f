"""The demo generator writes the contract's shapes, a complete truth, and its traps."""

from __future__ import annotations

import ast
import csv
import hashlib
import json
import os
import re
import subprocess
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cdhub.demo import DemoFiles, generate_demo
from cdhub.demo.codes import is_valid_credit_code, is_valid_resident_id
from cdhub.demo.world import build_world

CALL_HEADER = [
    "call_id", "caller_number", "customer_name", "started_at", "duration_s", "agent_id",
    "category", "summary", "ticket_no", "ticket_status", "order_no", "batch_no", "satisfaction",
]  # fmt: skip
CUSTOMER_HEADER = [
    "KUNNR", "KTOKD", "NAME1", "NAME2", "STCD5", "TELF1", "SMTP_ADDR", "LAND1", "REGIO",
    "ORT01", "ORT02", "STRAS", "PSTLZ", "ERDAT",
]  # fmt: skip
ORDER_HEADER = [
    "VBELN", "POSNR", "KUNNR", "ERDAT", "NETWR", "WAERK", "MATNR", "ARKTX", "KWMENG", "CHARG",
    "BSTKD",
]  # fmt: skip
DELIVERY_HEADER = ["VBELN_DEL", "VBELN", "CARRIER", "TRACKING_NO", "SHIPPED_AT"]
TRUTH_HEADER = ["source_system", "source_key", "entity_id"]

MEMBER_FIELDS = {
    "type", "member_id", "nickname", "name", "mobile", "email", "gender", "birthday", "unionid",
    "level", "registered_at", "address",
}  # fmt: skip
ORDER_FIELDS = {
    "type", "tid", "member_id", "buyer_mobile", "created", "pay_time", "status", "payment",
    "receiver", "items", "logistics", "points_earned",
}  # fmt: skip
USER_INFO_FIELDS = {
    "event", "openid", "unionid", "nickname", "sex", "language", "city", "province", "country",
    "headimgurl", "subscribe", "subscribe_time", "remark", "tagid_list",
}  # fmt: skip
PHONE_BOUND_FIELDS = {
    "event", "openid", "unionid", "phoneNumber", "purePhoneNumber", "countryCode", "bound_at",
}  # fmt: skip
ISO_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
LOCAL_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return generate_demo(tmp_path_factory.mktemp("demo"), people=2000, seed=7)


def jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def csv_rows(path: Path, encoding: str = "utf-8") -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def truth_of(files: DemoFiles) -> dict[tuple[str, str], str]:
    _, rows = csv_rows(files.truth)
    return {(r["source_system"], r["source_key"]): r["entity_id"] for r in rows}


def digest(files: DemoFiles) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(files.directory.iterdir())
    }


def phone_key(text: str) -> str:
    """Digits of a phone writing, without country code or extension, area code kept."""
    text = unicodedata.normalize("NFKC", text)
    text = re.split(r"转|ext", text)[0]
    digits = re.sub(r"\D", "", text)
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) > 11:
        digits = digits[2:]
    if digits.startswith("1"):
        return digits[:11]
    return digits if digits.startswith("0") else "0" + digits


def test_same_seed_writes_identical_files(tmp_path: Path) -> None:
    first = generate_demo(tmp_path / "a", people=300, seed=11)
    second = generate_demo(tmp_path / "b", people=300, seed=11)
    assert digest(first) == digest(second)


def test_output_does_not_depend_on_string_hash_randomisation(tmp_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path; from cdhub.demo import generate_demo; "
        "generate_demo(Path(sys.argv[1]), people=300, seed=11)"
    )
    digests = []
    for hash_seed in ("1", "2"):
        out = tmp_path / hash_seed
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", script, str(out)], check=True, env=env)
        digests.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert digests[0] == digests[1]


def test_different_seeds_write_different_files(tmp_path: Path) -> None:
    first = generate_demo(tmp_path / "a", people=300, seed=1)
    second = generate_demo(tmp_path / "b", people=300, seed=2)
    assert all(a != b for a, b in zip(digest(first).values(), digest(second).values(), strict=True))


def test_shop_lines_have_the_contract_fields(demo: DemoFiles) -> None:
    types: Counter[str] = Counter()
    for record in jsonl(demo.shop):
        types[record["type"]] += 1
        if record["type"] == "member":
            assert set(record) <= MEMBER_FIELDS
            assert re.fullmatch(r"M\d+", record["member_id"])
            assert ISO_OFFSET.match(record["registered_at"]) or LOCAL_TIME.match(
                record["registered_at"]
            )
        else:
            assert set(record) <= ORDER_FIELDS
            assert LOCAL_TIME.match(record["created"])
            assert all("batch_no" in item and item["num"] >= 1 for item in record["items"])
            assert set(record["receiver"]) == {
                "name", "mobile", "province", "city", "district", "address",
            }  # fmt: skip
    assert set(types) == {"member", "order"}


def test_wechat_events_have_the_contract_fields(demo: DemoFiles) -> None:
    events: Counter[str] = Counter()
    for record in jsonl(demo.wechat):
        events[record["event"]] += 1
        if record["event"] == "user_info":
            assert set(record) <= USER_INFO_FIELDS
            assert record["sex"] in (0, 1, 2)
            assert isinstance(record["subscribe_time"], int)
        elif record["event"] == "phone_bound":
            assert set(record) <= PHONE_BOUND_FIELDS
            assert re.fullmatch(r"1\d{10}", record["purePhoneNumber"])
        else:
            assert set(record) == {"event", "openid", "time"}
    assert set(events) == {"user_info", "phone_bound", "unsubscribe"}


def test_csv_files_have_the_exact_headers(demo: DemoFiles) -> None:
    assert demo.callcenter.read_bytes().startswith(b"\xef\xbb\xbf")
    assert csv_rows(demo.callcenter, "utf-8-sig")[0] == CALL_HEADER
    assert csv_rows(demo.erp_customers)[0] == CUSTOMER_HEADER
    assert csv_rows(demo.erp_orders)[0] == ORDER_HEADER
    assert csv_rows(demo.erp_deliveries)[0] == DELIVERY_HEADER
    assert csv_rows(demo.truth)[0] == TRUTH_HEADER


def test_erp_customers_use_sap_codes(demo: DemoFiles) -> None:
    _, rows = csv_rows(demo.erp_customers)
    assert {r["KTOKD"] for r in rows} == {"Z001", "Z002"}
    for row in rows:
        assert re.fullmatch(r"\d{10}", row["KUNNR"])
        assert re.fullmatch(r"20\d{6}", row["ERDAT"])
        assert re.fullmatch(r"\d\d", row["REGIO"])
        assert row["LAND1"] == "CN"
        if row["KTOKD"] == "Z001" and row["STCD5"]:
            assert is_valid_credit_code(row["STCD5"])
    _, orders = csv_rows(demo.erp_orders)
    kunnrs = {r["KUNNR"] for r in rows}
    assert {o["KUNNR"] for o in orders} <= kunnrs
    assert max(Counter(o["VBELN"] for o in orders).values()) > 1


def party_keys(files: DemoFiles) -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = []
    for record in jsonl(files.shop):
        if record["type"] == "member":
            keys.append(("shop", record["member_id"]))
        elif "member_id" not in record:
            keys.append(("shop", record["tid"]))
    seen: set[str] = set()
    for record in jsonl(files.wechat):
        if record["event"] != "unsubscribe" and record["openid"] not in seen:
            seen.add(record["openid"])
            keys.append(("wechat", record["openid"]))
    keys += [("callcenter", r["call_id"]) for r in csv_rows(files.callcenter, "utf-8-sig")[1]]
    keys += [("erp", r["KUNNR"]) for r in csv_rows(files.erp_customers)[1]]
    return keys


def test_truth_lists_every_party_record_exactly_once(demo: DemoFiles) -> None:
    keys = party_keys(demo)
    _, rows = csv_rows(demo.truth)
    truth_keys = [(r["source_system"], r["source_key"]) for r in rows]
    assert len(truth_keys) == len(set(truth_keys))
    assert len(keys) == len(set(keys))
    assert set(truth_keys) == set(keys)
    assert all(re.fullmatch(r"[PO]\d{6}", r["entity_id"]) for r in rows)
    assert 2.0 <= len(rows) / demo.people <= 3.2


def test_unsubscribes_refer_to_known_followers(demo: DemoFiles) -> None:
    truth = truth_of(demo)
    gone = [r["openid"] for r in jsonl(demo.wechat) if r["event"] == "unsubscribe"]
    assert gone
    assert all(("wechat", openid) in truth for openid in gone)


def test_a_shared_landline_is_used_by_ten_entities(demo: DemoFiles) -> None:
    truth = truth_of(demo)
    holders: dict[str, set[str]] = defaultdict(set)
    for row in csv_rows(demo.callcenter, "utf-8-sig")[1]:
        if row["caller_number"]:
            holders[phone_key(row["caller_number"])].add(truth["callcenter", row["call_id"]])
    for row in csv_rows(demo.erp_customers)[1]:
        if row["TELF1"]:
            holders[phone_key(row["TELF1"])].add(truth["erp", row["KUNNR"]])
    landlines = {k: v for k, v in holders.items() if k.startswith("0")}
    assert max(len(v) for v in landlines.values()) >= 10


def test_a_household_mobile_is_carried_by_two_people_in_the_shop(demo: DemoFiles) -> None:
    truth = truth_of(demo)
    holders: dict[str, set[str]] = defaultdict(set)
    for record in jsonl(demo.shop):
        if record["type"] == "member" and record.get("mobile"):
            holders[phone_key(record["mobile"])].add(truth["shop", record["member_id"]])
    assert any(len(people) >= 2 for people in holders.values())


def test_a_common_full_name_is_held_by_three_people(demo: DemoFiles) -> None:
    truth = truth_of(demo)
    holders: dict[str, set[str]] = defaultdict(set)
    for record in jsonl(demo.shop):
        if record["type"] == "member" and record.get("name"):
            holders[record["name"]].add(truth["shop", record["member_id"]])
    common = {"王伟", "张伟", "李伟", "李娜", "王芳", "刘洋", "王静", "李静", "张敏", "张丽"}
    assert max(len(holders[name]) for name in common) >= 3


def test_some_order_comes_before_its_member(demo: DemoFiles) -> None:
    seen: set[str] = set()
    early = 0
    for record in jsonl(demo.shop):
        if record["type"] == "member":
            seen.add(record["member_id"])
        elif record.get("member_id") and record["member_id"] not in seen:
            early += 1
    assert early >= 1


def test_a_ticket_spans_several_calls_from_open_to_resolved(demo: DemoFiles) -> None:
    calls: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in csv_rows(demo.callcenter, "utf-8-sig")[1]:
        if row["ticket_no"]:
            calls[row["ticket_no"]].append(row)
    spanning = [rows for rows in calls.values() if len(rows) >= 2]
    assert spanning
    for rows in spanning:
        assert [r["started_at"] for r in rows] == sorted(r["started_at"] for r in rows)
        assert rows[0]["ticket_status"] == "open"
        assert rows[-1]["ticket_status"] == "resolved"
    complaints = [r for rows in calls.values() for r in rows if r["category"] == "complaint"]
    assert any(r["order_no"] and r["batch_no"] for r in complaints)


def test_gbk_option_writes_erp_files_in_gbk(tmp_path: Path) -> None:
    files = generate_demo(tmp_path, people=200, seed=3, gbk_erp=True)
    for path in (files.erp_customers, files.erp_orders):
        raw = path.read_bytes()
        assert any(b > 0x7F for b in raw)
        raw.decode("gbk")
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
    assert csv_rows(files.erp_customers, "gbk")[0] == CUSTOMER_HEADER


def test_true_resident_ids_are_valid_and_consistent() -> None:
    world = build_world(seed=7, people=500)
    for person in world.people:
        assert is_valid_resident_id(person.resident_id)
        assert person.resident_id[6:14] == f"{person.birth:%Y%m%d}"
        assert (int(person.resident_id[16]) % 2 == 1) == (person.gender == "M")


def test_erp_person_tax_ids_are_mostly_valid_resident_ids(demo: DemoFiles) -> None:
    ids = [r["STCD5"] for r in csv_rows(demo.erp_customers)[1] if r["KTOKD"] == "Z002"]
    ids = [i for i in ids if i]
    valid = sum(is_valid_resident_id(i) for i in ids)
    assert valid >= 0.8 * len(ids)


@pytest.mark.parametrize(
    ("code", "valid", "label"),
    [
        ("11010519491231002X", True, "the standard's example"),
        ("110105194912310021", False, "wrong check character"),
        ("11010519491331002X", False, "month 13"),
        ("1101051949123100", False, "too short"),
    ],
)
def test_resident_id_check(code: str, valid: bool, label: str) -> None:
    assert is_valid_resident_id(code) is valid, label


@pytest.mark.parametrize(
    ("code", "valid", "label"),
    [
        ("91350100M000100Y43", True, "published example"),
        ("91350100M000100Y44", False, "wrong check character"),
        ("91350100M000100I43", False, "I is not in the charset"),
    ],
)
def test_credit_code_check(code: str, valid: bool, label: str) -> None:
    assert is_valid_credit_code(code) is valid, label


def test_generator_does_not_import_the_hub() -> None:
    package = Path(__file__).parents[2] / "cdhub" / "demo"
    for source in package.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
            elif isinstance(node, ast.Import):
                module = node.names[0].name
            else:
                continue
            assert not module.startswith(("mdm", "connectors")), source.name
