"""Places and street addresses: provinces, cities, districts and their codes.

Every district carries its GB/T 2260 administrative code (the first six digits
of a resident ID and the division part of a credit code), its postcode, the
province code the ERP writes as ``REGIO`` and the landline area code of its city.
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass
from itertools import accumulate


@dataclass(frozen=True)
class Place:
    """One district with every code the source systems write for it."""

    province: str  # 上海市, 广东省
    regio: str  # GB/T 2260 province code, as ERP REGIO: 31, 44
    city: str  # 上海市, 广州市
    district: str  # 徐汇区, 浦东新区
    admin_code: str  # 310104
    postcode: str
    area_code: str  # 021, 0755
    local_digits: int  # length of a local landline number

    @property
    def municipality(self) -> bool:
        return self.province == self.city

    @property
    def province_short(self) -> str:
        return self.province.removesuffix("省").removesuffix("市")

    @property
    def city_short(self) -> str:
        return self.city.removesuffix("市")

    @property
    def district_short(self) -> str:
        name = self.district
        for suffix in ("新区", "区"):
            if name.endswith(suffix) and len(name) > len(suffix) + 1:
                return name.removesuffix(suffix)
        return name


# (province, regio, city, area code, local digits, [(district, code, postcode, weight)])
_TABLE: tuple[tuple[str, str, str, str, int, tuple[tuple[str, str, str, int], ...]], ...] = (
    ("上海市", "31", "上海市", "021", 8, (
        ("徐汇区", "310104", "200030", 6), ("黄浦区", "310101", "200001", 4),
        ("长宁区", "310105", "200050", 4), ("静安区", "310106", "200040", 5),
        ("普陀区", "310107", "200333", 4), ("杨浦区", "310110", "200082", 5),
        ("闵行区", "310112", "201100", 7), ("浦东新区", "310115", "200120", 10))),
    ("北京市", "11", "北京市", "010", 8, (
        ("东城区", "110101", "100010", 3), ("西城区", "110102", "100032", 4),
        ("朝阳区", "110105", "100020", 10), ("丰台区", "110106", "100071", 5),
        ("海淀区", "110108", "100080", 9))),
    ("天津市", "12", "天津市", "022", 8, (
        ("和平区", "120101", "300041", 3), ("南开区", "120104", "300100", 4))),
    ("重庆市", "50", "重庆市", "023", 8, (
        ("渝中区", "500103", "400010", 4), ("江北区", "500105", "400020", 4))),
    ("广东省", "44", "广州市", "020", 8, (
        ("越秀区", "440104", "510030", 4), ("海珠区", "440105", "510220", 4),
        ("天河区", "440106", "510620", 7))),
    ("广东省", "44", "深圳市", "0755", 8, (
        ("福田区", "440304", "518033", 6), ("南山区", "440305", "518052", 7),
        ("宝安区", "440306", "518101", 5))),
    ("浙江省", "33", "杭州市", "0571", 8, (
        ("拱墅区", "330105", "310011", 3), ("西湖区", "330106", "310012", 4),
        ("滨江区", "330108", "310051", 3))),
    ("浙江省", "33", "宁波市", "0574", 8, (("鄞州区", "330212", "315100", 4),)),
    ("江苏省", "32", "南京市", "025", 8, (
        ("玄武区", "320102", "210018", 3), ("鼓楼区", "320106", "210009", 4))),
    ("江苏省", "32", "苏州市", "0512", 8, (
        ("吴中区", "320506", "215128", 3), ("姑苏区", "320508", "215000", 3))),
    ("四川省", "51", "成都市", "028", 8, (
        ("锦江区", "510104", "610021", 4), ("武侯区", "510107", "610041", 5))),
    ("湖北省", "42", "武汉市", "027", 8, (
        ("江汉区", "420103", "430022", 3), ("武昌区", "420106", "430060", 4))),
    ("陕西省", "61", "西安市", "029", 8, (
        ("碑林区", "610103", "710001", 3), ("雁塔区", "610113", "710061", 4))),
    ("山东省", "37", "济南市", "0531", 8, (("历下区", "370102", "250014", 3),)),
    ("山东省", "37", "青岛市", "0532", 8, (("市南区", "370202", "266001", 3),)),
    ("福建省", "35", "厦门市", "0592", 7, (("思明区", "350203", "361001", 3),)),
    ("福建省", "35", "福州市", "0591", 8, (("鼓楼区", "350102", "350001", 2),)),
    ("湖南省", "43", "长沙市", "0731", 8, (("岳麓区", "430104", "410006", 3),)),
    ("河南省", "41", "郑州市", "0371", 8, (("金水区", "410105", "450000", 3),)),
    ("辽宁省", "21", "沈阳市", "024", 8, (("和平区", "210102", "110001", 2),)),
    ("辽宁省", "21", "大连市", "0411", 8, (("中山区", "210202", "116001", 2),)),
    ("安徽省", "34", "合肥市", "0551", 8, (("蜀山区", "340104", "230031", 2),)),
    ("河北省", "13", "石家庄市", "0311", 8, (("长安区", "130102", "050000", 2),)),
)  # fmt: skip

PLACES: tuple[Place, ...] = tuple(
    Place(province, regio, city, district, code, postcode, area, digits)
    for province, regio, city, area, digits, districts in _TABLE
    for district, code, postcode, _ in districts
)
_WEIGHTS: tuple[int, ...] = tuple(w for *_, ds in _TABLE for *_, w in ds)

ROADS = (
    "人民路", "中山路", "解放路", "建设路", "和平路", "新华路", "文化路", "胜利路", "朝阳路",
    "青年路", "东风路", "长江路", "黄河路", "世纪大道", "科技路", "学院路", "滨江大道",
    "延安路", "淮海路", "天河路", "漕溪北路", "南京西路", "光明路", "幸福路", "花园路",
)  # fmt: skip
COMPOUNDS = (
    "阳光花园", "锦绣苑", "万科城", "碧桂园", "翠湖小区", "金色家园", "绿地新都会",
    "梅园新村", "华府天地", "和谐家园", "幸福里", "滨江一号",
)  # fmt: skip
TOWERS = ("国际大厦", "金融中心", "科技园", "商务中心", "广场", "国贸大厦", "创业大厦", "")


@dataclass(frozen=True)
class Address:
    """A street address: a home (compound, building, room) or an office (tower, floor)."""

    place: Place
    road: str
    number: int
    compound: str = ""
    building: int = 0
    room: int = 0
    tower: str = ""
    floor: int = 0

    def detail(self, style: int = 0) -> str:
        """The street part in one of several real-world writings; style 0 is canonical."""
        street = f"{self.road}{self.number}号"
        if self.floor:
            spaced = " ".join(p for p in (street, self.tower, f"{self.floor}F") if p)
            offices = (
                f"{street}{self.tower}{self.floor}楼",
                spaced,
                f"{street}{self.floor}层",
                f"{street} {self.floor}楼",
                f"{street}{self.tower}{self.floor}层{self.floor}0{self.number % 9 + 1}室",
                f"{self.road} {self.number}号 {self.floor}楼",
            )
            return offices[style % len(offices)]
        unit = f"{self.building}号楼{self.room}室"
        writings = (
            f"{street}{self.compound}{unit}",
            f"{street} {self.compound} {self.building}栋{self.room}室",
            f"{street}{self.compound}{self.building}-{self.room}",
            f"{self.compound}{self.building}幢{self.room}",
            f"{street}{self.building}号楼{self.room}",
            f"{self.road} {self.number}号 {self.compound}{unit}",
        )
        return writings[style % len(writings)]


class PlaceSampler:
    """Draws districts weighted by population and makes addresses in them."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._cum = list(accumulate(_WEIGHTS))
        self.by_city: dict[str, list[Place]] = {}
        for place in PLACES:
            self.by_city.setdefault(place.city, []).append(place)

    def place(self) -> Place:
        """A district drawn by population weight."""
        index = bisect(self._cum, self._rng.random() * self._cum[-1])
        return PLACES[min(index, len(PLACES) - 1)]

    def in_city(self, city: str) -> Place:
        """Another district of the same city."""
        return self._rng.choice(self.by_city[city])

    def home(self, place: Place) -> Address:
        """A residential address in the district."""
        rng = self._rng
        return Address(
            place,
            rng.choice(ROADS),
            rng.randint(1, 999),
            compound=rng.choice(COMPOUNDS),
            building=rng.randint(1, 30),
            room=rng.randint(1, 32) * 100 + rng.randint(1, 6),
        )

    def office(self, place: Place) -> Address:
        """An office address (tower and floor) in the district."""
        rng = self._rng
        return Address(
            place,
            rng.choice(ROADS),
            rng.randint(1, 2000),
            tower=rng.choice(TOWERS),
            floor=rng.randint(2, 40),
        )
