"""Any CSV or JSONL of parties, read through a mapping file (YAML or TOML).

The mapping says which column is the source key and which columns feed which
canonical attribute. A minimal one::

    source_system = "crm"
    source_key = "contact_id"
    names = { full = "name" }
    phones = ["mobile"]

Working examples live in ``examples/mappings/`` (``febrl.yaml`` for the Febrl
benchmark data, ``crm_contacts.toml`` for a Chinese CRM export).

On organisation rows the organisation columns give the name and the unified
social credit code, and a person name on the row is kept as
``extra["contact_name"]``. On person rows the organisation columns describe the
employer, not the person, so they go to ``extra["organisation"]`` and
``extra["organisation_code"]``: the company's code must not make all its
contacts look like one party.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from connectors import fields
from connectors.base import rejecting_unexpected
from mdm.normalize.addresses import normalize_address, parse_address_text
from mdm.normalize.gender import normalize_gender
from mdm.normalize.identifiers import make_identifier, normalize_resident_id
from mdm.normalize.names import normalize_org_name
from mdm.normalize.timestamps import parse_timestamp
from mdm.records import (
    Address,
    Identifier,
    IdentifierKind,
    ParsedPayload,
    PartyKind,
    PartyRecord,
    PersonName,
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PartyKindColumn(_Section):
    """Party kind read from a column: ``values`` maps its texts to a kind, else ``default``."""

    column: str
    values: dict[str, PartyKind] = Field(default_factory=dict)
    default: PartyKind = PartyKind.PERSON


class NameColumns(_Section):
    """Where the person name is: one ``full`` column, or ``family`` and ``given`` columns."""

    full: str | None = None
    family: str | None = None
    given: str | None = None

    @model_validator(mode="after")
    def _one_way(self) -> NameColumns:
        if self.full is None and self.family is None and self.given is None:
            raise ValueError("names needs 'full', or 'family' and 'given'")
        if self.full is not None and (self.family is not None or self.given is not None):
            raise ValueError("names takes either 'full' or 'family'/'given', not both")
        return self


class IdentifierColumn(_Section):
    """A column holding an identifier of ``kind`` (``resident_id``, ``credit_code``, ...)."""

    column: str
    kind: IdentifierKind


class DateColumn(_Section):
    """A date or time column, parsed by strptime ``format`` if given, else by the usual rules."""

    column: str
    format: str | None = None


class AddressColumns(_Section):
    """Address parts; ``detail`` may list several columns (joined with a space).

    ``text`` names a column holding the whole address as one line, parsed when
    no parts are mapped.
    """

    province: str | None = None
    city: str | None = None
    district: str | None = None
    detail: list[str] = Field(default_factory=list)
    postcode: str | None = None
    region_code: str | None = None
    text: str | None = None

    @field_validator("detail", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class OrganisationColumns(_Section):
    """The organisation's name and unified social credit code columns."""

    name: str | None = None
    code: str | None = None


class GenericMapping(_Section):
    """Which column feeds which canonical attribute; see the module docstring.

    Attributes:
        source_system: The system the records belong to (default ``generic``).
        source_key: The column that identifies a record.
        party_kind: ``person``, ``organisation`` or a :class:`PartyKindColumn`.
        overlays: True when rows carry only changed fields (see ``Connector``).
    """

    source_system: str = Field(default="generic", min_length=1)
    source_key: str = Field(min_length=1)
    party_kind: PartyKind | PartyKindColumn = PartyKind.PERSON
    names: NameColumns | None = None
    nickname: str | None = None
    phones: list[str] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)
    identifiers: list[IdentifierColumn] = Field(default_factory=list)
    birth_date: DateColumn | None = None
    gender: str | None = None
    address: AddressColumns | None = None
    organisation: OrganisationColumns | None = None
    observed_at: DateColumn | None = None
    extra: list[str] = Field(default_factory=list)
    overlays: bool = False

    @field_validator("phones", "emails", "extra", mode="before")
    @classmethod
    def _column_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("birth_date", "observed_at", mode="before")
    @classmethod
    def _column_shorthand(cls, value: Any) -> Any:
        return {"column": value} if isinstance(value, str) else value


