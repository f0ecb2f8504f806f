"""Pairwise and cluster quality of golden records against a ground truth.

Both sides map (source_system, source_key) to a cluster label: the golden
customer id on the predicted side, the true entity id on the other. Only
records present on both sides are scored.

Example:
    >>> same = {("s", "1"): "g1", ("s", "2"): "g1"}
    >>> evaluate(same, {("s", "1"): "e", ("s", "2"): "e"}).pairwise.f1
    1.0
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from itertools import combinations

Ref = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Scores:
    precision: float
    recall: float
    f1: float
    true_positives: int
    predicted: int
    actual: int


@dataclass(frozen=True, slots=True)
class Evaluation:
    records: int
    pairwise: Scores
    cluster: Scores  # exact cluster equality
    bcubed: Scores
    false_merges: tuple[tuple[Ref, Ref], ...]  # same golden, different entities
    missed_merges: tuple[tuple[Ref, Ref], ...]  # same entity, different goldens


def _scores(tp: int, predicted: int, actual: int) -> Scores:
    precision = tp / predicted if predicted else 1.0
    recall = tp / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, tp, predicted, actual)


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def evaluate(
    predicted: Mapping[Ref, Hashable], truth: Mapping[Ref, Hashable], examples: int = 20
) -> Evaluation:
    """Score predicted clusters against true ones.

    Args:
        predicted: record -> golden customer id.
        truth: record -> true entity id.
        examples: how many false and missed merges to list (smallest clusters first).
    """
    refs = sorted(set(predicted) & set(truth))
    cells: Counter[tuple[Hashable, Hashable]] = Counter((predicted[r], truth[r]) for r in refs)
    pred_sizes: Counter[Hashable] = Counter(predicted[r] for r in refs)
    true_sizes: Counter[Hashable] = Counter(truth[r] for r in refs)
    tp = sum(_pairs(n) for n in cells.values())
    pairwise = _scores(
        tp, sum(map(_pairs, pred_sizes.values())), sum(map(_pairs, true_sizes.values()))
    )

    pred_members: dict[Hashable, frozenset[Ref]] = {}
    true_members: dict[Hashable, frozenset[Ref]] = {}
    grouped_pred: dict[Hashable, list[Ref]] = defaultdict(list)
    grouped_true: dict[Hashable, list[Ref]] = defaultdict(list)
    for r in refs:
        grouped_pred[predicted[r]].append(r)
        grouped_true[truth[r]].append(r)
    pred_members = {k: frozenset(v) for k, v in grouped_pred.items()}
    true_members = {k: frozenset(v) for k, v in grouped_true.items()}
    exact = len(set(pred_members.values()) & set(true_members.values()))
    cluster = _scores(exact, len(pred_members), len(true_members))

    b_precision = sum(cells[(predicted[r], truth[r])] / pred_sizes[predicted[r]] for r in refs)
    b_recall = sum(cells[(predicted[r], truth[r])] / true_sizes[truth[r]] for r in refs)
    n = len(refs) or 1
    bp, br = b_precision / n, b_recall / n
    bcubed = Scores(bp, br, 2 * bp * br / (bp + br) if bp + br else 0.0, 0, len(refs), len(refs))

    false_merges: list[tuple[Ref, Ref]] = []
    for members in sorted(pred_members.values(), key=lambda m: (len(m), min(m))):
        if len(false_merges) >= examples:
            break
        if len({truth[r] for r in members}) > 1:
            for a, b in combinations(sorted(members), 2):
                if truth[a] != truth[b]:
                    false_merges.append((a, b))
                    break
    missed: list[tuple[Ref, Ref]] = []
    for members in sorted(true_members.values(), key=lambda m: (len(m), min(m))):
        if len(missed) >= examples:
            break
        if len({predicted[r] for r in members}) > 1:
            for a, b in combinations(sorted(members), 2):
                if predicted[a] != predicted[b]:
                    missed.append((a, b))
                    break
    return Evaluation(len(refs), pairwise, cluster, bcubed, tuple(false_merges), tuple(missed))
