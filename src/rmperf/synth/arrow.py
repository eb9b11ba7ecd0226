"""Building Arrow columns of the contract's types straight from numpy, without floats.

Money and the other decimals are built from exact scaled integers (cents for money,
millionths for rates) written into decimal128 buffers, so a float never reaches a file.
Fixed-width ids are formatted as bytes in bulk instead of one Python string per row.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from rmperf.engine.contract import ColType

ARROW_TYPES: dict[ColType, pa.DataType] = {
    ColType.STRING: pa.string(),
    ColType.DATE: pa.date32(),
    ColType.TIMESTAMP: pa.timestamp("us", tz="UTC"),
    ColType.MONTH: pa.string(),
    ColType.MONEY: pa.decimal128(18, 2),
    ColType.RATE: pa.decimal128(12, 6),
    ColType.SCORE: pa.decimal128(9, 2),
    ColType.HOURS: pa.decimal128(9, 2),
    ColType.INT: pa.int64(),
    ColType.BOOL: pa.bool_(),
}


def _validity(missing: np.ndarray | None) -> pa.Buffer | None:
    if missing is None or not missing.any():
        return None
    return pa.array(~missing.astype(bool)).buffers()[1]


def decimal(scaled: np.ndarray, kind: ColType, missing: np.ndarray | None = None) -> pa.Array:
    """A decimal column from integers already multiplied by 10**scale (e.g. cents)."""
    typ = ARROW_TYPES[kind]
    v = np.ascontiguousarray(scaled, dtype=np.int64)
    words = np.empty((v.size, 2), dtype="<i8")
    words[:, 0] = v
    words[:, 1] = v >> 63  # sign extension: decimal128 is 128-bit two's complement
    return pa.Array.from_buffers(
        typ, v.size, [_validity(missing), pa.py_buffer(words)], null_count=-1
    )


def money(cents: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    return decimal(cents, ColType.MONEY, missing)


def to_cents(yuan: np.ndarray, step: float = 0.01) -> np.ndarray:
    """Round generated amounts once, to a multiple of `step` yuan, as integer cents."""
    unit = round(step * 100)
    return (np.rint(np.asarray(yuan, dtype=np.float64) * 100 / unit) * unit).astype(np.int64)


def ids(prefix: str, nums: np.ndarray, width: int) -> pa.Array:
    """Strings prefix + zero-padded number, e.g. ids('C', [1], 8) → 'C00000001'."""
    p = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    n = int(nums.size)
    w = p.size + width
    buf = np.empty((n, w), dtype=np.uint8)
    buf[:, : p.size] = p
    x = np.asarray(nums, dtype=np.int64).copy()
    for i in range(width - 1, -1, -1):
        buf[:, p.size + i] = 48 + x % 10
        x //= 10
    if n and x.max(initial=0) > 0:
        raise ValueError(f"{prefix} ids overflow {width} digits")
    offsets = np.arange(0, (n + 1) * w, w, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(buf)])


def digits(nums: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of each number as an (n, width) uint8 matrix of ASCII."""
    x = np.asarray(nums, dtype=np.int64).copy()
    out = np.empty((x.size, width), dtype=np.uint8)
    for i in range(width - 1, -1, -1):
        out[:, i] = 48 + x % 10
        x //= 10
    return out


def ascii_rows(rows: np.ndarray) -> pa.Array:
    """Strings from an (n, w) matrix of ASCII bytes (one fixed-width string per row)."""
    n, w = rows.shape
    offsets = np.arange(0, (n + 1) * w, w, dtype=np.int32)
    data = np.ascontiguousarray(rows, dtype=np.uint8)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def pick(
    choices: Sequence[str] | pa.Array, codes: np.ndarray, missing: np.ndarray | None = None
) -> pa.Array:
    """Strings choices[codes]; rows flagged missing become null."""
    dictionary = choices if isinstance(choices, pa.Array) else pa.array(list(choices), pa.string())
    idx = pa.array(np.asarray(codes, dtype=np.int64), mask=missing)
    return dictionary.take(idx)


def dates(days: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(days, dtype=np.int32), type=pa.date32(), mask=missing)


def timestamps(us: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    return pa.array(
        np.asarray(us, dtype=np.int64), type=ARROW_TYPES[ColType.TIMESTAMP], mask=missing
    )


def ints(values: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64), type=pa.int64(), mask=missing)


def bools(values: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=bool), type=pa.bool_(), mask=missing)