class MappingError(ValueError):
    """A mapping file that cannot be read or does not validate; the message names the key."""


def load_mapping(path: Path) -> GenericMapping:
    """Read and validate a mapping file (``.yaml``/``.yml`` or ``.toml``).

    Raises:
        MappingError: unreadable file, unknown extension, bad syntax, or a key
            that is unknown, missing or of the wrong type (named with its path,
            e.g. ``identifiers.0.kind``).

    Example:
        >>> load_mapping(Path("examples/mappings/febrl.yaml")).source_key
        'rec_id'
    """
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8")
        if suffix in {".yaml", ".yml"}:
            document = yaml.safe_load(text)
        elif suffix == ".toml":
            document = tomllib.loads(text)
        else:
            raise MappingError(f"{path}: a mapping must be .yaml, .yml or .toml, not {suffix!r}")
    except (OSError, UnicodeDecodeError, yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        raise MappingError(f"{path}: cannot read the mapping: {exc}") from exc
    if not isinstance(document, dict):
        raise MappingError(f"{path}: a mapping must be a table of keys, got {type(document)}")
    try:
        return GenericMapping.model_validate(document)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or '<root>'}: {error['msg']}"
            for error in exc.errors()
        )
        raise MappingError(f"{path}: invalid mapping: {problems}") from exc


