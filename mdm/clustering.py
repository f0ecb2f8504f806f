"""Clustering that respects cannot-links.

MATCH edges are processed by descending weight with union-find. Before two
clusters are united every cross pair is checked with ``veto``; a single veto
(a hard cannot-link, an explicit one, a capped pair, a strongly negative
weight) refuses the union. So no chain of weak links can put two records
that say they are different parties into one golden record.

The output is deterministic: edges are ordered by (-weight, i, j), clusters
list their members ascending and are sorted by their smallest member.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

MAX_CROSS_CHECKS = 250_000


@dataclass(frozen=True, slots=True)
class Edge:
    """A MATCH between records ``i`` and ``j`` with its match weight."""

    i: int
    j: int
    weight: float


@dataclass(frozen=True, slots=True)
class ClusterResult:
    """Clusters of record indices and the edges whose union was refused."""

    clusters: tuple[tuple[int, ...], ...]
    refused: tuple[Edge, ...]


def cluster(
    n: int,
    edges: Iterable[Edge],
    veto: Callable[[int, int], bool],
    max_cross_checks: int = MAX_CROSS_CHECKS,
) -> ClusterResult:
    """Union-find over MATCH edges with a cross-pair veto.

    Args:
        n: Number of records (indices ``0..n-1``); singletons are kept.
        edges: MATCH edges, in any order.
        veto: ``veto(x, y)`` is True when records x and y must not share a cluster.
        max_cross_checks: A union needing more cross checks is refused
            (degenerate giant clusters are not worth the risk).

    Returns:
        The clusters and the refused edges (for review).
    """
    parent = list(range(n))
    members: dict[int, list[int]] = {i: [i] for i in range(n)}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    refused: list[Edge] = []
    for e in sorted(edges, key=lambda e: (-e.weight, min(e.i, e.j), max(e.i, e.j))):
        ra, rb = find(e.i), find(e.j)
        if ra == rb:
            continue
        a, b = members[ra], members[rb]
        if len(a) * len(b) > max_cross_checks or any(veto(x, y) for x in a for y in b):
            refused.append(e)
            continue
        root, other = (ra, rb) if ra < rb else (rb, ra)
        parent[other] = root
        members[root].extend(members.pop(other))
    clusters = sorted(tuple(sorted(m)) for m in members.values())
    return ClusterResult(tuple(clusters), tuple(refused))


# A record with more MATCH edges than this is not checked for ambiguity beyond them
# (its strongest edges): the check is quadratic in a record's edges.
MAX_AMBIGUITY_EDGES = 64


def ambiguous_edges(
    edges: Iterable[Edge],
    veto: Callable[[int, int], bool],
    margin: float,
    certain: Callable[[Edge], bool] = lambda e: False,
) -> frozenset[Edge]:
    """MATCH edges of a record that fits two parties known to differ about equally well.

    The batch twin of the real-time rule in :func:`mdm.incremental.assign`. A
    nameless phone binding on a family's shared mobile matches the father's
    and the daughter's shop accounts with the same weight, and the two
    accounts veto each other (different given names). Union-find would attach
    the binding to whichever account comes first: a coin toss that shows one
    of them the other's orders. So when a record's edges to two records that
    veto each other are within ``margin``, both edges are dropped (left for
    review), unless ``certain`` says an edge is forced by a rule (a shared
    valid resident id). A clearly stronger edge still wins.

    Args:
        edges: MATCH edges.
        veto: As in :func:`cluster`.
        margin: ``Thresholds.ambiguity_margin``.
        certain: True for an edge a match rule forces; it is never dropped.

    Returns:
        The edges to leave out of clustering.
    """
    ends: dict[int, list[tuple[float, int, Edge]]] = {}
    for e in edges:
        ends.setdefault(e.i, []).append((e.weight, e.j, e))
        ends.setdefault(e.j, []).append((e.weight, e.i, e))
    dropped: set[Edge] = set()
    for own in ends.values():
        if len(own) < 2:
            continue
        own.sort(key=lambda t: (-t[0], t[1]))
        own = own[:MAX_AMBIGUITY_EDGES]
        for a, (wa, ka, ea) in enumerate(own):
            for wb, kb, eb in own[a + 1 :]:
                if wa - wb >= margin:
                    break
                if veto(ka, kb):
                    dropped.update(e for e in (ea, eb) if not certain(e))
    return frozenset(dropped)


def attach_exclusive(
    clusters: Iterable[tuple[int, ...]],
    holder_groups: Iterable[Sequence[int]],
    link_ok: Callable[[int, int], bool],
    veto: Callable[[int, int], bool],
    max_cross_checks: int = MAX_CROSS_CHECKS,
) -> tuple[tuple[int, ...], ...]:
    """Unite the clusters holding one contact point when nothing says they differ.

    A WeChat phone binding shares only a mobile with a shop member: alone that
    is not enough, because families share mobiles. But when the records that
    hold the mobile fall into a few clusters, every pair of them across
    clusters scores at least weakly for a match (``link_ok``) and no pair of
    their members is vetoed (a family member's different given name is), no
    one else in the hub claims the number and the clusters are one party.

    Args:
        clusters: The clusters of the MATCH pass (record indices).
        holder_groups: For each contact value, the indices of the records holding it.
        link_ok: ``link_ok(x, y)`` for two holders: their pair supports a match.
        veto: As in :func:`cluster`.
        max_cross_checks: As in :func:`cluster`.

    Returns:
        The clusters after the unions, sorted as :func:`cluster` sorts them.
    """
    parent: dict[int, int] = {}
    members: dict[int, list[int]] = {}
    for c in clusters:
        members[c[0]] = list(c)
        for x in c:
            parent[x] = c[0]

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    groups = sorted((sorted(g) for g in holder_groups if len(g) > 1), key=lambda g: (len(g), g))
    for holders in groups:
        roots = sorted({find(x) for x in holders})
        if len(roots) < 2:
            continue
        if any(
            find(x) != find(y) and not link_ok(x, y)
            for k, x in enumerate(holders)
            for y in holders[k + 1 :]
        ):
            continue
        size = sum(len(members[r]) for r in roots)
        if size * size > 2 * max_cross_checks or any(
            veto(x, y)
            for k, ra in enumerate(roots)
            for rb in roots[k + 1 :]
            for x in members[ra]
            for y in members[rb]
        ):
            continue
        root = roots[0]
        for other in roots[1:]:
            parent[other] = root
            members[root].extend(members.pop(other))
    return tuple(sorted(tuple(sorted(m)) for m in members.values()))


SourceRef = tuple[str, str]


@dataclass(frozen=True, slots=True)
class CannotLinks:
    """Explicit cannot-links recorded by reviewers or data stewards.

    Attributes:
        pairs: Unordered pairs of source records that must never share a golden.
        rejected: ``(record, golden_id)`` pairs: a reviewer rejected this record
            joining this golden.
    """

    pairs: frozenset[frozenset[SourceRef]] = frozenset()
    rejected: frozenset[tuple[SourceRef, str]] = frozenset()

    @classmethod
    def of(
        cls,
        pairs: Iterable[tuple[SourceRef, SourceRef]] = (),
        rejected: Iterable[tuple[SourceRef, str]] = (),
    ) -> CannotLinks:
        """Build from plain pairs."""
        return cls(frozenset(frozenset(p) for p in pairs), frozenset(rejected))

    def forbids(self, a: SourceRef, b: SourceRef) -> bool:
        return bool(self.pairs) and frozenset((a, b)) in self.pairs

    def rejects(self, record: SourceRef, golden_id: str) -> bool:
        return (record, golden_id) in self.rejected
