"""The customer profile columns of the synthetic bank (industry, household, hobbies,
preferred contact times; seed 002 篇二 三.3–三.4), drawn from their own random stream so
every other column of the generated bank stays as it was.

Shares (a bank knows its corporate customers' industry almost always, its retail
customers' employers and families only where an RM asked): industry for 95 % of the
corporate customers and 45 % of the retail ones (their employer's), household for 40 %
of the retail customers (as a count for a third of them, in words otherwise), hobbies
for 30 % and preferred contact times for 35 % of all customers. The rest are empty.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .arrow import pick
from .rng import stream

INDUSTRIES = (
    "制造业",
    "批发和零售业",
    "建筑业",
    "信息技术服务业",
    "交通运输业",
    "住宿和餐饮业",
    "教育",
    "卫生和社会工作",
    "房地产业",
    "金融业",
    "公共管理",
    "农林牧渔业",
)
HOUSEHOLDS = (
    "夫妻二人",
    "夫妻二人，一子在读大学",
    "三口之家，孩子上小学",
    "与父母同住",
    "单身",
    "四口之家，两个孩子",
)
HOBBIES = ("高尔夫", "茶", "书法", "钓鱼", "旅行", "瑜伽", "摄影", "马拉松", "收藏", "烘焙")
CONTACT_TIMES = (
    "工作日上午",
    "工作日 12:00–13:30",
    "工作日 18:00 以后",
    "周末下午",
    "仅微信联系",
)


def profile_columns(n: int, corporate: np.ndarray, seed: int) -> dict[str, pa.Array]:
    """The four optional profile columns for `n` customers (`corporate`: a bool mask)."""
    rng = stream(seed, "customers.profile")
    share_industry = np.where(corporate, 0.95, 0.45)
    has_industry = rng.random(n) < share_industry
    has_household = ~corporate & (rng.random(n) < 0.40)
    as_count = rng.random(n) < 1 / 3
    has_hobbies = rng.random(n) < 0.30
    has_times = rng.random(n) < 0.35
    # One list: the phrases, then the counts "1" … "6"; a code picks one of either.
    choices = (*HOUSEHOLDS, *(str(k) for k in range(1, 7)))
    words = rng.integers(0, len(HOUSEHOLDS), n)
    count = len(HOUSEHOLDS) + rng.integers(0, 6, n)
    household = pick(choices, np.where(as_count, count, words), missing=~has_household)
    return {
        "industry": pick(INDUSTRIES, rng.integers(0, len(INDUSTRIES), n), missing=~has_industry),
        "household": household,
        "hobbies": pick(HOBBIES, rng.integers(0, len(HOBBIES), n), missing=~has_hobbies),
        "preferred_contact_times": pick(
            CONTACT_TIMES, rng.integers(0, len(CONTACT_TIMES), n), missing=~has_times
        ),
    }
