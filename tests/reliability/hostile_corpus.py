"""A corpus of hostile input, each case with the outcome the hub owes it.

Every case is one line of a source feed (a JSON Lines object or a CSV row
under the feed's header) and says what must become of it: ``INGESTED`` (a
source record or fact under ``key`` is stored, optionally with ``check``
values), or quarantined with an exact reason (``unparseable:*`` when the line
cannot be read, else the connector's ``missing_key:*``, ``bad_type:*``,
``bad_value:*``, ``bad_timestamp:*`` or ``unknown_type``). No case may crash a
batch, and none may take another case down with it.

The families: truncated JSON, wrong types, nulls everywhere, 10 MB lines,
invalid UTF-8, GBK mislabelled as UTF-8, zero-width and control characters,
emoji, SQL and script injection in names, dates in 1900 and 2999 (and just
outside), numbers the storage cannot hold, and repeated keys: one object
naming a key twice, and two records of one source key in one batch.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

INGESTED = "ingested"
DROP = object()  # a field value meaning "leave the field out"
TEN_MB = 10 * 1024 * 1024

HEADERS: dict[str, tuple[str, ...]] = {
    "callcenter": (
        "call_id",
        "caller_number",
        "customer_name",
        "started_at",
        "duration_s",
        "agent_id",
        "category",
        "summary",
        "ticket_no",
        "ticket_status",
        "order_no",
        "batch_no",
        "satisfaction",
    ),
    "erp_customers": (
        "KUNNR",
        "KTOKD",
        "NAME1",
        "NAME2",
        "STCD5",
        "TELF1",
        "SMTP_ADDR",
        "LAND1",
        "REGIO",
        "ORT01",
        "ORT02",
        "STRAS",
        "PSTLZ",
        "ERDAT",
    ),
    "erp_orders": (
        "VBELN",
        "POSNR",
        "KUNNR",
        "ERDAT",
        "NETWR",
        "WAERK",
        "MATNR",
        "ARKTX",
        "KWMENG",
        "CHARG",
        "BSTKD",
    ),
    "erp_deliveries": ("VBELN_DEL", "VBELN", "CARRIER", "TRACKING_NO", "SHIPPED_AT"),
    "crm": (
        "contact_id",
        "customer_type",
        "contact_name",
        "gender",
        "birthday",
        "id_number",
        "mobile",
        "office_phone",
        "email",
        "company",
        "credit_code",
        "province",
        "city",
        "address",
        "owner",
        "updated_at",
    ),
}
#: feed -> (source system for the connector, what an ingested case stores: party|order|delivery)
FEEDS: dict[str, tuple[str, str]] = {
    "shop": ("shop", "party"),
    "shop_orders": ("shop", "order"),
    "wechat": ("wechat", "party"),
    "callcenter": ("callcenter", "party"),
    "erp_customers": ("erp", "party"),
    "erp_orders": ("erp", "order"),
    "erp_deliveries": ("erp", "delivery"),
    "crm": ("generic", "party"),
}


@dataclass(frozen=True)
class Case:
    """One hostile line and what the hub must do with it.

    Attributes:
        id: A unique, readable name.
        feed: Which file/webhook feed the line belongs to (a key of ``FEEDS``).
        line: The bytes of the line (no line terminator).
        expect: ``INGESTED`` or the exact quarantine reason.
        key: For ingested cases, the source key (or order/delivery number) stored.
        check: For ingested cases, values the stored record must hold: dotted
            paths into the source record's attributes (party feeds) or columns
            of the order/delivery row.
    """

    id: str
    feed: str
    line: bytes
    expect: str
    key: str | None = None
    check: Mapping[str, Any] = field(default_factory=dict)
    #: The line opens a quote it never closes, swallowing what follows: it goes last in its file.
    at_end: bool = False

    @property
    def is_csv(self) -> bool:
        return self.feed in HEADERS


CASES: list[Case] = []


def _json(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def _csv(feed: str, row: Mapping[str, Any]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(
        ["" if row.get(c) is None else row[c] for c in HEADERS[feed]]
    )
    return out.getvalue().encode("utf-8")


def _merged(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for name, value in changes.items():
        if value is DROP:
            out.pop(name, None)
        else:
            out[name] = value
    return out


def add(
    case_id: str,
    feed: str,
    expect: str,
    *,
    key: str | None = None,
    line: bytes | None = None,
    check: Mapping[str, Any] | None = None,
    at_end: bool = False,
    **changes: Any,
) -> None:
    """Add a case: the feed's base record with ``changes``, or the literal ``line``.

    The base record's key is the case id unless ``changes`` sets it; an
    ingested case is looked up under ``key`` (default: the case id).
    """
    if line is None:
        base = _BASES[feed](case_id)
        record = _merged(base, changes)
        line = _csv(feed, record) if feed in HEADERS else _json(record)
    stored = (key or case_id) if expect == INGESTED else None
    CASES.append(Case(case_id, feed, line, expect, stored, dict(check or {}), at_end))


_BASES = {
    "shop": lambda k: {"type": "member", "member_id": k, "name": "林嘉欣", "mobile": "13912345678"},
    "shop_orders": lambda k: {
        "type": "order",
        "tid": k,
        "member_id": "M-ORDERS",
        "created": "2024-11-03 20:15:00",
        "payment": "398.00",
        "items": [{"oid": "1", "sku": "SKU-7731", "num": 2, "price": "199.00"}],
        "points_earned": 398,
    },
    "wechat": lambda k: {
        "event": "user_info",
        "openid": k,
        "nickname": "Band",
        "sex": 1,
        "subscribe": 1,
        "subscribe_time": 1382694957,
    },
    "callcenter": lambda k: {
        "call_id": k,
        "caller_number": "021-62345678",
        "customer_name": "林小姐",
        "started_at": "2024-11-06 09:12:44",
        "duration_s": "312",
        "agent_id": "A017",
        "category": "complaint",
        "summary": "杯盖漏水 要求换货",
        "ticket_no": "",
        "satisfaction": "",
    },
    "erp_customers": lambda k: {
        "KUNNR": k,
        "KTOKD": "Z002",
        "NAME1": "林嘉欣",
        "TELF1": "13912345678",
        "LAND1": "CN",
        "REGIO": "31",
        "ORT01": "上海",
        "ERDAT": "20231102",
    },
    "erp_orders": lambda k: {
        "VBELN": k,
        "POSNR": "10",
        "KUNNR": "0000100234",
        "ERDAT": "20241101",
        "NETWR": "12000.00",
        "WAERK": "CNY",
        "MATNR": "MAT-7731",
        "ARKTX": "保温杯 500ml",
        "KWMENG": "600",
    },
    "erp_deliveries": lambda k: {
        "VBELN_DEL": k,
        "VBELN": "4500012345",
        "CARRIER": "顺丰速运",
        "TRACKING_NO": "SF1234567890",
        "SHIPPED_AT": "20241102",
    },
    "crm": lambda k: {
        "contact_id": k,
        "customer_type": "个人",
        "contact_name": "林嘉欣",
        "mobile": "139-1234-5678",
        "updated_at": "2024-10-01 09:00:00",
    },
}

SQL = "Robert'); DROP TABLE source_records;--"
SCRIPT = '<script>alert("x")</script>'
TEN_MB_TEXT = "字" * (TEN_MB // 3 + 1)  # 10 MB of UTF-8


# -- truncated JSON ----------------------------------------------------------------------------
_member = _json({"type": "member", "member_id": "TRUNC", "name": "林嘉欣", "mobile": "13912345678"})
for cut in (1, 10, 25, 40, len(_member) // 2, len(_member) - 1):
    add(f"shop-truncated-at-{cut}", "shop", "unparseable:invalid_json", line=_member[:cut])
add(
    "shop-truncated-mid-escape",
    "shop",
    "unparseable:invalid_json",
    line=b'{"type": "member", "member_id": "X\\u00',
)
add(
    "shop-truncated-mid-utf8",
    "shop",
    "unparseable:undecodable",
    line=_member[:-1] + "林".encode()[:2],
)
add(
    "wechat-truncated",
    "wechat",
    "unparseable:invalid_json",
    line=b'{"event": "user_info", "openid": "o-tr',
)
add("shop-two-objects-on-one-line", "shop", "unparseable:invalid_json", line=_member + _member)
add(
    "shop-trailing-comma",
    "shop",
    "unparseable:invalid_json",
    line=b'{"type": "member", "member_id": "TC",}',
)
add(
    "shop-single-quotes",
    "shop",
    "unparseable:invalid_json",
    line=b"{'type': 'member', 'member_id': 'SQ'}",
)
add(
    "shop-nan-amount",
    "shop_orders",
    "unparseable:invalid_json",
    line=b'{"type": "order", "tid": "NAN", "payment": NaN}',
)
add(
    "shop-infinity",
    "shop_orders",
    "unparseable:invalid_json",
    line=b'{"type": "order", "tid": "INF", "payment": Infinity}',
)
add(
    "shop-array-line",
    "shop",
    "unparseable:not_object",
    line=b'[{"type": "member", "member_id": "ARR"}]',
)
add("shop-string-line", "shop", "unparseable:not_object", line=b'"member"')
add("shop-number-line", "shop", "unparseable:not_object", line=b"42")
add("shop-null-line", "shop", "unparseable:not_object", line=b"null")
add(
    "shop-nested-too-deep",
    "shop",
    "unparseable:invalid_json",
    line=b'{"type": "member", "member_id": "DEEP", "x": ' + b"[" * 100 + b"]" * 100 + b"}",
)
add("shop-recursion-bomb", "shop", "unparseable:invalid_json", line=b"[" * 100_000)
add(
    "callcenter-quote-never-closed",
    "callcenter",
    "unparseable:invalid_csv",
    line=b'CQ1,"021-62345678,x',
    at_end=True,
)
add("callcenter-too-few-columns", "callcenter", "unparseable:csv_columns", line=b"CF1,021-62345678")
add(
    "callcenter-too-many-columns", "callcenter", "unparseable:csv_columns", line=b"CM1" + b",x" * 20
)
add(
    "erp-customer-too-few-columns",
    "erp_customers",
    "unparseable:csv_columns",
    line=b"0000900001,Z002",
)
add(
    "crm-cut-row",
    "crm",
    "unparseable:csv_columns",
    line=b"CRM-CUT,\xe4\xb8\xaa\xe4\xba\xba,\xe6\x9e\x97",
)

# -- wrong types -------------------------------------------------------------------------------
for name, value in [
    ("int", 12345),
    ("list", ["a"]),
    ("object", {"a": 1}),
    ("bool", True),
    ("float", 1.5),
]:
    expect = INGESTED if name == "int" else "bad_type:member_id"
    add(
        f"shop-member-id-{name}",
        "shop",
        expect,
        key="12345" if name == "int" else None,
        member_id=value,
    )
for field_name in ("name", "mobile", "email", "nickname", "level", "gender", "unionid"):
    add(f"shop-{field_name}-object", "shop", f"bad_type:{field_name}", **{field_name: {"v": 1}})
    add(f"shop-{field_name}-list", "shop", f"bad_type:{field_name}", **{field_name: [1, 2]})
    add(f"shop-{field_name}-bool", "shop", f"bad_type:{field_name}", **{field_name: False})
add(
    "shop-mobile-as-number",
    "shop",
    INGESTED,
    mobile=13912345678,
    check={"phones.0.e164": "+8613912345678"},
)
add("shop-birthday-number", "shop", INGESTED, birthday=19900314, check={"birth_date": "1990-03-14"})
add("shop-birthday-object", "shop", INGESTED, birthday={"y": 1990}, check={"birth_date": None})
add("shop-address-list", "shop", "bad_type:address", address=["上海", "徐汇"])
add("shop-address-number", "shop", "bad_type:address", address=200030)
add(
    "shop-address-text",
    "shop",
    INGESTED,
    address="上海市徐汇区漕溪北路88号",
    check={"addresses.0.province": "上海"},
)
add("shop-type-number", "shop", "unknown_type", type=1)  # numbers are read as text
add("shop-type-unknown", "shop", "unknown_type", type="refund")
add("order-items-object", "shop_orders", "bad_type:items", items={"oid": "1"})
add("order-items-of-strings", "shop_orders", "bad_type:items[0]", items=["SKU-1"])
add(
    "order-items-num-text",
    "shop_orders",
    "bad_type:items[0].num",
    items=[{"oid": "1", "num": "two"}],
)
add("order-payment-text", "shop_orders", "bad_type:payment", payment="free")
add(
    "order-payment-yuan-sign",
    "shop_orders",
    INGESTED,
    payment="¥1,398.50",
    check={"total_amount": "1398.50"},
)
add("order-payment-bool", "shop_orders", "bad_type:payment", payment=True)
add("order-points-fraction", "shop_orders", "bad_type:points_earned", points_earned=1.5)
add("order-points-negative", "shop_orders", "bad_value:points_earned", points_earned=-5)
add("order-receiver-list", "shop_orders", "bad_type:receiver", receiver=["林嘉欣"])
add("order-logistics-text", "shop_orders", "bad_type:logistics", logistics="顺丰")
add("order-created-object", "shop_orders", "bad_timestamp:created", created={"t": 1})
add("order-created-words", "shop_orders", "bad_timestamp:created", created="yesterday")
add("wechat-sex-text", "wechat", INGESTED, sex="female", check={"extra.invalid_sex": "female"})
add("wechat-sex-out-of-range", "wechat", INGESTED, sex=7, check={"gender": None})
add(
    "wechat-subscribe-time-text",
    "wechat",
    INGESTED,
    subscribe_time="soon",
    check={"extra.invalid_subscribe_time": "soon"},
)
add("wechat-tagid-list-objects", "wechat", INGESTED, tagid_list=[{"id": 1}])
add("wechat-openid-list", "wechat", "bad_type:openid", openid=["o1"])
add("wechat-event-number", "wechat", "unknown_type", event=3)
add("wechat-event-unknown", "wechat", "unknown_type", event="location")
add("callcenter-duration-text", "callcenter", "bad_type:duration_s", duration_s="five minutes")
add("callcenter-duration-negative", "callcenter", "bad_value:duration_s", duration_s="-3")
add("callcenter-duration-fraction", "callcenter", "bad_type:duration_s", duration_s="3.5")
add("callcenter-satisfaction-zero", "callcenter", "bad_value:satisfaction", satisfaction="0")
add("callcenter-satisfaction-word", "callcenter", "bad_type:satisfaction", satisfaction="good")
add(
    "callcenter-started-garbage",
    "callcenter",
    "bad_timestamp:started_at",
    started_at="2024-13-45 99:99:99",
)
add("erp-order-netwr-text", "erp_orders", "bad_type:NETWR", NETWR="twelve")
add("erp-order-kwmeng-text", "erp_orders", "bad_type:KWMENG", KWMENG="many")
add(
    "erp-order-sap-negative", "erp_orders", INGESTED, NETWR="5.00-", check={"total_amount": "-5.00"}
)
add("erp-order-erdat-garbage", "erp_orders", "bad_timestamp:ERDAT", ERDAT="31.02.2024")
add(
    "erp-delivery-shipped-garbage",
    "erp_deliveries",
    "bad_timestamp:SHIPPED_AT",
    SHIPPED_AT="tomorrow",
)
add("crm-birthday-garbage", "crm", INGESTED, birthday="not a date", check={"birth_date": None})

# -- nulls everywhere --------------------------------------------------------------------------
add("shop-member-id-null", "shop", "missing_key:member_id", member_id=None)
add("shop-member-id-missing", "shop", "missing_key:member_id", member_id=DROP)
add("shop-member-id-blank", "shop", "missing_key:member_id", member_id="   ")
add("shop-member-id-placeholder-null", "shop", "missing_key:member_id", member_id="null")
add("shop-type-null", "shop", "missing_key:type", type=None)
add(
    "shop-member-all-null",
    "shop",
    INGESTED,
    name=None,
    mobile=None,
    email=None,
    nickname=None,
    gender=None,
    birthday=None,
    unionid=None,
    level=None,
    registered_at=None,
    address=None,
    check={"names": [], "phones": []},
)
add("shop-member-only-key", "shop", INGESTED, name=DROP, mobile=DROP)
add(
    "shop-address-all-null",
    "shop",
    INGESTED,
    address={"province": None, "city": None, "detail": None},
)
add("order-tid-null", "shop_orders", "missing_key:tid", tid=None)
add(
    "order-everything-null",
    "shop_orders",
    INGESTED,
    member_id=None,
    created=None,
    payment=None,
    items=None,
    points_earned=None,
    receiver=None,
    logistics=None,
)
add(
    "order-items-null-fields",
    "shop_orders",
    INGESTED,
    items=[{"oid": None, "sku": None, "num": None, "price": None}],
)
add("wechat-openid-null", "wechat", "missing_key:openid", openid=None)
add("wechat-event-null", "wechat", "missing_key:event", event=None)
add(
    "wechat-all-null",
    "wechat",
    INGESTED,
    nickname=None,
    sex=None,
    subscribe=None,
    subscribe_time=None,
    unionid=None,
    city=None,
    province=None,
)
add(
    "wechat-phone-bound-nulls",
    "wechat",
    INGESTED,
    event="phone_bound",
    purePhoneNumber=None,
    countryCode=None,
    phoneNumber=None,
)
add("wechat-unsubscribe-null-time", "wechat", INGESTED, event="unsubscribe", time=None)
for column in HEADERS["callcenter"]:
    if column != "call_id":
        add(f"callcenter-empty-{column}", "callcenter", INGESTED, **{column: ""})
add("callcenter-call-id-empty", "callcenter", "missing_key:call_id", call_id="")
add(
    "callcenter-all-but-key-empty",
    "callcenter",
    INGESTED,
    **{c: "" for c in HEADERS["callcenter"][1:]},
)
add("erp-customer-kunnr-empty", "erp_customers", "missing_key:KUNNR", KUNNR="")
add(
    "erp-customer-all-but-key-empty",
    "erp_customers",
    INGESTED,
    **{c: "" for c in HEADERS["erp_customers"][2:]},
)
add("erp-customer-group-empty", "erp_customers", INGESTED, KTOKD="")
add("erp-order-vbeln-empty", "erp_orders", "missing_key:VBELN", VBELN="")
add("erp-order-posnr-empty", "erp_orders", "missing_key:POSNR", POSNR="")
add(
    "erp-order-all-but-keys-empty",
    "erp_orders",
    INGESTED,
    **{c: "" for c in HEADERS["erp_orders"][2:]},
)
add("erp-delivery-order-empty", "erp_deliveries", "missing_key:VBELN", VBELN="")
add(
    "erp-delivery-all-but-keys-empty",
    "erp_deliveries",
    INGESTED,
    CARRIER="",
    TRACKING_NO="",
    SHIPPED_AT="",
)
add("crm-contact-id-empty", "crm", "missing_key:contact_id", contact_id="")
add("crm-all-but-key-empty", "crm", INGESTED, **{c: "" for c in HEADERS["crm"][1:]})
add(
    "crm-null-words",
    "crm",
    INGESTED,
    contact_name="NULL",
    mobile="None",
    email="n/a",
    check={"names": []},
)

# -- 10 MB lines -------------------------------------------------------------------------------
add("shop-10mb-padding-field", "shop", INGESTED, padding="x" * TEN_MB)
add("shop-10mb-name", "shop", "bad_value:name", name=TEN_MB_TEXT)
add("shop-10mb-nickname", "shop", "bad_value:nickname", nickname=TEN_MB_TEXT)
add("callcenter-10mb-summary", "callcenter", INGESTED, summary="漏" * (TEN_MB // 3))
add("wechat-10mb-headimgurl", "wechat", INGESTED, headimgurl="http://x/" + "a" * TEN_MB)
add(
    "shop-10mb-unparseable",
    "shop",
    "unparseable:invalid_json",
    line=b'{"type": "member", "x": "' + b"y" * TEN_MB,
)

# -- values longer than storage holds ----------------------------------------------------------
add("shop-member-id-201", "shop", "bad_value:source_key", member_id="M" * 201)
add("shop-member-id-200", "shop", INGESTED, key="M" * 200, member_id="M" * 200)
add("shop-name-301", "shop", "bad_value:name", name="林" * 301)
add("shop-level-41", "shop", "bad_value:member_level", level="G" * 41)
add("shop-email-huge", "shop", "bad_value:email", email="a" * 400 + "@example.com")
add("shop-address-city-long", "shop", "bad_value:address.city", address={"city": "城" * 100})
# a long street is kept: its blocking key is bounded to what storage indexes
add(
    "shop-address-detail-long",
    "shop",
    INGESTED,
    address={"city": "上海", "district": "徐汇区", "detail": "路" * 400},
)
add("order-tid-101", "shop_orders", "bad_value:order_no", tid="T" * 101)
add("order-currency-4", "shop_orders", "bad_value:currency", currency="CNYX")
add("order-status-long", "shop_orders", "bad_value:status", status="S" * 33)
add("order-member-ref-long", "shop_orders", "bad_value:party", member_id="M" * 201)
add("order-item-oid-long", "shop_orders", "bad_value:items[0].line_no", items=[{"oid": "1" * 21}])
add(
    "order-item-sku-long",
    "shop_orders",
    "bad_value:items[0].sku",
    items=[{"oid": "1", "sku": "S" * 101}],
)
add(
    "order-tracking-long",
    "shop_orders",
    "bad_value:tracking_no",
    logistics={"company": "顺丰", "tracking_no": "9" * 101},
)
add("order-payment-huge", "shop_orders", "bad_value:total_amount", payment="1e20")
add("order-points-huge", "shop_orders", "bad_value:points", points_earned=3_000_000_000)
add("order-receiver-key-huge", "shop_orders", INGESTED, receiver={"k" * 1000: "v"})
add("wechat-openid-201", "wechat", "bad_value:source_key", openid="o" * 201)
add("wechat-unionid-321", "wechat", "bad_value:identifier.unionid", unionid="u" * 321)
add("callcenter-call-id-101", "callcenter", "bad_value:call_id", call_id="C" * 101)
add("callcenter-duration-huge", "callcenter", "bad_value:duration_s", duration_s="99999999999")
add("callcenter-agent-long", "callcenter", "bad_value:agent_id", agent_id="A" * 61)
add(
    "callcenter-ticket-status-long",
    "callcenter",
    "bad_value:ticket_status",
    ticket_no="T-1",
    ticket_status="s" * 25,
)
add(
    "callcenter-caller-number-long", "callcenter", "bad_value:caller_number", caller_number="1" * 61
)
add("erp-customer-kunnr-long", "erp_customers", "bad_value:source_key", KUNNR="9" * 201)
add(
    "erp-customer-org-name-long",
    "erp_customers",
    "bad_value:org_name",
    KTOKD="Z001",
    NAME1="上海林氏贸易有限公司" * 40,
)
add("erp-order-netwr-huge", "erp_orders", "bad_value:items[0].amount", NETWR="1e15")
add("erp-order-kwmeng-huge", "erp_orders", "bad_value:items[0].quantity", KWMENG="1e14")
add("erp-order-waerk-long", "erp_orders", "bad_value:currency", WAERK="RMB-YUAN")
add("erp-delivery-carrier-long", "erp_deliveries", "bad_value:carrier", CARRIER="快" * 101)

# -- invalid UTF-8 and GBK mislabelled as UTF-8 ------------------------------------------------
_gbk_member = json.dumps(
    {"type": "member", "member_id": "GBK1", "name": "林嘉欣", "nickname": "小林"},
    ensure_ascii=False,
).encode("gbk")
add("shop-gbk-line-in-utf8-file", "shop", "unparseable:undecodable", line=_gbk_member)
add(
    "wechat-gbk-line-in-utf8-file",
    "wechat",
    "unparseable:undecodable",
    line=json.dumps(
        {"event": "user_info", "openid": "oGBK", "nickname": "广州小王"}, ensure_ascii=False
    ).encode("gbk"),
)
add(
    "callcenter-gbk-row-in-utf8-file",
    "callcenter",
    "unparseable:undecodable",
    line="CGBK,13912345678,林小姐,2024-11-06 09:12:44,1,A,x,漏水,,,,,".encode("gbk"),
)
add(
    "erp-gbk-row-in-utf8-file",
    "erp_customers",
    "unparseable:undecodable",
    line="0000900777,Z002,林嘉欣,,,13912345678,,CN,31,上海,,,,20231102".encode("gbk"),
)
for label, junk in [
    ("lone-continuation", b"\x80"),
    ("overlong-slash", b"\xc0\xaf"),
    ("surrogate-bytes", b"\xed\xa0\x80"),
    ("ff-byte", b"\xff"),
    ("cut-3-byte", b"\xe6\x9e"),
    ("latin1-e-acute", b"\xe9"),
]:
    add(
        f"shop-invalid-utf8-{label}",
        "shop",
        "unparseable:undecodable",
        line=b'{"type": "member", "member_id": "U8", "name": "' + junk + b'"}',
    )
add(
    "callcenter-invalid-utf8",
    "callcenter",
    "unparseable:undecodable",
    line=b"CU8,13912345678,\xff\xfe,2024-11-06 09:12:44,1,A,x,y,,,,,",
)
add(
    "crm-invalid-utf8",
    "crm",
    "unparseable:undecodable",
    line=b"CRM-U8,\xe4\xb8\xaa\xe4\xba\xba,\xc3\x28" + b"," * 13,
)
add(
    "shop-utf8-bom-mid-file",
    "shop",
    INGESTED,
    key="BOM1",
    line=b"\xef\xbb\xbf" + _json({"type": "member", "member_id": "BOM1", "name": "林嘉欣"}),
)

# -- NUL, lone surrogates, zero-width and control characters -----------------------------------
add(
    "shop-nul-escape-in-name",
    "shop",
    "unparseable:invalid_text",
    line=b'{"type": "member", "member_id": "NUL1", "name": "\\u6797\\u0000"}',
)
add(
    "shop-nul-escape-in-unused-field",
    "shop",
    "unparseable:invalid_text",
    line=b'{"type": "member", "member_id": "NUL2", "memo": "a\\u0000b"}',
)
add(
    "shop-nul-escape-in-key-name",
    "shop",
    "unparseable:invalid_text",
    line=b'{"type": "member", "member_id": "NUL3", "a\\u0000": 1}',
)
add(
    "shop-raw-nul-byte",
    "shop",
    "unparseable:invalid_json",
    line=b'{"type": "member", "member_id": "NUL4", "name": "a\x00b"}',
)
add(
    "shop-lone-high-surrogate",
    "shop",
    "unparseable:invalid_text",
    line=b'{"type": "member", "member_id": "SUR1", "name": "\\ud800"}',
)
add(
    "shop-lone-low-surrogate",
    "shop",
    "unparseable:invalid_text",
    line=b'{"type": "member", "member_id": "SUR2", "nickname": "x\\udc00y"}',
)
add(
    "shop-escaped-surrogate-pair",
    "shop",
    INGESTED,
    line=b'{"type": "member", "member_id": "SUR3", "nickname": "\\ud83c\\udf38"}',
    key="SUR3",
    check={"nickname": "🌸"},
)
add(
    "shop-escaped-hanzi",
    "shop",
    INGESTED,
    line=b'{"type": "member", "member_id": "ESC1", "name": "\\u6797\\u5609\\u6b23"}',
    key="ESC1",
    check={"names.0.full": "林嘉欣"},
)
add(
    "callcenter-nul-in-cell",
    "callcenter",
    "unparseable:invalid_text",
    line=b"CNUL,13912345678,\x00,2024-11-06 09:12:44,1,A,x,y,,,,,",
)
add(
    "erp-nul-padding",
    "erp_customers",
    "unparseable:invalid_text",
    line=b"0000900888\x00\x00,Z002,\xe6\x9e\x97,,,,,CN,31,,,,,20231102",
)
add("shop-zero-width-in-key", "shop", INGESTED, key="ZW1", member_id="\u200bZW1\u200b")
add(
    "shop-zero-width-in-name",
    "shop",
    INGESTED,
    name="林\u200b嘉\u200d欣",
    check={"names.0.full": "林嘉欣"},
)
add("shop-bom-in-name", "shop", INGESTED, name="\ufeff林嘉欣", check={"names.0.full": "林嘉欣"})
add(
    "shop-control-chars-in-name",
    "shop",
    INGESTED,
    name="林\x07嘉\x1b欣",
    check={"names.0.full": "林嘉欣"},
)
add(
    "shop-tabs-newlines-in-name",
    "shop",
    INGESTED,
    name="林\t嘉\n欣",
    check={"names.0.full": "林嘉欣"},
)
add("shop-rtl-override-in-name", "shop", INGESTED, name="\u202e林嘉欣")
add(
    "shop-fullwidth-mobile",
    "shop",
    INGESTED,
    mobile="１３９１２３４５６７８",
    check={"phones.0.e164": "+8613912345678"},
)
add("shop-zero-width-only-name", "shop", INGESTED, name="\u200b\u200c\u200d", check={"names": []})
add(
    "shop-control-in-mobile",
    "shop",
    INGESTED,
    mobile="139\x071234\x1b5678",
    check={"phones.0.e164": "+8613912345678"},
)
add("shop-nul-in-mobile", "shop", "unparseable:invalid_text", mobile="139\x001234\x005678")
add("wechat-zero-width-nickname", "wechat", INGESTED, nickname="\u200b小\u200b林\u200b")
add("callcenter-zero-width-call-id", "callcenter", INGESTED, key="ZWC1", call_id="\ufeffZWC1\u200b")
add("callcenter-control-in-summary", "callcenter", INGESTED, summary="漏水\x07\x08\x0b换货")
add("crm-zero-width-name", "crm", INGESTED, contact_name="王\u200b伟")

# -- emoji ---------------------------------------------------------------------------------------
for label, text in [
    ("flower", "小林🌸"),
    ("flag", "🇨🇳中国"),
    ("skin-tone", "👍🏽好"),
    ("only-emoji", "🌸🌸🌸"),
    ("keycap", "1️⃣号"),
]:
    add(f"shop-emoji-nickname-{label}", "shop", INGESTED, nickname=text, check={"nickname": text})
add("shop-emoji-in-name", "shop", INGESTED, name="林嘉欣🌸")
add("shop-emoji-only-name", "shop", INGESTED, name="🌸🌸")
add(
    "wechat-emoji-nickname", "wechat", INGESTED, nickname="✨Band✨", check={"nickname": "✨Band✨"}
)
add(
    "wechat-emoji-4byte-nickname",
    "wechat",
    INGESTED,
    nickname="𠮷野家🍜",
    check={"nickname": "𠮷野家🍜"},
)
add("callcenter-emoji-summary", "callcenter", INGESTED, summary="客户很生气😡😡")
add("callcenter-emoji-name", "callcenter", INGESTED, customer_name="林小姐😊")
add("erp-emoji-name", "erp_customers", INGESTED, NAME1="林嘉欣🌸")
add("crm-emoji-owner", "crm", INGESTED, owner="销售一部🚀")

# -- SQL and script injection in names ---------------------------------------------------------
for label, text in [
    ("sql-drop", SQL),
    ("sql-or", "' OR '1'='1"),
    ("sql-comment", "林嘉欣'--"),
    ("sql-semicolon", "a; DELETE FROM golden_customers; --"),
    ("script", SCRIPT),
    ("img-onerror", '<img src=x onerror="alert(1)">'),
    ("template", "{{7*7}}${7*7}"),
    ("graphql", "{ __schema { types { name } } }"),
    ("percent", "%s%s%n%x"),
    ("backslashes", "\\\\server\\share\\"),
]:
    add(f"shop-name-{label}", "shop", INGESTED, name=text)
    add(f"shop-nickname-{label}", "shop", INGESTED, nickname=text, check={"nickname": text})
add("wechat-nickname-sql", "wechat", INGESTED, nickname=SQL, check={"nickname": SQL})
add("wechat-nickname-script", "wechat", INGESTED, nickname=SCRIPT, check={"nickname": SCRIPT})
add("shop-key-sql", "shop", INGESTED, key=SQL, member_id=SQL)
add("shop-key-script", "shop", INGESTED, key=SCRIPT, member_id=SCRIPT)
add("callcenter-name-sql", "callcenter", INGESTED, customer_name=SQL)
add("callcenter-summary-script", "callcenter", INGESTED, summary=SCRIPT)
add("erp-name-sql", "erp_customers", INGESTED, NAME1=SQL)
add("erp-order-title-script", "erp_orders", INGESTED, ARKTX=SCRIPT)
add("crm-name-script", "crm", INGESTED, contact_name=SCRIPT)
add("crm-csv-formula", "crm", INGESTED, contact_name='=HYPERLINK("http://x","y")')

# -- dates in 1900 and 2999, and just outside ------------------------------------------------
for label, value, outcome in [
    ("1900-start", "1900-01-01 00:00:00", INGESTED),
    ("2999-end", "2999-12-31 23:59:59", INGESTED),
    ("1899", "1899-12-31 23:59:59", "bad_timestamp:created"),
    ("3000", "3000-01-01 00:00:00", "bad_timestamp:created"),
    ("year-0", "0000-01-01 00:00:00", "bad_timestamp:created"),
    ("feb-30", "2024-02-30 10:00:00", "bad_timestamp:created"),
    ("iso-1900-offset", "1900-01-01T00:00:00+14:00", INGESTED),  # the range is checked as written
    ("iso-2999-offset", "2999-12-31T23:59:59-12:00", INGESTED),
    ("unix-negative", -2208988800, INGESTED),
    ("unix-micros", 10**15, INGESTED),
    ("unix-huge", 10**18, "bad_timestamp:created"),
    ("unix-millis", 1730640000000, INGESTED),
    ("compact-1900", "19000101", INGESTED),
    ("compact-2999", "29991231", INGESTED),
]:
    add(f"order-created-{label}", "shop_orders", outcome, created=value)
for label, value, stored in [
    ("1900", "1900-01-01", "1900-01-01"),
    ("2999", "2999-12-31", "2999-12-31"),
    ("1899", "1899-12-31", None),
    ("garbage", "19-90-03", None),
]:
    add(f"shop-birthday-{label}", "shop", INGESTED, birthday=value, check={"birth_date": stored})
add("shop-registered-2999", "shop", INGESTED, registered_at="2999-12-31T23:00:00+08:00")
add(
    "shop-registered-garbage",
    "shop",
    INGESTED,
    registered_at="2023-99-99",
    check={"observed_at": None, "extra.invalid_registered_at": "2023-99-99"},
)
add("wechat-subscribe-1900", "wechat", INGESTED, subscribe_time=-2208988800)
add(
    "wechat-subscribe-3000",
    "wechat",
    INGESTED,
    subscribe_time=32503680000,
    check={"observed_at": None},
)
add("callcenter-started-1900", "callcenter", INGESTED, started_at="1900-01-01 08:00:00")
add("callcenter-started-2999", "callcenter", INGESTED, started_at="2999-12-31 23:59:59")
add(
    "callcenter-started-3000",
    "callcenter",
    "bad_timestamp:started_at",
    started_at="3000-01-01 00:00:00",
)
add("erp-customer-erdat-1900", "erp_customers", INGESTED, ERDAT="19000101")
add(
    "erp-customer-erdat-zeros",
    "erp_customers",
    INGESTED,
    ERDAT="00000000",
    check={"observed_at": None},
)
add("erp-order-erdat-2999", "erp_orders", INGESTED, ERDAT="29991231")
add("erp-order-erdat-1899", "erp_orders", "bad_timestamp:ERDAT", ERDAT="18991231")
add("erp-delivery-2999", "erp_deliveries", INGESTED, SHIPPED_AT="2999-12-31 12:00:00")
add("crm-updated-1900", "crm", INGESTED, updated_at="1900-01-01 00:00:00")
add("crm-birthday-2999", "crm", INGESTED, birthday="2999-12-31")

# -- repeated keys -----------------------------------------------------------------------------
add(
    "shop-json-duplicate-key-different",
    "shop",
    "unparseable:invalid_json",
    line=b'{"type": "member", "member_id": "DUPK1", "member_id": "DUPK2", "name": "x"}',
)
add(
    "shop-json-duplicate-key-same",
    "shop",
    INGESTED,
    key="DUPK3",
    line=b'{"type": "member", "member_id": "DUPK3", "member_id": "DUPK3", "name": "x"}',
)
add(
    "shop-json-duplicate-nested-key",
    "shop",
    "unparseable:invalid_json",
    line=b'{"type": "member", "member_id": "DUPK4", "address": {"city": "A", "city": "B"}}',
)
# Two records of one key in one batch: the later wins (WeChat lays the later over the earlier).
add("shop-same-key-first", "shop", INGESTED, key="SAMEKEY", member_id="SAMEKEY", nickname="first")
add(
    "shop-same-key-second",
    "shop",
    INGESTED,
    key="SAMEKEY",
    member_id="SAMEKEY",
    nickname="second",
    check={"nickname": "second"},
)
add(
    "wechat-same-openid-first",
    "wechat",
    INGESTED,
    key="oSAME",
    openid="oSAME",
    nickname="first",
    sex=2,
)
add(
    "wechat-same-openid-second",
    "wechat",
    INGESTED,
    key="oSAME",
    event="unsubscribe",
    openid="oSAME",
    check={"nickname": "first", "subscribed": False, "gender": "F"},
)
add(
    "callcenter-same-call-first",
    "callcenter",
    INGESTED,
    key="CSAME",
    call_id="CSAME",
    customer_name="林小姐",
)
add(
    "callcenter-same-call-second",
    "callcenter",
    INGESTED,
    key="CSAME",
    call_id="CSAME",
    customer_name="王先生",
    check={"gender": "M"},
)
add("order-same-tid-first", "shop_orders", INGESTED, key="TSAME", tid="TSAME", payment="1.00")
add(
    "order-same-tid-second",
    "shop_orders",
    INGESTED,
    key="TSAME",
    tid="TSAME",
    payment="2.00",
    check={"total_amount": "2.00"},
)
add(
    "order-duplicate-item-oid",
    "shop_orders",
    INGESTED,
    items=[{"oid": "1", "num": 1, "price": "1"}, {"oid": "1", "num": 2, "price": "1"}],
)
add(
    "erp-same-customer-first",
    "erp_customers",
    INGESTED,
    key="0000DUP1",
    KUNNR="0000DUP1",
    NAME1="林嘉欣",
)
add(
    "erp-same-customer-second",
    "erp_customers",
    INGESTED,
    key="0000DUP1",
    KUNNR="0000DUP1",
    NAME1="王伟",
    check={"names.0.full": "王伟"},
)
add("erp-same-order-item-first", "erp_orders", INGESTED, key="45DUP", VBELN="45DUP", NETWR="10.00")
add(
    "erp-same-order-item-second",
    "erp_orders",
    INGESTED,
    key="45DUP",
    VBELN="45DUP",
    NETWR="20.00",
    check={"total_amount": "20.00"},
)
add(
    "erp-delivery-same-first",
    "erp_deliveries",
    INGESTED,
    key="80DUP",
    VBELN_DEL="80DUP",
    CARRIER="顺丰",
)
add(
    "erp-delivery-same-second",
    "erp_deliveries",
    INGESTED,
    key="80DUP",
    VBELN_DEL="80DUP",
    CARRIER="中通",
    check={"carrier": "中通"},
)
add(
    "crm-same-contact-first",
    "crm",
    INGESTED,
    key="CRM-DUP",
    contact_id="CRM-DUP",
    email="a@example.com",
)
add(
    "crm-same-contact-second",
    "crm",
    INGESTED,
    key="CRM-DUP",
    contact_id="CRM-DUP",
    email="b@example.com",
    check={"emails.0.value": "b@example.com"},
)

# -- odd but legal -----------------------------------------------------------------------------
add("shop-key-unicode", "shop", INGESTED, key="会员-林-001", member_id="会员-林-001")
add("shop-key-leading-zeros", "shop", INGESTED, key="000123", member_id=" 000123 ")
add("shop-key-with-quotes", "shop", INGESTED, key="M\"1'", member_id="M\"1'")
add("shop-traditional-name", "shop", INGESTED, name="陳嘉欣", check={"names.0.full": "陈嘉欣"})
add("shop-pinyin-name", "shop", INGESTED, name="Lin Jiaxin")
add(
    "shop-mobile-many-writings",
    "shop",
    INGESTED,
    mobile="+86 (139) 1234-5678 ",
    check={"phones.0.e164": "+8613912345678"},
)
add("shop-mobile-garbage", "shop", INGESTED, mobile="call me maybe")
add("shop-email-garbage", "shop", INGESTED, email="not-an-email", check={"emails.0.value": None})
add("shop-gender-unknown", "shop", INGESTED, gender="X", check={"extra.invalid_gender": "X"})
add(
    "shop-extra-unknown-fields",
    "shop",
    INGESTED,
    favourite_colour="blue",
    nested={"a": [1, {"b": None}]},
)
add("shop-deep-but-allowed", "shop", INGESTED, x=json.loads("[" * 30 + "]" * 30))
add(
    "order-guest-no-member",
    "shop_orders",
    INGESTED,
    member_id=DROP,
    buyer_mobile="13912345678",
    receiver={"name": "林嘉欣", "mobile": "13912345678"},
)
add(
    "order-guest-organisation",
    "shop_orders",
    INGESTED,
    member_id=DROP,
    receiver={"name": "上海林氏贸易有限公司", "mobile": "021-62345678"},
)
add("order-negative-payment", "shop_orders", INGESTED, payment="-10.00")
add("order-zero-items", "shop_orders", INGESTED, items=[])
add(
    "wechat-phone-bound-pure",
    "wechat",
    INGESTED,
    event="phone_bound",
    purePhoneNumber="13912345678",
    countryCode="86",
)
add("wechat-subscribe-event", "wechat", INGESTED, event="subscribe")
add("callcenter-landline-extension", "callcenter", INGESTED, caller_number="010-88889999-123")
add(
    "callcenter-honorific-only",
    "callcenter",
    INGESTED,
    customer_name="王先生",
    check={"gender": "M"},
)
add(
    "erp-organisation",
    "erp_customers",
    INGESTED,
    KTOKD="Z001",
    NAME1="上海林氏贸易有限公司",
    STCD5="91310104MA1FL3XX24",
)
add(
    "erp-foreign-customer",
    "erp_customers",
    INGESTED,
    LAND1="DE",
    REGIO="BY",
    NAME1="Michaela Neumann",
)
add(
    "crm-company",
    "crm",
    INGESTED,
    customer_type="企业",
    company="广州天河体育用品有限公司",
    credit_code="91440101MA5CXXXX1B",
)
add("crm-invalid-resident-id", "crm", INGESTED, id_number="110101199003071234")


def feeds() -> list[str]:
    return sorted({case.feed for case in CASES})


def by_feed(feed: str) -> list[Case]:
    """The feed's cases in file order (a case that swallows what follows goes last)."""
    cases = [case for case in CASES if case.feed == feed]
    return sorted(cases, key=lambda case: case.at_end)
