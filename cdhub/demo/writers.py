"""Writing the demo files: JSON Lines and CSV in the encodings the sources use."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

_BUFFER = 1 << 20


_ENCODER = json.JSONEncoder(ensure_ascii=False)


def json_line(record: dict[str, Any]) -> str:
    """A record as one JSON Lines line (without the newline), non-ASCII kept as is.

    Channels encode as they go: a line of text is a tenth of the memory of the dict.
    """
    return _ENCODER.encode(record)


def write_jsonl(path: Path, lines: Iterable[str]) -> int:
    """Write already-encoded JSON lines, UTF-8; returns the count."""
    count = 0
    with path.open("w", encoding="utf-8", newline="\n", buffering=_BUFFER) as handle:
        for line in lines:
            handle.write(line)
            handle.write("\n")
            count += 1
    return count


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    encoding: str = "utf-8",
) -> int:
    """A header row and data rows with CRLF line ends; returns the data row count.

    `encoding` is ``utf-8``, ``utf-8-sig`` (with a byte-order mark) or ``gbk``;
    characters GBK cannot hold are written as ``?``, as legacy exports do.
    """
    errors = "replace" if encoding == "gbk" else "strict"
    count = 0
    with path.open("w", encoding=encoding, errors=errors, newline="", buffering=_BUFFER) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count
