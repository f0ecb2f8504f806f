"""Matching quality of cdhub on the independent corpus, measured from the outside.

For each size and seed: generate :mod:`bench.independent_corpus` into a scratch folder, create
a fresh SQLite hub, run ``cdhub db upgrade`` and the four ``cdhub ingest`` commands as
subprocesses (in ``--order``), export ``cdhub export xref --format csv`` and score the export
against ``truth.csv`` here: pairwise precision, recall and F1 over pairs of party source records
(same entity vs same ``customer_id``). Next to it, the *evidence ceiling*: inside every true
entity, the records connected through shared exact evidence (normalised phone digits, email,
unionid, credit code / ID number, a cited order number, a shared ticket), i.e. what a matcher
could find at best without guessing. Then the largest false merges and the missed merges, with
the fields that explain them::

    python -m bench.er_independent --people 300,2000,10000 --seed 1
    python -m bench.er_independent --people 2000 --seed 2 --order wechat,callcenter,shop,erp
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.independent_corpus import ENCODINGS, generate

Ref = tuple[str, str]  # (source system, source key)

FILES = {
    "shop": ["shop.jsonl"],
    "wechat": ["wechat.jsonl"],
    "callcenter": ["callcenter.csv"],
    "erp": ["erp_customers.csv", "erp_orders.csv", "erp_deliveries.csv"],
}
DEFAULT_ORDER = "shop,wechat,callcenter,erp"
PAIR_SAMPLE = 200_000  # false pairs classified per false-merge group at most


# --------------------------------------------------------------------------------------------
# Reading the corpus back (from its files, not from the generator's memory)


def norm_text(value: Any) -> str:
    return unicodedata.normalize("NFKC", str(value or "")).strip()


_EXT = re.compile(r"\s*(?:转|ext\.?|#|x)\s*(\d{1,5})\s*$", re.IGNORECASE)
_DASH_EXT = re.compile(
    r"^\s*((?:\+?86[\s-]?)?\(?0?\d{2,3}\)?[-\s]?\d{3,4}[-\s]?\d{4})-(\d{1,5})\s*$"
)


def norm_phone(value: Any) -> str | None:
    """Digits of a phone number: mobiles as 11 digits, landlines with their area code."""
    text = norm_text(value)
    if not text:
        return None
    text = _EXT.sub("", text)
    m = _DASH_EXT.match(text)
    if m:
        text = m.group(1)
    digits = re.sub(r"\D", "", text)
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) in (12, 13):
        digits = digits[2:]
        if not (len(digits) == 11 and digits.startswith("1")):
            digits = "0" + digits  # a landline's area code without its trunk prefix
    if len(digits) < 7 or len(set(digits)) == 1:
        return None
    return digits


def phone_kind(digits: str) -> str:
    return "mobile" if len(digits) == 11 and digits.startswith("1") else "landline"


@dataclass
class Rec:
    names: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    unionids: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    orders: list[str] = field(default_factory=list)  # order numbers owned or cited
    tickets: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)

    def add(self, attr: str, value: Any) -> None:
        if value is None or value == "" or isinstance(value, dict | list):
            return
        text = norm_text(value)
        if attr == "phones":
            digits = norm_phone(value)
            if digits is None:
                return
            text = digits
        elif attr in ("emails", "codes"):
            text = text.lower() if attr == "emails" else text.upper()
            if attr == "emails" and "@" not in text:
                return
        if text and text not in getattr(self, attr):
            getattr(self, attr).append(text)

    def tokens(self) -> Iterator[tuple[str, str]]:
        for p in self.phones:
            yield phone_kind(p), p
        for attr, kind in (("emails", "email"), ("unionids", "unionid"), ("codes", "code"),
                           ("orders", "order"), ("tickets", "ticket")):  # fmt: skip
            for v in getattr(self, attr):
                yield kind, v

    def describe(self) -> str:
        parts = [f"name={'/'.join(self.names) or '-'}"]
        if self.phones:
            parts.append("tel=" + "/".join(self.phones))
        for attr in ("emails", "unionids", "codes", "tickets", "places"):
            values = getattr(self, attr)
            if values:
                parts.append(f"{attr[:-1]}=" + "/".join(v[:28] for v in values))
        if self.orders:
            parts.append(
                "orders=" + "/".join(self.orders[:3]) + ("…" if len(self.orders) > 3 else "")
            )
        return " ".join(parts)


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict):
                yield obj


def _csv(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding=ENCODINGS.get(path.name, "utf-8"), newline="") as f:
        yield from csv.DictReader(f)


def _key(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def read_corpus(folder: Path) -> dict[Ref, Rec]:
    recs: dict[Ref, Rec] = defaultdict(Rec)
    for obj in _jsonl(folder / "shop.jsonl"):
        if obj.get("type") == "member" and (key := _key(obj.get("member_id"))):
            r = recs["shop", key]
            r.add("names", obj.get("name"))
            r.add("phones", obj.get("mobile"))
            r.add("emails", obj.get("email"))
            r.add("unionids", obj.get("unionid"))
            address = obj.get("address")
            if isinstance(address, dict):
                r.add(
                    "places", norm_text(address.get("district")) + norm_text(address.get("detail"))
                )
        elif obj.get("type") == "order" and (tid := _key(obj.get("tid"))):
            member = _key(obj.get("member_id"))
            r = recs["shop", member or tid]
            receiver = obj.get("receiver") if isinstance(obj.get("receiver"), dict) else {}
            r.add("orders", tid)
            r.add("phones", obj.get("buyer_mobile"))
            r.add("phones", receiver.get("mobile"))
            if not member:
                r.add("names", receiver.get("name"))
                r.add(
                    "places",
                    norm_text(receiver.get("district")) + norm_text(receiver.get("address")),
                )
    for obj in _jsonl(folder / "wechat.jsonl"):
        if obj.get("event") in ("user_info", "phone_bound") and (key := _key(obj.get("openid"))):
            r = recs["wechat", key]
            r.add("names", obj.get("nickname"))
            r.add("unionids", obj.get("unionid"))
            r.add("phones", obj.get("purePhoneNumber") or obj.get("phoneNumber"))
    for row in _csv(folder / "callcenter.csv"):
        if key := _key(row.get("call_id")):
            r = recs["callcenter", key]
            r.add("names", row.get("customer_name"))
            r.add("phones", row.get("caller_number"))
            r.add("orders", row.get("order_no"))
            r.add("tickets", row.get("ticket_no"))
    for row in _csv(folder / "erp_customers.csv"):
        if key := _key(row.get("KUNNR")):
            r = recs["erp", key]
            r.add("names", " ".join(x for x in (row.get("NAME1"), row.get("NAME2")) if x))
            r.add("phones", row.get("TELF1"))
            r.add("emails", row.get("SMTP_ADDR"))
            r.add("codes", row.get("STCD5"))
            r.add("places", norm_text(row.get("ORT02")) + norm_text(row.get("STRAS")))
    for row in _csv(folder / "erp_orders.csv"):
        if (key := _key(row.get("KUNNR"))) and (vbeln := _key(row.get("VBELN"))):
            recs["erp", key].add("orders", vbeln)
    return dict(recs)


def read_refs(path: Path, column: str) -> dict[Ref, str]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return {(row["source_system"], row["source_key"]): row[column] for row in csv.DictReader(f)}


# --------------------------------------------------------------------------------------------
# Scoring


def pairs(n: int) -> int:
    return n * (n - 1) // 2


class UnionFind:
    def __init__(self) -> None:
        self.parent: dict[Ref, Ref] = {}

    def find(self, x: Ref) -> Ref:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: Ref, b: Ref) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb


def ceiling_components(truth: dict[Ref, str], recs: dict[Ref, Rec]) -> dict[Ref, Ref]:
    """For every record, the root of its evidence component inside its true entity."""
    by_entity: dict[str, list[Ref]] = defaultdict(list)
    for ref, entity in truth.items():
        by_entity[entity].append(ref)
    uf = UnionFind()
    for refs in by_entity.values():
        holder: dict[tuple[str, str], Ref] = {}
        for ref in refs:
            uf.find(ref)
            for token in recs.get(ref, Rec()).tokens():
                if token in holder:
                    uf.union(ref, holder[token])
                else:
                    holder[token] = ref
    return {ref: uf.find(ref) for ref in truth}


def shared_kinds(a: Rec, b: Rec) -> list[str]:
    ta, tb = set(a.tokens()), set(b.tokens())
    kinds = sorted({k for k, _ in ta & tb})
    if set(a.names) & set(b.names):
        kinds.append("name")
    return kinds


def sys_pair(a: Ref, b: Ref) -> str:
    return "-".join(sorted((a[0], b[0])))


@dataclass
class Score:
    records: int
    precision: float
    recall: float
    f1: float
    ceiling_recall: float
    ceiling_f1: float
    missing: list[Ref]
    extra: list[Ref]
    true_pairs: int
    predicted_pairs: int
    by_system_pair: dict[str, tuple[int, int, int]]  # true pairs, found, ceiling


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def score(truth: dict[Ref, str], xref: dict[Ref, str], ceiling: dict[Ref, Ref]) -> Score:
    missing = sorted(ref for ref in truth if ref not in xref)
    extra = sorted(ref for ref in xref if ref not in truth)
    predicted = {ref: xref.get(ref, f"missing:{ref[0]}:{ref[1]}") for ref in truth}
    cell = Counter((truth[r], predicted[r]) for r in truth)
    ent = Counter(truth.values())
    cust = Counter(predicted.values())
    comp = Counter(ceiling.values())
    tp = sum(pairs(n) for n in cell.values())
    t_pairs = sum(pairs(n) for n in ent.values())
    p_pairs = sum(pairs(n) for n in cust.values())
    c_pairs = sum(pairs(n) for n in comp.values())
    precision = tp / p_pairs if p_pairs else 1.0
    recall = tp / t_pairs if t_pairs else 1.0
    c_recall = c_pairs / t_pairs if t_pairs else 1.0

    def per_system(groups: dict[Any, list[Ref]]) -> Counter[str]:
        out: Counter[str] = Counter()
        for refs in groups.values():
            systems = Counter(r[0] for r in refs)
            for (s1, n1), (s2, n2) in itertools.combinations_with_replacement(
                sorted(systems.items()), 2
            ):
                out[f"{s1}-{s2}"] += pairs(n1) if s1 == s2 else n1 * n2
        return out

    def group(key: Any) -> dict[Any, list[Ref]]:
        out: dict[Any, list[Ref]] = defaultdict(list)
        for r in truth:
            out[key(r)].append(r)
        return out

    true_sp = per_system(group(lambda r: truth[r]))
    found_sp = per_system(group(lambda r: (truth[r], predicted[r])))
    ceil_sp = per_system(group(lambda r: ceiling[r]))
    return Score(
        records=len(truth),
        precision=precision,
        recall=recall,
        f1=f1(precision, recall),
        ceiling_recall=c_recall,
        ceiling_f1=f1(1.0, c_recall),
        missing=missing,
        extra=extra,
        true_pairs=t_pairs,
        predicted_pairs=p_pairs,
        by_system_pair={k: (v, found_sp[k], ceil_sp[k]) for k, v in sorted(true_sp.items())},
    )


# --------------------------------------------------------------------------------------------
# Explaining the errors


def false_merges(
    truth: dict[Ref, str], xref: dict[Ref, str], recs: dict[Ref, Rec], top: int, records_shown: int
) -> tuple[list[str], Counter[str]]:
    groups: dict[str, list[Ref]] = defaultdict(list)
    for ref, customer in xref.items():
        if ref in truth:
            groups[customer].append(ref)
    bad = [(c, refs) for c, refs in groups.items() if len({truth[r] for r in refs}) > 1]
    bad.sort(key=lambda item: (-len({truth[r] for r in item[1]}), -len(item[1]), item[0]))
    causes: Counter[str] = Counter()
    rng = random.Random(0)
    for _, refs in bad:
        cross = [(a, b) for a, b in itertools.combinations(refs, 2) if truth[a] != truth[b]]
        weight = 1.0
        if len(cross) > PAIR_SAMPLE:
            weight = len(cross) / PAIR_SAMPLE
            cross = rng.sample(cross, PAIR_SAMPLE)
        for a, b in cross:
            kinds = shared_kinds(recs.get(a, Rec()), recs.get(b, Rec()))
            what = "+".join(kinds) or "(nothing shared directly: transitive)"
            causes[f"{''.join(sorted(truth[a][0] + truth[b][0]))} {what}"] += round(weight)
    lines = []
    for customer, refs in bad[:top]:
        by_entity: dict[str, list[Ref]] = defaultdict(list)
        for r in sorted(refs):
            by_entity[truth[r]].append(r)
        holders: dict[tuple[str, str], set[str]] = defaultdict(set)
        for r in refs:
            rec = recs.get(r, Rec())
            for token in rec.tokens():
                holders[token].add(truth[r])
            for name in rec.names:
                holders["name", name].add(truth[r])
        bridges = sorted((f"{k}:{v}" for (k, v), ents in holders.items() if len(ents) > 1), key=len)
        lines.append(
            f"  customer {customer}: {len(refs)} records, {len(by_entity)} entities; "
            f"values shared across entities: {', '.join(bridges[:8]) or '(none directly)'}"
        )
        for entity, members in list(by_entity.items())[:6]:
            for r in members[:records_shown]:
                lines.append(f"    {entity} {r[0]}:{r[1]}  {recs.get(r, Rec()).describe()}")
            if len(members) > records_shown:
                lines.append(f"    {entity} … {len(members) - records_shown} more")
        if len(by_entity) > 6:
            lines.append(f"    … {len(by_entity) - 6} more entities")
    return lines, causes


def missed_merges(
    truth: dict[Ref, str],
    xref: dict[Ref, str],
    ceiling: dict[Ref, Ref],
    recs: dict[Ref, Rec],
    examples: int,
) -> tuple[list[str], Counter[str]]:
    by_entity: dict[str, list[Ref]] = defaultdict(list)
    for ref, entity in truth.items():
        by_entity[entity].append(ref)
    causes: Counter[str] = Counter()
    shown: list[str] = []
    shown_kinds: Counter[str] = Counter()
    order = sorted(by_entity)
    random.Random(1).shuffle(order)  # examples from anywhere, not only the first entities
    for entity in order:
        refs = sorted(by_entity[entity])
        customers = {r: xref.get(r, "missing") for r in refs}
        if len(set(customers.values())) < 2:
            continue
        example_pair: tuple[Ref, Ref, list[str]] | None = None
        for a, b in itertools.combinations(refs, 2):
            if customers[a] == customers[b]:
                continue
            kinds = shared_kinds(recs.get(a, Rec()), recs.get(b, Rec()))
            evidence = [k for k in kinds if k != "name"]
            if evidence:
                label = "shared " + "+".join(evidence)
            elif ceiling[a] == ceiling[b]:
                label = "evidence via other records of the entity"
            else:
                label = "no exact evidence" + (" (same name)" if "name" in kinds else "")
            causes[f"{sys_pair(a, b):22s} {label}"] += 1
            if evidence and example_pair is None:
                example_pair = (a, b, evidence)
        if example_pair and sum(shown_kinds.values()) < examples:
            a, b, evidence = example_pair
            kind = "+".join(evidence)
            if shown_kinds[entity[0] + kind] >= 2:  # variety: two examples of a kind at most
                continue
            shown_kinds[entity[0] + kind] += 1
            shown.append(f"  {entity}: split over {len(set(customers.values()))} customers "
                         f"though they share {kind}")  # fmt: skip
            for r in refs[:6]:
                shown.append(
                    f"    {r[0]}:{r[1]} -> {customers[r]}  {recs.get(r, Rec()).describe()}"
                )
    return shown, causes


# --------------------------------------------------------------------------------------------
# Running cdhub as an outside user would


REPO = Path(__file__).resolve().parent.parent


@dataclass
class Cdhub:
    """How to call cdhub: the installed command, or a pinned copy of a commit's code."""

    command: list[str]
    env: dict[str, str]
    version: str


