"""An independent entity-resolution corpus in the four channel shapes of the formats contract.

Written from ``/work/shared/formats/README.md`` alone (not from cdhub's own demo generator),
as an outside evaluator would: persons and companies, each seen through the shop (members,
member orders, guest orders), WeChat (official-account followers, mini-program phone bindings,
unsubscribes), the call center (calls, tickets spanning calls) and the ERP (customer master,
sales orders, deliveries). ``truth.csv`` names the entity of every party source record, keyed
as the formats table keys them. Deterministic for a given ``--seed`` and ``--people``::

    python -m bench.independent_corpus --people 2000 --seed 1 --out /tmp/corpus

Hard on purpose, in the ways the contract names: every phone writing, mobiles shared inside a
family at the shop, household and office landlines shared by several callers, very common
names given to different people, traditional and full-width text, pinyin and English writings,
typos, agent-typed ``surname + 先生/小姐/女士``, emoji nicknames, missing/empty/null fields,
three timestamp forms, WeChat followers with and without unionid, persons with two mobiles,
companies with duplicate master rows (legal-suffix variants) and branch offices (分公司, their own
legal registrations, hence their own entities), and a few junk lines for the quarantine.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# --------------------------------------------------------------------------------------------
# Proportions. Shares are of persons unless said otherwise.
COMPANIES_PER_PERSON = 0.06
P_SHOP_MEMBER = 0.55
P_SECOND_SHOP_ACCOUNT = 0.06  # of members: a second account of the same person
P_MEMBER_UPDATE = 0.03  # of members: delivered again later with changed content
P_LATE_MEMBER = 0.10  # of members with orders: the member line comes after its first order
P_ORPHAN_MEMBER = 0.03  # of members with orders: the member line never comes
P_GUEST_BUYER = 0.18
P_WECHAT_FOLLOWER = 0.45
P_MINI_BINDING = 0.30
P_UNIONID = 0.70  # of WeChat users: the enterprise has a unionid for them
P_SHOP_KNOWS_UNIONID = 0.35  # of members with a unionid: the shop stores it (WeChat login)
P_UNSUBSCRIBE = 0.04  # of followers
P_CALLER = 0.30
P_ERP_PERSON = 0.08
P_RESIDENT_ID_IN_STCD5 = 0.15  # of ERP person rows
P_TWO_MOBILES = 0.10
P_EMAIL = 0.55
P_HOUSEHOLD = 0.35  # persons living with others (households of 2-4)
P_HOUSEHOLD_LANDLINE = 0.60
P_SHARED_FAMILY_MOBILE = 0.40  # of households: a member registers at the shop with another's mobile
P_EMPLOYED = 0.30  # persons working at one of the generated companies
P_COMMON_NAME = 0.15  # persons named from the very common full names
P_COMPANY_DUPLICATE_ROW = 0.18
P_COMPANY_BRANCHES = 0.12
P_COMPANY_CALLS = 0.40
P_COMPANY_SHOP_MEMBER = 0.08
MISSING_RATE = 0.07  # optional field missing, empty or null
JUNK_VALUE_RATE = 0.01  # optional field holding junk ("无", "-", a placeholder number, ...)
TRADITIONAL_RATE = 0.06
FULLWIDTH_RATE = 0.04
PINYIN_NAME_RATE = 0.05
TYPO_RATE = 0.04
JUNK_LINES_PER_FILE = 4  # plus one per 2000 persons; cycles through the junk kinds

# --------------------------------------------------------------------------------------------
# Vocabulary

# (simplified, traditional, pinyin, weight)
SURNAMES: list[tuple[str, str, str, float]] = [
    ("王", "王", "Wang", 7.1), ("李", "李", "Li", 7.0), ("张", "張", "Zhang", 6.8),
    ("刘", "劉", "Liu", 5.4), ("陈", "陳", "Chen", 4.6), ("杨", "楊", "Yang", 3.1),
    ("黄", "黃", "Huang", 2.4), ("赵", "趙", "Zhao", 2.3), ("吴", "吳", "Wu", 2.0),
    ("周", "周", "Zhou", 1.9), ("徐", "徐", "Xu", 1.3), ("孙", "孫", "Sun", 1.2),
    ("马", "馬", "Ma", 1.2), ("朱", "朱", "Zhu", 1.1), ("胡", "胡", "Hu", 1.0),
    ("郭", "郭", "Guo", 1.0), ("何", "何", "He", 0.9), ("林", "林", "Lin", 0.9),
    ("高", "高", "Gao", 0.9), ("罗", "羅", "Luo", 0.8), ("郑", "鄭", "Zheng", 0.8),
    ("梁", "梁", "Liang", 0.7), ("谢", "謝", "Xie", 0.6), ("宋", "宋", "Song", 0.6),
    ("唐", "唐", "Tang", 0.6), ("许", "許", "Xu", 0.5), ("邓", "鄧", "Deng", 0.5),
    ("冯", "馮", "Feng", 0.5), ("韩", "韓", "Han", 0.5), ("曹", "曹", "Cao", 0.4),
    ("曾", "曾", "Zeng", 0.4), ("彭", "彭", "Peng", 0.4), ("萧", "蕭", "Xiao", 0.3),
    ("蔡", "蔡", "Cai", 0.3), ("潘", "潘", "Pan", 0.3), ("田", "田", "Tian", 0.3),
    ("董", "董", "Dong", 0.3), ("袁", "袁", "Yuan", 0.3), ("叶", "葉", "Ye", 0.3),
    ("欧阳", "歐陽", "Ouyang", 0.05), ("司马", "司馬", "Sima", 0.02),
]  # fmt: skip

# given-name characters: (simplified, traditional, pinyin, gender M/F/U)
GIVEN: list[tuple[str, str, str, str]] = [
    ("伟", "偉", "wei", "M"), ("芳", "芳", "fang", "F"), ("娜", "娜", "na", "F"),
    ("敏", "敏", "min", "F"), ("静", "靜", "jing", "F"), ("丽", "麗", "li", "F"),
    ("强", "強", "qiang", "M"), ("磊", "磊", "lei", "M"), ("军", "軍", "jun", "M"),
    ("洋", "洋", "yang", "U"), ("勇", "勇", "yong", "M"), ("艳", "艷", "yan", "F"),
    ("杰", "傑", "jie", "M"), ("娟", "娟", "juan", "F"), ("涛", "濤", "tao", "M"),
    ("明", "明", "ming", "M"), ("超", "超", "chao", "M"), ("秀", "秀", "xiu", "F"),
    ("霞", "霞", "xia", "F"), ("平", "平", "ping", "U"), ("刚", "剛", "gang", "M"),
    ("英", "英", "ying", "F"), ("华", "華", "hua", "U"), ("玉", "玉", "yu", "F"),
    ("兰", "蘭", "lan", "F"), ("凤", "鳳", "feng", "F"), ("红", "紅", "hong", "F"),
    ("梅", "梅", "mei", "F"), ("辉", "輝", "hui", "M"), ("鹏", "鵬", "peng", "M"),
    ("飞", "飛", "fei", "M"), ("晓", "曉", "xiao", "U"), ("婷", "婷", "ting", "F"),
    ("雪", "雪", "xue", "F"), ("嘉", "嘉", "jia", "U"), ("欣", "欣", "xin", "F"),
    ("宇", "宇", "yu", "M"), ("浩", "浩", "hao", "M"), ("俊", "俊", "jun", "M"),
    ("峰", "峰", "feng", "M"), ("斌", "斌", "bin", "M"), ("云", "雲", "yun", "U"),
    ("建", "建", "jian", "M"), ("国", "國", "guo", "M"), ("志", "志", "zhi", "M"),
    ("文", "文", "wen", "U"), ("东", "東", "dong", "M"), ("海", "海", "hai", "M"),
    ("颖", "穎", "ying", "F"), ("琳", "琳", "lin", "F"), ("佳", "佳", "jia", "U"),
    ("丹", "丹", "dan", "F"), ("雨", "雨", "yu", "F"), ("子", "子", "zi", "U"),
    ("轩", "軒", "xuan", "M"), ("涵", "涵", "han", "F"), ("梓", "梓", "zi", "U"),
    ("怡", "怡", "yi", "F"), ("思", "思", "si", "U"), ("博", "博", "bo", "M"),
    ("晨", "晨", "chen", "U"), ("诚", "誠", "cheng", "M"), ("鑫", "鑫", "xin", "M"),
    ("亮", "亮", "liang", "M"), ("宁", "寧", "ning", "U"), ("倩", "倩", "qian", "F"),
    ("慧", "慧", "hui", "F"), ("淑", "淑", "shu", "F"), ("荣", "榮", "rong", "U"),
    ("庆", "慶", "qing", "M"), ("龙", "龍", "long", "M"), ("燕", "燕", "yan", "F"),
    ("萍", "萍", "ping", "F"), ("玲", "玲", "ling", "F"), ("莉", "莉", "li", "F"),
    ("昊", "昊", "hao", "M"), ("然", "然", "ran", "U"),
]  # fmt: skip
GIVEN_BY_CHAR = {g[0]: g for g in GIVEN}

# the full names shared by the most people in China, given to different persons on purpose
COMMON_NAMES: list[tuple[str, str, str]] = [
    ("王", "伟", "M"), ("张", "伟", "M"), ("李", "娜", "F"), ("王", "芳", "F"), ("刘", "洋", "U"),
    ("李", "静", "F"), ("张", "敏", "F"), ("王", "静", "F"), ("李", "强", "M"), ("张", "静", "F"),
    ("李", "敏", "F"), ("王", "敏", "F"), ("王", "磊", "M"), ("李", "军", "M"), ("刘", "伟", "M"),
    ("张", "勇", "M"), ("王", "勇", "M"), ("张", "杰", "M"), ("李", "杰", "M"), ("张", "磊", "M"),
    ("王", "秀英", "F"), ("李", "秀英", "F"), ("张", "丽", "F"), ("王", "丽", "F"),
    ("陈", "静", "F"), ("刘", "芳", "F"), ("林", "嘉欣", "F"),
]  # fmt: skip

# same sound, other character: what an agent or a customer types by mistake
HOMOPHONES: dict[str, str] = {
    "伟": "玮炜", "静": "婧晶", "娜": "纳", "芳": "方", "洋": "阳", "明": "铭", "军": "君",
    "丽": "莉俐", "华": "桦", "红": "虹宏", "敏": "民", "杰": "洁", "婷": "亭", "欣": "馨新",
    "嘉": "佳", "佳": "嘉", "宇": "雨羽", "浩": "皓", "峰": "锋", "斌": "彬", "涛": "滔",
    "磊": "蕾", "霞": "侠", "玲": "琳铃", "琳": "林", "慧": "惠", "颖": "莹", "晨": "辰",
    "鹏": "朋", "辉": "晖", "勇": "永", "刚": "钢", "张": "章", "王": "汪", "陈": "程",
    "徐": "许", "李": "黎", "林": "凌", "杨": "阳", "刘": "柳", "黄": "皇", "吴": "伍",
}  # fmt: skip

# simplified -> traditional for the characters this corpus writes
_TRAD_PAIRS = (
    "贸貿 华華 达達 图圖 东東 长長 远遠 丰豐 万萬 电電 饮飲 饰飾 医醫 疗療 传傳 术術 实實 业業 "
    "环環 责責 广廣 汉漢 区區 号號 楼樓 门門 阳陽 园園 龙龍 湾灣 层層 单單 苏蘇 汇匯 静靜 宁寧 "
    "闵閔 黄黃 台臺 罗羅 宝寶 滨濱 锦錦 纳納 润潤 联聯 创創 务務 纪紀 桥橋 杨楊 张張 关關 学學 "
    "体體 强強 栋棟 刘劉 陈陳 赵趙 吴吳 孙孫 马馬 郑鄭 谢謝 许許 邓鄧 冯馮 韩韓 萧蕭 叶葉 伟偉 "
    "丽麗 军軍 艳艷 杰傑 涛濤 刚剛 兰蘭 凤鳳 红紅 辉輝 鹏鵬 飞飛 晓曉 云雲 国國 颖穎 轩軒 诚誠 "
    "荣榮 庆慶 欧歐 司司 圳圳 浦浦 徐徐 闸閘 进進 发發 经經 营營 设設 计計 装裝 饭飯 壶壺 热熱 "
    "杯杯 盒盒 儿兒 玻玻 璃璃 鲜鮮 筷筷 随隨 县縣 镇鎮 乡鄉 场場 厦廈 馆館 级級 写寫 费費"
)
TRAD: dict[str, str] = {p[0]: p[1] for p in _TRAD_PAIRS.split()}

# (province, province short, city, city short, REGIO, area code, postcode prefix,
#  [(district, district short, division code)], streets, weight, English city, English prov)
CITIES: list[dict[str, Any]] = [
    {"province": "上海市", "prov_short": "上海", "city": "上海市", "city_short": "上海",
     "regio": "31", "area": "021", "post": "200", "en": "Shanghai", "prov_en": "Shanghai",
     "districts": [("徐汇区", "徐汇", "310104"), ("浦东新区", "浦东", "310115"),
                   ("静安区", "静安", "310106"), ("黄浦区", "黄浦", "310101"),
                   ("长宁区", "长宁", "310105"), ("闵行区", "闵行", "310112")],
     "streets": ["漕溪北路", "南京西路", "淮海中路", "世纪大道", "张杨路", "虹桥路", "天山路",
                 "莘庄路"], "weight": 3.0},
    {"province": "北京市", "prov_short": "北京", "city": "北京市", "city_short": "北京",
     "regio": "11", "area": "010", "post": "100", "en": "Beijing", "prov_en": "Beijing",
     "districts": [("朝阳区", "朝阳", "110105"), ("海淀区", "海淀", "110108"),
                   ("东城区", "东城", "110101"), ("西城区", "西城", "110102"),
                   ("丰台区", "丰台", "110106")],
     "streets": ["建国路", "中关村大街", "朝阳北路", "王府井大街", "学院路", "长安街"],
     "weight": 2.5},
    {"province": "广东省", "prov_short": "广东", "city": "广州市", "city_short": "广州",
     "regio": "44", "area": "020", "post": "510", "en": "Guangzhou", "prov_en": "Guangdong",
     "districts": [("天河区", "天河", "440106"), ("越秀区", "越秀", "440104"),
                   ("海珠区", "海珠", "440105"), ("番禺区", "番禺", "440113")],
     "streets": ["天河路", "中山三路", "环市东路", "江南大道", "体育西路"], "weight": 2.0},
    {"province": "广东省", "prov_short": "广东", "city": "深圳市", "city_short": "深圳",
     "regio": "44", "area": "0755", "post": "518", "en": "Shenzhen", "prov_en": "Guangdong",
     "districts": [("南山区", "南山", "440305"), ("福田区", "福田", "440304"),
                   ("罗湖区", "罗湖", "440303"), ("宝安区", "宝安", "440306")],
     "streets": ["深南大道", "科技园路", "华强北路", "海德三道"], "weight": 2.0},
    {"province": "浙江省", "prov_short": "浙江", "city": "杭州市", "city_short": "杭州",
     "regio": "33", "area": "0571", "post": "310", "en": "Hangzhou", "prov_en": "Zhejiang",
     "districts": [("西湖区", "西湖", "330106"), ("上城区", "上城", "330102"),
                   ("拱墅区", "拱墅", "330105"), ("滨江区", "滨江", "330108")],
     "streets": ["文三路", "延安路", "江南大道", "教工路"], "weight": 1.5},
    {"province": "四川省", "prov_short": "四川", "city": "成都市", "city_short": "成都",
     "regio": "51", "area": "028", "post": "610", "en": "Chengdu", "prov_en": "Sichuan",
     "districts": [("武侯区", "武侯", "510107"), ("锦江区", "锦江", "510104"),
                   ("青羊区", "青羊", "510105")],
     "streets": ["人民南路", "天府大道", "春熙路", "科华北路"], "weight": 1.2},
    {"province": "湖北省", "prov_short": "湖北", "city": "武汉市", "city_short": "武汉",
     "regio": "42", "area": "027", "post": "430", "en": "Wuhan", "prov_en": "Hubei",
     "districts": [("武昌区", "武昌", "420106"), ("江汉区", "江汉", "420103"),
                   ("洪山区", "洪山", "420111")],
     "streets": ["中北路", "解放大道", "珞喻路"], "weight": 1.0},
    {"province": "江苏省", "prov_short": "江苏", "city": "南京市", "city_short": "南京",
     "regio": "32", "area": "025", "post": "210", "en": "Nanjing", "prov_en": "Jiangsu",
     "districts": [("玄武区", "玄武", "320102"), ("鼓楼区", "鼓楼", "320106"),
                   ("秦淮区", "秦淮", "320104")],
     "streets": ["中山路", "汉中路", "北京东路"], "weight": 1.0},
]  # fmt: skip

BRANDS: list[tuple[str, str]] = [
    ("华信", "huaxin"), ("恒达", "hengda"), ("鑫源", "xinyuan"), ("宏图", "hongtu"),
    ("林氏", "linshi"), ("金海", "jinhai"), ("天成", "tiancheng"), ("东方", "dongfang"),
    ("长江", "changjiang"), ("博远", "boyuan"), ("中科", "zhongke"), ("瑞丰", "ruifeng"),
    ("盛世", "shengshi"), ("永泰", "yongtai"), ("万通", "wantong"), ("佳禾", "jiahe"),
    ("百川", "baichuan"), ("星辰", "xingchen"), ("润和", "runhe"), ("联创", "lianchuang"),
    ("新华", "xinhua"), ("志远", "zhiyuan"), ("海纳", "haina"), ("安泰", "antai"),
    ("德信", "dexin"), ("广源", "guangyuan"), ("中天", "zhongtian"), ("明达", "mingda"),
    ("宝丰", "baofeng"), ("正大", "zhengda"),
]  # fmt: skip
INDUSTRIES: list[tuple[str, str]] = [
    ("贸易", "Trading"), ("科技", "Technology"), ("电子", "Electronics"), ("物流", "Logistics"),
    ("餐饮管理", "Catering Management"), ("建材", "Building Materials"), ("服饰", "Apparel"),
    ("食品", "Food"), ("医疗器械", "Medical Devices"), ("文化传媒", "Culture Media"),
    ("信息技术", "Information Technology"), ("实业", "Industrial"), ("商贸", "Commerce"),
    ("环保科技", "Environmental Technology"), ("酒店管理", "Hotel Management"),
]  # fmt: skip
SUFFIXES = [("有限公司", 0.6), ("有限责任公司", 0.25), ("股份有限公司", 0.15)]

PRODUCTS: list[tuple[str, str, str, str]] = [
    ("SKU-7731", "MAT-7731", "保温杯 500ml", "199.00"),
    ("SKU-7732", "MAT-7732", "保温杯 750ml", "229.00"),
    ("SKU-2210", "MAT-2210", "不锈钢饭盒", "89.00"),
    ("SKU-3105", "MAT-3105", "电热水壶 1.7L", "259.00"),
    ("SKU-4410", "MAT-4410", "陶瓷马克杯", "49.00"),
    ("SKU-4520", "MAT-4520", "真空焖烧罐", "169.00"),
    ("SKU-5001", "MAT-5001", "儿童水杯", "79.00"),
    ("SKU-6120", "MAT-6120", "旅行茶具套装", "299.00"),
    ("SKU-6301", "MAT-6301", "玻璃保鲜盒 3件套", "119.00"),
    ("SKU-7002", "MAT-7002", "咖啡随行杯", "139.00"),
]
CARRIERS = [("顺丰速运", "SF"), ("中通快递", "ZTO"), ("圆通速递", "YT"), ("京东物流", "JD"),
            ("韵达快递", "YD"), ("EMS", "EMS")]  # fmt: skip
MOBILE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 155 156 157 158 159 166 "
    "170 176 177 180 181 182 183 185 186 187 188 189 191 198 199"
).split()
EMAIL_DOMAINS = [("qq.com", 35), ("163.com", 20), ("126.com", 8), ("sina.com", 5),
                 ("gmail.com", 5), ("outlook.com", 5), ("hotmail.com", 4), ("foxmail.com", 4),
                 ("139.com", 4), ("yahoo.com", 2)]  # fmt: skip
EMOJI = ["🌸", "🍀", "😊", "🐱", "🌙", "✨", "💕", "🔥", "🎈", "🌈", "🐼", "☀️", "🍓", "👑"]
NICK_WORDS = ["阳光", "快乐每一天", "追梦人", "静待花开", "岁月静好", "小确幸", "海阔天空",
              "平安是福", "知足常乐", "momo", "Lucky", "一路向北", "星星", "大海",
              "~", "。"]  # fmt: skip
ENGLISH_NAMES_F = ["Lily", "Amy", "Vivian", "Coco", "Grace", "Cindy", "Helen", "Emma"]
ENGLISH_NAMES_M = ["Kevin", "Jack", "Tony", "David", "Eric", "Leo", "Frank", "Sam"]
JUNK_VALUES = ["无", "-", "N/A", "null", "未知", "13800000000", "00000000000", "123", "test"]
CALL_CATEGORIES = [
    ("complaint", ["杯盖漏水 要求换货", "快递破损", "商品有划痕", "少发配件", "质量问题 申请退款"]),
    ("consult", ["咨询保修政策", "询问发货时间", "咨询发票开具", "问能否改地址", "咨询团购价格"]),
    ("followup", ["回访 已寄出新品", "回访 客户满意", "回访 未接通", "回访 已退款"]),
    ("return", ["申请退货", "七天无理由退货", "换货进度查询"]),
    ("invoice", ["补开增值税专用发票", "发票抬头错误", "申请电子发票"]),
]  # fmt: skip

# --------------------------------------------------------------------------------------------
# Identifiers with their national checksums

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]  # GB 11714
_RID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]  # GB 11643


def _org_code_check(body: str) -> str:
    """The ninth character of a GB 11714 organisation code."""
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in body]
    check = 11 - sum(v * w for v, w in zip(values, _ORG_WEIGHTS, strict=True)) % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def uscc_check(first17: str) -> str:
    """The eighteenth character of a GB 32100 unified social credit code."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_valid(code: str) -> bool:
    code = code.strip().upper()
    if len(code) != 18 or any(c not in USCC_ALPHABET for c in code):
        return False
    return uscc_check(code[:17]) == code[17]


