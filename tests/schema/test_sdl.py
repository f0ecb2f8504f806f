from __future__ import annotations

from pathlib import Path

from cdhub.export_sdl import DEFAULT_PATH, export_sdl, sdl


def test_committed_schema_matches_the_code() -> None:
    committed = DEFAULT_PATH.read_text(encoding="utf-8")
    assert committed == sdl(), (
        "schema.graphql is out of date with the code: "
        "regenerate it with `python -m cdhub.export_sdl` and commit it"
    )


def test_export_sdl_writes_the_schema(tmp_path: Path) -> None:
    target = tmp_path / "schema.graphql"
    export_sdl(target)
    text = target.read_text(encoding="utf-8")
    assert text == sdl()
    for fragment in (
        "interface Node",
        "type Customer implements Node",
        "customerByIdentity(",
        "type OrderConnection",
        "totalCount: Int!",
        "enum Dimension",
    ):
        assert fragment in text
