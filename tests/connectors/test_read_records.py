"""Reading files and webhook bodies into raw records: encodings, gzip, bad lines, resume."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from connectors.files import RawRecord, count_lines, parse_body, read_records

FIXTURES = Path(__file__).parent / "fixtures"
CSV_TEXT = "id,name,city\n1,林嘉欣,上海\n2,,广州\n3,王伟,\n"


def payloads(records: list[RawRecord]) -> list[dict[str, object] | None]:
    return [r.payload for r in records]


def test_jsonl_lines_become_objects_with_line_numbers_and_offsets(tmp_path: Path) -> None:
    lines = ['{"id": 1, "name": "林嘉欣"}', '{"id": 2}']
    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records = list(read_records(path))
    assert payloads(records) == [{"id": 1, "name": "林嘉欣"}, {"id": 2}]
    assert [r.line_no for r in records] == [1, 2]
    assert [r.offset for r in records] == [0, len(lines[0].encode()) + 1]
    assert records[0].raw_text == lines[0]
    assert all(r.origin == str(path) and r.error is None for r in records)


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ('{"id": 1', "invalid_json"),
        ("[1, 2]", "not_object:list"),
        ('"text"', "not_object:str"),
        ('{"amount": NaN}', "invalid_json"),
    ],
)
def test_bad_json_lines_are_error_records_not_exceptions(
    tmp_path: Path, line: str, error: str
) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(f'{{"id": 1}}\n{line}\n{{"id": 3}}\n', encoding="utf-8")
    records = list(read_records(path))
    assert payloads(records) == [{"id": 1}, None, {"id": 3}]
    assert records[1].error is not None
    assert records[1].error.startswith(error)
    assert (records[1].line_no, records[1].raw_text) == (2, line)


def test_blank_lines_and_crlf_are_handled(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"id": 1}\r\n\r\n   \n{"id": 2}\r\n')
    records = list(read_records(path))
    assert payloads(records) == [{"id": 1}, {"id": 2}]
    assert [r.line_no for r in records] == [1, 4]


def test_csv_rows_are_dicts_of_strings_with_empty_cells_kept(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(CSV_TEXT, encoding="utf-8")
    assert payloads(list(read_records(path))) == [
        {"id": "1", "name": "林嘉欣", "city": "上海"},
        {"id": "2", "name": "", "city": "广州"},
        {"id": "3", "name": "王伟", "city": ""},
    ]


def test_a_csv_row_with_the_wrong_number_of_cells_is_an_error_record(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("id,name\n1,林\n2,王,extra\n3\n4,陈\n", encoding="utf-8")
    records = list(read_records(path))
    assert [r.error for r in records] == [
        None,
        "csv_columns: expected 2, got 3",
        "csv_columns: expected 2, got 1",
        None,
    ]
    assert records[1].raw_text == "2,王,extra"


def test_quoted_csv_cells_may_hold_commas_quotes_and_newlines(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text('id,note\n1,"a, ""b""\nc"\n2,林"小姐\n', encoding="utf-8")
    records = list(read_records(path))
    assert payloads(records) == [{"id": "1", "note": 'a, "b"\nc'}, {"id": "2", "note": '林"小姐'}]
    assert [r.line_no for r in records] == [2, 4]


def test_a_utf8_bom_is_not_part_of_the_first_header(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_bytes(b"\xef\xbb\xbf" + CSV_TEXT.encode("utf-8"))
    first = next(read_records(path))
    assert first.payload == {"id": "1", "name": "林嘉欣", "city": "上海"}


def test_the_callcenter_fixture_starts_with_a_bom() -> None:
    assert (FIXTURES / "callcenter.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    first = next(read_records(FIXTURES / "callcenter.csv"))
    assert first.payload is not None
    assert "call_id" in first.payload


@pytest.mark.parametrize("codec", ["gbk", "gb18030"])
def test_gbk_files_are_detected(tmp_path: Path, codec: str) -> None:
    path = tmp_path / "legacy.csv"
    path.write_bytes(CSV_TEXT.encode(codec))
    assert payloads(list(read_records(path)))[0] == {"id": "1", "name": "林嘉欣", "city": "上海"}


def test_an_encoding_can_be_forced(tmp_path: Path) -> None:
    path = tmp_path / "legacy.csv"
    path.write_bytes(CSV_TEXT.encode("gbk"))
    forced = list(read_records(path, encoding="gbk"))
    assert forced == list(read_records(path))
    as_utf8 = list(read_records(path, encoding="utf-8"))
    assert as_utf8[0].payload is None  # the header itself is undecodable
    assert as_utf8[0].error is not None
    assert all(r.payload is None for r in as_utf8)


def test_an_invalid_utf8_line_is_an_error_record_and_the_rest_still_reads(tmp_path: Path) -> None:
    good = ['{"name": "林嘉欣"}', '{"name": "王伟"}', '{"name": "陈美玲"}']
    bad = b'{"name": "' + "林".encode("gbk") + b'"}'
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join([good[0].encode(), bad, good[1].encode(), good[2].encode()]))
    records = list(read_records(path))
    assert [r.error for r in records] == [None, "undecodable:utf-8", None, None]
    assert records[2].payload == {"name": "王伟"}
    assert "\ufffd" in records[1].raw_text


@pytest.mark.parametrize("name", ["a.jsonl.gz", "a.ndjson.gz", "a.json"])
def test_gzip_and_json_suffixes(tmp_path: Path, name: str) -> None:
    data = b'{"id": 1}\n{"id": 2}\n'
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    assert payloads(list(read_records(path))) == [{"id": 1}, {"id": 2}]


def test_gzip_csv_is_read_and_format_sniffed_without_a_known_suffix(tmp_path: Path) -> None:
    gz = tmp_path / "export.csv.gz"
    gz.write_bytes(gzip.compress(CSV_TEXT.encode("gbk")))
    assert len(list(read_records(gz))) == 3
    blob = tmp_path / "export.dat"
    blob.write_bytes(gzip.compress(b'{"id": 1}\n'))  # gzip by magic bytes, JSONL by first byte
    assert payloads(list(read_records(blob))) == [{"id": 1}]
    text = tmp_path / "export.txt"
    text.write_text(CSV_TEXT, encoding="utf-8")
    assert next(read_records(text)).payload == {"id": "1", "name": "林嘉欣", "city": "上海"}


@pytest.mark.parametrize("name", ["a.jsonl", "a.jsonl.gz"])
def test_reading_resumes_at_any_record_offset(tmp_path: Path, name: str) -> None:
    lines = [json.dumps({"id": i, "name": "林" * i}, ensure_ascii=False) for i in range(6)]
    data = ("\n".join(lines[:3]) + "\n{broken\n" + "\n".join(lines[3:]) + "\n").encode()
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    everything = list(read_records(path))
    assert len(everything) == 7
    for index, record in enumerate(everything):
        assert list(read_records(path, start_offset=record.offset)) == everything[index:]


def test_csv_resume_reads_the_header_first(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"\xef\xbb\xbf" + b'id,note\n1,"x\ny"\n2,b\n3,c\n')
    everything = list(read_records(path))
    assert [r.line_no for r in everything] == [2, 4, 5]
    for index, record in enumerate(everything):
        assert list(read_records(path, start_offset=record.offset)) == everything[index:]
    assert list(read_records(path, start_offset=0)) == everything
    assert list(read_records(path, start_offset=path.stat().st_size)) == []


def test_resuming_in_the_middle_of_a_line_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": 1}\n{"id": 2}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="not the start of a line"):
        list(read_records(path, start_offset=3))


def test_ten_megabyte_lines_do_not_crash(tmp_path: Path) -> None:
    big = "林" * (10 * 1024 * 1024 // 3)
    jsonl = tmp_path / "big.jsonl"
    jsonl.write_text(json.dumps({"id": 1, "summary": big}, ensure_ascii=False) + '\n{"id": 2}\n')
    records = list(read_records(jsonl))
    assert records[0].payload == {"id": 1, "summary": big}
    assert records[1].payload == {"id": 2}
    csv_path = tmp_path / "big.csv"
    csv_path.write_text(f'id,summary\n1,"{big}"\n2,short\n', encoding="utf-8")
    rows = list(read_records(csv_path))
    assert rows[0].payload == {"id": "1", "summary": big}
    assert rows[1].payload == {"id": "2", "summary": "short"}
    truncated = tmp_path / "truncated.jsonl"
    truncated.write_text('{"id": 1, "summary": "' + big + "\n", encoding="utf-8")
    (only,) = read_records(truncated)
    assert only.error is not None


def test_body_json_array_single_object_and_jsonl() -> None:
    array = parse_body(b'[{"openid": "o1"}, 5, {"openid": "o2"}]', "application/json")
    assert payloads(array) == [{"openid": "o1"}, None, {"openid": "o2"}]
    assert [r.line_no for r in array] == [1, 2, 3]
    assert array[1].error == "not_object:int"
    single = parse_body('{"openid": "o1", "nickname": "小林"}'.encode(), None)
    assert payloads(single) == [{"openid": "o1", "nickname": "小林"}]
    lines = parse_body(b'{"openid": "o1"}\n{"openid": "o2"}\n', "application/x-ndjson")
    assert payloads(lines) == [{"openid": "o1"}, {"openid": "o2"}]


def test_body_charset_and_detection() -> None:
    body = '{"name": "林嘉欣"}'.encode("gbk")
    assert payloads(parse_body(body, "application/json; charset=GBK")) == [{"name": "林嘉欣"}]
    assert payloads(parse_body(body, None)) == [{"name": "林嘉欣"}]
    bom = b"\xef\xbb\xbf" + '[{"name": "林"}]'.encode()
    assert payloads(parse_body(bom, "application/json")) == [{"name": "林"}]


def test_bad_bodies_yield_error_records() -> None:
    (broken,) = parse_body(b'[{"openid": "o1"}', "application/json")
    assert broken.payload is None
    assert broken.error is not None
    assert broken.error.startswith("invalid_json")
    (unknown,) = parse_body(b'{"a": 1}', "application/json; charset=klingon")
    assert unknown.error == "unknown_encoding:klingon"
    assert parse_body(b"", None) == []
    assert parse_body(b"  \n", "application/json") == []


def test_csv_bodies() -> None:
    body = CSV_TEXT.encode("utf-8")
    records = parse_body(body, "text/csv; charset=utf-8")
    assert payloads(records)[0] == {"id": "1", "name": "林嘉欣", "city": "上海"}
    assert all(r.origin == "body" for r in records)


def test_count_lines_counts_the_decompressed_lines_of_plain_and_gzip_files(
    tmp_path: Path,
) -> None:
    body = "".join(f'{{"n": {i}}}\n' for i in range(2500)).encode()
    plain, packed = tmp_path / "a.jsonl", tmp_path / "a.jsonl.gz"
    plain.write_bytes(body)
    packed.write_bytes(gzip.compress(body))
    assert count_lines(plain) == count_lines(packed) == 2500
    (tmp_path / "empty.csv").write_bytes(b"")
    assert count_lines(tmp_path / "empty.csv") == 0