class GenericConnector:
    """Parses rows of any CSV/JSONL of parties as its :class:`GenericMapping` says.

    Example:
        >>> mapping = GenericMapping(source_system="crm", source_key="id",
        ...                          names=NameColumns(full="name"), phones=["mobile"])
        >>> record = GenericConnector(mapping).parse(
        ...     {"id": "7", "name": "林嘉欣", "mobile": "13912345678"}).parties[0]
        >>> record.source_system, record.names[0].full, record.phones[0].e164
        ('crm', '林嘉欣', '+8613912345678')
    """

    def __init__(self, mapping: GenericMapping) -> None:
        self.mapping = mapping
        self.system = mapping.source_system
        self.overlays = mapping.overlays

    @rejecting_unexpected
    def parse(self, payload: Mapping[str, Any]) -> ParsedPayload:
        """Map one row to one party record.

        Raises:
            RejectedPayload: the source key column is missing or blank, or a
                mapped column holds an object or a list.
        """
        m = self.mapping
        key = fields.key(payload, m.source_key)
        extra: dict[str, str] = {}
        kind = self._kind(payload)
        name = self._name(payload)
        org_columns = m.organisation or OrganisationColumns()
        org_name_raw = fields.text(payload, org_columns.name) if org_columns.name else None
        org_code = _org_code(payload, m.organisation)
        identifiers, resident = self._identifiers(payload)
        if kind is PartyKind.ORGANISATION:
            org_raw = org_name_raw or name
            if org_name_raw and name:
                extra["contact_name"] = name
            names: tuple[PersonName, ...] = ()
            org_name = normalize_org_name(org_raw) if org_raw else None
            identifiers.append(org_code)
        else:
            names = fields.person_names(name)
            org_name = None
            _put(extra, "organisation", org_name_raw)
            _put(extra, "organisation_code", org_code.raw if org_code else None)
        birth_date = self._date(payload, m.birth_date, extra)
        gender = self._gender(payload, extra)
        if resident is not None:  # a valid resident ID knows both
            birth_date = birth_date or resident[0]
            gender = gender or resident[1]
        for column in m.extra:
            _put(extra, column, fields.text(payload, column))
        return ParsedPayload(
            parties=(
                PartyRecord(
                    source_system=m.source_system,
                    source_key=key,
                    kind=kind,
                    names=names,
                    org_name=org_name,
                    nickname=fields.text(payload, m.nickname) if m.nickname else None,
                    phones=fields.phones(*(fields.text(payload, c) for c in m.phones)),
                    emails=fields.emails(*(fields.text(payload, c) for c in m.emails)),
                    identifiers=fields.identifiers(*identifiers),
                    birth_date=birth_date,
                    gender=gender,
                    addresses=self._addresses(payload),
                    observed_at=self._observed_at(payload, extra),
                    extra=extra,
                ),
            )
        )

    def _kind(self, payload: Mapping[str, Any]) -> PartyKind:
        rule = self.mapping.party_kind
        if isinstance(rule, PartyKind):
            return rule
        value = fields.text(payload, rule.column)
        if value is None:
            return rule.default
        by_text = {text.casefold(): kind for text, kind in rule.values.items()}
        return by_text.get(value.casefold(), rule.default)

    def _name(self, payload: Mapping[str, Any]) -> str | None:
        columns = self.mapping.names
        if columns is None:
            return None
        if columns.full is not None:
            return fields.text(payload, columns.full)
        family = fields.text(payload, columns.family) if columns.family else None
        given = fields.text(payload, columns.given) if columns.given else None
        return fields.joined_name(family, given)

    def _identifiers(
        self, payload: Mapping[str, Any]
    ) -> tuple[list[Identifier | None], tuple[date | None, str | None] | None]:
        found: list[Identifier | None] = []
        resident: tuple[date | None, str | None] | None = None
        for spec in self.mapping.identifiers:
            raw = fields.text(payload, spec.column)
            if raw is None:
                continue
            if spec.kind is IdentifierKind.RESIDENT_ID:
                rid = normalize_resident_id(raw)
                if rid is not None and rid.identifier.valid and resident is None:
                    resident = (rid.birth_date, rid.gender)
            found.append(make_identifier(spec.kind, raw))
        return found, resident

    def _date(
        self, payload: Mapping[str, Any], spec: DateColumn | None, extra: dict[str, str]
    ) -> date | None:
        if spec is None:
            return None
        return fields.party_date(payload, spec.column, extra, fmt=spec.format)

    def _gender(self, payload: Mapping[str, Any], extra: dict[str, str]) -> str | None:
        column = self.mapping.gender
        raw = fields.text(payload, column) if column else None
        if raw is None or column is None:
            return None
        gender = normalize_gender(raw)
        if gender is None:
            extra[f"invalid_{column}"] = raw
        return gender

    def _addresses(self, payload: Mapping[str, Any]) -> tuple[Address, ...]:
        spec = self.mapping.address
        if spec is None:
            return ()

        def part(column: str | None) -> str | None:
            return fields.text(payload, column) if column else None

        detail_parts = [text for text in (part(c) for c in spec.detail) if text]
        parts = {
            "province": part(spec.province),
            "city": part(spec.city),
            "district": part(spec.district),
            "detail": " ".join(detail_parts) or None,
            "postcode": part(spec.postcode),
            "region_code": part(spec.region_code),
        }
        one_line = part(spec.text)
        if any(parts.values()):
            address = normalize_address(**parts)
        else:
            address = parse_address_text(one_line) if one_line else None
        return (address,) if address is not None else ()

    def _observed_at(self, payload: Mapping[str, Any], extra: dict[str, str]) -> datetime | None:
        spec = self.mapping.observed_at
        if spec is None:
            return None
        if spec.format is None:
            return fields.party_timestamp(payload, spec.column, extra)
        raw = fields.text(payload, spec.column)
        if raw is None:
            return None
        try:  # a naive time by format is Asia/Shanghai, as everywhere
            return parse_timestamp(datetime.strptime(raw, spec.format))
        except ValueError:
            extra[f"invalid_{spec.column}"] = raw
            return None


def _org_code(payload: Mapping[str, Any], spec: OrganisationColumns | None) -> Identifier | None:
    raw = fields.text(payload, spec.code) if spec and spec.code else None
    return make_identifier(IdentifierKind.CREDIT_CODE, raw) if raw else None


def _put(extra: dict[str, str], key: str, value: str | None) -> None:
    if value is not None:
        extra[key] = value