def installed_cdhub() -> Cdhub:
    local = Path(sys.executable).with_name("cdhub")
    command = str(local) if local.exists() else (shutil.which("cdhub") or "cdhub")
    head = _git("rev-parse", "--short", "HEAD")
    dirty = _git("status", "--porcelain", "--", "cdhub", "mdm", "connectors", "resolvers")
    changed = len(dirty.splitlines())
    return Cdhub([command], {}, f"working tree at {head}, {changed} uncommitted file(s) in code")


def snapshot_cdhub(folder: Path, rev: str) -> Cdhub:
    """A copy of ``rev``'s tree (``git archive``), run with ``python -m cdhub`` on PYTHONPATH.

    Others may edit and commit in the working tree while a run lasts; a copy keeps the code
    under measurement fixed for every size, seed and order of one invocation.
    """
    folder.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", rev], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    env = {"PYTHONPATH": str(folder)}
    probe = subprocess.run(
        [sys.executable, "-c", "import cdhub, mdm; print(cdhub.__file__, mdm.__file__)"],
        env=dict(os.environ, **env), cwd=folder.parent, capture_output=True, text=True,
        check=True,
    ).stdout  # fmt: skip
    if not all(path.startswith(str(folder)) for path in probe.split()):
        raise SystemExit(f"the snapshot is not what gets imported: {probe}")
    sha = _git("rev-parse", "--short", rev)
    return Cdhub([sys.executable, "-m", "cdhub"], env, f"snapshot of {rev} ({sha}) in {folder}")


