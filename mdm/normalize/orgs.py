"""Organisation names: legal form, branch and region split off the core name.

上海林氏贸易有限公司, 林氏贸易(上海)有限公司 and 上海林氏贸易有限公司徐汇分公司 all
have the core 林氏贸易; the branch and legal form are kept apart.
"""

from __future__ import annotations

import functools
import re

from mdm.normalize.addresses import CITY_PROVINCES, PROVINCES, normalize_city, normalize_province
from mdm.normalize.cities import CITY_PROVINCE
from mdm.normalize.text import clean_text, is_blank, to_simplified
from mdm.records import OrgName

_ZH_LEGAL_FORMS = (
    "集团股份有限公司",
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "合伙企业(有限合伙)",
    "合伙企业(普通合伙)",
    "(有限合伙)",
    "(普通合伙)",
    "有限合伙",
    "普通合伙",
    "合伙企业",
    "个人独资企业",
    "集团",
    "公司",
    "商行",
    "厂",
)
_ZH_LEGAL = "|".join(re.escape(f) for f in _ZH_LEGAL_FORMS)
_ZH_LEGAL_AT_END = re.compile(f"({_ZH_LEGAL})$")
_ZH_LEGAL_ANYWHERE = re.compile(_ZH_LEGAL)
# Latin legal forms at the end of a name, with their canonical spelling.
_LATIN_LEGAL_FORMS: tuple[tuple[str, str], ...] = (
    (r"co(?:mpany)?\.?\s*,?\s*(?:ltd|limited)\.?", "Co., Ltd."),
    (r"pte\.?\s*ltd\.?", "Pte. Ltd."),
    (r"limited|ltd\.?", "Ltd."),
    (r"incorporated|inc\.?", "Inc."),
    (r"corporation|corp\.?", "Corp."),
    (r"l\.?l\.?c\.?", "LLC"),
    (r"gmbh", "GmbH"),
    (r"plc\.?", "PLC"),
    (r"co\.?", "Co."),
)
_LATIN_LEGAL_AT_END = [
    (re.compile(rf"(?:^|(?<=[\s,.)]))(?:{pattern})$", re.IGNORECASE), canonical)
    for pattern, canonical in _LATIN_LEGAL_FORMS
]
_BRANCH = "分公司|分店|办事处|营业部|分厂|分部|分行|支行|分所"
_BRANCH_AT_END = re.compile(f"({_BRANCH})$")
_BRANCH_IN_BRACKETS = re.compile(rf"\(([^()]*(?:{_BRANCH}))\)$")
_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "［": "(", "］": ")"})
_SPACE_NEAR_WIDE = re.compile(r"\s+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])\s+")
_SPACE_IN_BRACKETS = re.compile(r"(?<=\()\s+|\s+(?=\))")
_BRACKETED = re.compile(r"\(([^()]*)\)")
_NOT_CORE = re.compile(r"[^\w&\s]|_")

_REGION_NAMES: frozenset[str] = frozenset(
    {p.full for p in PROVINCES}
    | {p.short for p in PROVINCES}
    | {p.short + "省" for p in PROVINCES}
    | {c + "市" for c in CITY_PROVINCES}
    | set(CITY_PROVINCE)
    | {c + "市" for c in CITY_PROVINCE}
    | {"中国", "中华人民共和国"}
)
_REGION_AT_START = re.compile(
    "^(" + "|".join(sorted(map(re.escape, _REGION_NAMES), key=len, reverse=True)) + ")"
)
# What is left after the region is taken off these is no name of its own (北京大学).
_GENERIC_CORES = frozenset(
    "大学 银行 医院 中学 小学 学院 电视台 证券 图书馆 博物馆 农商银行 商业银行 体育馆 人民医院"
    " 中心医院 妇幼保健院 第一人民医院 师范大学 科技大学 工业大学 理工大学".split()
)


def _clean_org_text(raw: str) -> str:
    text = to_simplified(clean_text(raw)).translate(_BRACKETS)
    text = _SPACE_NEAR_WIDE.sub("", text)
    return _SPACE_IN_BRACKETS.sub("", text)


def _split_branch(text: str) -> tuple[str, str | None]:
    if (m := _BRANCH_IN_BRACKETS.search(text)) is not None:
        return text[: m.start()], m.group(1)
    if (m := _BRANCH_AT_END.search(text)) is None:
        return text, None
    ends = [e.end() for e in _ZH_LEGAL_ANYWHERE.finditer(text) if e.end() <= m.start()]
    if ends:
        cut = ends[-1]
    elif (r := _last_region(text[: m.start()])) is not None:
        cut = r  # 林氏贸易上海分公司
    else:
        cut = max(0, m.start() - 2)  # the usual two-character district: 林氏贸易徐汇分公司
    if cut < 2:
        return text, None
    return text[:cut], text[cut:]


def _last_region(text: str) -> int | None:
    for start in range(len(text) - 2, 1, -1):
        if _REGION_AT_START.match(text[start:]) and len(text) - start <= 5:
            return start
    return None


