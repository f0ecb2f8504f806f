"""Chinese addresses: provinces by GB/T 2260 code, cities, districts, street detail.

Every part comes out in a comparable short form: 上海市 / 上海 / 31 / Shanghai all
give province 上海 (code 31); 徐汇区 and 徐汇 both give district 徐汇; the street
detail loses a repeated province/city/district prefix.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from mdm.normalize.cities import CITIES_BY_PROVINCE, CITY_PROVINCE
from mdm.normalize.pinyin import pinyin_of
from mdm.normalize.text import clean_text, is_blank, to_simplified
from mdm.records import Address


@dataclass(frozen=True, slots=True)
class Province:
    """A provincial-level division (省级行政区)."""

    code: str  # GB/T 2260 two digits
    full: str  # 广东省
    short: str  # 广东
    pinyin: str  # guangdong
    iso: str  # ISO 3166-2 suffix: CN-GD
    aliases: tuple[str, ...] = ()


PROVINCES: tuple[Province, ...] = (
    Province("11", "北京市", "北京", "beijing", "BJ", ("peking",)),
    Province("12", "天津市", "天津", "tianjin", "TJ"),
    Province("13", "河北省", "河北", "hebei", "HE"),
    Province("14", "山西省", "山西", "shanxi", "SX"),
    Province("15", "内蒙古自治区", "内蒙古", "neimenggu", "NM", ("innermongolia",)),
    Province("21", "辽宁省", "辽宁", "liaoning", "LN"),
    Province("22", "吉林省", "吉林", "jilin", "JL"),
    Province("23", "黑龙江省", "黑龙江", "heilongjiang", "HL"),
    Province("31", "上海市", "上海", "shanghai", "SH"),
    Province("32", "江苏省", "江苏", "jiangsu", "JS"),
    Province("33", "浙江省", "浙江", "zhejiang", "ZJ"),
    Province("34", "安徽省", "安徽", "anhui", "AH"),
    Province("35", "福建省", "福建", "fujian", "FJ"),
    Province("36", "江西省", "江西", "jiangxi", "JX"),
    Province("37", "山东省", "山东", "shandong", "SD"),
    Province("41", "河南省", "河南", "henan", "HA"),
    Province("42", "湖北省", "湖北", "hubei", "HB"),
    Province("43", "湖南省", "湖南", "hunan", "HN"),
    Province("44", "广东省", "广东", "guangdong", "GD"),
    Province("45", "广西壮族自治区", "广西", "guangxi", "GX"),
    Province("46", "海南省", "海南", "hainan", "HI"),
    Province("50", "重庆市", "重庆", "chongqing", "CQ"),
    Province("51", "四川省", "四川", "sichuan", "SC"),
    Province("52", "贵州省", "贵州", "guizhou", "GZ"),
    Province("53", "云南省", "云南", "yunnan", "YN"),
    Province("54", "西藏自治区", "西藏", "xizang", "XZ", ("tibet",)),
    Province("61", "陕西省", "陕西", "shaanxi", "SN"),
    Province("62", "甘肃省", "甘肃", "gansu", "GS"),
    Province("63", "青海省", "青海", "qinghai", "QH"),
    Province("64", "宁夏回族自治区", "宁夏", "ningxia", "NX"),
    Province("65", "新疆维吾尔自治区", "新疆", "xinjiang", "XJ"),
    Province("71", "台湾省", "台湾", "taiwan", "TW"),
    Province("81", "香港特别行政区", "香港", "xianggang", "HK", ("hongkong",)),
    Province("82", "澳门特别行政区", "澳门", "aomen", "MO", ("macau", "macao")),
)
PROVINCE_BY_CODE: dict[str, Province] = {p.code: p for p in PROVINCES}
# Provincial-level divisions that are one city: the city is the province.
CITY_PROVINCES = frozenset({"北京", "天津", "上海", "重庆", "香港", "澳门"})


def _province_index() -> dict[str, Province]:
    index: dict[str, Province] = {}
    for p in PROVINCES:
        keys = [p.code, p.full, p.short, p.short + "省", p.pinyin, f"cn-{p.code}"]
        keys += [f"cn-{p.iso.lower()}", *p.aliases]
        if p.short in CITY_PROVINCES:
            keys.append(p.short + "市")
        index.update((k.lower(), p) for k in keys)
    return index


_PROVINCE_INDEX = _province_index()
_LATIN_SUFFIX = re.compile(
    r"(?:province|sheng|shi|city|municipality|autonomousregion|sar|district|county|qu|xian)$"
)
_PLACEHOLDERS = frozenset(
    {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "直辖县级", "省直辖", "其他"}
)
_ETHNIC = (
    "朝鲜|藏|彝|苗|侗|土家|布依|壮|傣|景颇|傈僳|白|哈尼|回|蒙古|哈萨克|柯尔克孜|羌|"
    "黎|瑶|土|满|畲|仡佬|水|纳西|拉祜|佤|独龙|怒|普米|撒拉|保安|东乡|裕固|达斡尔|鄂温克|鄂伦春|锡伯|毛南|仫佬|京"
)
_CITY_SUFFIX = re.compile(rf"^(.{{2,}}?)(?:(?:(?:{_ETHNIC})族?)*自治州|地区|盟|市|特别行政区)$")
_DISTRICT_SUFFIX = re.compile(
    rf"^(.{{2,}}?)(?:(?:(?:{_ETHNIC})族?)*自治(?:县|旗)|新区|林区|特区|区|县|旗|市|族)$"
)
# A short place name followed by one of these is part of a street or building
# name (北京路, 上海中心), not a repeated prefix.
_NAMED_AFTER = re.compile(
    r"^[东西南北中]?(?:路|街|大街|大道|道|巷|弄|里|桥|广场|公园|站|花园|村|镇|乡|大厦|中心|"
    r"商场|机场|港|大学|学院|医院|饭店|宾馆|酒店|银行)"
)


def _squeeze(value: str) -> str:
    return to_simplified(clean_text(value)).replace(" ", "")


def _lookup_province(key: str) -> Province | None:
    p = _PROVINCE_INDEX.get(key.lower())
    if p is not None:
        return p
    if key.isdigit() and len(key) in (4, 6, 9, 12):  # a longer GB/T 2260 or statistics code
        return PROVINCE_BY_CODE.get(key[:2])
    if key.isascii():
        latin = re.sub(r"[\s\-_.']", "", key.lower())
        return _PROVINCE_INDEX.get(latin) or _PROVINCE_INDEX.get(_LATIN_SUFFIX.sub("", latin))
    return None


def normalize_province(value: str | None) -> tuple[str | None, str | None]:
    """Return the province's short name and GB/T 2260 code.

    Accepts the full name, the short name, the two-digit (or six-digit) code,
    pinyin and ISO 3166-2 codes (``CN-SH``, ``CN-31``). Bare abbreviations such
    as "SH" are ambiguous and not accepted.

    Example:
        >>> normalize_province("上海市"), normalize_province("44"), normalize_province("Guangdong")
        (('上海', '31'), ('广东', '44'), ('广东', '44'))
    """
    if value is None or is_blank(value):
        return None, None
    p = _lookup_province(_squeeze(str(value)))
    return (p.short, p.code) if p is not None else (None, None)


@functools.lru_cache(maxsize=1)
def _city_by_pinyin() -> dict[str, str]:
    return {
        pinyin_of(city).replace(" ", ""): city
        for cities in CITIES_BY_PROVINCE.values()
        for city in cities
    }


def _strip_suffix(name: str, pattern: re.Pattern[str]) -> str:
    while (m := pattern.match(name)) is not None and m.group(1) != name:
        name = m.group(1)
    return name


@functools.lru_cache(maxsize=16384)
def normalize_city(value: str | None) -> str | None:
    """Return the city's short name: no 市, 地区, 盟 or "<people>族自治州" suffix.

    Placeholders some systems put in the city field of a municipality (市辖区,
    县) give None. Latin spellings of known cities become their hanzi name.

    Example:
        >>> normalize_city("广州市"), normalize_city("延边朝鲜族自治州")
        ('广州', '延边')
        >>> normalize_city("Guangzhou")
        '广州'
    """
    if value is None or is_blank(value):
        return None
    name = _squeeze(value)
    if name in _PLACEHOLDERS:
        return None
    if name.isascii() and name.isalpha():
        latin = _LATIN_SUFFIX.sub("", name.lower()) or name.lower()
        known = _city_by_pinyin().get(latin)
        if known is None:
            p = _PROVINCE_INDEX.get(latin)
            known = p.short if p is not None and p.short in CITY_PROVINCES else None
        return known or name
    return _strip_suffix(name, _CITY_SUFFIX)


@functools.lru_cache(maxsize=65536)
def normalize_district(value: str | None) -> str | None:
    """Return the district in a comparable short form.

    Trailing 区/县/旗/市 (and 新区, 自治县, ...) are removed when at least two
    characters remain, so 徐汇区 and 徐汇 meet.

    Example:
        >>> normalize_district("徐汇区"), normalize_district("浦东新区"), normalize_district("东区")
        ('徐汇', '浦东', '东区')
    """
    if value is None or is_blank(value):
        return None
    name = _squeeze(value)
    if name in _PLACEHOLDERS:
        return None
    if name.isascii():
        latin = name.lower()
        return _LATIN_SUFFIX.sub("", latin.replace(" ", "")) or latin
    return _strip_suffix(name, _DISTRICT_SUFFIX)  # 族 too: 鄂温克族自治旗 -> 鄂温克


def _prefixes(province: str | None, city: str | None, district: str | None) -> list[str]:
    """Ways the detail may repeat the parts above it, longest first within each level."""
    out: list[str] = []
    if province is not None:
        p = _PROVINCE_INDEX[province]
        out += [p.full, p.short + "省", p.short + "市", p.short]
    if city is not None:
        out += [city + "市", city + "地区", city + "盟", city]
    if district is not None:
        out += [district + s for s in ("新区", "区", "县", "市", "旗")] + [district]
    return out


def _strip_repeats(detail: str, prefixes: list[str], shorts: set[str]) -> str:
    changed = True
    while changed and detail:
        changed = False
        for prefix in prefixes:
            if not detail.startswith(prefix):
                continue
            rest = detail[len(prefix) :]
            if prefix in shorts and _NAMED_AFTER.match(rest):
                continue
            detail = rest
            changed = True
            break
    return detail


_POSTCODE = re.compile(r"[0-9A-Z][0-9A-Z\-]{2,9}")
_COUNTRY_PREFIX = re.compile(r"^(?:中华人民共和国|中国)")


def _postcode(value: str | None) -> str | None:
    if value is None or is_blank(value):
        return None
    code = clean_text(str(value)).replace(" ", "").upper()
    return code if _POSTCODE.fullmatch(code) else None


def _build(
    raw: str,
    province: str | None,
    city: str | None,
    district: str | None,
    detail: str | None,
    postcode: str | None,
    region_code: str | None,
) -> Address:
    prov, code = normalize_province(province)
    if prov is None and region_code is not None:
        prov, code = normalize_province(region_code)
    town = normalize_city(city)
    if prov is None and town is not None:
        if town in CITY_PROVINCE:
            code = CITY_PROVINCE[town]
            prov = PROVINCE_BY_CODE[code].short
        elif town in CITY_PROVINCES:
            prov, code = normalize_province(town)
    if prov in CITY_PROVINCES and town is None:
        town = prov
    dist = normalize_district(district)
    text: str | None = None
    if detail is not None and not is_blank(detail):
        text = _COUNTRY_PREFIX.sub("", _squeeze(detail))
        shorts = {s for s in (prov, town, dist) if s is not None}
        text = _strip_repeats(text, _prefixes(prov, town, dist), shorts) or None
    return Address(
        raw=raw,
        province=prov,
        province_code=code,
        city=town,
        district=dist,
        detail=text,
        postcode=_postcode(postcode),
    )


def normalize_address(
    *,
    province: str | None = None,
    city: str | None = None,
    district: str | None = None,
    detail: str | None = None,
    postcode: str | None = None,
    region_code: str | None = None,
) -> Address | None:
    """Normalise the parts of an address into comparable short forms.

    The province comes from its name or, failing that, ``region_code``; a
    municipality (北京, 上海, 天津, 重庆) is its own city; the detail is cleaned,
    simplified, stripped of spaces and of a leading repeat of the parts above
    it. A detail that holds what the parts lack (only a free-text address, or
    "广州市天河区..." under province 广东) is parsed for it.

    Returns:
        The address, or None when every part is blank. ``raw`` holds the given
        parts joined by spaces.

    Example:
        >>> a = normalize_address(province="上海市", detail="上海市徐汇区漕溪北路88号")
        >>> a.province, a.city, a.district, a.detail
        ('上海', '上海', '徐汇', '漕溪北路88号')
    """
    parts = (province, city, district, detail)
    if all(v is None or is_blank(v) for v in (*parts, postcode, region_code)):
        return None
    raw = " ".join(v.strip() for v in (region_code if province is None else None, *parts) if v)
    address = _build(raw, province, city, district, detail, postcode, region_code)
    if address.detail is None or address.district is not None:
        return address
    # The detail may carry what the parts lack: "广州市天河区天河路385号" under 广东.
    parsed = parse_address_text(address.detail)
    if parsed is None or (parsed.province, parsed.city, parsed.district) == (None, None, None):
        return address
    if address.province is not None and parsed.province not in (None, address.province):
        return address
    if address.city is not None and parsed.city not in (None, address.city):
        return address
    return _build(
        raw,
        address.province or parsed.province,
        address.city or parsed.city,
        parsed.district,
        parsed.detail,
        postcode,
        None,
    )


def _alternation(names: list[str]) -> str:
    return "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True))


_PROVINCE_AT_START = re.compile(
    "^(" + _alternation([k for k in _PROVINCE_INDEX if not k.isascii()]) + ")"
)
_CITY_AT_START = re.compile(
    "^(" + _alternation(list(CITY_PROVINCE)) + rf")((?:(?:{_ETHNIC})族?)*自治州|地区|盟|市)?"
)
_ANY_CITY_AT_START = re.compile(
    r"^((?:(?![区县路街道号巷弄市省])[\u4e00-\u9fff]){2,8}?(?:市|地区|盟|自治州))"
)
# Places ending in 区 that are no district: 华府小区, 张江园区, ...
_NOT_DISTRICTS = ("小区", "社区", "园区", "校区", "景区", "厂区", "街区", "片区", "营区", "住宅区")
_DISTRICT_AT_START = re.compile(
    r"^((?:(?![区县路街道号巷弄市省])[\u4e00-\u9fff]){1,7}?(?:新区|自治县|自治旗|林区|区|县|旗|市))"
)


def parse_address_text(text: str) -> Address | None:
    """Split a free-text address into province, city, district and detail.

    Example:
        >>> a = parse_address_text("广东省广州市天河区天河路385号")
        >>> a.province, a.city, a.district, a.detail
        ('广东', '广州', '天河', '天河路385号')
    """
    if is_blank(text):
        return None
    rest = _COUNTRY_PREFIX.sub("", _squeeze(text))
    province = city = district = None
    if (m := _PROVINCE_AT_START.match(rest)) is not None:
        name = m.group(1)
        p = _PROVINCE_INDEX[name.lower()]
        if not (name == p.short and _NAMED_AFTER.match(rest[m.end() :])):
            province, rest = p.short, rest[m.end() :]
    if province in CITY_PROVINCES:
        city = province
        rest = _strip_repeats(rest, _prefixes(province, None, None), {province})
    else:
        m = _CITY_AT_START.match(rest)
        if m is not None and (m.group(2) or not re.match(r"[区县]", rest[m.end() :])):
            if m.group(2) or not _NAMED_AFTER.match(rest[m.end() :]):
                city, rest = m.group(1), rest[m.end() :]
        elif province is not None and (m := _ANY_CITY_AT_START.match(rest)) is not None:
            city, rest = m.group(1), rest[m.end() :]
    m = _DISTRICT_AT_START.match(rest)
    if m is not None and m.end() < len(rest) and not m.group(1).endswith(_NOT_DISTRICTS):
        district, rest = m.group(1), rest[m.end() :]
    return _build(text, province, city, district, rest or None, None, None)
