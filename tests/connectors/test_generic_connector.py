"""The generic connector and its mapping files."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from connectors import KNOWN_SYSTEMS, get_connector
from connectors.base import RejectedPayload
from connectors.files import read_records
from connectors.generic import (
    GenericConnector,
    GenericMapping,
    MappingError,
    NameColumns,
    load_mapping,
)
from mdm.records import IdentifierKind, PartyKind, PartyRecord

FIXTURES = Path(__file__).parent / "fixtures"
MAPPINGS = Path(__file__).parents[2] / "examples" / "mappings"


def crm_parties() -> dict[str, PartyRecord]:
    connector = get_connector("generic", MAPPINGS / "crm_contacts.toml")
    parties = {}
    for record in read_records(FIXTURES / "crm_contacts.csv"):
        assert record.payload is not None
        if record.payload["contact_id"].strip():
            (party,) = connector.parse(record.payload).parties
            parties[party.source_key] = party
    return parties


def parse(mapping: dict[str, Any], row: dict[str, Any]) -> PartyRecord:
    connector = GenericConnector(GenericMapping.model_validate(mapping))
    (party,) = connector.parse(row).parties
    return party


def test_crm_person_row_keeps_the_employer_off_its_identifiers() -> None:
    party = crm_parties()["CRM-0001"]
    assert (party.source_system, party.kind) == ("crm", PartyKind.PERSON)
    assert [n.full for n in party.names] == ["林嘉欣"]
    assert [p.e164 for p in party.phones] == ["+8613912345678"]
    assert (party.gender, party.birth_date) == ("F", date(1990, 3, 14))
    assert party.identifiers == ()
    assert party.extra == {
        "organisation": "上海林氏贸易有限公司",
        "organisation_code": "91310104MA1FL3XX24",
        "owner": "销售一部",
    }
    assert party.observed_at == datetime(2024, 10, 1, 1, 0, tzinfo=UTC)


def test_crm_company_row_is_an_organisation_with_its_credit_code() -> None:
    party = crm_parties()["CRM-0002"]
    assert party.kind is PartyKind.ORGANISATION
    assert party.org_name is not None
    assert party.org_name.full == "广州天河体育用品有限公司"
    assert party.names == ()
    assert [(i.kind, i.valid) for i in party.identifiers] == [(IdentifierKind.CREDIT_CODE, True)]
    assert party.extra["contact_name"] == "王伟"
    assert [p.e164 for p in party.phones] == ["+862038880000"]


def test_a_resident_id_fills_birth_date_and_gender() -> None:
    party = crm_parties()["CRM-0003"]
    assert (party.birth_date, party.gender) == (date(1990, 3, 14), "F")
    assert [i.kind for i in party.identifiers] == [IdentifierKind.RESIDENT_ID]


def test_junk_dates_are_kept_as_evidence() -> None:
    party = crm_parties()["CRM-0004"]
    assert (party.birth_date, party.observed_at) == (None, None)
    assert party.extra["invalid_birthday"] == "1988-02-30"
    assert party.extra["invalid_updated_at"] == "not a date"
    assert party.emails[0].value is None  # kept, marked invalid


@pytest.mark.parametrize(
    ("family", "given", "surname", "full_starts"),
    [
        ("Neumann", "Michaela", "neumann", "neumann mich"),
        ("Lin", "Jiaxin", "lin", "lin jiaxin"),
        ("wei", "zhang", "wei", "wei zhang"),  # the family column wins over pinyin guesses
        ("林", "嘉欣", "林", "林嘉欣"),
        ("neumann", "", "neumann", "neumann"),
    ],
)
def test_family_and_given_columns_make_one_name(
    family: str, given: str, surname: str, full_starts: str
) -> None:
    mapping = {"source_key": "id", "names": {"family": "sn", "given": "gn"}}
    (name,) = parse(mapping, {"id": "1", "sn": family, "gn": given}).names
    assert name.surname == surname
    assert name.full.startswith(full_starts)


def test_detail_columns_are_joined_and_party_kind_read_by_value_map() -> None:
    mapping = {
        "source_system": "dealer",
        "source_key": "id",
        "party_kind": {"column": "t", "values": {"C": "organisation"}},
        "organisation": {"name": "name"},
        "address": {"province": "prov", "detail": ["street", "no"], "postcode": "zip"},
    }
    row = {"id": "7", "t": "c", "name": "林氏贸易有限公司", "prov": "上海", "street": "漕溪北路",
           "no": "88号", "zip": "200030"}  # fmt: skip
    party = parse(mapping, row)
    assert (party.source_system, party.kind) == ("dealer", PartyKind.ORGANISATION)
    assert party.addresses[0].detail == "漕溪北路88号"
    assert parse(mapping, {**row, "t": "x"}).kind is PartyKind.PERSON  # the default


def test_birth_date_by_format_and_shorthand_columns() -> None:
    mapping = {
        "source_key": "id",
        "birth_date": {"column": "dob", "format": "%Y%m%d"},
        "phones": "tel",
        "observed_at": "seen",
    }
    party = parse(mapping, {"id": 1, "dob": "19151111", "tel": "13800138000", "seen": 1730640000})
    assert party.source_key == "1"
    assert party.birth_date == date(1915, 11, 11)
    assert party.phones[0].e164 == "+8613800138000"
    assert party.observed_at == datetime(2024, 11, 3, 13, 20, tzinfo=UTC)


def test_rows_without_their_key_are_rejected() -> None:
    connector = GenericConnector(GenericMapping(source_key="id", names=NameColumns(full="n")))
    with pytest.raises(RejectedPayload, match="missing_key:id"):
        connector.parse({"n": "林嘉欣"})
    with pytest.raises(RejectedPayload, match="bad_type:n"):
        connector.parse({"id": "1", "n": {"full": "林嘉欣"}})


def test_yaml_and_toml_mappings_load(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text("source_key: id\nphones: [tel]\n", encoding="utf-8")
    (tmp_path / "m.toml").write_text('source_key = "id"\nphones = ["tel"]\n', encoding="utf-8")
    assert load_mapping(tmp_path / "m.yaml") == load_mapping(tmp_path / "m.toml")
    assert load_mapping(tmp_path / "m.yaml").source_system == "generic"


def test_the_shipped_examples_load() -> None:
    assert load_mapping(MAPPINGS / "febrl.yaml").source_key == "rec_id"
    assert load_mapping(MAPPINGS / "crm_contacts.toml").source_system == "crm"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("source_key: id\nphone: [tel]\n", "phone"),
        ("phones: [tel]\n", "source_key"),
        ("source_key: id\nidentifiers: [{column: x, kind: ssn}]\n", "identifiers.0.kind"),
        ("source_key: id\nnames: {full: n, family: f}\n", "names"),
        ("source_key: id\nparty_kind: robot\n", "party_kind"),
        ("source_key: id\naddress: {town: t}\n", "address.town"),
        ("source_key: [id\n", "cannot read"),
        ("- source_key\n", "table of keys"),
    ],
)
def test_bad_mappings_name_the_bad_key(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError, match=named.replace(".", r"\.").replace("[", r"\[")):
        load_mapping(path)


def test_a_mapping_needs_a_known_extension(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(MappingError, match=r"\.yaml, \.yml or \.toml"):
        load_mapping(path)


def test_get_connector_knows_its_systems_and_needs_a_mapping_for_generic() -> None:
    assert KNOWN_SYSTEMS == ("shop", "wechat", "callcenter", "erp", "generic")
    with pytest.raises(ValueError, match="needs a mapping"):
        get_connector("generic")
    with pytest.raises(ValueError, match="known systems: shop, wechat, callcenter, erp, generic"):
        get_connector("crm")
    for system in KNOWN_SYSTEMS[:-1]:
        assert get_connector(system).system == system