def make_uscc(rng: random.Random, division: str) -> str:
    # 9 = registered with market regulation, 1 = enterprise; then the division code and a
    # GB 11714 organisation code (new-style "MA..." bodies or old all-digit ones)
    while True:
        if rng.random() < 0.6:
            body = "MA" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(6))
        else:
            body = "".join(rng.choice(string.digits) for _ in range(8))
        org = body + _org_code_check(body)
        if all(c in USCC_ALPHABET for c in org):
            first17 = "91" + division + org
            return first17 + uscc_check(first17)


def resident_id_check(first17: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, _RID_WEIGHTS, strict=True)) % 11]


def resident_id_valid(number: str) -> bool:
    number = number.strip().upper()
    if len(number) != 18 or not number[:17].isdigit():
        return False
    return resident_id_check(number[:17]) == number[17]


def make_resident_id(rng: random.Random, division: str, birthday: dt.date, gender: str) -> str:
    seq = rng.randrange(0, 500) * 2 + (1 if gender == "M" else 0)  # odd = male
    first17 = f"{division}{birthday:%Y%m%d}{seq:03d}"
    return first17 + resident_id_check(first17)


# --------------------------------------------------------------------------------------------
# Entities


@dataclass
class Address:
    city: dict[str, Any]
    district: tuple[str, str, str]
    street: str
    number: int
    building: int
    room: int
    postcode: str


