"""The product shelf: 46 products over every contract category.

Risk levels follow the category (deposits, time deposits, payroll, credit cards and
loans R1; bank wealth products R1-R3 with one R4; funds R3-R5 with a bond fund at R2;
insurance R1-R2 with a unit-linked policy at R4; trusts R3-R4; FX R2). revenue_rate is
what the bank earns per year per unit of balance (deposit spread ~1.5 %, loan net
interest margin 2-4 %) or per unit of sales (fees 0.40-1.50 %).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pyarrow as pa

from rmperf.engine.contract import PRODUCT_CATEGORIES, ColType

from .arrow import decimal, ints, pick


@dataclass(frozen=True)
class Product:
    name: str
    category: str
    risk: int  # 1..5 = R1..R5
    term_days: int | None
    revenue_rate: str  # decimal literal: exact in the file
    corporate: bool = False  # offered to corporate customers (else retail)


SHELF: tuple[Product, ...] = (
    Product("个人活期储蓄", "deposit", 1, None, "0.0150"),
    Product("单位活期存款(基本户)", "deposit", 1, None, "0.0120", corporate=True),
    Product("单位协定存款", "deposit", 1, None, "0.0090", corporate=True),
    Product("三个月整存整取", "time_deposit", 1, 91, "0.0160"),
    Product("六个月整存整取", "time_deposit", 1, 182, "0.0150"),
    Product("一年期整存整取", "time_deposit", 1, 365, "0.0140"),
    Product("两年期整存整取", "time_deposit", 1, 730, "0.0120"),
    Product("三年期大额存单", "time_deposit", 1, 1095, "0.0100"),
    Product("五年期整存整取", "time_deposit", 1, 1825, "0.0090"),
    Product("单位定期存款(一年)", "time_deposit", 1, 365, "0.0110", corporate=True),
    Product("单位大额存单(三年)", "time_deposit", 1, 1095, "0.0080", corporate=True),
    Product("天天利现金管理理财", "wealth", 1, None, "0.0040"),
    Product("周周存工资理财", "wealth", 1, None, "0.0045"),
    Product("稳健90天持有期理财", "wealth", 2, 90, "0.0060"),
    Product("稳健180天持有期理财", "wealth", 2, 180, "0.0065"),
    Product("安享一年定开理财", "wealth", 2, 365, "0.0070"),
    Product("固收+两年封闭理财", "wealth", 3, 730, "0.0085"),
    Product("混合策略一年理财", "wealth", 3, 365, "0.0090"),
    Product("权益精选理财", "wealth", 4, 365, "0.0110"),
    Product("对公结构性存款(90天)", "wealth", 2, 90, "0.0050", corporate=True),
    Product("对公现金管理理财", "wealth", 1, None, "0.0040", corporate=True),
    Product("中短债债券基金", "fund", 2, None, "0.0040"),
    Product("稳健增利债券基金", "fund", 3, None, "0.0060"),
    Product("平衡配置混合基金", "fund", 3, None, "0.0100"),
    Product("沪深300指数基金", "fund", 4, None, "0.0080"),
    Product("价值成长股票基金", "fund", 4, None, "0.0150"),
    Product("新能源主题股票基金", "fund", 5, None, "0.0150"),
    Product("医药创新股票基金", "fund", 5, None, "0.0150"),
    Product("鑫享增额终身寿险", "insurance", 1, None, "0.0150"),
    Product("安康两全保险", "insurance", 1, 7300, "0.0120"),
    Product("尊享高端医疗保险", "insurance", 2, 365, "0.0150"),
    Product("年金养老保险", "insurance", 1, None, "0.0130"),
    Product("投资连结保险", "insurance", 4, None, "0.0150"),
    Product("家族信托(标准型)", "trust", 3, 1825, "0.0100"),
    Product("集合资金信托计划", "trust", 4, 730, "0.0150"),
    Product("金卡信用卡", "credit_card", 1, None, "0.0150"),
    Product("白金信用卡", "credit_card", 1, None, "0.0150"),
    Product("个人住房按揭贷款", "mortgage", 1, None, "0.0200"),
    Product("装修分期贷款", "consumer_loan", 1, None, "0.0350"),
    Product("家电消费分期", "consumer_loan", 1, None, "0.0400"),
    Product("个人经营贷款", "business_loan", 1, None, "0.0300"),
    Product("小微企业流动资金贷款", "business_loan", 1, None, "0.0300", corporate=True),
    Product("企业固定资产贷款", "business_loan", 1, None, "0.0250", corporate=True),
    Product("代发工资服务", "payroll", 1, None, "0.0020"),
    Product("个人结售汇", "fx", 2, None, "0.0050"),
    Product("企业跨境结算", "fx", 2, None, "0.0040", corporate=True),
)

CATEGORY_INDEX = {c: i for i, c in enumerate(PRODUCT_CATEGORIES)}


def product_number(i: np.ndarray) -> np.ndarray:
    return np.asarray(i, dtype=np.int64) + 1


def product_columns() -> dict[str, pa.Array]:
    n = len(SHELF)
    term = np.array([p.term_days or 0 for p in SHELF], dtype=np.int64)
    rate = np.array([int(Decimal(p.revenue_rate) * 1_000_000) for p in SHELF], dtype=np.int64)
    return {
        "product_id": pa.array([f"P{i + 1:03d}" for i in range(n)]),
        "name": pa.array([p.name for p in SHELF]),
        "category": pa.array([p.category for p in SHELF]),
        "risk_level": pick(("R1", "R2", "R3", "R4", "R5"), np.array([p.risk - 1 for p in SHELF])),
        "term_days": ints(term, missing=np.array([p.term_days is None for p in SHELF])),
        "revenue_rate": decimal(rate, ColType.RATE),
    }


class Shelf:
    """Lookups for choosing products: per (category, segment) the products by risk."""

    def __init__(self) -> None:
        self.ids = pa.array([f"P{i + 1:03d}" for i in range(len(SHELF))])
        self.risk = np.array([p.risk for p in SHELF], dtype=np.int64)
        self.term = np.array([p.term_days or 0 for p in SHELF], dtype=np.int64)
        self.category = np.array([CATEGORY_INDEX[p.category] for p in SHELF], dtype=np.int64)
        self._by: dict[tuple[str, bool], np.ndarray] = {}
        for cat in PRODUCT_CATEGORIES:
            for corp in (False, True):
                members = [
                    i for i, p in enumerate(SHELF) if p.category == cat and p.corporate == corp
                ]
                if not members and corp:
                    members = [i for i, p in enumerate(SHELF) if p.category == cat]
                members.sort(key=lambda i: SHELF[i].risk)
                self._by[(cat, corp)] = np.array(members, dtype=np.int64)

    def first(self, category: str, corporate: bool = False) -> int:
        return int(self._by[(category, corporate)][0])

    def choose(
        self,
        rng: np.random.Generator,
        category: str,
        corporate: np.ndarray,
        max_risk: np.ndarray,
    ) -> np.ndarray:
        """A product per row of `category` with risk ≤ max_risk (suitability); -1 if none."""
        out = np.full(corporate.size, -1, dtype=np.int64)
        u = rng.random(corporate.size)
        for corp in (False, True):
            members = self._by[(category, corp)]
            sel = corporate == corp
            if not sel.any() or members.size == 0:
                continue
            allowed = np.searchsorted(self.risk[members], max_risk[sel], side="right")
            k = np.minimum((u[sel] * allowed).astype(np.int64), np.maximum(allowed - 1, 0))
            out[sel] = np.where(allowed > 0, members[k], -1)
        return out
