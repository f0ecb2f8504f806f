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

from mdm.clustering import Edge, cluster
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
    refs = [(p.source_system, p.source_key) for p in parties]
    holders: dict[tuple[str, tuple[str, str]], list[int]] = defaultdict(list)
    for index, party in enumerate(parties):
        entity = truth.get(refs[index])
        if entity is not None:
            for value in _evidence(features_of(party)):
                holders[(entity, value)].append(index)
    edges = [Edge(first, other, 0.0) for first, *rest in holders.values() for other in rest]
    n = len(parties)
    result = cluster(n, edges, veto=lambda x, y: False, max_cross_checks=n * n)
    return {refs[i]: str(label) for label, members in enumerate(result.clusters) for i in members}