@dataclass
class Company:
    eid: str
    brand: tuple[str, str]
    industry: tuple[str, str]
    suffix: str
    address: Address
    uscc: str
    area: str
    switchboard: str  # local digits
    domain: str
    parent: Company | None = None
    employees: list[Person] = field(default_factory=list)
    erp_keys: list[str] = field(default_factory=list)
    vbelns: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        if self.parent is not None:
            return self.parent.name + self.address.city["city_short"] + "分公司"
        return self.address.city["city_short"] + self.brand[0] + self.industry[0] + self.suffix

    @property
    def short(self) -> str:
        return self.brand[0] + self.industry[0]


@dataclass
class Person:
    eid: str
    surname: tuple[str, str, str, float]
    given: list[tuple[str, str, str, str]]
    gender: str
    birthday: dt.date
    resident_id: str
    mobiles: list[str]
    email: str | None
    address: Address
    household: list[Person] | None = None
    home_landline: tuple[str, str] | None = None  # (area, local)
    company: Company | None = None
    extension: str | None = None
    unionid: str | None = None
    shop_mobile: str = ""
    orders: list[str] = field(default_factory=list)  # shop tids (member and guest)
    vbelns: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.surname[0] + "".join(g[0] for g in self.given)

    @property
    def work_email(self) -> str | None:
        if self.company is None:
            return None
        return (
            f"{''.join(g[2] for g in self.given)}.{self.surname[2].lower()}@{self.company.domain}"
        )


# --------------------------------------------------------------------------------------------
# Writings


def fullwidth(text: str) -> str:
    return "".join(
        "\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text
    )


def traditional(text: str) -> str:
    return "".join(TRAD.get(c, c) for c in text)


