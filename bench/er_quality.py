"""Matching quality on demo data in the four source shapes, against Splink in the same run.

Generates ``cdhub demo`` data for N people with a seed, ingests every file with
deferred matching into a scratch database, trains and rebuilds, and scores the
golden customers against ``truth.csv`` (pairwise, exact-cluster and B-cubed
precision/recall/F1), and against the evidence ceiling (`bench.er_ceiling`: the best
any matcher reaches without guessing). The baseline is Splink (DuckDB) on the same party
records, flattened to one row per source record (names, phones, emails, ids,
birth date, address): u by random sampling, m by EM over blocking rules,
clusters at match probability 0.9. Timings: cdhub's learning pass (read the
records once, train, re-match and write every golden record, as a first load
runs it) against Splink's train + predict + cluster; and a rebuild of the
matched hub (`cdhub match --rebuild`) against the same.

    python -m bench.er_quality --people 2000 --seed 11
    python -m bench.er_quality                      # 100,000 people, seed 11
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from bench.er_ceiling import evidence_ceiling
from bench.er_common import line, run_cdhub, run_splink, score
from cdhub.demo.generator import generate_demo
from cdhub.services.loading import DEMO_SOURCES
from mdm.records import IdentifierKind, PartyRecord

_STRONG_KINDS = (
    IdentifierKind.RESIDENT_ID,
    IdentifierKind.CREDIT_CODE,
    IdentifierKind.UNIONID,
    IdentifierKind.PASSPORT,
)


def flatten(record: PartyRecord) -> dict[str, Any]:
    """One flat row of a party record for Splink (first value of each kind, normalised)."""
    name = record.names[0] if record.names else None
    phones = sorted(p.e164 for p in record.phones if p.e164)
    emails = sorted(e.value for e in record.emails if e.value)
    ids = {i.kind: i.value for i in record.identifiers if i.value and i.valid}
    address = record.addresses[0] if record.addresses else None
    return {
        "unique_id": f"{record.source_system}|{record.source_key}",
        "full_name": (name.full if name else None)
        or (record.org_name.core if record.org_name else None),
        "name_pinyin": name.pinyin.replace(" ", "") if name else None,
        "surname": name.surname if name and name.surname else None,
        "phone": phones[0] if phones else None,
        "phone_2": phones[1] if len(phones) > 1 else None,
        "email": emails[0] if emails else None,
        "unionid": ids.get(IdentifierKind.UNIONID),
        "official_id": next((ids[k] for k in _STRONG_KINDS[:2] if k in ids), None),
        "dob": record.birth_date.isoformat() if record.birth_date else None,
        "gender": record.gender,
        "city": address.city if address else None,
        "district": address.district if address else None,
        "address": address.detail if address else None,
    }


def splink_settings() -> dict[str, Any]:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return (
        SettingsCreator(
            link_type="dedupe_only",
            comparisons=[
                cl.JaroWinklerAtThresholds("name_pinyin", [0.92, 0.85]).configure(
                    term_frequency_adjustments=True
                ),
                cl.ExactMatch("phone").configure(term_frequency_adjustments=True),
                cl.ExactMatch("email"),
                cl.ExactMatch("unionid"),
                cl.ExactMatch("official_id"),
                cl.LevenshteinAtThresholds("dob", [1, 2]),
                cl.ExactMatch("gender"),
                cl.ExactMatch("district"),
                cl.JaroWinklerAtThresholds("address", [0.9, 0.8]),
            ],
            blocking_rules_to_generate_predictions=[
                block_on("phone"),
                block_on("email"),
                block_on("unionid"),
                block_on("official_id"),
                block_on("name_pinyin"),
                block_on("surname", "dob"),
                block_on("address"),
            ],
            retain_intermediate_calculation_columns=False,
        )
        .get_settings("duckdb")
        .as_dict()
    )


def read_truth(path: Path) -> dict[tuple[str, str], str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {
            (r["source_system"], r["source_key"]): r["entity_id"] for r in csv.DictReader(handle)
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgres"))
    parser.add_argument("--no-splink", action="store_true", help="cdhub only")
    args = parser.parse_args()
    from splink import block_on

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        started = time.perf_counter()
        files = generate_demo(workdir / "data", people=args.people, seed=args.seed)
        generated = time.perf_counter() - started
        truth = read_truth(files.truth)
        loads = [(system, [getattr(files, attr)], None) for system, attr in DEMO_SOURCES]
        cd = run_cdhub(loads, workdir, args.backend, keep_parties=True)
        ev = score(cd.clusters, truth)
        print(
            f"demo: {args.people} people, seed {args.seed}: {ev.records} party records "
            f"(generated in {generated:.1f} s, ingested in {cd.seconds['ingest']:.1f} s)"
        )
        print(line("cdhub learn+rebuild", ev, cd.seconds["learn"]))
        b = ev.bcubed
        print(
            f"   B-cubed P={b.precision:.4f} R={b.recall:.4f} F1={b.f1:.4f}; "
            f"learn (train + first rebuild) {cd.seconds['learn']:.1f} s, "
            f"rebuild of the matched hub {cd.seconds['rebuild']:.1f} s, "
            f"candidate pairs {cd.report['candidate_pairs']}, review {cd.report['review']}"
        )
        ceiling = score(evidence_ceiling(cd.parties, truth), truth)
        print(line("evidence ceiling", ceiling, 0.0))
        print(
            f"   cdhub pairwise F1 / ceiling F1 = {ev.pairwise.f1 / ceiling.pairwise.f1:.3f} "
            "(the ceiling links only same-entity records that share a value: bench/er_ceiling.py)"
        )
        if args.no_splink:
            return
        frame = pd.DataFrame([flatten(p) for p in cd.parties])
        frame = frame.astype(object).where(frame.notna(), None)
        sp = run_splink(
            [frame],
            splink_settings(),
            [block_on("unionid"), block_on("official_id"), block_on("email")],
            [block_on("phone"), block_on("name_pinyin"), block_on("surname", "dob")],
        )
        ours_truth = {f"{s}|{k}": e for (s, k), e in truth.items()}
        ev_splink = score(sp.clusters, ours_truth)
        print(line("splink (duckdb)", ev_splink, sp.seconds))
        print(
            f"   cdhub F1 - splink F1 = {ev.pairwise.f1 - ev_splink.pairwise.f1:+.4f}; "
            f"cdhub learn (train + rebuild) / splink (train + predict + cluster) time = "
            f"{cd.seconds['learn'] / sp.seconds:.2f}x; "
            f"cdhub rebuild / splink time = {cd.seconds['rebuild'] / sp.seconds:.2f}x "
            f"(splink pairs scored {sp.pairs})"
        )


if __name__ == "__main__":
    main()