def _git(*args: str) -> str:
    done = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True)
    return done.stdout.strip()


def run(cmd: Sequence[str], env: dict[str, str], cwd: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit(f"failed ({done.returncode}): {' '.join(cmd)}")
    return seconds, done.stdout


def last_json(text: str) -> dict[str, Any]:
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    return {}


@dataclass
class RunResult:
    people: int
    seed: int
    order: str
    score: Score
    ingest_seconds: float
    per_source: dict[str, dict[str, Any]]
    false_lines: list[str]
    false_causes: Counter[str]
    missed_lines: list[str]
    missed_causes: Counter[str]
    orphans_in_xref: int
    orphans: int


def run_once(
    people: int,
    seed: int,
    order: Sequence[str],
    workdir: Path,
    top: int,
    examples: int,
    hub: Cdhub,
) -> RunResult:
    corpus = workdir / "corpus"
    generate(corpus, people, seed)
    db = workdir / "hub.db"
    env = dict(os.environ, **hub.env, CDHUB_DATABASE_URL=f"sqlite+aiosqlite:///{db}")
    cdhub = hub.command
    run([*cdhub, "db", "upgrade"], env, corpus)
    per_source: dict[str, dict[str, Any]] = {}
    ingest_seconds = 0.0
    for system in order:
        seconds, out = run([*cdhub, "ingest", system, *FILES[system]], env, corpus)
        ingest_seconds += seconds
        per_source[system] = dict(last_json(out), seconds=round(seconds, 1))
    xref_path = workdir / "xref.csv"
    run([*cdhub, "export", "xref", "--format", "csv", "--output", str(xref_path)], env, corpus)
    truth = read_refs(corpus / "truth.csv", "entity_id")
    orphans = read_refs(corpus / "truth_orphan_members.csv", "entity_id")
    xref = read_refs(xref_path, "customer_id")
    recs = read_corpus(corpus)
    ceiling = ceiling_components(truth, recs)
    s = score(truth, xref, ceiling)
    false_lines, false_causes = false_merges(truth, xref, recs, top, records_shown=4)
    missed_lines, missed_causes = missed_merges(truth, xref, ceiling, recs, examples)
    return RunResult(
        people=people,
        seed=seed,
        order=",".join(order),
        score=s,
        ingest_seconds=ingest_seconds,
        per_source=per_source,
        false_lines=false_lines,
        false_causes=false_causes,
        missed_lines=missed_lines,
        missed_causes=missed_causes,
        orphans_in_xref=sum(ref in xref for ref in orphans),
        orphans=len(orphans),
    )


def _print_shares(counts: Counter[str], top: int) -> None:
    total = sum(counts.values()) or 1
    for cause, n in counts.most_common(top):
        print(f"    {n:8d} ({n / total:5.1%})  {cause}")


def report(r: RunResult, top_causes: int = 12) -> None:
    s = r.score
    print(f"\n=== people={r.people} seed={r.seed} order={r.order}")
    for system, summary in r.per_source.items():
        keys = ("read", "created", "updated", "rejected", "golden_created", "golden_merged",
                "sent_to_review", "seconds")  # fmt: skip
        print(f"  ingest {system:10s} " + " ".join(f"{k}={summary.get(k)}" for k in keys))
    print(
        f"  truth records {s.records}, true pairs {s.true_pairs}, predicted pairs "
        f"{s.predicted_pairs}; missing from xref {len(s.missing)}, xref rows not in truth "
        f"{len(s.extra)} (orphan member ids in xref: {r.orphans_in_xref}/{r.orphans})"
    )
    if s.missing:
        print("  missing: " + ", ".join(f"{a}:{b}" for a, b in s.missing[:20]))
    if s.extra:
        print("  extra: " + ", ".join(f"{a}:{b}" for a, b in s.extra[:20]))
    print("  recall by system pair (true pairs: found / evidence ceiling):")
    for k, (t, found, ceil) in s.by_system_pair.items():
        if not t:
            continue
        print(f"    {k:22s} {t:7d}  R={found / t:.3f}  ceiling={ceil / t:.3f}")
    print("  false-merge pairs by what the two records share directly:")
    _print_shares(r.false_causes, top_causes)
    print("  largest false-merge groups:")
    for line in r.false_lines:
        print(line)
    print("  missed pairs (same entity, different customer) by system pair and evidence:")
    _print_shares(r.missed_causes, top_causes)
    print("  missed merges although exact evidence was there (examples):")
    for line in r.missed_lines:
        print(line)


def table(results: Iterable[RunResult]) -> None:
    print("\npeople seed order                          records     P      R      F1   "
          "ceilF1 F1/ceil ingest_s missing")  # fmt: skip
    for r in results:
        s = r.score
        print(f"{r.people:6d} {r.seed:4d} {r.order:30s} {s.records:7d}  {s.precision:.3f}  "
              f"{s.recall:.3f}  {s.f1:.3f}  {s.ceiling_f1:.3f}  {s.f1 / s.ceiling_f1:.3f}  "
              f"{r.ingest_seconds:7.1f}  {len(s.missing):6d}")  # fmt: skip


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", default="300,2000,10000", help="comma-separated sizes")
    parser.add_argument("--seed", default="1", help="comma-separated seeds")
    parser.add_argument("--order", default=DEFAULT_ORDER, help="source order, comma-separated")
    parser.add_argument("--top", type=int, default=10, help="false-merge groups shown")
    parser.add_argument("--examples", type=int, default=8, help="missed-merge examples shown")
    parser.add_argument("--keep", type=Path, help="keep corpus, db and xref under this folder")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument(
        "--snapshot",
        metavar="REV",
        help="measure a copy of this commit's code (e.g. HEAD) instead of the working tree",
    )
    args = parser.parse_args(argv)
    order = [s.strip() for s in args.order.split(",") if s.strip()]
    if sorted(order) != sorted(FILES):
        parser.error(f"--order must name each of {', '.join(FILES)} once")
    results = []
    snapshot_dir = None
    if args.snapshot:
        snapshot_dir = tempfile.TemporaryDirectory(prefix="cdhub_snapshot_")
        hub = snapshot_cdhub(Path(snapshot_dir.name), args.snapshot)
    else:
        hub = installed_cdhub()
    print(f"cdhub under test: {hub.version}")
    for seed in [int(x) for x in args.seed.split(",")]:
        for people in [int(x) for x in args.people.split(",")]:
            if args.keep:
                workdir = args.keep / f"p{people}-s{seed}-{'-'.join(order)}"
                if workdir.exists():
                    shutil.rmtree(workdir)
                workdir.mkdir(parents=True)
                result = run_once(people, seed, order, workdir, args.top, args.examples, hub)
            else:
                with tempfile.TemporaryDirectory(prefix="er_independent_") as tmp:
                    result = run_once(people, seed, order, Path(tmp), args.top, args.examples, hub)
            report(result)
            results.append(result)
            sys.stdout.flush()
    table(results)
    print(f"cdhub under test: {hub.version}")
    if snapshot_dir is not None:
        snapshot_dir.cleanup()
    if args.json:
        rows = [{"people": r.people, "seed": r.seed, "order": r.order, "records": r.score.records,
                 "precision": r.score.precision, "recall": r.score.recall, "f1": r.score.f1,
                 "ceiling_f1": r.score.ceiling_f1, "ingest_seconds": r.ingest_seconds,
                 "missing": len(r.score.missing), "per_source": r.per_source,
                 "cdhub": hub.version}
                for r in results]  # fmt: skip
        args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