class Gen:
    """All random choices go through one ``random.Random``, in a fixed order."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.used: set[str] = set()
        self.counters: dict[str, int] = {}

    # ---- small helpers
    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, seq: Sequence[Any]) -> Any:
        return seq[self.rng.randrange(len(seq))]

    def weighted(self, items: Sequence[Any], weights: Sequence[float]) -> Any:
        return self.rng.choices(list(items), weights=list(weights), k=1)[0]

    def unique(self, make: Any) -> str:
        while True:
            value: str = make()
            if value not in self.used:
                self.used.add(value)
                return value

    def next_id(self, kind: str, start: int, gap: int) -> int:
        value = self.counters.get(kind, start) + self.rng.randint(1, gap)
        self.counters[kind] = value
        return value

    def rand_chars(
        self, n: int, alphabet: str = string.ascii_letters + string.digits + "_-"
    ) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def moment(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        span = int((end - start).total_seconds())
        return start + dt.timedelta(seconds=self.rng.randrange(max(span, 1)))

    # ---- phone numbers
    def new_mobile(self) -> str:
        return self.unique(
            lambda: self.pick(MOBILE_PREFIXES) + "".join(self.rng.choices(string.digits, k=8))
        )

    def new_landline(self, city: dict[str, Any]) -> tuple[str, str]:
        local = self.unique(
            lambda: str(self.rng.randint(2, 8)) + "".join(self.rng.choices(string.digits, k=7))
        )
        return city["area"], local

    def mobile(self, d: str) -> str:
        form = self.weighted(range(9), [45, 12, 10, 6, 10, 7, 3, 4, 3])
        out = [
            d,
            f"{d[:3]} {d[3:7]} {d[7:]}",
            f"+86 {d[:3]}-{d[3:7]}-{d[7:]}",
            f"0086{d}",
            f"+86{d}",
            f"{d[:3]}-{d[3:7]}-{d[7:]}",
            f"86 {d}",
            fullwidth(d),
            f" {d} ",
        ][form]
        return str(out)

    def landline(self, area: str, local: str, ext: str | None = None) -> str:
        a = area[1:]
        split = f"{local[:4]} {local[4:]}"
        form = self.weighted(range(7), [30, 30, 12, 8, 8, 4, 8])
        text = [
            f"{area}-{split}",
            f"{area}-{local}",
            f"{area}{local}",
            f"({area}){local}",
            f"+86 {a} {split}",
            local,
            fullwidth(f"{area}-{local}"),
        ][form]
        if ext:
            text += self.weighted([f"-{ext}", f"转{ext}", f" ext.{ext}"], [70, 20, 10])
        return str(text)

    # ---- optional fields
    def blank(self, value: Any, json_style: bool = True) -> Any:
        """Leave ``value``, or make it missing (``...``), empty, null or junk."""
        if self.chance(JUNK_VALUE_RATE):
            return self.pick(JUNK_VALUES)
        if not self.chance(MISSING_RATE):
            return value
        if not json_style:
            return ""
        return self.pick([..., "", None])

    # ---- names
    def person_name(self, p: Person, *, allow_pinyin: bool = True) -> str:
        r = self.rng.random()
        if allow_pinyin and r < PINYIN_NAME_RATE:
            return self.pinyin_name(p)
        r -= PINYIN_NAME_RATE
        if r < TRADITIONAL_RATE:
            return p.surname[1] + "".join(g[1] for g in p.given)
        r -= TRADITIONAL_RATE
        if r < TYPO_RATE:
            return self.typo(p.name)
        r -= TYPO_RATE
        if r < 0.02:
            return " ".join(p.name) if self.chance(0.5) else p.name + " "
        return p.name

    def pinyin_name(self, p: Person) -> str:
        sur = p.surname[2]
        given = "".join(g[2] for g in p.given)
        given = given[:1].upper() + given[1:]
        form = self.weighted(range(6), [35, 30, 10, 10, 10, 5])
        spaced = " ".join(g[2] for g in p.given)
        return str(
            [
                f"{sur} {given}",
                f"{given} {sur}",
                f"{sur.upper()} {given}",
                f"{sur.lower()} {given.lower()}",
                f"{sur} {spaced.title()}",
                fullwidth(f"{sur} {given}"),
            ][form]
        )

    def typo(self, name: str) -> str:
        positions = [i for i, c in enumerate(name) if c in HOMOPHONES]
        if not positions:
            return name[:-1] if len(name) > 2 else name
        i = self.pick(positions)
        return name[:i] + self.pick(HOMOPHONES[name[i]]) + name[i + 1 :]

    def titled(self, p: Person) -> str:
        title = "先生" if p.gender == "M" else self.weighted(["小姐", "女士"], [55, 45])
        sur = p.surname[0]
        if self.chance(TYPO_RATE * 2) and sur in HOMOPHONES:
            sur = self.pick(HOMOPHONES[sur])
        return sur + title

    def nickname(self, p: Person) -> str:
        g = p.given
        form = self.weighted(range(8), [18, 12, 12, 15, 15, 10, 10, 8])
        english = ENGLISH_NAMES_F if p.gender == "F" else ENGLISH_NAMES_M
        text = [
            "小" + p.surname[0],
            "阿" + g[-1][0],
            g[-1][0] * 2,
            self.pick(english),
            self.pick(NICK_WORDS),
            p.name,
            "".join(x[2] for x in g),
            self.pick(english) + p.surname[2],
        ][form]
        if self.chance(0.35):
            text = text + self.pick(EMOJI) if self.chance(0.7) else self.pick(EMOJI) + text
        return str(text)

    # ---- addresses
    def new_address(self, city: dict[str, Any] | None = None) -> Address:
        city = city or self.weighted(CITIES, [c["weight"] for c in CITIES])
        district = self.pick(city["districts"])
        return Address(
            city=city,
            district=district,
            street=self.pick(city["streets"]),
            number=self.rng.randint(1, 999),
            building=self.rng.randint(1, 30),
            room=self.rng.choice([101, 202, 301, 502, 801, 1203, 1506, 2101, 2505]),
            postcode=city["post"] + f"{self.rng.randint(0, 99):02d}" + "0",
        )

    def detail(self, a: Address, company: bool = False) -> str:
        if company:
            forms = [
                f"{a.street}{a.number}号",
                f"{a.street}{a.number}号{a.building}楼",
                f"{a.street}{a.number}号 {a.building}层",
                f"{a.street}{a.number}号{a.room}室",
            ]
            text = self.weighted(forms, [50, 20, 15, 15])
        else:
            forms = [
                f"{a.street}{a.number}号{a.building}栋{a.room}室",
                f"{a.street}{a.number}号{a.building}栋{a.room}",
                f"{a.street}{a.number}号 {a.building}-{a.room}",
                f"{a.street}{a.number}号{a.building}幢{a.room}室",
                f"{a.street}{a.number}号{a.building}号楼{a.room}",
                f"{a.street}{a.number}号",
            ]
            text = self.weighted(forms, [35, 15, 15, 10, 15, 10])
        if self.chance(FULLWIDTH_RATE * 2):
            text = fullwidth(text)
        if self.chance(TRADITIONAL_RATE / 2):
            text = traditional(text)
        return str(text)

    def province(self, a: Address) -> str:
        return str(a.city["province"] if self.chance(0.7) else a.city["prov_short"])

    def city_name(self, a: Address) -> str:
        return str(a.city["city"] if self.chance(0.6) else a.city["city_short"])

    def district_name(self, a: Address) -> str:
        return a.district[0] if self.chance(0.75) else a.district[1]

    # ---- timestamps
    def shop_time(self, t: dt.datetime) -> str:
        """A Shanghai wall-clock time as the shop writes it."""
        form = self.weighted(range(4), [70, 18, 8, 4])
        if form == 0:
            return f"{t:%Y-%m-%d %H:%M:%S}"
        if form == 1:
            return t.strftime("%Y-%m-%dT%H:%M:%S") + "+08:00"
        if form == 2:
            return (t - dt.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return (t - dt.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def unix(t: dt.datetime) -> int:
    """Seconds since the epoch of a Shanghai wall-clock time."""
    return int((t - dt.timedelta(hours=8)).replace(tzinfo=dt.UTC).timestamp())


START = dt.datetime(2019, 1, 1)
END = dt.datetime(2024, 12, 31, 23, 0)


# --------------------------------------------------------------------------------------------
# The corpus


@dataclass
class Corpus:
    shop: list[tuple[dt.datetime, int, str]] = field(default_factory=list)
    wechat: list[tuple[dt.datetime, int, str]] = field(default_factory=list)
    calls: list[tuple[dt.datetime, int, dict[str, Any]]] = field(default_factory=list)
    erp_customers: list[dict[str, Any]] = field(default_factory=list)
    erp_orders: list[dict[str, Any]] = field(default_factory=list)
    erp_deliveries: list[dict[str, Any]] = field(default_factory=list)
    truth: list[tuple[str, str, str]] = field(default_factory=list)
    orphans: list[tuple[str, str, str]] = field(default_factory=list)
    resident_ids: list[str] = field(default_factory=list)
    credit_codes: list[str] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    seq: int = 0

    def count(self, what: str, n: int = 1) -> None:
        self.stats[what] = self.stats.get(what, 0) + n

    def _next(self) -> int:
        self.seq += 1
        return self.seq

    def add_shop(self, t: dt.datetime, obj: dict[str, Any] | str) -> None:
        line = obj if isinstance(obj, str) else _dumps(obj)
        self.shop.append((t, self._next(), line))

    def add_wechat(self, t: dt.datetime, obj: dict[str, Any] | str) -> None:
        line = obj if isinstance(obj, str) else _dumps(obj)
        self.wechat.append((t, self._next(), line))

    def add_call(self, t: dt.datetime, row: dict[str, Any]) -> None:
        self.calls.append((t, self._next(), row))


def _clean(value: Any) -> Any:
    """Drop the fields marked missing (``...``), at any depth."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not ...}
    if isinstance(value, list):
        return [_clean(v) for v in value if v is not ...]
    return value


def _dumps(obj: dict[str, Any]) -> str:
    return json.dumps(_clean(obj), ensure_ascii=False)


CALL_HEADER = ["call_id", "caller_number", "customer_name", "started_at", "duration_s",
               "agent_id", "category", "summary", "ticket_no", "ticket_status", "order_no",
               "batch_no", "satisfaction"]  # fmt: skip
ERP_CUSTOMER_HEADER = ["KUNNR", "KTOKD", "NAME1", "NAME2", "STCD5", "TELF1", "SMTP_ADDR", "LAND1",
                       "REGIO", "ORT01", "ORT02", "STRAS", "PSTLZ", "ERDAT"]  # fmt: skip
