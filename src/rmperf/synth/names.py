"""Chinese personal and company names, phone numbers and ID numbers, in bulk.

Retail ID numbers follow GB 11643 (6-digit area code, the birth date, a 3-digit
sequence whose parity is the sex, ISO 7064 MOD 11-2 check digit 0-9/X), so the birth
date embedded in the number equals `birth_date`. Corporate ID numbers are unified
social credit codes per GB 32100 ('91' + area code + 9-character organisation code +
MOD 31 check character). Mobile numbers are 11 digits starting 13-19 on real carrier
prefixes; corporate phones are landlines with the city's area code.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .arrow import ascii_rows, digits

# The most common surnames, weighted roughly by their share of the population.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶"
    "程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛"
    "郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文"
)
_SURNAME_WEIGHTS = np.concatenate(
    [np.full(5, 7.0), np.full(5, 4.5), np.full(10, 2.0), np.full(20, 1.2), np.full(80, 0.5)]
)[: len(SURNAMES)]
GIVEN_MALE = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆建国峰亮林成志文博海洋东"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲桂英燕慧红梅琳晶雪颖倩婷佳悦欣怡琪萱雯瑶洁岚蓉莉"
GIVEN_NEUTRAL = "晓子一嘉思雨天宁安诗梓可若晨佳文家俊欣雅鸿泽铭瑞"

CITIES = (
    "杭州",
    "宁波",
    "温州",
    "绍兴",
    "嘉兴",
    "湖州",
    "金华",
    "台州",
    "苏州",
    "无锡",
    "南京",
    "上海",
    "合肥",
    "福州",
    "厦门",
    "南昌",
    "武汉",
    "长沙",
    "广州",
    "深圳",
    "成都",
    "重庆",
    "西安",
    "济南",
    "青岛",
    "郑州",
    "天津",
    "北京",
    "昆明",
    "南宁",
)
AREA_PHONE = (
    "0571",
    "0574",
    "0577",
    "0575",
    "0573",
    "0572",
    "0579",
    "0576",
    "0512",
    "0510",
    "025",
    "021",
    "0551",
    "0591",
    "0592",
    "0791",
    "027",
    "0731",
    "020",
    "0755",
    "028",
    "023",
    "029",
    "0531",
    "0532",
    "0371",
    "022",
    "010",
    "0871",
    "0771",
)
AREA_ID = (
    330106,
    330203,
    330302,
    330602,
    330402,
    330502,
    330702,
    331002,
    320505,
    320211,
    320102,
    310101,
    340104,
    350102,
    350203,
    360102,
    420106,
    430104,
    440106,
    440305,
    510107,
    500103,
    610113,
    370102,
    370202,
    410105,
    120101,
    110101,
    530102,
    450103,
)
DISTRICTS = (
    "城东",
    "城西",
    "城南",
    "城北",
    "高新",
    "滨江",
    "西湖",
    "中山路",
    "人民路",
    "解放路",
    "新城",
    "科技园",
    "东湖",
    "南湖",
    "北苑",
    "江北",
    "江南",
    "湖滨",
    "港区",
    "开发区",
)
_BRAND = "恒远华泰鑫达信诚宏盛嘉和永安瑞丰德隆天成金源博通汇昌万利富康正大兴业新宇卓越启明星辰海纳中和锦程"
_INDUSTRY = (
    "科技",
    "贸易",
    "实业",
    "建设工程",
    "电子",
    "纺织",
    "机械",
    "物流",
    "餐饮管理",
    "医药",
    "新能源",
    "新材料",
    "信息技术",
    "环保科技",
    "食品",
    "服饰",
    "汽车配件",
    "家居",
    "农业开发",
    "文化传媒",
)
_SUFFIX = ("有限公司", "有限公司", "有限公司", "有限公司", "股份有限公司", "集团有限公司")
MOBILE_PREFIXES = np.array(
    [
        130,
        131,
        132,
        133,
        134,
        135,
        136,
        137,
        138,
        139,
        150,
        151,
        152,
        153,
        155,
        156,
        157,
        158,
        159,
        166,
        170,
        176,
        177,
        178,
        180,
        181,
        182,
        183,
        185,
        186,
        187,
        188,
        189,
        198,
        199,
    ],
    dtype=np.int64,
)


def _chars(alphabet: str, codes: np.ndarray) -> np.ndarray:
    return np.asarray(np.array(list(alphabet), dtype="<U1")[codes])


def person_names(rng: np.random.Generator, n: int, female: np.ndarray) -> pa.Array:
    """Surname + one or two given-name characters, chosen by sex."""
    p = _SURNAME_WEIGHTS / _SURNAME_WEIGHTS.sum()
    sur = _chars(SURNAMES, rng.choice(len(SURNAMES), n, p=p))
    male1 = _chars(GIVEN_MALE, rng.integers(0, len(GIVEN_MALE), n))
    fem1 = _chars(GIVEN_FEMALE, rng.integers(0, len(GIVEN_FEMALE), n))
    neutral = _chars(GIVEN_NEUTRAL, rng.integers(0, len(GIVEN_NEUTRAL), n))
    last = np.where(female, fem1, male1)
    two = rng.random(n) < 0.75
    first = np.where(two, neutral, np.array("", dtype="<U1"))
    return pa.array(np.char.add(np.char.add(sur, first), last))


def company_names(rng: np.random.Generator, n: int, city: np.ndarray) -> pa.Array:
    """E.g. 杭州恒远科技有限公司: city + two-character brand + industry + legal form."""
    cities = np.array(CITIES)[city]
    b1 = _chars(_BRAND, rng.integers(0, len(_BRAND), n))
    b2 = _chars(_BRAND, rng.integers(0, len(_BRAND), n))
    ind = np.array(_INDUSTRY)[rng.integers(0, len(_INDUSTRY), n)]
    suf = np.array(_SUFFIX)[rng.integers(0, len(_SUFFIX), n)]
    out = cities
    for part in (b1, b2, ind, suf):
        out = np.char.add(out, part)
    return pa.array(out)


def mobiles(rng: np.random.Generator, n: int) -> np.ndarray:
    """11-digit mobile numbers as int64 (1[3-9]x + 8 digits)."""
    pre = MOBILE_PREFIXES[rng.integers(0, MOBILE_PREFIXES.size, n)]
    return pre * 100_000_000 + rng.integers(0, 100_000_000, n)


def landlines(rng: np.random.Generator, city: np.ndarray) -> pa.Array:
    """City area code, a dash and an 8-digit number starting 8, e.g. 0571-88231234."""
    area = np.array(AREA_PHONE)[city]
    local = np.char.mod("%08d", 80_000_000 + rng.integers(0, 10_000_000, city.size))
    return pa.array(np.char.add(np.char.add(area, "-"), local))


_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)


def resident_ids(
    rng: np.random.Generator, city: np.ndarray, birth_days: np.ndarray, female: np.ndarray
) -> pa.Array:
    """18-character resident ID numbers with the birth date embedded (GB 11643)."""
    n = city.size
    area = np.array(AREA_ID, dtype=np.int64)[city]
    d = birth_days.astype("datetime64[D]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dom = (d - d.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    seq = rng.integers(0, 500, n) * 2 + np.where(female, 0, 1)  # odd = male
    body = np.concatenate(
        [digits(area, 6), digits(y, 4), digits(m, 2), digits(dom, 2), digits(seq, 3)], axis=1
    )
    total = ((body.astype(np.int64) - 48) * _ID_WEIGHTS).sum(axis=1)
    check = _ID_CHECK[total % 11]
    return ascii_rows(np.concatenate([body, check[:, None]], axis=1))


_USCC_ALPHABET = np.frombuffer(b"0123456789ABCDEFGHJKLMNPQRTUWXY", dtype=np.uint8)
_USCC_WEIGHTS = np.array(
    [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64
)
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)


def credit_codes(rng: np.random.Generator, city: np.ndarray) -> pa.Array:
    """18-character unified social credit codes (GB 32100) with valid check characters."""
    n = city.size
    area = np.array(AREA_ID, dtype=np.int64)[city]
    org = digits(rng.integers(10_000_000, 100_000_000, n), 8)
    org_sum = ((org.astype(np.int64) - 48) * _ORG_WEIGHTS).sum(axis=1)
    c9 = (11 - org_sum % 11) % 11  # 10 is written X
    org_check = np.where(c9 == 10, ord("X"), 48 + c9).astype(np.uint8)
    head = np.full((n, 2), [ord("9"), ord("1")], dtype=np.uint8)
    body = np.concatenate([head, digits(area, 6), org, org_check[:, None]], axis=1)
    lookup = np.zeros(128, dtype=np.int64)
    lookup[_USCC_ALPHABET] = np.arange(_USCC_ALPHABET.size)
    total = (lookup[body] * _USCC_WEIGHTS).sum(axis=1)
    check = _USCC_ALPHABET[(31 - total % 31) % 31]
    return ascii_rows(np.concatenate([body, check[:, None]], axis=1))
