"""One list of records prepared for batch work: features, blocking keys, comparison levels.

Learning trains on every record and then re-matches every record: both read the
same list, build the same features and keys and compare mostly the same
blocked pairs. :class:`PreparedRecords` computes each once and hands it to both
(:func:`mdm.training.train_model`, :func:`mdm.batch.cluster_records`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from mdm.blocking import BlockingKey, keys_of_features
from mdm.comparison_matrix import comparison_matrix
from mdm.features import RecordFeatures, features_of
from mdm.records import PartyRecord
from mdm.settings import MatchSettings

IntArray = npt.NDArray[np.int64]


class PreparedRecords:
    """Features and keys of ``records``, and the comparison levels of pairs of them, memoised."""

    def __init__(self, records: Sequence[PartyRecord], settings: MatchSettings) -> None:
        self.records = records
        self.settings = settings
        self.features: list[RecordFeatures] = [features_of(r) for r in records]
        self.keys: list[frozenset[BlockingKey]] = [keys_of_features(f) for f in self.features]
        self._codes: IntArray = np.zeros(0, dtype=np.int64)  # sorted pair codes i * n + j
        self._levels = np.zeros((0, len(settings.comparisons)), dtype=np.int8)

    def comparison_matrix(self, pairs: IntArray) -> npt.NDArray[np.int8]:
        """:func:`mdm.comparison_matrix.comparison_matrix` of ``pairs``; each pair compared once."""
        n = len(self.records)
        codes = pairs[:, 0] * n + pairs[:, 1] if len(pairs) else np.zeros(0, dtype=np.int64)
        at = np.searchsorted(self._codes, codes)
        known = at < len(self._codes)
        known[known] = self._codes[at[known]] == codes[known]
        out = np.empty((len(pairs), self._levels.shape[1]), dtype=np.int8)
        out[known] = self._levels[at[known]]
        new = ~known
        if new.any():
            fresh = comparison_matrix(self.features, pairs[new], self.settings)
            out[new] = fresh
            new_codes, first = np.unique(codes[new], return_index=True)
            merged = np.concatenate([self._codes, new_codes])
            order = np.argsort(merged, kind="stable")
            self._codes = merged[order]
            self._levels = np.concatenate([self._levels, fresh[first]])[order]
        return out


def prepare(
    records: Sequence[PartyRecord],
    settings: MatchSettings,
    prepared: PreparedRecords | None = None,
) -> PreparedRecords:
    """``prepared`` (checked to be of these records and settings), or a new preparation."""
    if prepared is None:
        return PreparedRecords(records, settings)
    if not (prepared.records is records and prepared.settings is settings):
        raise ValueError("prepared records belong to other records or settings")
    return prepared
