"""What an indicator definition depends on besides the lake's rows, and month calendars.

Nothing here imports Ibis at import time: a warm `compute_indicators` (compiled SQL kept
by rmperf.engine.sql_cache) builds a Context and finishes the sums without Ibis.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from rmperf.engine.backends import BackendName
from rmperf.engine.indicators.params import IndicatorParams
from rmperf.engine.periods import Period


def month_start(key: str) -> dt.date:
    return dt.date(int(key[:4]), int(key[5:7]), 1)


def month_end(key: str) -> dt.date:
    y, m = int(key[:4]), int(key[5:7])
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def month_days(key: str) -> int:
    return month_end(key).day


def next_month(key: str) -> str:
    y, m = int(key[:4]), int(key[5:7])
    return f"{y + 1:04d}-01" if m == 12 else f"{y:04d}-{m + 1:02d}"


def previous_month(key: str) -> str:
    y, m = int(key[:4]), int(key[5:7])
    return f"{y - 1:04d}-12" if m == 1 else f"{y:04d}-{m - 1:02d}"


@dataclass(frozen=True)
class Context:
    """Everything an indicator definition depends on besides the lake's rows."""

    backend: BackendName
    period: Period
    time_zone: str
    params: IndicatorParams
    last_balance_month: str | None  # the lake's latest balances.month
    last_loan_month: str | None  # the lake's latest loan_status.month
    rates: dict[str, Any]  # product_id → Decimal revenue_rate
    categories: dict[str, str]  # product_id → category

    @property
    def months(self) -> tuple[str, ...]:
        """The period's months that the lake's balances cover (an average to date)."""
        last = self.last_balance_month
        return tuple(m for m in self.period.months if last is not None and m <= last)

    @property
    def days(self) -> int:
        """D: days of `months`."""
        return sum(month_days(m) for m in self.months)

    @property
    def prev_months(self) -> tuple[str, ...]:
        return self.period.previous().months

    @property
    def prev_days(self) -> int:
        return self.period.previous().days

    @property
    def loan_months(self) -> tuple[str, ...]:
        last = self.last_loan_month
        return tuple(m for m in self.period.months if last is not None and m <= last)

    @property
    def loan_days(self) -> int:
        return sum(month_days(m) for m in self.loan_months)

    def bdate(self, ts: Any) -> Any:
        """The business date (bank time) of a timestamp column."""
        from rmperf.engine.activity import business_date

        return business_date(self.backend, ts, self.time_zone)

    @property
    def start(self) -> Any:
        import ibis

        return ibis.literal(self.period.start)

    @property
    def end(self) -> Any:
        import ibis

        return ibis.literal(self.period.end)

    def key(self) -> dict[str, Any]:
        """Every field as JSON-able values: what an indicator's SQL text depends on
        (rmperf.engine.sql_cache keys)."""
        return {
            "backend": self.backend,
            "period": [self.period.key, self.period.start.isoformat(), self.period.end.isoformat()],
            "time_zone": self.time_zone,
            "params": params_key(self.params),
            "last_balance_month": self.last_balance_month,
            "last_loan_month": self.last_loan_month,
            "rates": {k: str(v) for k, v in sorted(self.rates.items())},
            "categories": dict(sorted(self.categories.items())),
        }


def params_key(params: IndicatorParams) -> dict[str, Any]:
    """The parameters as JSON-able values (Decimals as text, mappings as dicts)."""
    from dataclasses import fields

    out: dict[str, Any] = {}
    for f in fields(params):
        value = getattr(params, f.name)
        if f.name == "referral_points":
            value = params.referral_rule  # the rule in force, also when it is the default
        if hasattr(value, "items"):
            out[f.name] = {str(k): str(v) for k, v in sorted(value.items())}
        else:
            out[f.name] = str(value)
    return out


#: The staged table of balances per customer and month (sources.balance_months).
BALANCE_MONTHS = "rm_ind_balance_months"