def _split_legal_form(text: str) -> tuple[str, str | None]:
    forms: list[str] = []
    while True:
        if (m := _ZH_LEGAL_AT_END.search(text)) is not None and m.start() > 0:
            forms.insert(0, m.group(1))
            text = text[: m.start()]
            continue
        for pattern, canonical in _LATIN_LEGAL_AT_END:
            if (m := pattern.search(text)) is not None and text[: m.start()].strip(" ,."):
                forms.insert(0, canonical)
                text = text[: m.start()].rstrip(" ,.")
                break
        else:
            break
    return text, (" ".join(forms) if any(f.isascii() for f in forms) else "".join(forms)) or None


def _is_region(text: str) -> bool:
    """Tell whether bracketed text names a region: (上海), (上海市), (Shanghai), (中国)."""
    if text in _REGION_NAMES or text.rstrip("市省") in _REGION_NAMES:
        return True
    if text.lower() in ("china", "prc", "p.r.c.", "p.r.china"):
        return True
    return normalize_province(text)[0] is not None or normalize_city(text) in CITY_PROVINCE


def _strip_region(text: str) -> str:
    def drop_region(m: re.Match[str]) -> str:
        return "" if _is_region(m.group(1)) else m.group(0)

    text = _BRACKETED.sub(drop_region, text)
    for _ in range(3):  # 中国, 广东省, 广州市
        m = _REGION_AT_START.match(text)
        if m is None:
            break
        rest = text[m.end() :]
        if len(rest) < 2 or rest in _GENERIC_CORES or not rest[0].isalnum():
            break
        text = rest
    return text


@functools.lru_cache(maxsize=65536)
def normalize_org_name(raw: str) -> OrgName | None:
    """Normalise an organisation's name and split it into core, legal form and branch.

    The name is cleaned, simplified and half-width with spaces next to hanzi
    removed (``full``). The branch is the tail after the legal form ending in
    分公司/分店/办事处/营业部/...; the legal form (有限公司, 股份有限公司, Co., Ltd.,
    ...) is split off; the core also loses a leading province or city and a
    bracketed region such as "(上海)", and is lower-cased without punctuation.

    Returns:
        The organisation name, or None when ``raw`` is blank.

    Example:
        >>> o = normalize_org_name("上海林氏贸易有限公司徐汇分公司")
        >>> o.core, o.legal_form, o.branch
        ('林氏贸易', '有限公司', '徐汇分公司')
    """
    if is_blank(raw):
        return None
    full = _clean_org_text(raw)
    body, branch = _split_branch(full)
    body, legal_form = _split_legal_form(body)
    core = _strip_region(body)
    core = " ".join(_NOT_CORE.sub(" ", core).lower().split())
    if not core:
        core = " ".join(_NOT_CORE.sub(" ", body).lower().split()) or full.lower()
    return OrgName(raw=raw, full=full, core=core, legal_form=legal_form, branch=branch)


_ORG_WORDS = re.compile(
    "公司|集团|厂|店|中心|医院|学校|大学|学院|银行|协会|商行|商会|事务所|工作室|研究所|研究院|"
    "委员会|政府|合作社|俱乐部|酒店|宾馆|餐厅|超市|药房|药店|诊所|幼儿园|小学|中学|有限|办事处|"
    "营业部|经营部|基金会|联合会|农场|门市|商店|分行|支行|机构|单位|"
    r"(?i:\b(?:co|ltd|limited|inc|incorporated|corp|corporation|llc|gmbh|plc|company|group"
    r"|university|college|hospital|bank|school|institute|association|studio|store|shop)\b)"
)


# What a trade name ends in (润和建材, 盛世贸易, 东方科技): a call-center agent types a
# company's short name without its legal form. Only names of four hanzi or more count:
# a person's name is two to three (four with a compound surname, which rarely ends so).
_TRADE_WORDS = (
    "贸易|商贸|工贸|实业|科技|技术|信息|网络|软件|电子|电器|电气|机械|设备|建材|建筑|建设|工程|"
    "装饰|装修|物流|运输|快递|环保|能源|化工|材料|医药|药业|生物|食品|餐饮|服饰|服装|纺织|"
    "家具|五金|印刷|包装|广告|传媒|文化|教育|咨询|投资|置业|地产|物业|汽车|汽配|农业|制药|"
    "塑料|钢铁|玻璃|陶瓷|照明|光电|通信|仪器|控股|电商|管理|器械|医疗|服务|发展|开发|租赁|"
    "制造|工业|百货|家居|日化|美容|健康|电力|酒业|茶业|乳业|保险|证券|金融|旅游|会展|用品|"
    "珠宝|建工|安装|劳务|人力|货运|航运|船务|机电|模具|动力|智能|数码|影视|出版|商务|国际"
)
_TRADE_NAME = re.compile(rf"^[\u4e00-\u9fff]{{2,}}(?:{_TRADE_WORDS})$")


def looks_like_organisation(name: str) -> bool:
    """Tell whether a name reads as an organisation rather than a person.

    Example:
        >>> looks_like_organisation("上海林氏贸易有限公司"), looks_like_organisation("林嘉欣")
        (True, False)
        >>> looks_like_organisation("润和建材")
        True
    """
    if is_blank(name):
        return False
    text = to_simplified(clean_text(name))
    if _ORG_WORDS.search(text) is not None:
        return True
    return _TRADE_NAME.match(text.replace(" ", "")) is not None
