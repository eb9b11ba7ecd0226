"""The indicator library: what each indicator means, in both languages, with its formula.

`LIBRARY` is the single source of truth for indicator metadata: scorecards name these
ids, docs/indicators.md is rendered from them (`python -m rmperf.engine.indicators.doc`)
and the computation of each id lives in `rmperf.engine.indicators.compute`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Unit = Literal["CNY", "ratio", "count", "hours", "days", "score", "points"]
Direction = Literal["higher", "lower"]
Perspective = Literal["financial", "customer", "process", "learning"]
Category = Literal["business", "compliance", "risk", "development", "social"]
Family = Literal["result", "quality", "efficiency", "customer", "growth", "collaboration", "esg"]
#: How values of several RMs combine: `ratio` sums numerators and denominators and
#: divides; `sum` sums numerators over the (shared) denominator, or sums values when
#: there is no denominator.
Combine = Literal["sum", "ratio"]
#: The time basis: `daily_average` (balances averaged over the days of the period),
#: `flow` (what happened in the period), `point` (a state on the period's last day or
#: month; never used for a balance indicator).
Aggregation = Literal["daily_average", "flow", "point"]

FAMILIES: tuple[Family, ...] = (
    "result",
    "quality",
    "efficiency",
    "customer",
    "growth",
    "collaboration",
    "esg",
)


@dataclass(frozen=True)
class IndicatorDef:
    """One indicator: identity, names, unit, direction, grouping and written definition."""

    id: str
    name_zh: str
    name_en: str
    unit: Unit
    direction: Direction
    perspective: Perspective
    category: Category
    family: Family
    balance_based: bool
    definition: str
    sources: tuple[str, ...]
    formula: str
    crediting: str
    edge_cases: str
    combine: Combine
    aggregation: Aggregation
    numerator: str = ""  # what the numerator column holds
    denominator: str = ""  # what the denominator column holds (empty: NULL)


_BOOK_END = (
    "the RM in charge of the customer on the period's last day (assignment valid_from ≤ "
    "day ≤ valid_to, open valid_to = still valid)"
)
_BOOK_START = "the RM in charge of the customer on the period's first day"
_BY_DAY = (
    "the RM in charge of the customer on the business date (bank time) of the row; a "
    "reassignment splits the rows by date"
)
_BY_MONTH_DAYS = (
    "each month's daily average is credited to the RM(s) in charge in that month, in "
    "proportion to the days of the month each assignment covers"
)
_ORIGINATOR = "the originating RM, `loans.staff_id` (not the customer's current RM)"

_DEFS: tuple[IndicatorDef, ...] = (
    # ------------------------------------------------------------------ result
    IndicatorDef(
        id="deposit_avg_balance",
        name_zh="日均存款余额",
        name_en="Average daily deposits",
        unit="CNY",
        direction="higher",
        perspective="financial",
        category="business",
        family="result",
        balance_based=True,
        definition=(
            "The period's average daily deposit balance of the RM's customers: each "
            "month's `avg_daily_balance` weighted by the days of the month, never a "
            "month-end balance, so a quarter-end spike (时点冲量) pays only for the days it "
            "lasted."
        ),
        sources=("balances", "assignments"),
        formula=(
            "Σ over customers c and months m of the period: avg_daily_balance(c, m, "
            "deposit) × credited days(c, m) ÷ days of the period's months in the lake"
        ),
        crediting=_BY_MONTH_DAYS,
        edge_cases=(
            "Months after the lake's last balance month are left out of both the sum and "
            "the days (an average to date); with no month in the lake the value is NULL. "
            "A month without a row for a customer counts as 0."
        ),
        combine="sum",
        aggregation="daily_average",
        numerator="balance-days in CNY (Σ avg_daily_balance × credited days)",
        denominator="days of the period's months present in the lake",
    ),
    IndicatorDef(
        id="deposit_avg_growth",
        name_zh="日均存款增长",
        name_en="Average daily deposit growth",
        unit="CNY",
        direction="higher",
        perspective="financial",
        category="business",
        family="result",
        balance_based=True,
        definition=(
            "The increase of the period's average daily deposits over the previous "
            "period's, for the customers the RM looks after. The base moves with the "
            "customer (基数随客户划转): a customer handed over brings their previous-period "
            "average with them, so a transfer is no windfall for the receiving RM and no "
            "loss for the one who handed over."
        ),
        sources=("balances", "assignments"),
        formula=(
            "Σ_c [ credited balance-days(c, this period) ÷ D − (days c was the RM's in "
            "this period ÷ D) × balance-days(c, previous period) ÷ D_prev ]; a customer "
            "assigned to nobody this period keeps their base with the RMs credited in the "
            "previous period"
        ),
        crediting=_BY_MONTH_DAYS + "; the base by the share of this period's days",
        edge_cases=(
            "D = days of this period's months in the lake, D_prev = days of the previous "
            "period; NULL when D = 0. Negative growth is a negative value. Only daily "
            "averages are used (P-03, 2018 deposit-deviation notice)."
        ),
        combine="sum",
        aggregation="daily_average",
        numerator="balance-days × D_prev − base balance-days × D (CNY·days²)",
        denominator="D × D_prev",
    ),
    IndicatorDef(
        id="aum_avg_balance",
        name_zh="日均AUM余额",
        name_en="Average daily AUM",
        unit="CNY",
        direction="higher",
        perspective="financial",
        category="business",
        family="result",
        balance_based=True,
        definition=(
            "The period's average daily assets under management (deposit, wealth, fund, "
            "insurance) of the RM's customers, from daily averages weighted by days."
        ),
        sources=("balances", "assignments"),
        formula="as deposit_avg_balance over the AUM categories",
        crediting=_BY_MONTH_DAYS,
        edge_cases="as deposit_avg_balance",
        combine="sum",
        aggregation="daily_average",
        numerator="balance-days in CNY",
        denominator="days of the period's months present in the lake",
    ),
    IndicatorDef(
        id="aum_avg_growth",
        name_zh="日均AUM增长",
        name_en="Average daily AUM growth",
        unit="CNY",
        direction="higher",
        perspective="financial",
        category="business",
        family="result",
        balance_based=True,
        definition=(
            "The increase of average daily AUM over the previous period, with the base "
            "moving with the customer, as deposit_avg_growth."
        ),
        sources=("balances", "assignments"),
        formula="as deposit_avg_growth over the AUM categories",
        crediting=_BY_MONTH_DAYS + "; the base by the share of this period's days",
        edge_cases="as deposit_avg_growth",
        combine="sum",
        aggregation="daily_average",
        numerator="balance-days × D_prev − base balance-days × D (CNY·days²)",
        denominator="D × D_prev",
    ),
    IndicatorDef(
        id="new_loans",
        name_zh="新增贷款",
        name_en="New loans",
        unit="CNY",
        direction="higher",
        perspective="financial",
        category="business",
        family="result",
        balance_based=False,
        definition="The amount of the loans the RM originated that were disbursed in the period.",
        sources=("loans",),
        formula="Σ loans.amount with disbursed_on in the period",
        crediting=_ORIGINATOR,
        edge_cases="No loans: 0.",
        combine="sum",
        aggregation="flow",
        numerator="CNY",
    ),
    IndicatorDef(
        id="wealth_sales",
        name_zh="理财销售",
        name_en="Wealth product sales",
        unit="CNY",
        direction="higher",
        perspective="financial",
        category="business",
        family="result",
        balance_based=False,
        definition="The amount of new wealth-product holdings started in the period.",
        sources=("holdings", "products", "assignments"),
        formula="Σ holdings.amount with start_date in the period and product category wealth",
        crediting=_BY_DAY.replace("business date (bank time) of the row", "start_date"),
        edge_cases=(
            "The seller column `holdings.staff_id` is not used: it may be a wealth "
            "manager; collaboration is measured by referrals."
        ),
        combine="sum",
        aggregation="flow",
        numerator="CNY",
    ),
    IndicatorDef(
        id="fund_sales",
        name_zh="基金销售",
        name_en="Fund sales",
        unit="CNY",
        direction="higher",
        perspective="financial",
        category="business",
        family="result",
        balance_based=False,
        definition="The amount of new fund holdings started in the period.",
        sources=("holdings", "products", "assignments"),
        formula="Σ holdings.amount with start_date in the period and product category fund",
        crediting=_BY_DAY.replace("business date (bank time) of the row", "start_date"),
        edge_cases="as wealth_sales",
        combine="sum",
        aggregation="flow",
        numerator="CNY",
    ),
    IndicatorDef(
        id="insurance_sales",
        name_zh="保险销售",
        name_en="Insurance sales",
        unit="CNY",
        direction="higher",
        perspective="financial",
        category="business",
        family="result",
        balance_based=False,
        definition="The amount of new insurance holdings started in the period.",
        sources=("holdings", "products", "assignments"),
        formula="Σ holdings.amount with start_date in the period and product category insurance",
        crediting=_BY_DAY.replace("business date (bank time) of the row", "start_date"),
        edge_cases="as wealth_sales",
        combine="sum",
        aggregation="flow",
        numerator="CNY",
    ),
    IndicatorDef(
        id="fee_income",
        name_zh="中间业务收入",
        name_en="Intermediate-business (fee) income",
        unit="CNY",
        direction="higher",
        perspective="financial",
        category="business",
        family="result",
        balance_based=False,
        definition=(
            "Fee revenue earned in the period on the customers' wealth, fund, insurance "
            "and trust holdings: amount × the product's annual revenue_rate, pro-rated to "
            "the days the holding was held in the period."
        ),
        sources=("holdings", "products", "assignments"),
        formula=(
            "Σ amount × revenue_rate × days held in the period ÷ 365; a holding is held "
            "from start_date up to the day before maturity_date (open-ended: still held)"
        ),
        crediting=_BY_DAY.replace("business date (bank time) of the row", "each day held"),
        edge_cases="Holdings of other categories (deposits, loans, cards) earn no fee here.",
        combine="sum",
        aggregation="flow",
        numerator="amount in cents × revenue_rate × days",
        denominator="100 × 365",
    ),
    IndicatorDef(
        id="new_valid_customers",
        name_zh="新增有效客户",
        name_en="New valid customers",
        unit="count",
        direction="higher",
        perspective="customer",
        category="business",
        family="result",
        balance_based=False,
        definition=(
            "Customers opened in the period who are active: at least one transaction "
            "between opening and the period's end and an AUM daily average of at least "
            "1,000.00 in at least one month of the period (policy-free default rule)."
        ),
        sources=("customers", "transactions", "balances", "assignments"),
        formula="count of customers with opened_on in the period meeting the activity rule",
        crediting=(
            "the RM in charge on opened_on; when nobody is, the customer's first assignment "
            "that starts after opened_on within the period"
        ),
        edge_cases=(
            "Opened customers that miss the rule appear in the drill-down with 0 and a "
            "flag (no_transaction, low_balance)."
        ),
        combine="sum",
        aggregation="flow",
        numerator="customers",
    ),
    IndicatorDef(
        id="cross_sell_rate",
        name_zh="交叉销售率",
        name_en="Cross-sell rate",
        unit="ratio",
        direction="higher",
        perspective="customer",
        category="business",
        family="result",
        balance_based=False,
        definition=(
            "The share of the RM's customers holding products of at least two categories "
            "on the period's last day."
        ),
        sources=("holdings", "products", "assignments", "customers"),
        formula=(
            "customers with ≥ 2 distinct product categories among holdings held on the "
            "last day ÷ customers in the book on the last day"
        ),
        crediting=_BOOK_END,
        edge_cases="Empty book: NULL.",
        combine="ratio",
        aggregation="point",
        numerator="customers with ≥ 2 categories",
        denominator="customers in the book",
    ),
    IndicatorDef(
        id="raroc",
        name_zh="风险调整资本回报率",
        name_en="RAROC",
        unit="ratio",
        direction="higher",
        perspective="financial",
        category="business",
        family="result",
        balance_based=False,
        definition=(
            "Risk-adjusted return on capital of the loans the RM originated, annualised, "
            "from a simplified model: revenue (balance × the product's revenue_rate) minus "
            "expected loss (balance × PD of the month's five-grade class × LGD), over the "
            "capital the balance ties up (balance × capital ratio). The parameters are "
            "constants in `indicators.params` (DEFAULT_PD_BY_GRADE, DEFAULT_RISK_CAPITAL) "
            "that a policy can override."
        ),
        sources=("loans", "loan_status", "products"),
        formula=(
            "Σ_months balance × (revenue_rate − PD(grade) × LGD) ÷ Σ_months balance × "
            "capital_ratio (month-end balances of the period's months in the lake)"
        ),
        crediting=_ORIGINATOR,
        edge_cases="No outstanding balance in the period: NULL.",
        combine="ratio",
        aggregation="flow",
        numerator="Σ balance (cents) × (revenue_rate − PD × LGD)",
        denominator="Σ balance (cents) × capital_ratio",
    ),
    IndicatorDef(
        id="eva",
        name_zh="经济增加值",
        name_en="Economic value added (EVA)",
        unit="CNY",
        direction="higher",
        perspective="financial",
        category="business",
        family="result",
        balance_based=False,
        definition=(
            "Economic value added in the period by the loans the RM originated: revenue "
            "minus expected loss minus the capital charge (capital × cost of capital), on "
            "the average month-end balance, pro-rated to the period's days."
        ),
        sources=("loans", "loan_status", "products"),
        formula=(
            "Σ_months balance × (revenue_rate − PD(grade) × LGD − capital_ratio × "
            "cost_of_capital) ÷ n_months × days ÷ 365"
        ),
        crediting=_ORIGINATOR,
        edge_cases="No loan-status month in the period: NULL.",
        combine="sum",
        aggregation="flow",
        numerator="Σ balance (cents) × margin after risk and capital × days",
        denominator="100 × 365 × months",
    ),
    IndicatorDef(
        id="supply_chain_finance",
        name_zh="供应链金融新增贷款",
        name_en="New supply-chain finance loans",
        unit="CNY",
        direction="higher",
        perspective="financial",
        category="business",
        family="result",
        balance_based=False,
        definition=(
            "The amount of supply-chain finance loans (`loans.supply_chain`) the RM "
            "originated that were disbursed in the period."
        ),
        sources=("loans",),
        formula="Σ loans.amount with supply_chain and disbursed_on in the period",
        crediting=_ORIGINATOR,
        edge_cases="A lake without the optional column has no supply-chain loans: 0.",
        combine="sum",
        aggregation="flow",
        numerator="CNY",
    ),
    IndicatorDef(
        id="sci_tech_customers",
        name_zh="科技型企业客户数",
        name_en="Sci-tech customers",
        unit="count",
        direction="higher",
        perspective="customer",
        category="business",
        family="result",
        balance_based=False,
        definition=(
            "The number of sci-tech enterprises (`customers.sci_tech`) in the RM's book on "
            "the period's last day."
        ),
        sources=("customers", "assignments"),
        formula="count of book customers with sci_tech on the last day",
        crediting=_BOOK_END,
        edge_cases="A lake without the optional column has none: 0.",
        combine="sum",
        aggregation="point",
        numerator="customers",
    ),
    # ------------------------------------------------------------------ quality
    IndicatorDef(
        id="overdue_rate",
        name_zh="贷款逾期率",
        name_en="Loan overdue rate",
        unit="ratio",
        direction="lower",
        perspective="financial",
        category="risk",
        family="quality",
        balance_based=False,
        definition=(
            "The share of the outstanding balance of the loans the RM originated that is "
            "overdue (≥ 1 day) at the period's last month-end (default warning at 1.5%)."
        ),
        sources=("loans", "loan_status"),
        formula=(
            "Σ balance with overdue_days ≥ 1 ÷ Σ balance, in loan_status of the last month "
            "of the period present in the lake"
        ),
        crediting=_ORIGINATOR,
        edge_cases="No outstanding balance: NULL (undefined, not 0).",
        combine="ratio",
        aggregation="point",
        numerator="overdue balance (CNY)",
        denominator="outstanding balance (CNY)",
    ),
    IndicatorDef(
        id="npl_ratio",
        name_zh="不良贷款率",
        name_en="Non-performing loan ratio",
        unit="ratio",
        direction="lower",
        perspective="financial",
        category="risk",
        family="quality",
        balance_based=False,
        definition=(
            "The share of the outstanding balance of the loans the RM originated that is "
            "graded substandard, doubtful or loss at the period's last month-end."
        ),
        sources=("loans", "loan_status"),
        formula="Σ balance of NPL grades ÷ Σ balance, last month of the period in the lake",
        crediting=_ORIGINATOR,
        edge_cases="No outstanding balance: NULL.",
        combine="ratio",
        aggregation="point",
        numerator="non-performing balance (CNY)",
        denominator="outstanding balance (CNY)",
    ),
    IndicatorDef(
        id="complaints",
        name_zh="客户投诉",
        name_en="Customer complaints",
        unit="count",
        direction="lower",
        perspective="customer",
        category="compliance",
        family="quality",
        balance_based=False,
        definition="Complaints (events of kind `complaint`) by the RM's customers in the period.",
        sources=("events", "assignments"),
        formula="count of complaint events with business date in the period",
        crediting=_BY_DAY,
        edge_cases="A complaint of an unassigned customer counts for nobody.",
        combine="sum",
        aggregation="flow",
        numerator="complaints",
    ),
    IndicatorDef(
        id="compliance_breaches",
        name_zh="合规违规",
        name_en="Compliance breaches",
        unit="count",
        direction="lower",
        perspective="process",
        category="compliance",
        family="quality",
        balance_based=False,
        definition=(
            "Compliance breaches recorded as events of kind `compliance.breach` in the period."
        ),
        sources=("events", "assignments"),
        formula="count of compliance.breach events with business date in the period",
        crediting="`events.staff_id` when given; otherwise " + _BY_DAY,
        edge_cases="None recorded: 0.",
        combine="sum",
        aggregation="flow",
        numerator="breaches",
    ),
    # ------------------------------------------------------------------ efficiency
    IndicatorDef(
        id="response_24h_rate",
        name_zh="24小时响应率",
        name_en="24-hour response rate",
        unit="ratio",
        direction="higher",
        perspective="process",
        category="business",
        family="efficiency",
        balance_based=False,
        definition=(
            "The share of the customer requests received in the period that were "
            "resolved within 24 hours."
        ),
        sources=("requests",),
        formula=(
            "requests with resolved_at − received_at ≤ 24 h ÷ requests received (business "
            "date of received_at in the period)"
        ),
        crediting="the handling staff member, `requests.staff_id`",
        edge_cases="Unresolved requests count in the denominator only; none received: NULL.",
        combine="ratio",
        aggregation="flow",
        numerator="requests resolved within 24 h",
        denominator="requests received",
    ),
    IndicatorDef(
        id="avg_response_hours",
        name_zh="平均响应时长",
        name_en="Average response time",
        unit="hours",
        direction="lower",
        perspective="process",
        category="business",
        family="efficiency",
        balance_based=False,
        definition=(
            "The average time from receiving a customer request to resolving it, over "
            "the requests received in the period and resolved."
        ),
        sources=("requests",),
        formula="Σ (resolved_at − received_at) in seconds ÷ (resolved requests × 3600)",
        crediting="the handling staff member, `requests.staff_id`",
        edge_cases=(
            "Timestamps are compared to the whole second; open requests are left out "
            "(they count against response_24h_rate); none resolved: NULL."
        ),
        combine="ratio",
        aggregation="flow",
        numerator="seconds",
        denominator="resolved requests × 3600",
    ),
    IndicatorDef(
        id="online_share",
        name_zh="线上业务办理率",
        name_en="Online processing share",
        unit="ratio",
        direction="higher",
        perspective="process",
        category="development",
        family="efficiency",
        balance_based=False,
        definition=(
            "The share of the RM's customers' transactions in the period made through "
            "the mobile or online channels."
        ),
        sources=("transactions", "assignments"),
        formula="transactions with channel mobile or online ÷ all transactions",
        crediting=_BY_DAY,
        edge_cases="No transactions: NULL.",
        combine="ratio",
        aggregation="flow",
        numerator="online transactions",
        denominator="transactions",
    ),
    IndicatorDef(
        id="loan_approval_days",
        name_zh="贷款审批时长",
        name_en="Loan approval time",
        unit="days",
        direction="lower",
        perspective="process",
        category="business",
        family="efficiency",
        balance_based=False,
        definition=(
            "The average number of days from application to disbursement of the loans "
            "the RM originated that were disbursed in the period."
        ),
        sources=("loans",),
        formula="Σ (disbursed_on − applied_on) ÷ loans with applied_on",
        crediting=_ORIGINATOR,
        edge_cases="Loans without applied_on (optional column) are left out; none: NULL.",
        combine="ratio",
        aggregation="flow",
        numerator="days",
        denominator="loans",
    ),
    # ------------------------------------------------------------------ customer
    IndicatorDef(
        id="nps",
        name_zh="净推荐值",
        name_en="Net promoter score",
        unit="points",
        direction="higher",
        perspective="customer",
        category="business",
        family="customer",
        balance_based=False,
        definition=(
            "Promoters (answers 9–10) minus detractors (0–6) over all NPS answers about "
            "the RM in the period, × 100 (−100 … 100)."
        ),
        sources=("feedback",),
        formula="(promoters − detractors) × 100 ÷ answers, feedback kind nps",
        crediting="the rated staff member, `feedback.staff_id`",
        edge_cases="No answers: NULL.",
        combine="ratio",
        aggregation="flow",
        numerator="(promoters − detractors) × 100",
        denominator="answers",
    ),
    IndicatorDef(
        id="hnw_retention",
        name_zh="高净值客户留存率",
        name_en="High-net-worth retention",
        unit="ratio",
        direction="higher",
        perspective="customer",
        category="business",
        family="customer",
        balance_based=True,
        definition=(
            "Of the customers in the RM's book at the period's start with an AUM daily "
            "average of at least 1,000,000 in the month before the period, the share "
            "whose AUM daily average in the period's last month is still at least "
            "1,000,000."
        ),
        sources=("balances", "assignments"),
        formula="customers still HNW at the end ÷ customers HNW at the start",
        crediting=_BOOK_START,
        edge_cases=(
            "Daily averages only, so a month-end spike neither makes nor keeps a customer "
            "HNW; no HNW customer at the start (e.g. an RM who joined mid-period): NULL. "
            "The end month is the period's last month in the lake."
        ),
        combine="ratio",
        aggregation="daily_average",
        numerator="customers still HNW",
        denominator="customers HNW at the start",
    ),
    IndicatorDef(
        id="sleeping_wakeup_rate",
        name_zh="睡眠客户唤醒率",
        name_en="Sleeping-customer wake-up rate",
        unit="ratio",
        direction="higher",
        perspective="customer",
        category="business",
        family="customer",
        balance_based=False,
        definition=(
            "Of the customers in the RM's book at the period's start who were sleeping "
            "(no transaction in the 180 days before the period), the share who made a "
            "transaction in the period."
        ),
        sources=("customers", "transactions", "assignments"),
        formula=(
            "sleeping customers with ≥ 1 transaction in the period ÷ sleeping customers; "
            "sleeping: (day before the period − last transaction day, or opened_on) ≥ 180"
        ),
        crediting=_BOOK_START,
        edge_cases=(
            "No sleeping customer at the start: NULL. The drill-down shows each sleeping "
            "customer's last transaction within the look-back (none: empty)."
        ),
        combine="ratio",
        aggregation="flow",
        numerator="woken customers",
        denominator="sleeping customers",
    ),
    IndicatorDef(
        id="risk_due_diligence",
        name_zh="贷前调查真实性评分",
        name_en="Risk due-diligence score",
        unit="score",
        direction="higher",
        perspective="process",
        category="risk",
        family="customer",
        balance_based=False,
        definition=(
            "The risk department's average score (0–100) of the authenticity of the "
            "RM's pre-loan investigations in the period (360 feedback kind "
            "risk_due_diligence)."
        ),
        sources=("feedback",),
        formula="Σ score ÷ ratings, feedback kind risk_due_diligence",
        crediting="the rated staff member, `feedback.staff_id`",
        edge_cases="No rating: NULL.",
        combine="ratio",
        aggregation="flow",
        numerator="Σ score",
        denominator="ratings",
    ),
    # ------------------------------------------------------------------ growth
    IndicatorDef(
        id="certifications",
        name_zh="取得资格证书",
        name_en="Certifications obtained",
        unit="count",
        direction="higher",
        perspective="learning",
        category="development",
        family="growth",
        balance_based=False,
        definition="Certifications the RM obtained in the period.",
        sources=("trainings",),
        formula="count of trainings of kind certification dated in the period",
        crediting="the staff member, `trainings.staff_id`",
        edge_cases="None: 0.",
        combine="sum",
        aggregation="flow",
        numerator="certifications",
    ),
    IndicatorDef(
        id="training_hours",
        name_zh="培训学时",
        name_en="Training hours",
        unit="hours",
        direction="higher",
        perspective="learning",
        category="development",
        family="growth",
        balance_based=False,
        definition="Hours of training (courses and certifications) the RM took in the period.",
        sources=("trainings",),
        formula="Σ trainings.hours dated in the period",
        crediting="the staff member, `trainings.staff_id`",
        edge_cases="None: 0.",
        combine="sum",
        aggregation="flow",
        numerator="hours",
    ),
    # ------------------------------------------------------------------ collaboration
    IndicatorDef(
        id="referral_success_rate",
        name_zh="转介成功率",
        name_en="Referral success rate",
        unit="ratio",
        direction="higher",
        perspective="process",
        category="development",
        family="collaboration",
        balance_based=False,
        definition=(
            "The share of the referrals the RM made in the period that converted by the "
            "period's end."
        ),
        sources=("referrals",),
        formula=(
            "referrals with status converted and converted_at on or before the last day ÷ "
            "referrals created in the period (business dates)"
        ),
        crediting="the referrer, `referrals.from_staff_id`",
        edge_cases="No referral made: NULL.",
        combine="ratio",
        aggregation="flow",
        numerator="converted referrals",
        denominator="referrals made",
    ),
    IndicatorDef(
        id="referral_points",
        name_zh="转介积分",
        name_en="Referral points",
        unit="points",
        direction="higher",
        perspective="learning",
        category="development",
        family="collaboration",
        balance_based=False,
        definition=(
            "Performance points for referrals that converted in the period, in proportion "
            "to the referred customer's contribution: 10 points per conversion plus one "
            "point per full 10,000 of the customer's AUM daily average in the month of "
            "conversion, at most 100 per referral."
        ),
        sources=("referrals", "balances"),
        formula="Σ min(10 + ⌊AUM daily average ÷ 10,000⌋, 100) over conversions in the period",
        crediting="the referrer, `referrals.from_staff_id`",
        edge_cases="None: 0.",
        combine="sum",
        aggregation="flow",
        numerator="points",
    ),
    # ------------------------------------------------------------------ ESG
    IndicatorDef(
        id="green_credit_share",
        name_zh="绿色信贷占比",
        name_en="Green-credit share of new loans",
        unit="ratio",
        direction="higher",
        perspective="financial",
        category="social",
        family="esg",
        balance_based=False,
        definition="The share of green loans in the amount of new loans the RM originated.",
        sources=("loans",),
        formula="Σ amount of green loans ÷ Σ amount of loans disbursed in the period",
        crediting=_ORIGINATOR,
        edge_cases="No new loans: NULL.",
        combine="ratio",
        aggregation="flow",
        numerator="green amount (CNY)",
        denominator="new-loan amount (CNY)",
    ),
    IndicatorDef(
        id="inclusive_first_loans",
        name_zh="普惠首贷户",
        name_en="Inclusive-finance first loans",
        unit="count",
        direction="higher",
        perspective="customer",
        category="social",
        family="esg",
        balance_based=False,
        definition=(
            "Inclusive-finance loans disbursed in the period to customers who had no "
            "earlier loan at the bank (首贷户)."
        ),
        sources=("loans",),
        formula=(
            "count of inclusive loans disbursed in the period with no loan of the same "
            "customer disbursed earlier (same day: the smaller loan_id is first)"
        ),
        crediting=_ORIGINATOR,
        edge_cases="A customer's second inclusive loan is not a first loan.",
        combine="sum",
        aggregation="flow",
        numerator="loans",
    ),
    # ------------------------------------------------------------------ offers input
    IndicatorDef(
        id="offer_conversion_rate",
        name_zh="营销转化率",
        name_en="Offer conversion rate",
        unit="ratio",
        direction="higher",
        perspective="customer",
        category="business",
        family="result",
        balance_based=False,
        definition=(
            "Of the offers the RM made in the period (recommendation panel and campaigns; "
            "the offers input, not the lake), the share whose product the customer bought: "
            "a holding of the offered product starting from the offer day to the "
            "attribution window after it. The lake decides, not the outcome the RM logged."
        ),
        sources=("holdings",),
        formula=(
            "offers with a holdings row of the same customer and product, offer day ≤ "
            "start_date ≤ offer day + offer_window_days ÷ offers with offer day (business "
            "date of offered_at, bank time) in the period"
        ),
        crediting="the offering RM (`staff_id` of the offer)",
        edge_cases=(
            "No offers: undefined (NULL). A purchase after the period's end still converts "
            "an offer of the period when the lake has it (a re-run before close picks it up). "
            "Two offers of one product to one customer are two offers; one purchase converts "
            "both. Blocked (unsuitable) pairs cannot be offered in the app, so every offer "
            "counted passed the suitability gate."
        ),
        combine="ratio",
        aggregation="flow",
        numerator="offers converted",
        denominator="offers made",
    ),
    IndicatorDef(
        id="offer_wealth_sales",
        name_zh="营销转化财富销售额",
        name_en="Wealth sales from offers",
        unit="CNY",
        direction="higher",
        perspective="financial",
        category="business",
        family="result",
        balance_based=False,
        definition=(
            "The amount of new wealth, fund, insurance and trust holdings started in the "
            "period that an offer (the offers input) led to: the customer was offered that "
            "product from 0 to the attribution window days before the holding started."
        ),
        sources=("holdings", "products"),
        formula=(
            "Σ holdings.amount with start_date in the period, category in "
            "wealth/fund/insurance/trust, and an offer of the same customer and product "
            "with offer day ≤ start_date ≤ offer day + offer_window_days"
        ),
        crediting=(
            "the offering RM of the earliest offer (by offered_at, then offer_id) that "
            "covers the holding; that offer may be from the previous period"
        ),
        edge_cases=(
            "A holding is counted once however many offers cover it. Loans, deposits and "
            "cards are not wealth sales. No offers: 0."
        ),
        combine="sum",
        aggregation="flow",
        numerator="CNY",
    ),
    IndicatorDef(
        id="offer_complaint_rate",
        name_zh="营销投诉率",
        name_en="Mis-selling complaint rate",
        unit="ratio",
        direction="lower",
        perspective="customer",
        category="compliance",
        family="quality",
        balance_based=False,
        definition=(
            "Of the offers the RM made in the period (the offers input), the share whose "
            "customer complained (events of kind `complaint` or `complaint.*`) from the "
            "offer day to offer_complaint_days after it: a sign of mis-selling "
            "(DOMAIN §2, seed 000)."
        ),
        sources=("events",),
        formula=(
            "offers with a complaint event of the customer, offer day ≤ business date ≤ "
            "offer day + offer_complaint_days ÷ offers with offer day in the period"
        ),
        crediting="the offering RM (`staff_id` of the offer)",
        edge_cases=(
            "No offers: undefined (NULL). An offer counts once however many complaints "
            "follow; one complaint counts against every offer to that customer in the "
            "window. The complaint need not name the product (the lake's events do not)."
        ),
        combine="ratio",
        aggregation="flow",
        numerator="offers followed by a complaint",
        denominator="offers made",
    ),
)

LIBRARY: dict[str, IndicatorDef] = {d.id: d for d in _DEFS}
