"""Products, production batches and carriers shared by the shop and the ERP."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

_PRODUCTS = (
    ("保温杯 500ml", 19900), ("不锈钢焖烧罐 1L", 15900), ("真空保温壶 1.5L", 22900),
    ("儿童吸管杯 350ml", 8900), ("陶瓷马克杯", 4900), ("随行咖啡杯 400ml", 12900),
    ("便当盒 三层", 6900), ("玻璃密封罐 3件套", 5900), ("电热水壶 1.7L", 16900),
    ("破壁料理机", 59900), ("空气炸锅 5L", 39900), ("电饭煲 4L", 32900), ("养生壶 1.5L", 19900),
    ("便携榨汁杯", 12900), ("蒸汽挂烫机", 29900), ("除螨仪", 34900), ("加湿器 4L", 19900),
    ("电动牙刷", 24900), ("冲牙器", 29900), ("负离子吹风机", 39900), ("剃须刀", 27900),
    ("按摩枕", 19900), ("智能体脂秤", 9900), ("乳胶枕", 15900), ("纯棉四件套", 36900),
    ("冬季羽绒被", 69900), ("毛巾 5条装", 5990), ("收纳箱 3个装", 7990), ("自动折叠伞", 6990),
    ("通勤双肩包", 19900), ("24寸行李箱", 49900), ("运动水壶 1L", 5990), ("瑜伽垫", 9900),
)  # fmt: skip
CARRIERS = (
    ("顺丰速运", "SF", 12), ("中通快递", "7", 12), ("圆通速递", "YT", 13),
    ("韵达快递", "43", 13), ("京东物流", "JDV", 12), ("邮政EMS", "E", 12),
)  # fmt: skip


@dataclass(frozen=True)
class Product:
    """A product sold in the shop (SKU) and the ERP (material)."""

    number: int
    title: str
    price_cents: int

    @property
    def sku(self) -> str:
        return f"SKU-{self.number}"

    @property
    def material(self) -> str:
        return f"MAT-{self.number}"

    @property
    def line(self) -> int:
        return self.number % 12 + 1  # the production line that makes it


class Catalogue:
    """The product range, with a few production batches known to be defective."""

    def __init__(self, rng: random.Random) -> None:
        numbers = rng.sample(range(1000, 9999), len(_PRODUCTS))
        self.products = tuple(
            Product(n, title, price) for n, (title, price) in zip(numbers, _PRODUCTS, strict=True)
        )
        months = [f"{y % 100:02d}{m:02d}" for y in range(2021, 2025) for m in range(1, 13)]
        self.defective = frozenset(
            f"B{rng.choice(months)}-{rng.randint(1, 12):02d}" for _ in range(20)
        )

    def batch(self, product: Product, sold: date, rng: random.Random) -> str:
        """The batch a unit sold on `sold` came from (made 0-60 days before)."""
        back = rng.random() * 60
        months = 0 if back < sold.day else 1 if back < sold.day + 30 else 2
        month = sold.year * 12 + sold.month - 1 - months
        return f"B{month // 12 % 100:02d}{month % 12 + 1:02d}-{product.line:02d}"


def tracking_number(rng: random.Random) -> tuple[str, str]:
    """A carrier name and a tracking number in that carrier's format."""
    name, prefix, digits = rng.choice(CARRIERS)
    number = f"{rng.randrange(10**digits):0{digits}d}"
    suffix = "CN" if prefix == "E" else ""
    return name, f"{prefix}{number}{suffix}"