ERP_ORDER_HEADER = ["VBELN", "POSNR", "KUNNR", "ERDAT", "NETWR", "WAERK", "MATNR", "ARKTX",
                    "KWMENG", "CHARG", "BSTKD"]  # fmt: skip
ERP_DELIVERY_HEADER = ["VBELN_DEL", "VBELN", "CARRIER", "TRACKING_NO", "SHIPPED_AT"]
TRUTH_HEADER = ["source_system", "source_key", "entity_id"]
# file name -> encoding (older ERP exports come as GBK; one file says so)
ENCODINGS = {
    "callcenter.csv": "utf-8",
    "erp_customers.csv": "utf-8-sig",
    "erp_orders.csv": "utf-8",
    "erp_deliveries.csv": "gbk",
}


class Builder:
    def __init__(self, people: int, seed: int) -> None:
        self.g = Gen(seed)
        self.people_n = people
        self.c = Corpus()
        self.persons: list[Person] = []
        self.companies: list[Company] = []
        self.shop_orders: dict[str, tuple[str, str]] = {}  # tid -> (batch, created)

    # ---- entities
    def build_companies(self) -> None:
        g = self.g
        n = max(2, round(self.people_n * COMPANIES_PER_PERSON))
        seen: set[tuple[str, str, str]] = set()
        i = 0
        while len([c for c in self.companies if c.parent is None]) < n:
            city = g.weighted(CITIES, [c["weight"] for c in CITIES])
            brand, industry = g.pick(BRANDS), g.pick(INDUSTRIES)
            if (city["city"], brand[0], industry[0]) in seen:
                continue
            seen.add((city["city"], brand[0], industry[0]))
            i += 1
            company = self._company(f"O{i:05d}", city, brand, industry, None)
            self.companies.append(company)
            if g.chance(P_COMPANY_BRANCHES):
                others = [c for c in CITIES if c["city"] != city["city"]]
                for bcity in g.rng.sample(others, g.rng.randint(1, 2)):
                    i += 1
                    self.companies.append(
                        self._company(f"O{i:05d}", bcity, brand, industry, company)
                    )

    def _company(
        self,
        eid: str,
        city: dict[str, Any],
        brand: tuple[str, str],
        industry: tuple[str, str],
        parent: Company | None,
    ) -> Company:
        g = self.g
        address = g.new_address(city)
        area, local = g.new_landline(city)
        suffix = g.weighted([s for s, _ in SUFFIXES], [w for _, w in SUFFIXES])
        domain = parent.domain if parent else g.unique(
            lambda: brand[1] + g.pick(["", "-" + city["en"].lower()[:2], str(g.rng.randint(1, 99))])
            + g.pick([".cn", ".com", ".com.cn"])
        )  # fmt: skip
        company = Company(
            eid=eid,
            brand=brand,
            industry=industry,
            suffix=parent.suffix if parent else suffix,
            address=address,
            uscc=make_uscc(g.rng, address.district[2]),
            area=area,
            switchboard=local,
            domain=domain,
            parent=parent,
        )
        return company

    def build_persons(self) -> None:
        g = self.g
        i = 0
        while len(self.persons) < self.people_n:
            # households of 2-4 (mean 3) started with q so that 3q / (3q + 1 - q) = P_HOUSEHOLD
            size = g.rng.randint(2, 4) if g.chance(P_HOUSEHOLD / (3 - 2 * P_HOUSEHOLD)) else 1
            size = min(size, self.people_n - len(self.persons))
            address = g.new_address()
            members: list[Person] = []
            for k in range(size):
                i += 1
                surname = None
                if k > 0 and k != 1:  # children take the first member's surname
                    surname = members[0].surname
                members.append(self._person(f"P{i:06d}", address, surname))
            if size > 1:
                for m in members:
                    m.household = members
                if g.chance(P_HOUSEHOLD_LANDLINE):
                    landline = g.new_landline(address.city)
                    for m in members:
                        m.home_landline = landline
            self.persons.extend(members)
        heads = list(self.companies)
        for p in self.persons:
            if heads and g.chance(P_EMPLOYED) and p.birthday.year < 2002:
                company = g.pick(heads)
                p.company = company
                p.extension = str(g.rng.randint(100, 899)) if g.chance(0.6) else None
                company.employees.append(p)
            p.shop_mobile = p.mobiles[0]
        for p in self.persons:
            hh = p.household
            if hh and p is not hh[0] and g.chance(P_SHARED_FAMILY_MOBILE / (len(hh) - 1)):
                p.shop_mobile = hh[0].mobiles[0]  # registered at the shop with the head's mobile

    def _person(
        self, eid: str, address: Address, surname: tuple[str, str, str, float] | None
    ) -> Person:
        g = self.g
        if surname is None and g.chance(P_COMMON_NAME):
            sur_c, given_c, gender = g.pick(COMMON_NAMES)
            surname = next(s for s in SURNAMES if s[0] == sur_c)
            given = [GIVEN_BY_CHAR[c] for c in given_c]
            if gender == "U":
                gender = g.pick("MF")
        else:
            if surname is None:
                surname = g.weighted(SURNAMES, [s[3] for s in SURNAMES])
            gender = g.pick("MF")
            pool = [x for x in GIVEN if x[3] in (gender, "U")]
            given = [g.pick(pool) for _ in range(2 if g.chance(0.65) else 1)]
        birthday = dt.date(1950, 1, 1) + dt.timedelta(days=g.rng.randrange(365 * 56))
        born = g.pick(g.pick(CITIES)["districts"])[2] if g.chance(0.4) else address.district[2]
        mobiles = [g.new_mobile()]
        if g.chance(P_TWO_MOBILES):
            mobiles.append(g.new_mobile())
        email = None
        if g.chance(P_EMAIL):
            email = self._email(surname, given)
        return Person(
            eid=eid,
            surname=surname,
            given=given,
            gender=gender,
            birthday=birthday,
            resident_id=make_resident_id(g.rng, born, birthday, gender),
            mobiles=mobiles,
            email=email,
            address=address,
        )

    def _email(self, surname: tuple[str, str, str, float], given: list[tuple[str, ...]]) -> str:
        g = self.g
        domain = g.weighted([d for d, _ in EMAIL_DOMAINS], [w for _, w in EMAIL_DOMAINS])
        sur, giv = surname[2].lower(), "".join(x[2] for x in given)

        def make() -> str:
            if domain == "qq.com" and g.chance(0.7):
                return f"{g.rng.randint(10000000, 3999999999)}@qq.com"
            local = g.pick([f"{giv}.{sur}", f"{sur}{giv}", f"{sur}.{giv}", f"{giv}{sur}"])
            if g.chance(0.6):
                local += str(g.rng.randint(1, 2024))
            return f"{local}@{domain}"

        return g.unique(make)

    # ---- writings of person attributes
    def email_text(self, email: str) -> str:
        g = self.g
        if g.chance(0.15):
            local, _, dom = email.partition("@")
            return ".".join(w.capitalize() for w in local.split(".")) + "@" + dom.capitalize()
        if g.chance(0.03):
            return email.upper()
        if g.chance(0.02):
            return " " + email
        return email

    def address_obj(self, a: Address) -> dict[str, Any]:
        g = self.g
        return {
            "province": g.blank(g.province(a)),
            "city": g.blank(g.city_name(a)),
            "district": g.blank(g.district_name(a)),
            "detail": g.blank(g.detail(a)),
            "postcode": g.blank(a.postcode),
        }

    # ---- shop
    def shop_member(self, p: Person) -> None:
        g, c = self.g, self.c
        member_id = f"M{g.next_id('member', 100000, 40)}"
        reg = g.moment(START, END - dt.timedelta(days=60))
        orders = self.member_orders(p, member_id, reg)
        obj = self._member_obj(p, member_id, reg, p.shop_mobile)
        if orders and g.chance(P_ORPHAN_MEMBER):
            c.orphans.append(("shop", member_id, p.eid))
            c.count("shop member never delivered (orders only)")
            return
        t = reg
        if orders and g.chance(P_LATE_MEMBER):
            t = max(orders) + dt.timedelta(minutes=g.rng.randint(1, 600))
            c.count("shop member after its first order")
        c.add_shop(t, obj)
        c.truth.append(("shop", member_id, p.eid))
        c.count("shop member")
        if g.chance(P_MEMBER_UPDATE):
            mobile = p.mobiles[-1]
            obj = dict(obj, mobile=g.mobile(mobile), level="PLATINUM")
            obj["address"] = self.address_obj(p.address)
            c.add_shop(t + dt.timedelta(days=g.rng.randint(30, 300)), obj)
            c.count("shop member update (same member_id)")

    def _member_obj(
        self, p: Person, member_id: str, reg: dt.datetime, mobile: str
    ) -> dict[str, Any]:
        g = self.g
        unionid = p.unionid if p.unionid and g.chance(P_SHOP_KNOWS_UNIONID) else ...
        email: Any = ...
        if p.email and g.chance(0.85):
            email = self.email_text(p.email)
        elif p.work_email and g.chance(0.3):
            email = self.email_text(p.work_email)
        return {
            "type": "member",
            "member_id": member_id,
            "nickname": g.blank(g.nickname(p)),
            "name": g.blank(g.person_name(p)) if g.chance(0.8) else ...,
            "mobile": g.blank(g.mobile(mobile)),
            "email": g.blank(email) if email is not ... else ...,
            "gender": g.blank(p.gender if g.chance(0.9) else "U"),
            "birthday": g.blank(f"{p.birthday:%Y-%m-%d}") if g.chance(0.7) else ...,
            "unionid": unionid,
            "level": g.weighted(["NORMAL", "SILVER", "GOLD", "PLATINUM"], [55, 25, 15, 5]),
            "registered_at": g.shop_time(reg),
            "address": self.address_obj(p.address) if g.chance(0.75) else ...,
        }

    def _order_obj(
        self,
        tid: str,
        member_id: Any,
        buyer_mobile: str,
        created: dt.datetime,
        receiver: dict[str, Any],
    ) -> dict[str, Any]:
        g = self.g
        items = []
        total = 0.0
        batch = ""
        for k in range(g.weighted([1, 2, 3], [70, 22, 8])):
            sku, _, title, price = g.pick(PRODUCTS)
            num = g.weighted([1, 2, 3], [75, 20, 5])
            batch = f"B{created:%y%m}-{g.rng.randint(1, 12):02d}"
            items.append({"oid": str(k + 1), "sku": sku, "title": title, "num": num,
                          "price": price, "batch_no": g.blank(batch)})  # fmt: skip
            total += float(price) * num
        status = g.weighted(["WAIT_PAY", "PAID", "SHIPPED", "FINISHED", "CLOSED", "REFUNDED"],
                            [4, 8, 20, 60, 4, 4])  # fmt: skip
        paid = created + dt.timedelta(seconds=g.rng.randint(20, 900))
        carrier, prefix = g.pick(CARRIERS)
        self.shop_orders[tid] = (batch, f"{created:%Y-%m-%d}")
        return {
            "type": "order",
            "tid": tid,
            "member_id": member_id,
            "buyer_mobile": g.blank(buyer_mobile),
            "created": g.shop_time(created),
            "pay_time": None if status in ("WAIT_PAY", "CLOSED") else g.shop_time(paid),
            "status": status,
            "payment": f"{total:.2f}",
            "receiver": receiver,
            "items": items,
            "logistics": {
                "company": carrier,
                "tracking_no": prefix + g.rand_chars(10, string.digits),
            }
            if status in ("SHIPPED", "FINISHED")
            else ...,
            "points_earned": int(total) if member_id not in (..., None, "") else ...,
        }

    def new_tid(self, created: dt.datetime) -> str:
        g = self.g
        return g.unique(lambda: f"E{created:%Y%m%d}{g.rng.randint(0, 999999):06d}")

    def receiver(self, p: Person, mobile: str) -> dict[str, Any]:
        g = self.g
        if g.chance(0.08):
            name = g.titled(p)
        elif g.chance(0.05):
            name = g.nickname(p)
        else:
            name = g.person_name(p)
        a = p.address
        return {
            "name": g.blank(name),
            "mobile": g.blank(g.mobile(mobile)),
            "province": g.blank(a.city["prov_short"] if g.chance(0.6) else a.city["province"]),
            "city": g.blank(g.city_name(a)),
            "district": g.blank(g.district_name(a)),
            "address": g.blank(g.detail(a) if g.chance(0.85) else g.district_name(a) + g.detail(a)),
        }

    def member_orders(self, p: Person, member_id: str, reg: dt.datetime) -> list[dt.datetime]:
        g, c = self.g, self.c
        times = []
        for _ in range(g.weighted([0, 1, 2, 3, 4, 6], [25, 30, 20, 12, 8, 5])):
            created = g.moment(reg + dt.timedelta(hours=1), END)
            tid = self.new_tid(created)
            target = p
            if p.household and g.chance(0.1):
                target = g.pick(p.household)  # shipped to a family member
            buyer = p.shop_mobile if g.chance(0.9) else p.mobiles[-1]
            obj = self._order_obj(tid, member_id, g.mobile(buyer), created,
                                  self.receiver(target, target.shop_mobile))  # fmt: skip
            c.add_shop(created, obj)
            p.orders.append(tid)
            times.append(created)
            c.count("shop member order")
        return times

    def guest_orders(self, p: Person) -> None:
        g, c = self.g, self.c
        for _ in range(g.weighted([1, 2], [80, 20])):
            created = g.moment(START, END)
            tid = self.new_tid(created)
            member_id: Any = g.weighted([..., None, ""], [80, 15, 5])
            mobile = p.shop_mobile if g.chance(0.7) else p.mobiles[0]
            obj = self._order_obj(tid, member_id, g.mobile(mobile), created,
                                  self.receiver(p, mobile))  # fmt: skip
            c.add_shop(created, obj)
            c.truth.append(("shop", tid, p.eid))
            p.orders.append(tid)
            c.count("shop guest order")

    def company_member(self, co: Company) -> None:
        g, c = self.g, self.c
        member_id = f"M{g.next_id('member', 100000, 40)}"
        reg = g.moment(START, END - dt.timedelta(days=60))
        contact = g.pick(co.employees) if co.employees else None
        mobile = contact.mobiles[0] if contact else g.new_mobile()
        name = co.name if g.chance(0.7) else co.short
        c.add_shop(reg, {
            "type": "member", "member_id": member_id, "nickname": g.blank(co.short + "采购"),
            "name": name, "mobile": g.blank(g.mobile(mobile)),
            "email": g.blank(f"purchase@{co.domain}"), "gender": ..., "birthday": ...,
            "level": "GOLD", "registered_at": g.shop_time(reg),
            "address": {"province": g.province(co.address), "city": g.city_name(co.address),
                        "district": g.district_name(co.address),
                        "detail": g.detail(co.address, company=True),
                        "postcode": co.address.postcode},
        })  # fmt: skip
        c.truth.append(("shop", member_id, co.eid))
        c.count("shop member of a company")
        for _ in range(g.rng.randint(1, 3)):
            created = g.moment(reg, END)
            tid = self.new_tid(created)
            receiver = {"name": contact.name if contact else name, "mobile": g.mobile(mobile),
                        "province": co.address.city["prov_short"],
                        "city": g.city_name(co.address), "district": g.district_name(co.address),
                        "address": g.detail(co.address, company=True)}  # fmt: skip
            c.add_shop(
                created, self._order_obj(tid, member_id, g.mobile(mobile), created, receiver)
            )

    # ---- wechat
    def wechat(self, p: Person) -> None:
        g, c = self.g, self.c
        follower = g.chance(P_WECHAT_FOLLOWER)
        mini = g.chance(P_MINI_BINDING)
        if not (follower or mini):
            return
        if follower:
            openid = g.unique(lambda: "o" + g.rand_chars(27))
            t = g.moment(START, END - dt.timedelta(days=10))
            if g.chance(0.03):
                obj: dict[str, Any] = {"event": "user_info", "openid": openid, "subscribe": 0}
                if p.unionid:
                    obj["unionid"] = p.unionid
                c.count("wechat follower pulled after unsubscribing (subscribe 0)")
            else:
                lang = g.weighted(["zh_CN", "en", "zh_TW", ""], [85, 8, 4, 3])
                home = p.address.city if g.chance(0.8) else g.pick(CITIES)
                english = lang == "en"
                remark = ""
                if g.chance(0.05):
                    remark = p.name if g.chance(0.6) else "VIP " + p.mobiles[0][-4:]
                obj = {
                    "event": "user_info",
                    "openid": openid,
                    "unionid": p.unionid if p.unionid else ...,
                    "nickname": g.nickname(p),
                    "sex": {"M": 1, "F": 2}[p.gender] if g.chance(0.85) else 0,
                    "language": lang,
                    "city": home["en"] if english else home["city_short"],
                    "province": home["prov_en"] if english else home["prov_short"],
                    "country": "China" if english else "中国",
                    "headimgurl": "http://thirdwx.qlogo.cn/mmopen/" + g.rand_chars(40) + "/132",
                    "subscribe": 1,
                    "subscribe_time": unix(t),
                    "remark": remark,
                    "tagid_list": g.rng.sample([2, 100, 101, 128, 130], g.rng.randint(0, 2)),
                }
            c.add_wechat(t, obj)
            c.truth.append(("wechat", openid, p.eid))
            c.count("wechat follower" + (" with unionid" if p.unionid else " without unionid"))
            if g.chance(P_UNSUBSCRIBE):
                later = t + dt.timedelta(days=g.rng.randint(1, 400))
                c.add_wechat(later, {"event": "unsubscribe", "openid": openid, "time": unix(later)})
                c.count("wechat unsubscribe event")
        if mini:
            openid = g.unique(lambda: "o" + g.rand_chars(27))
            t = g.moment(START, END - dt.timedelta(days=10))
            phone = p.mobiles[-1] if len(p.mobiles) > 1 and g.chance(0.5) else p.mobiles[0]
            c.add_wechat(t, self._binding(p, openid, phone, t))
            c.truth.append(("wechat", openid, p.eid))
            c.count("wechat phone binding" + (" with unionid" if p.unionid else " without unionid"))
            if g.chance(0.03):
                later = t + dt.timedelta(days=g.rng.randint(10, 300))
                c.add_wechat(later, self._binding(p, openid, p.mobiles[-1], later))
                c.count("wechat phone binding again (same openid)")

    def _binding(self, p: Person, openid: str, phone: str, t: dt.datetime) -> dict[str, Any]:
        g = self.g
        unionid = p.unionid if p.unionid and g.chance(0.85) else ...
        return {
            "event": "phone_bound",
            "openid": openid,
            "unionid": unionid,
            "phoneNumber": g.weighted([f"+86 {phone}", phone, f"+86{phone}"], [50, 40, 10]),
            "purePhoneNumber": phone,
            "countryCode": "86",
            "bound_at": unix(t),
        }

    # ---- call center
    def new_call_id(self) -> str:
        return f"C-{self.g.next_id('call', 80000, 9)}"

    def new_ticket(self) -> str:
        return f"T-{self.g.next_id('ticket', 5000, 5)}"

    def call_row(
        self,
        number: str,
        name: str,
        t: dt.datetime,
        ticket: str,
        status: str,
        order_no: str,
        batch: str,
        category: tuple[str, list[str]] | None = None,
    ) -> dict[str, Any]:
        g = self.g
        cat, summaries = category or g.pick(CALL_CATEGORIES)
        started = f"{t:%Y-%m-%d %H:%M:%S}" if g.chance(0.9) else t.isoformat() + "+08:00"
        return {
            "call_id": self.new_call_id(),
            "caller_number": number,
            "customer_name": name,
            "started_at": started,
            "duration_s": str(g.rng.randint(15, 900)),
            "agent_id": f"A{g.rng.randint(1, 40):03d}",
            "category": cat,
            "summary": g.pick(summaries),
            "ticket_no": ticket,
            "ticket_status": status,
            "order_no": order_no,
            "batch_no": batch,
            "satisfaction": str(g.rng.randint(1, 5)) if g.chance(0.4) else "",
        }

    def caller_number(self, p: Person) -> str:
        g = self.g
        options: list[tuple[str, float]] = [(g.mobile(p.mobiles[0]), 60)]
        if len(p.mobiles) > 1:
            options.append((g.mobile(p.mobiles[1]), 20))
        if p.home_landline:
            options.append((g.landline(*p.home_landline), 18))
        if p.company:
            options.append((g.landline(p.company.area, p.company.switchboard, p.extension), 12))
        options.append((g.pick(["", "未知号码", "anonymous", "0000"]), 3))
        return str(g.weighted([o for o, _ in options], [w for _, w in options]))

    def caller_name(self, p: Person) -> str:
        g = self.g
        form = g.weighted(range(4), [45, 38, 5, 12])
        if form == 0:
            return g.titled(p)
        if form == 1:
            return g.person_name(p, allow_pinyin=False)
        if form == 2:
            return g.typo(p.name)
        return ""

    def calls(self, p: Person) -> None:
        g, c = self.g, self.c
        cited = p.orders + p.vbelns
        n_issues = g.weighted([1, 2, 3], [65, 25, 10])
        for _ in range(n_issues):
            t = g.moment(START + dt.timedelta(days=30), END)
            order_no, batch = "", ""
            if cited and g.chance(0.6):
                order_no = g.pick(cited)
                batch = self.shop_orders.get(order_no, ("", ""))[0] if g.chance(0.5) else ""
                created = self.shop_orders.get(order_no, ("", ""))[1]
                if created:
                    t = max(t, dt.datetime.fromisoformat(created) + dt.timedelta(days=2))
            n_calls = g.weighted([1, 2, 3, 4], [50, 30, 14, 6]) if order_no else 1
            ticket = self.new_ticket() if (n_calls > 1 or g.chance(0.6)) else ""
            category = g.pick(CALL_CATEGORIES)
            for k in range(n_calls):
                status = "resolved" if k == n_calls - 1 and g.chance(0.7) else "open"
                row = self.call_row(
                    self.caller_number(p),
                    self.caller_name(p),
                    t,
                    ticket,
                    status if ticket else "",
                    order_no if k == 0 or g.chance(0.3) else "",
                    batch if k == 0 else "",
                    category if k == 0 else CALL_CATEGORIES[2],
                )
                c.add_call(t, row)
                c.truth.append(("callcenter", row["call_id"], p.eid))
                c.count("call by a person")
                if k == 0 and n_calls > 1:
                    c.count("ticket spanning several calls")
                t += dt.timedelta(hours=g.rng.randint(2, 96))

    def company_calls(self, co: Company) -> None:
        """Calls on the company's behalf: from its switchboard, or from a contact's own mobile.

        The truth follows who the record names: a call the agent logged under the company's
        name is the company's; one logged under the contact's surname and title ("陈小姐") is
        the contact's, a person calling for her employer (a person and an organisation are
        never one party; the person is the company's contact). A call from a contact's mobile
        always cites one of the company's sales orders.
        """
        g, c = self.g, self.c
        for _ in range(g.rng.randint(1, 3)):
            t = g.moment(START + dt.timedelta(days=30), END)
            contact = g.pick(co.employees) if co.employees else None
            order_no = g.pick(co.vbelns) if co.vbelns and g.chance(0.5) else ""
            if contact and co.vbelns and g.chance(0.3):
                number = g.mobile(contact.mobiles[0])
                order_no = g.pick(co.vbelns)
                c.count("call by a company from a contact's mobile")
            else:
                ext = contact.extension if contact else None
                number = g.landline(co.area, co.switchboard, ext)
            as_contact = contact is not None and g.chance(0.4)
            if as_contact:
                assert contact is not None
                name, caller = g.titled(contact), contact.eid
            else:
                name, caller = g.weighted([co.short, co.name], [35, 25]), co.eid
            ticket = self.new_ticket() if g.chance(0.6) else ""
            row = self.call_row(number, name, t, ticket, "open" if ticket else "", order_no, "")
            c.add_call(t, row)
            c.truth.append(("callcenter", row["call_id"], caller))
            c.count("call for a company by its contact" if as_contact else "call by a company")

    # ---- erp
    def new_kunnr(self) -> str:
        return f"{self.g.next_id('kunnr', 100000, 30):010d}"

    def erp_orders(self, kunnr: str, owner: Person | Company, company: bool) -> None:
        g, c = self.g, self.c
        for _ in range(
            g.weighted([0, 1, 2, 4], [15, 45, 25, 15]) if company else g.pick([0, 1, 1, 2])
        ):
            vbeln = f"{g.next_id('vbeln', 4500010000, 50)}"
            day = g.moment(START, END)
            for pos in range(g.weighted([1, 2, 3], [60, 30, 10])):
                _, matnr, title, price = g.pick(PRODUCTS)
                qty = g.rng.randint(50, 1000) if company else g.rng.randint(1, 10)
                c.erp_orders.append({
                    "VBELN": vbeln, "POSNR": str((pos + 1) * 10), "KUNNR": kunnr,
                    "ERDAT": f"{day:%Y%m%d}", "NETWR": f"{float(price) * qty:.2f}", "WAERK": "CNY",
                    "MATNR": matnr, "ARKTX": title, "KWMENG": str(qty),
                    "CHARG": f"B{day:%y%m}-{g.rng.randint(1, 12):02d}",
                    "BSTKD": f"PO-{g.rng.randint(10, 9999)}" if company else "",
                })  # fmt: skip
            if g.chance(0.85):
                carrier, prefix = g.pick(CARRIERS)
                shipped = day + dt.timedelta(days=g.rng.randint(1, 5), hours=g.rng.randint(0, 9))
                c.erp_deliveries.append({
                    "VBELN_DEL": f"{g.next_id('del', 8000000000, 50)}", "VBELN": vbeln,
                    "CARRIER": carrier, "TRACKING_NO": prefix + g.rand_chars(10, string.digits),
                    "SHIPPED_AT": f"{shipped:%Y-%m-%d %H:%M:%S}",
                })  # fmt: skip
            owner.vbelns.append(vbeln)

    def erp_person(self, p: Person) -> None:
        g, c = self.g, self.c
        for dup in range(2 if g.chance(0.03) else 1):
            kunnr = self.new_kunnr()
            a = p.address
            phone_choice = g.weighted(range(3), [70, 20, 10])
            if phone_choice == 1 and p.home_landline:
                tel = g.landline(*p.home_landline)
            elif phone_choice == 2 and len(p.mobiles) > 1:
                tel = g.mobile(p.mobiles[1])
            else:
                tel = g.mobile(p.mobiles[0])
            stcd5 = ""
            if g.chance(P_RESIDENT_ID_IN_STCD5):
                stcd5 = p.resident_id if g.chance(0.9) else p.resident_id.lower()
                c.resident_ids.append(stcd5)
            name = g.person_name(p) if dup == 0 else g.person_name(p, allow_pinyin=False)
            row = {
                "KUNNR": kunnr, "KTOKD": "Z002", "NAME1": name, "NAME2": "", "STCD5": stcd5,
                "TELF1": g.blank(tel, json_style=False),
                "SMTP_ADDR": g.blank(self.email_text(p.email), json_style=False)
                if p.email and g.chance(0.5) else "",
                "LAND1": "CN", "REGIO": a.city["regio"], "ORT01": g.city_name(a),
                "ORT02": g.blank(g.district_name(a), json_style=False),
                "STRAS": g.blank(g.detail(a), json_style=False), "PSTLZ": a.postcode,
                "ERDAT": f"{g.moment(START, END):%Y%m%d}",
            }  # fmt: skip
            c.erp_customers.append(row)
            c.truth.append(("erp", kunnr, p.eid))
            c.count("erp person row")
            self.erp_orders(kunnr, p, company=False)

    def erp_company(self, co: Company) -> None:
        g, c = self.g, self.c
        rows = 2 if g.chance(P_COMPANY_DUPLICATE_ROW) else 1
        for dup in range(rows):
            kunnr = self.new_kunnr()
            name = co.name
            stcd5 = co.uscc
            if dup == 1:
                c.count("erp company duplicate master row")
                name = self._company_variant(co)
                stcd5 = g.weighted([co.uscc, co.uscc.lower(), f" {co.uscc}", ""], [50, 8, 7, 35])
            elif g.chance(0.05):
                stcd5 = ""
            if stcd5:
                c.credit_codes.append(stcd5)
            a = co.address
            name2 = ""
            if g.chance(0.1):
                name2 = f"{a.city['en']} {co.brand[1].capitalize()} {co.industry[1]} Co., Ltd."
            elif g.chance(0.1):
                name2 = g.pick(["采购部", "财务部", "行政部"])
            row = {
                "KUNNR": kunnr, "KTOKD": "Z001", "NAME1": name, "NAME2": name2, "STCD5": stcd5,
                "TELF1": g.blank(g.landline(co.area, co.switchboard), json_style=False),
                "SMTP_ADDR": g.blank(g.pick(["purchase", "info", "finance", "admin"]) + "@"
                                     + co.domain, json_style=False),
                "LAND1": "CN", "REGIO": a.city["regio"], "ORT01": g.city_name(a),
                "ORT02": g.district_name(a), "STRAS": g.detail(a, company=True),
                "PSTLZ": a.postcode, "ERDAT": f"{g.moment(START, END):%Y%m%d}",
            }  # fmt: skip
            c.erp_customers.append(row)
            c.truth.append(("erp", kunnr, co.eid))
            co.erp_keys.append(kunnr)
            c.count("erp company row" + (" (branch office)" if co.parent else ""))
            self.erp_orders(kunnr, co, company=True)

    def _company_variant(self, co: Company) -> str:
        g = self.g
        city = co.address.city["city_short"]
        base = co.name
        if co.parent is None:
            other = [s for s, _ in SUFFIXES if s != co.suffix]
            form = g.weighted(range(5), [35, 25, 15, 15, 10])
            if form == 0:
                return city + co.short + g.pick(other)
            if form == 1:
                lb, rb = g.pick([("（", "）"), ("(", ")")])
                return f"{co.short}{lb}{city}{rb}{co.suffix}"
            if form == 2:
                return traditional(base)
            if form == 3:
                return f"{city} {co.short}{co.suffix}"
            return fullwidth(base) if g.chance(0.3) else base.replace(city, city + "市", 1)
        return base.replace("分公司", "分部") if g.chance(0.3) else traditional(base)

    # ---- junk
    def junk(self) -> None:
        g, c = self.g, self.c
        n = JUNK_LINES_PER_FILE + self.people_n // 2000
        for k in range(n):
            t = g.moment(START, END)
            shop_junk = [
                '{"type": "member", "member_id": "M9',
                "not json at all",
                '{"type": "member", "name": "无主会员", "mobile": "13912340000"}',
                '{"type": "member", "member_id": ["M1"], "name": "类型错误"}',
            ]
            c.add_shop(t, shop_junk[k % 4])
            c.add_wechat(t, ['{"event": "user_info", "openid": "oBROKEN', "\x00\x01garbage",
                             '{"event": "phone_bound", "openid": null, "purePhoneNumber": '
                             '"13912340001"}'][k % 3])  # fmt: skip
            row = self.call_row("13912340002", "无单号", t, "", "", "", "")
            row["call_id"] = ""
            c.add_call(t, row)
            c.erp_customers.append({
                "KUNNR": "", "KTOKD": "Z002", "NAME1": "缺少编号", "NAME2": "", "STCD5": "",
                "TELF1": "13912340003", "SMTP_ADDR": "", "LAND1": "CN", "REGIO": "31",
                "ORT01": "上海", "ORT02": "", "STRAS": "", "PSTLZ": "", "ERDAT": "20240101",
            })  # fmt: skip
            c.count("junk line/row (4 files)")

    # ---- all of it
    def build(self) -> Corpus:
        g, c = self.g, self.c
        self.build_companies()
        self.build_persons()
        for p in self.persons:
            if g.chance(P_UNIONID):
                p.unionid = g.unique(lambda: "o6_bm" + g.rand_chars(23))
        for p in self.persons:
            if g.chance(P_ERP_PERSON):
                self.erp_person(p)
        for co in self.companies:
            self.erp_company(co)
        for p in self.persons:
            if g.chance(P_SHOP_MEMBER):
                self.shop_member(p)
                if g.chance(P_SECOND_SHOP_ACCOUNT):
                    keep = p.shop_mobile
                    if len(p.mobiles) > 1:
                        p.shop_mobile = p.mobiles[1]
                    self.shop_member(p)
                    p.shop_mobile = keep
                    c.count("shop second account of one person")
            if g.chance(P_GUEST_BUYER):
                self.guest_orders(p)
        for co in self.companies:
            if g.chance(P_COMPANY_SHOP_MEMBER):
                self.company_member(co)
        for p in self.persons:
            self.wechat(p)
        for p in self.persons:
            if g.chance(P_CALLER):
                self.calls(p)
        for co in self.companies:
            if g.chance(P_COMPANY_CALLS):
                self.company_calls(co)
        self.junk()
        c.count("persons", len(self.persons))
        c.count("persons with two mobiles", sum(len(p.mobiles) > 1 for p in self.persons))
        c.count("persons in multi-person households", sum(bool(p.household) for p in self.persons))
        c.count("persons sharing another's mobile at the shop",
                sum(p.shop_mobile != p.mobiles[0] for p in self.persons))  # fmt: skip
        c.count(
            "persons employed at a generated company", sum(bool(p.company) for p in self.persons)
        )
        c.count("companies (head offices)", sum(co.parent is None for co in self.companies))
        c.count("companies (branch offices)", sum(co.parent is not None for co in self.companies))
        for co in self.companies:
            c.credit_codes.append(co.uscc)
        return c


