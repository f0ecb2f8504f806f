"""The evidence ceiling of a data set: what a matcher could reach at best.

An oracle that knows the truth but links only what the records can show: two
records of one true entity are joined (transitively) when they share a
normalised phone, email, unionid, identifier or reference (an order or ticket
they both cite or placed). Records of one entity that share nothing with the
rest of it stay apart, as any honest matcher must leave them. Scoring this
oracle against the truth gives the recall, and so the F1, no matcher reaches
without guessing: the yardstick for the demo data's deliberately
evidence-poor records (WeChat followers with only an openid, callers known as
"林小姐" on a shared landline).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from mdm.evaluation import Ref
from mdm.features import RecordFeatures, features_of
from mdm.records import PartyRecord


def _evidence(f: RecordFeatures) -> set[tuple[str, str]]:
    values = {("phone", v) for v in f.mobiles | f.landlines}
    values |= {("email", v) for v in f.emails}
    values |= {("unionid", v) for v in f.unionids}
    values |= {("reference", v) for v in f.references}
    values |= {(kind, v) for kind, vs in f.all_ids.items() for v in vs}
    return values


def evidence_ceiling(parties: Sequence[PartyRecord], truth: Mapping[Ref, str]) -> dict[Ref, str]:
    """Cluster labels of the oracle: same entity and connected by shared evidence."""
    parent: dict[Ref, Ref] = {}

    def find(x: Ref) -> Ref:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    holders: dict[tuple[str, tuple[str, str]], list[Ref]] = defaultdict(list)
    for party in parties:
        ref = (party.source_system, party.source_key)
        entity = truth.get(ref)
        if entity is None:
            continue
        for value in _evidence(features_of(party)):
            holders[(entity, value)].append(ref)
    for refs in holders.values():
        for other in refs[1:]:
            a, b = find(refs[0]), find(other)
            if a != b:
                parent[a] = b
    return {
        (p.source_system, p.source_key): "|".join(find((p.source_system, p.source_key)))
        for p in parties
    }
