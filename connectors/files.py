"""Reading source files and webhook bodies into raw records, at the edge.

Connectors parse mappings; this module turns bytes into those mappings. It
reads JSON Lines and CSV, plain or gzip-compressed, in UTF-8 (with or without
BOM) or GBK/GB18030, and never raises or drops a line: a line it cannot use
comes back as a :class:`RawRecord` with ``payload=None`` and ``error`` set, so
the pipeline can quarantine it with the rest of the batch going on.

Every record remembers the byte offset where its line starts in the
(decompressed) stream; ``read_records(path, start_offset=...)`` resumes
there after a crash.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import re
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal, cast

_Format = Literal["jsonl", "csv"]

_GZIP_MAGIC = b"\x1f\x8b"
_BOM = codecs.BOM_UTF8
_JSON_SUFFIXES = frozenset({".jsonl", ".json", ".ndjson"})
_CHUNK = 1 << 20
# Large enough for the 10 MB lines sources occasionally send; csv's default is 128 KiB.
_CSV_FIELD_LIMIT = 256 * 1024 * 1024
_CHARSET = re.compile(r"charset\s*=\s*\"?([\w.-]+)", re.IGNORECASE)
# Text no database column can hold: NUL, and UTF-16 surrogates that JSON escapes can smuggle in.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
#: Deeper JSON is refused: no source nests like that, and deep values overflow the stack later.
MAX_DEPTH = 64


@dataclass(frozen=True)
class RawRecord:
    """One line (or body item) before any connector has looked at it.

    Attributes:
        origin: Where it came from: the file path, or ``"body"`` for a webhook.
        line_no: 1-based line number of the record's first line (index + 1 for
            the items of a JSON array body).
        offset: Byte offset of the record's first line in the decompressed
            stream; pass it as ``start_offset`` to resume reading there.
        payload: The JSON object or the CSV row (header -> string value), or
            None when the line could not be read.
        raw_text: The line as decoded text (undecodable bytes replaced), for
            quarantine and humans.
        error: Why ``payload`` is None: ``"undecodable:<encoding>"``,
            ``"invalid_json: <msg>"``, ``"not_object:<json type>"``,
            ``"invalid_text: <msg>"`` (a NUL character or a lone surrogate in a
            value, which no database column can hold),
            ``"csv_columns: expected N, got M"`` or ``"invalid_csv: <msg>"``.
            ``raw_text`` then shows such characters as U+FFFD.
    """

    origin: str
    line_no: int
    offset: int
    payload: dict[str, Any] | None
    raw_text: str
    error: str | None


def read_records(
    path: Path, *, encoding: str | None = None, start_offset: int = 0
) -> Iterator[RawRecord]:
    """Yield every record of a JSON Lines or CSV file, good or bad, in file order.

    The format follows the extension (``.jsonl``/``.json``/``.ndjson`` or
    ``.csv``, optionally with ``.gz``); for any other name the first
    non-blank byte decides (``{`` or ``[`` means JSON Lines). Compression is
    detected from the gzip magic bytes as well as the name.

    Without ``encoding`` the file is decoded as UTF-8 with BOM when it starts
    with one, as UTF-8 when the lines holding non-ASCII bytes decode as strict
    UTF-8 (all of them, or most of them: the rest are then error records rather
    than the whole file being misread), and as GB18030 (a superset of GBK)
    otherwise.

    CSV rows are dicts of header -> string, ``""`` for an empty cell; quoted
    cells may span lines. Blank lines are skipped.

    Args:
        path: The file to read.
        encoding: Force a codec (``"gbk"``, ``"utf-8"``, ...) instead of detecting.
        start_offset: Resume at this byte offset, which must be the ``offset``
            of an earlier record. CSV headers are still read from the start;
            line numbers stay those of the whole file.

    Raises:
        ValueError: ``start_offset`` does not fall on the start of a line (the
            only error raised; bad lines are yielded, never raised).

    Example:
        >>> for rec in read_records(Path("calls.csv")):  # doctest: +SKIP
        ...     print(rec.line_no, rec.error or rec.payload["call_id"])
    """
    fmt = _detect_format(path)
    codec = encoding or _detect_encoding(lambda: _open_binary(path))
    with _open_binary(path) as stream:
        yield from _read_stream(stream, fmt, codec, str(path), start_offset)


def parse_body(body: bytes, content_type: str | None) -> list[RawRecord]:
    """Split a webhook body into raw records.

    Accepts a JSON array of objects, a single JSON object, JSON Lines, or (for
    ``text/csv``) CSV with a header row. The charset comes from the content
    type, else it is detected as for files. Items of a JSON array get
    ``line_no`` = index + 1 and ``offset`` 0. A body that is not one JSON
    document is read as JSON Lines, so each bad line becomes an error record.

    Example:
        >>> [r.payload for r in parse_body(b'[{"openid": "o1"}]', "application/json")]
        [{'openid': 'o1'}]
    """
    codec = _body_codec(body, content_type)
    media = (content_type or "").split(";")[0].strip().lower()
    if media in {"text/csv", "application/csv"}:
        return list(_read_stream(io.BytesIO(body), "csv", codec, "body", 0))
    text, error = _LineDecoder(codec).decode(body)
    stripped = text.strip()
    if not stripped:
        return []
    if error is None and stripped[:1] in {"[", "{"}:
        try:
            document, duplicates = _loads(stripped)
        except (ValueError, RecursionError):
            document = None  # maybe JSON Lines: read line by line below
        if isinstance(document, list):
            return [
                _json_item(item, "body", index + 1, 0, duplicates=duplicates)
                for index, item in enumerate(document)
            ]
        if document is not None:
            return [_json_item(document, "body", 1, 0, stripped, duplicates)]
    return list(_read_stream(io.BytesIO(body), "jsonl", codec, "body", 0))


# -- format and encoding --------------------------------------------------------------------

_Opener = Callable[[], AbstractContextManager[IO[bytes]]]
# What a damaged file raises while it is read: a truncated or corrupt gzip stream, I/O errors.
_BROKEN = (EOFError, OSError, zlib.error)


def count_lines(path: Path) -> int:
    """Lines in the file (decompressed): a cheap upper bound of its records, for planning."""
    count = 0
    with _open_binary(path) as stream:
        while chunk := stream.read(1 << 20):
            count += chunk.count(b"\n")
    return count


@contextmanager
def _open_binary(path: Path) -> Iterator[IO[bytes]]:
    with path.open("rb") as raw:
        if raw.peek(2)[:2] == _GZIP_MAGIC or path.suffix.lower() == ".gz":
            with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                yield cast(IO[bytes], unzipped)
        else:
            yield raw


def _detect_format(path: Path) -> _Format:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    if suffixes and suffixes[-1] in _JSON_SUFFIXES:
        return "jsonl"
    if suffixes and suffixes[-1] == ".csv":
        return "csv"
    try:
        with _open_binary(path) as stream:
            head = stream.read(4096)
    except _BROKEN:
        return "jsonl"  # unreadable either way: reading reports it as an error record
    return "jsonl" if head.removeprefix(_BOM).lstrip()[:1] in {b"{", b"["} else "csv"


def _detect_encoding(opener: _Opener) -> str:
    """Pick utf-8-sig, utf-8 or gb18030 by voting over the lines holding non-ASCII bytes."""
    utf8_ok = utf8_bad = 0
    try:
        with opener() as stream:
            for index, line in enumerate(stream):
                if index == 0 and line.startswith(_BOM):
                    return "utf-8-sig"
                if line.isascii():
                    continue
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    utf8_bad += 1
                else:
                    utf8_ok += 1
    except _BROKEN:
        pass  # a damaged file: vote with the lines that could be read
    return "gb18030" if utf8_bad >= utf8_ok and utf8_bad else "utf-8"


def _body_codec(body: bytes, content_type: str | None) -> str:
    match = _CHARSET.search(content_type or "")
    if match is None:
        return _detect_encoding(lambda: io.BytesIO(body))
    return match.group(1)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _loads(text: str) -> tuple[Any, dict[int, str]]:
    """Parse JSON, noting objects that repeat a key with a different value.

    JSON parsers keep the last of repeated keys; a source that sends
    ``{"member_id": "A", "member_id": "B"}`` is ambiguous, so such objects are
    reported (by ``id``) for their record to be rejected rather than guessed at.
    """
    duplicates: dict[int, str] = {}

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen: dict[str, Any] = {}
            for name, value in pairs:
                if name in seen and seen[name] != value:
                    duplicates[id(obj)] = f"duplicate key {name!r} with different values"
                seen[name] = value
        return obj

    return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=unique), duplicates


# -- lines and records ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Chunk:
    """One record's bytes: a physical line, or several for a CSV cell spanning lines."""

    line_no: int
    offset: int
    end: int  # offset just after the last line's terminator
    data: bytes  # without the final line terminator
    error: str | None = None  # the file could not be read on from here, or a quote never closed


def _physical_lines(stream: IO[bytes], *, pos: int, line_no: int, skip_to: int) -> Iterator[_Chunk]:
    """Yield lines from byte ``pos`` (which is line ``line_no``), skipping ahead to ``skip_to``.

    A file that breaks off (a truncated or corrupt gzip stream) ends with one
    chunk carrying the error, at the offset where reading failed.
    """
    last = b"\n"
    try:
        while pos < skip_to:
            chunk = stream.read(min(_CHUNK, skip_to - pos))
            if not chunk:
                return
            line_no += chunk.count(b"\n")
            pos += len(chunk)
            last = chunk[-1:]
        if last != b"\n":
            raise ValueError(f"start_offset {skip_to} is not the start of a line")
        for data in stream:
            end = pos + len(data)
            yield _Chunk(line_no, pos, end, data.rstrip(b"\r\n"))
            pos = end
            line_no += 1
    except _BROKEN as exc:
        yield _Chunk(line_no, pos, pos, b"", f"unreadable_file: {type(exc).__name__}: {exc}")


def _csv_chunks(lines: Iterator[_Chunk]) -> Iterator[_Chunk]:
    """Join physical lines while a quoted cell is still open (CSV allows newlines in quotes)."""
    pending: list[_Chunk] = []
    broken: _Chunk | None = None
    for line in lines:
        if line.error is not None:
            broken = line
            break
        pending.append(line)
        joined = b"\n".join(p.data for p in pending)
        if not _ends_in_quotes(joined):
            yield _Chunk(pending[0].line_no, pending[0].offset, line.end, joined)
            pending = []
    if pending:  # a quote opened and never closed (a cut-off file): the rest is one bad record
        joined = b"\n".join(p.data for p in pending)
        unclosed = "invalid_csv: a quoted cell is never closed"
        yield _Chunk(pending[0].line_no, pending[0].offset, pending[-1].end, joined, unclosed)
    if broken is not None:
        yield broken


def _ends_in_quotes(data: bytes) -> bool:
    """Tell whether a CSV record is still inside a quoted cell at its end.

    A quote opens a cell only at the start of a cell; inside one, ``""`` is an
    escaped quote. Quote and comma bytes never occur inside multi-byte
    characters in UTF-8 or GB18030, so the bytes can be scanned directly.
    """
    if b'"' not in data:
        return False
    in_quotes = False
    at_cell_start = True
    i, n = 0, len(data)
    while i < n:
        byte = data[i]
        if in_quotes:
            if byte == 0x22:
                if i + 1 < n and data[i + 1] == 0x22:
                    i += 1
                else:
                    in_quotes = False
            at_cell_start = False
        else:
            in_quotes = byte == 0x22 and at_cell_start
            at_cell_start = byte in (0x2C, 0x0A)
        i += 1
    return in_quotes


class _LineDecoder:
    """Decode one line at a time; a UTF-8 BOM is dropped wherever a line starts with one."""

    def __init__(self, codec: str) -> None:
        self.codec = codec
        try:
            self.is_utf8 = codecs.lookup(codec).name in {"utf-8", "utf-8-sig"}
        except LookupError:
            self.is_utf8 = False

    def decode(self, data: bytes) -> tuple[str, str | None]:
        if self.is_utf8:
            data = data.removeprefix(_BOM)
        codec = "utf-8" if self.is_utf8 else self.codec
        try:
            return data.decode(codec), None
        except UnicodeDecodeError:
            return data.decode(codec, errors="replace"), f"undecodable:{self.codec}"
        except LookupError:
            return data.decode("utf-8", errors="replace"), f"unknown_encoding:{self.codec}"


def _read_stream(
    stream: IO[bytes], fmt: _Format, codec: str, origin: str, start_offset: int
) -> Iterator[RawRecord]:
    decoder = _LineDecoder(codec)
    if fmt == "jsonl":
        for line in _physical_lines(stream, pos=0, line_no=1, skip_to=start_offset):
            if line.error is not None:
                yield RawRecord(origin, line.line_no, line.offset, None, "", line.error)
            elif line.data.strip():
                text, error = decoder.decode(line.data)
                yield _json_line(line, text, error, origin)
        return
    if csv.field_size_limit() < _CSV_FIELD_LIMIT:
        csv.field_size_limit(_CSV_FIELD_LIMIT)
    header_chunks = _csv_chunks(_physical_lines(stream, pos=0, line_no=1, skip_to=0))
    head = next((c for c in header_chunks if c.data.strip() or c.error), None)
    if head is None:
        return
    text, error = decoder.decode(head.data)
    cells, error = _split_csv(text, head.error or error)
    header = [cell.strip().removeprefix("\ufeff") for cell in cells]
    if error is None:
        error = _unstorable(header, 0) or _repeated(header)
    if error is not None and start_offset <= head.offset:
        yield RawRecord(
            origin, head.line_no, head.offset, None, _shown(text), f"csv_header: {error}"
        )
    # The header generator stopped right after the header, so the stream is positioned there.
    rows = _physical_lines(stream, pos=head.end, line_no=head.line_no + 1, skip_to=start_offset)
    for chunk in _csv_chunks(rows):
        if chunk.data.strip() or chunk.error:
            yield _csv_row(chunk, decoder, header if error is None else None, origin)


def _repeated(header: list[str]) -> str | None:
    """A header naming one column twice makes every row ambiguous."""
    seen: set[str] = set()
    for name in header:
        if name in seen:
            return f"duplicate column {name!r}"
        seen.add(name)
    return None


def _split_csv(text: str, error: str | None) -> tuple[list[str], str | None]:
    if error is not None:
        return [], error
    try:
        return next(csv.reader([text]), []), None
    except csv.Error as exc:
        return [], f"invalid_csv: {exc}"


def _csv_row(
    chunk: _Chunk, decoder: _LineDecoder, header: list[str] | None, origin: str
) -> RawRecord:
    text, error = decoder.decode(chunk.data)
    cells, error = _split_csv(text, chunk.error or error)
    payload: dict[str, Any] | None = None
    if error is None:
        if header is None:
            error = "csv_header: the header row could not be read"
        elif len(cells) != len(header):
            error = f"csv_columns: expected {len(header)}, got {len(cells)}"
        else:
            error = _unstorable(cells, 0)
            payload = dict(zip(header, cells, strict=True)) if error is None else None
    return RawRecord(origin, chunk.line_no, chunk.offset, payload, _shown(text), error)


def _json_line(line: _Chunk, text: str, error: str | None, origin: str) -> RawRecord:
    if error is not None:
        return RawRecord(origin, line.line_no, line.offset, None, _shown(text), error)
    try:
        value, duplicates = _loads(text)
    except (ValueError, RecursionError) as exc:
        return RawRecord(
            origin, line.line_no, line.offset, None, _shown(text), f"invalid_json: {exc}"
        )
    return _json_item(value, origin, line.line_no, line.offset, text, duplicates)


def _json_item(
    value: Any,
    origin: str,
    line_no: int,
    offset: int,
    text: str | None = None,
    duplicates: dict[int, str] | None = None,
) -> RawRecord:
    try:
        raw_text = text if text is not None else json.dumps(value, ensure_ascii=False)
    except RecursionError:
        error = f"invalid_json: nested deeper than {MAX_DEPTH} levels"
        return RawRecord(origin, line_no, offset, None, "(too deep to show)", error)
    if not isinstance(value, dict):
        error = f"not_object:{type(value).__name__}"
        return RawRecord(origin, line_no, offset, None, _shown(raw_text), error)
    # Only escapes can put unstorable characters into decoded JSON; only brackets nest it.
    if duplicates and (ambiguous := _duplicate_in(value, duplicates, 0)) is not None:
        return RawRecord(origin, line_no, offset, None, _shown(raw_text), ambiguous)
    if text is None or "\\u" in text or text.count("[") + text.count("{") > MAX_DEPTH:
        unstorable = _unstorable(value, 0)
        if unstorable is not None:
            return RawRecord(origin, line_no, offset, None, _shown(raw_text), unstorable)
    return RawRecord(origin, line_no, offset, value, raw_text, None)


def _unstorable(value: Any, depth: int) -> str | None:
    """Why a decoded value cannot be stored: a NUL or a lone surrogate, or absurd nesting."""
    if isinstance(value, str):
        found = _UNSTORABLE.search(value)
        if found is None:
            return None
        what = "a NUL character" if found.group() == "\x00" else "a lone UTF-16 surrogate"
        return f"invalid_text: {what} in a value"
    if depth >= MAX_DEPTH and isinstance(value, dict | list):
        return f"invalid_json: nested deeper than {MAX_DEPTH} levels"
    if isinstance(value, dict):
        for name, item in value.items():
            error = _unstorable(name, depth + 1) or _unstorable(item, depth + 1)
            if error is not None:
                return error
    elif isinstance(value, list):
        for item in value:
            error = _unstorable(item, depth + 1)
            if error is not None:
                return error
    return None


def _duplicate_in(value: Any, duplicates: dict[int, str], depth: int) -> str | None:
    if depth > MAX_DEPTH or not isinstance(value, dict | list):
        return None
    if id(value) in duplicates:
        return f"invalid_json: {duplicates[id(value)]}"
    items = value.values() if isinstance(value, dict) else value
    for item in items:
        found = _duplicate_in(item, duplicates, depth + 1)
        if found is not None:
            return found
    return None


def _shown(text: str) -> str:
    """The text for quarantine and humans, with unstorable characters as U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", text)
