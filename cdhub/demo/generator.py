"""Generate a demo and evaluation data set: the four channel systems plus the truth.

The data models the outside world, not the hub: it imports nothing from
`mdm` or `connectors`, so the matcher is never graded by its own normaliser.
"""

from __future__ import annotations

import gc
import random
from dataclasses import dataclass
from pathlib import Path

from cdhub.demo.callcenter import HEADER as CALL_HEADER
from cdhub.demo.callcenter import build_callcenter
from cdhub.demo.catalogue import Catalogue
from cdhub.demo.erp import CUSTOMER_HEADER, DELIVERY_HEADER, ORDER_HEADER, build_erp
from cdhub.demo.shop import build_shop
from cdhub.demo.wechat import build_wechat
from cdhub.demo.world import build_world
from cdhub.demo.writers import write_csv, write_jsonl

TRUTH_HEADER = ("source_system", "source_key", "entity_id")


@dataclass(frozen=True)
class DemoFiles:
    """Where `generate_demo` wrote each file, and the parameters it used."""

    directory: Path
    shop: Path  # shop.jsonl: members and orders, JSON Lines
    wechat: Path  # wechat.jsonl: user_info, phone_bound, unsubscribe events
    callcenter: Path  # callcenter.csv
    erp_customers: Path  # erp_customers.csv (KNA1-like)
    erp_orders: Path  # erp_orders.csv (VBAK/VBAP-like, one row per item)
    erp_deliveries: Path  # erp_deliveries.csv
    truth: Path  # truth.csv: source_system,source_key,entity_id, one row per party record
    people: int
    seed: int


def generate_demo(
    out_dir: Path, *, people: int = 2000, seed: int = 7, gbk_erp: bool = False
) -> DemoFiles:
    """Write a synthetic data set of `people` persons (and their companies) to `out_dir`.

    The same seed always writes byte-identical files. The truth file lists every
    party source record (shop member or guest-order buyer, WeChat openid, call,
    ERP customer row) with the person (``P000123``) or organisation
    (``O000045``) it truly describes.

    Args:
        out_dir: Directory to write into; created if missing.
        people: Number of true persons; organisations are about one per 40.
        seed: Seed of every random choice.
        gbk_erp: Write the ERP files GBK-encoded, as older ERP exports are.

    Example:
        >>> files = generate_demo(Path("/tmp/demo"), people=500)  # doctest: +SKIP
        >>> files.truth.read_text().splitlines()[0]  # doctest: +SKIP
        'source_system,source_key,entity_id'
    """
    if people < 1:
        raise ValueError("people must be at least 1")
    out_dir.mkdir(parents=True, exist_ok=True)
    # Millions of short-lived acyclic objects: the cyclic collector would rescan the
    # growing heap again and again (about a third of the run time at 100k people).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _generate(out_dir, people, seed, gbk_erp)
    finally:
        if collecting:
            gc.enable()


def _generate(out_dir: Path, people: int, seed: int, gbk_erp: bool) -> DemoFiles:
    world = build_world(seed, people)
    catalogue = Catalogue(random.Random(f"{seed}/catalogue"))
    wechat = build_wechat(world, random.Random(f"{seed}/wechat"))
    shop = build_shop(world, random.Random(f"{seed}/shop"), catalogue, wechat.unionid_of)
    calls = build_callcenter(world, random.Random(f"{seed}/callcenter"), catalogue, shop.orders)
    erp = build_erp(world, random.Random(f"{seed}/erp"), catalogue)

    files = DemoFiles(
        directory=out_dir,
        shop=out_dir / "shop.jsonl",
        wechat=out_dir / "wechat.jsonl",
        callcenter=out_dir / "callcenter.csv",
        erp_customers=out_dir / "erp_customers.csv",
        erp_orders=out_dir / "erp_orders.csv",
        erp_deliveries=out_dir / "erp_deliveries.csv",
        truth=out_dir / "truth.csv",
        people=people,
        seed=seed,
    )
    erp_encoding = "gbk" if gbk_erp else "utf-8"
    write_jsonl(files.shop, shop.lines)
    write_jsonl(files.wechat, wechat.events)
    write_csv(files.callcenter, CALL_HEADER, calls.rows, encoding="utf-8-sig")
    write_csv(files.erp_customers, CUSTOMER_HEADER, erp.customers, encoding=erp_encoding)
    write_csv(files.erp_orders, ORDER_HEADER, erp.orders, encoding=erp_encoding)
    write_csv(files.erp_deliveries, DELIVERY_HEADER, erp.deliveries, encoding=erp_encoding)
    truth = (
        [("shop", key, entity) for key, entity in shop.truth]
        + [("wechat", key, entity) for key, entity in wechat.truth]
        + [("callcenter", key, entity) for key, entity in calls.truth]
        + [("erp", key, entity) for key, entity in erp.truth]
    )
    write_csv(files.truth, TRUTH_HEADER, truth)
    return files
