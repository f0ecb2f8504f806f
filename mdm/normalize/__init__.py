"""Pure normalisation of source values into the canonical forms the matcher compares.

No I/O and no database: every function maps plain values to plain values (or
the frozen dataclasses of :mod:`mdm.records`), deterministically, and caches
where the work is expensive (pinyin, traditional-to-simplified, phone parsing).
"""

from mdm.normalize.addresses import (
    normalize_address,
    normalize_city,
    normalize_district,
    normalize_province,
    parse_address_text,
)
from mdm.normalize.emails import normalize_email
from mdm.normalize.gender import gender_from_honorific, normalize_gender
from mdm.normalize.identifiers import (
    ResidentId,
    make_identifier,
    near_identifier,
    normalize_credit_code,
    normalize_resident_id,
)
from mdm.normalize.names import normalize_person_name
from mdm.normalize.orgs import looks_like_organisation, normalize_org_name
from mdm.normalize.phones import normalize_phone, phone_key
from mdm.normalize.pinyin import pinyin_of
from mdm.normalize.text import clean_text, is_blank, is_hanzi, to_simplified
from mdm.normalize.timestamps import parse_date, parse_timestamp

__all__ = [
    "ResidentId",
    "clean_text",
    "gender_from_honorific",
    "is_blank",
    "is_hanzi",
    "looks_like_organisation",
    "make_identifier",
    "near_identifier",
    "normalize_address",
    "normalize_city",
    "normalize_credit_code",
    "normalize_district",
    "normalize_email",
    "normalize_gender",
    "normalize_org_name",
    "normalize_person_name",
    "normalize_phone",
    "normalize_province",
    "normalize_resident_id",
    "parse_address_text",
    "parse_date",
    "parse_timestamp",
    "phone_key",
    "pinyin_of",
    "to_simplified",
]
