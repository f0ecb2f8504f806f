"""ERP rows: customers, sales-order items and deliveries, told apart by their columns."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors.base import RejectedPayload
from connectors.erp import ErpConnector
from connectors.files import read_records
from mdm.records import (
    DeliveryFact,
    Identifier,
    IdentifierKind,
    OrderFact,
    OrderItem,
    PartyKind,
    PartyRecord,
    PartyRef,
)

FIXTURES = Path(__file__).parent / "fixtures"
CUSTOMER = {
    "KUNNR": "0000100234",
    "KTOKD": "Z001",
    "NAME1": "上海林氏贸易有限公司",
    "NAME2": "",
    "STCD5": "91310104MA1FL3XX24",
    "TELF1": "021-62345678",
    "SMTP_ADDR": "purchase@linshi.cn",
    "LAND1": "CN",
    "REGIO": "31",
    "ORT01": "上海",
    "ORT02": "徐汇区",
    "STRAS": "漕溪北路88号",
    "PSTLZ": "200030",
    "ERDAT": "20190312",
}
ORDER_ROW = {
    "VBELN": "4500012345",
    "POSNR": "10",
    "KUNNR": "0000100234",
    "ERDAT": "20241101",
    "NETWR": "12000.00",
    "WAERK": "CNY",
    "MATNR": "MAT-7731",
    "ARKTX": "保温杯 500ml",
    "KWMENG": "600",
    "CHARG": "B2410-07",
    "BSTKD": "PO-88",
}


def customer(**changes: Any) -> PartyRecord:
    (party,) = ErpConnector().parse({**CUSTOMER, **changes}).parties
    return party


def order_item(**changes: Any) -> OrderFact:
    (fact,) = ErpConnector().parse({**ORDER_ROW, **changes}).facts
    assert isinstance(fact, OrderFact)
    return fact


def test_an_organisation_keeps_its_leading_zeros_and_credit_code() -> None:
    party = customer()
    assert (party.source_system, party.source_key, party.kind) == (
        "erp",
        "0000100234",
        PartyKind.ORGANISATION,
    )
    assert party.org_name is not None
    assert (party.org_name.full, party.org_name.core) == ("上海林氏贸易有限公司", "林氏贸易")
    assert party.names == ()
    assert set(party.identifiers) == {
        Identifier(IdentifierKind.ERP_CUSTOMER, "0000100234", "0000100234", True),
        Identifier(IdentifierKind.CREDIT_CODE, "91310104MA1FL3XX24", "91310104MA1FL3XX24", True),
    }
    assert [p.e164 for p in party.phones] == ["+862162345678"]
    assert [e.value for e in party.emails] == ["purchase@linshi.cn"]
    (address,) = party.addresses
    assert (address.province, address.province_code, address.city) == ("上海", "31", "上海")
    assert address.postcode == "200030"
    assert party.observed_at == datetime(2019, 3, 11, 16, 0, tzinfo=UTC)  # midnight Shanghai


def test_an_invalid_credit_code_stays_as_evidence() -> None:
    party = customer(STCD5="91310104MA1FL3XX2Q")
    (code,) = [i for i in party.identifiers if i.kind is IdentifierKind.CREDIT_CODE]
    assert (code.value, code.valid) == ("91310104MA1FL3XX2Q", False)


def test_name2_continues_the_organisation_name() -> None:
    party = customer(NAME1="广州天河体育用品", NAME2="有限公司")
    assert party.org_name is not None
    assert party.org_name.full == "广州天河体育用品有限公司"


def test_name2_that_is_a_branch_continues_a_whole_name() -> None:
    party = customer(NAME1="上海林氏贸易有限公司", NAME2="徐汇分公司")
    assert party.org_name is not None
    assert (party.org_name.core, party.org_name.branch) == ("林氏贸易", "徐汇分公司")


def test_name2_after_a_whole_name_is_a_second_line_not_part_of_it() -> None:
    party = customer(NAME1="上海宝丰服饰股份有限公司", NAME2="Shanghai Baofeng Apparel Co., Ltd.")
    assert party.org_name is not None
    assert (party.org_name.core, party.org_name.legal_form) == ("宝丰服饰", "股份有限公司")
    assert party.extra["NAME2"] == "Shanghai Baofeng Apparel Co., Ltd."


def test_a_z002_row_is_a_person() -> None:
    party = customer(KTOKD="Z002", NAME1="林嘉欣", STCD5="", TELF1="13912345678", REGIO="44")
    assert party.kind is PartyKind.PERSON
    assert [n.full for n in party.names] == ["林嘉欣"]
    assert party.org_name is None
    assert [i.kind for i in party.identifiers] == [IdentifierKind.ERP_CUSTOMER]
    assert party.addresses[0].province == "广东"


def test_a_person_tax_number_that_is_a_resident_id_tells_birth_and_gender() -> None:
    party = customer(KTOKD="Z002", NAME1="王伟", STCD5="440106198507071230")
    assert (party.birth_date, party.gender) == (date(1985, 7, 7), "M")
    assert IdentifierKind.RESIDENT_ID in {i.kind for i in party.identifiers}


@pytest.mark.parametrize(
    ("name", "kind"), [("林嘉欣", "person"), ("林氏贸易有限公司", "organisation")]
)
def test_other_account_groups_are_told_by_the_name(name: str, kind: str) -> None:
    party = customer(KTOKD="Z009", NAME1=name)
    assert party.kind.value == kind
    assert party.extra["account_group"] == "Z009"


def test_a_junk_creation_date_keeps_the_customer() -> None:
    party = customer(ERDAT="20231341")
    assert party.observed_at is None
    assert party.extra["invalid_ERDAT"] == "20231341"


def test_a_foreign_customer_ignores_the_chinese_region_code() -> None:
    party = customer(LAND1="SG", REGIO="01", ORT01="Singapore", ORT02="", STRAS="1 Raffles Place")
    assert party.extra["LAND1"] == "SG"
    assert party.addresses[0].province is None


def test_an_order_row_is_an_order_with_one_item() -> None:
    fact = order_item()
    assert fact == OrderFact(
        source_system="erp",
        order_no="4500012345",
        party=PartyRef("erp", "0000100234"),
        channel="erp",
        status=None,
        ordered_at=datetime(2024, 10, 31, 16, 0, tzinfo=UTC),
        paid_at=None,
        total_amount=None,  # storage sums the items
        currency="CNY",
        items=(
            OrderItem(
                line_no="10",
                sku="MAT-7731",
                title="保温杯 500ml",
                quantity=Decimal(600),
                unit_price=None,
                amount=Decimal("12000.00"),
                batch_no="B2410-07",
            ),
        ),
        external_ref="PO-88",
    )


def test_rows_of_one_order_share_the_order_number() -> None:
    connector = ErpConnector()
    facts = [
        fact
        for record in read_records(FIXTURES / "erp_orders.csv")
        if record.payload and record.payload["VBELN"] == "4500012345"
        for fact in connector.parse(record.payload).facts
    ]
    assert all(isinstance(f, OrderFact) and f.order_no == "4500012345" for f in facts)
    lines = [item.line_no for f in facts if isinstance(f, OrderFact) for item in f.items]
    assert lines == ["10", "20"]


@pytest.mark.parametrize(
    ("netwr", "amount"), [("12,000.00", Decimal("12000.00")), ("5.00-", Decimal("-5.00"))]
)
def test_sap_amount_spellings(netwr: str, amount: Decimal) -> None:
    assert order_item(NETWR=netwr).items[0].amount == amount


def test_currency_defaults_to_cny_and_customer_may_be_blank() -> None:
    fact = order_item(WAERK="", KUNNR="")
    assert (fact.currency, fact.party) == ("CNY", None)


def test_a_delivery_row_is_a_delivery() -> None:
    row = {
        "VBELN_DEL": "8000000001",
        "VBELN": "4500012345",
        "CARRIER": "顺丰速运",
        "TRACKING_NO": "SF1234567890",
        "SHIPPED_AT": "20241102",
    }
    (fact,) = ErpConnector().parse(row).facts
    assert fact == DeliveryFact(
        "erp",
        "8000000001",
        "4500012345",
        "顺丰速运",
        "SF1234567890",
        datetime(2024, 11, 1, 16, 0, tzinfo=UTC),
    )


def test_the_gbk_file_reads_like_the_utf8_one() -> None:
    connector = ErpConnector()

    def parties(name: str) -> list[PartyRecord]:
        return [
            party
            for record in read_records(FIXTURES / name)
            if record.payload and record.payload["KUNNR"]
            for party in connector.parse(record.payload).parties
        ]

    utf8 = parties("erp_customers.csv")
    assert len(utf8) == 4
    assert parties("erp_customers_gbk.csv") == utf8


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"NAME1": "林嘉欣"}, "unknown_type"),
        ({"KUNNR": "0000100234"}, "unknown_type"),
        ({**CUSTOMER, "KUNNR": ""}, "missing_key:KUNNR"),
        ({**ORDER_ROW, "KWMENG": "six"}, "bad_type:KWMENG"),
        ({**ORDER_ROW, "VBELN": " "}, "missing_key:VBELN"),
        ({"VBELN_DEL": "8000000001", "VBELN": "4500012345", "SHIPPED_AT": "?"},
         "bad_timestamp:SHIPPED_AT"),
    ],
)  # fmt: skip
def test_unusable_rows_are_rejected(row: dict[str, Any], reason: str) -> None:
    with pytest.raises(RejectedPayload) as caught:
        ErpConnector().parse(row)
    assert caught.value.reason == reason