def write_corpus(corpus: Corpus, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with (out / "shop.jsonl").open("w", encoding="utf-8") as f:
        for _, _, line in sorted(corpus.shop):
            f.write(line + "\n")
    with (out / "wechat.jsonl").open("w", encoding="utf-8") as f:
        for _, _, line in sorted(corpus.wechat):
            f.write(line + "\n")
    tables: list[tuple[str, list[str], list[dict[str, Any]]]] = [
        ("callcenter.csv", CALL_HEADER, [row for _, _, row in sorted(corpus.calls, key=_by_time)]),
        ("erp_customers.csv", ERP_CUSTOMER_HEADER, corpus.erp_customers),
        ("erp_orders.csv", ERP_ORDER_HEADER, corpus.erp_orders),
        ("erp_deliveries.csv", ERP_DELIVERY_HEADER, corpus.erp_deliveries),
    ]
    for name, header, rows in tables:
        with (out / name).open("w", encoding=ENCODINGS[name], newline="") as f:
            writer = csv.DictWriter(f, fieldnames=header, lineterminator="\r\n")
            writer.writeheader()
            writer.writerows(rows)
    for name, truth in (("truth.csv", corpus.truth), ("truth_orphan_members.csv", corpus.orphans)):
        with (out / name).open("w", encoding="utf-8", newline="") as f:
            writer2 = csv.writer(f, lineterminator="\n")
            writer2.writerow(TRUTH_HEADER)
            writer2.writerows(sorted(truth))
    (out / "corpus_stats.json").write_text(
        json.dumps(dict(sorted(corpus.stats.items())), ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )


def _by_time(item: tuple[dt.datetime, int, dict[str, Any]]) -> tuple[dt.datetime, int]:
    return item[0], item[1]


def generate(out: Path, people: int, seed: int) -> Corpus:
    """Build the corpus for ``people`` persons and write it into ``out``."""
    corpus = Builder(people, seed).build()
    write_corpus(corpus, out)
    return corpus


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    corpus = generate(args.out, args.people, args.seed)
    for key, value in sorted(corpus.stats.items()):
        print(f"{value:8d}  {key}")
    print(f"{len(corpus.truth):8d}  party source records in truth.csv")


if __name__ == "__main__":
    main()
