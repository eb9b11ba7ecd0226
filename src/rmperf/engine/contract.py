"""The data-lake contract: every table, column, type, enum and key (shared/DESIGN.md).

This module is the single source of truth for the lake's shape. The synthetic bank
writes it, `rmperf import` validates against it, the engine reads through it and
docs/data-format.md documents it (a test keeps the doc in step with this module).
Table and column names are fixed: tools outside the project rely on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ColType(StrEnum):
    """Logical column types; each maps to one DuckDB / Spark / Parquet type."""

    STRING = "string"
    DATE = "date"  # ISO YYYY-MM-DD
    TIMESTAMP = "timestamp"  # ISO 8601; without an offset it is in bank time
    MONTH = "month"  # YYYY-MM
    MONEY = "money"  # decimal(18,2): at most 2 places, never float
    RATE = "rate"  # decimal(12,6): a fraction, e.g. 0.0150 = 1.5 %
    SCORE = "score"  # decimal(9,2)
    HOURS = "hours"  # decimal(9,2)
    INT = "int"  # 64-bit integer
    BOOL = "bool"  # true/false


#: DuckDB SQL type for each logical type (Parquet physical types follow from these).
DUCKDB_TYPES: dict[ColType, str] = {
    ColType.STRING: "VARCHAR",
    ColType.DATE: "DATE",
    ColType.TIMESTAMP: "TIMESTAMPTZ",
    ColType.MONTH: "VARCHAR",
    ColType.MONEY: "DECIMAL(18,2)",
    ColType.RATE: "DECIMAL(12,6)",
    ColType.SCORE: "DECIMAL(9,2)",
    ColType.HOURS: "DECIMAL(9,2)",
    ColType.INT: "BIGINT",
    ColType.BOOL: "BOOLEAN",
}

#: Decimal scale (places after the point) of each decimal type; more places is an error.
DECIMAL_SCALE: dict[ColType, int] = {
    ColType.MONEY: 2,
    ColType.RATE: 6,
    ColType.SCORE: 2,
    ColType.HOURS: 2,
}

BANK_TIME_ZONE = "Asia/Shanghai"  # default; policy may change it (DOMAIN §1 "Dates")


@dataclass(frozen=True)
class Column:
    """One column: its type, whether a value is required and what values are allowed."""

    name: str
    type: ColType
    required: bool = True
    enum: tuple[str, ...] | None = None
    references: str | None = None  # "table.column" foreign key
    min_value: str | None = None  # inclusive lower bound, as a decimal/int literal
    exclusive_min: bool = False  # True: the value must be strictly greater than min_value
    max_value: str | None = None  # inclusive upper bound
    pattern: str | None = None  # regular expression the whole string must match
    # Longest text the database stores (characters); ids, enums and patterned values are
    # bounded by their rule. Every text value must also be free of control characters.
    max_length: int | None = None
    description: str = ""
    zh: str = ""  # the Chinese business term, for docs and UI

    @property
    def temporal(self) -> bool:
        return self.type in (ColType.DATE, ColType.TIMESTAMP, ColType.MONTH)

    @property
    def past_only(self) -> bool:
        """Dates of things that happened cannot lie after the import day; maturities can."""
        return self.temporal and self.name not in FUTURE_DATED_COLUMNS


#: Temporal columns that may lie in the future (everything else must be on or before
#: the validation day and on or after MIN_DATE).
FUTURE_DATED_COLUMNS = frozenset({"maturity_date", "valid_to"})
MIN_DATE = "1900-01-01"


@dataclass(frozen=True)
class RowCheck:
    """A rule over several columns of one row, as a SQL predicate that must be true.

    The predicate is written in the portable SQL subset that DuckDB and Spark share and
    is evaluated on typed values; a NULL result counts as passing (optional columns).
    """

    name: str
    column: str  # the column blamed in the rejects file
    predicate: str
    reason: str


@dataclass(frozen=True)
class Table:
    """One lake table: its columns, primary key, cross-column rules and meaning."""

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    checks: tuple[RowCheck, ...] = ()
    description: str = ""
    zh: str = ""
    fact: bool = False  # fact tables stay in the lake; dimension tables load into the app
    #: An optional table may be absent from a lake: it then reads as empty (a note, not a
    #: problem). Present, it is validated like any other.
    optional: bool = False

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


ORG_KINDS = ("bank", "region", "branch", "team")
ROLES = (
    "rm",
    "teller",
    "wealth_manager",
    "team_leader",
    "branch_manager",
    "risk_officer",
    "hr",
    "auditor",
)
RANKS = ("assistant", "junior", "intermediate", "senior")
#: An RM's business line: which scorecard family applies (DOMAIN §5).
BUSINESS_LINES = ("retail", "corporate", "sci_tech")
CUSTOMER_KINDS = ("retail", "corporate")
RISK_TOLERANCES = ("C1", "C2", "C3", "C4", "C5")
PRODUCT_RISKS = ("R1", "R2", "R3", "R4", "R5")
PRODUCT_CATEGORIES = (
    "deposit",
    "time_deposit",
    "wealth",
    "fund",
    "insurance",
    "credit_card",
    "mortgage",
    "consumer_loan",
    "business_loan",
    "payroll",
    "fx",
    "trust",
)
#: Balance categories. Asset categories (counted in AUM) are chosen by policy; the
#: default is deposit, wealth, fund, insurance (DOMAIN §1). Loans are not assets.
BALANCE_CATEGORIES = ("deposit", "wealth", "fund", "insurance", "trust", "loan")
DIRECTIONS = ("credit", "debit")
TXN_CHANNELS = ("counter", "atm", "mobile", "online", "pos", "transfer")
LOAN_GRADES = ("normal", "special_mention", "substandard", "doubtful", "loss")
INTERACTION_CHANNELS = ("phone", "sms", "visit", "branch", "wechat")
REFERRAL_STATUSES = ("created", "accepted", "contacted", "converted", "lost", "expired")
FEEDBACK_KINDS = ("nps", "mystery_shopper", "peer", "risk_due_diligence")
TRAINING_KINDS = ("course", "certification")

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"
#: The longest name the database stores (org units, staff, customers, products, trainings).
NAME_MAX = 200
#: The longest customer-profile texts the database stores (industry and contact times;
#: household and hobbies).
PROFILE_SHORT_MAX = 100
PROFILE_LONG_MAX = 200
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
EVENT_KIND_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$"


def _id(
    name: str,
    *,
    references: str | None = None,
    required: bool = True,
    description: str = "",
    zh: str = "",
) -> Column:
    return Column(
        name,
        ColType.STRING,
        required=required,
        references=references,
        pattern=ID_PATTERN,
        description=description,
        zh=zh,
    )


TABLES: tuple[Table, ...] = (
    Table(
        "org_units",
        (
            _id("unit_id", description="Org unit id", zh="机构编号"),
            Column(
                "name",
                ColType.STRING,
                max_length=NAME_MAX,
                description="Display name",
                zh="机构名称",
            ),
            Column(
                "kind", ColType.STRING, enum=ORG_KINDS, description="Level in the tree", zh="层级"
            ),
            _id(
                "parent_id",
                references="org_units.unit_id",
                required=False,
                description="Parent unit; empty only for the bank",
                zh="上级机构",
            ),
        ),
        ("unit_id",),
        checks=(
            RowCheck(
                "root_is_bank",
                "parent_id",
                "(parent_id IS NULL) = (kind = 'bank')",
                "only the bank has no parent, and the bank has none",
            ),
        ),
        description=(
            "The org tree: bank → region → branch → team, the region and the team optional. "
            "A region hangs under the bank, a branch under a region or the bank, a team "
            "under a branch: a bank without regions and a branch without teams are both "
            "fine, and staff and customers may belong to any unit."
        ),
        zh="机构树",
    ),
    Table(
        "staff",
        (
            _id("staff_id", description="Employee id", zh="员工编号"),
            Column("name", ColType.STRING, max_length=NAME_MAX, description="Full name", zh="姓名"),
            Column("role", ColType.STRING, enum=ROLES, description="Job role", zh="岗位"),
            Column(
                "rank",
                ColType.STRING,
                required=False,
                enum=RANKS,
                description="RM rank (required for RMs)",
                zh="客户经理等级",
            ),
            _id(
                "unit_id",
                references="org_units.unit_id",
                description="Unit the person works in",
                zh="所属机构",
            ),
            Column("hired_on", ColType.DATE, description="Hire date", zh="入职日期"),
            Column(
                "business_line",
                ColType.STRING,
                required=False,
                enum=BUSINESS_LINES,
                description=(
                    "RM's business line, which picks the scorecard (empty: from the book's "
                    "customer kinds)"
                ),
                zh="条线",
            ),
            Column(
                "left_on",
                ColType.DATE,
                required=False,
                description="Last day employed, inclusive (empty: still employed)",
                zh="离职日期",
            ),
            Column(
                "material_risk",
                ColType.BOOL,
                required=False,
                description=(
                    "Role with a material impact on risk: at least 40% of performance pay "
                    "deferred (empty: no)"
                ),
                zh="对风险有重要影响岗位",
            ),
        ),
        ("staff_id",),
        checks=(
            RowCheck(
                "rm_has_rank", "rank", "role <> 'rm' OR rank IS NOT NULL", "an RM must have a rank"
            ),
            RowCheck(
                "line_only_for_rms",
                "business_line",
                "role = 'rm' OR business_line IS NULL",
                "only RMs have a business line",
            ),
            RowCheck(
                "left_after_hired",
                "left_on",
                "left_on IS NULL OR left_on >= hired_on",
                "left_on is before hired_on",
            ),
        ),
        description="Everyone who appears in the lake: RMs, tellers, managers, HR, auditors.",
        zh="员工",
    ),
    Table(
        "customers",
        (
            _id("customer_id", description="Customer id", zh="客户号"),
            Column(
                "name",
                ColType.STRING,
                max_length=NAME_MAX,
                description="Customer name (personal data)",
                zh="客户名称",
            ),
            Column(
                "kind",
                ColType.STRING,
                enum=CUSTOMER_KINDS,
                description="Retail or corporate",
                zh="客户类型",
            ),
            _id(
                "unit_id", references="org_units.unit_id", description="Home branch", zh="归属网点"
            ),
            Column(
                "birth_date",
                ColType.DATE,
                required=False,
                description="Date of birth (retail; personal data)",
                zh="出生日期",
            ),
            Column("opened_on", ColType.DATE, description="First account opened", zh="开户日期"),
            Column(
                "phone",
                ColType.STRING,
                required=False,
                pattern=r"^\+?[0-9][0-9 -]{5,19}$",
                description="Contact phone (personal data)",
                zh="联系电话",
            ),
            Column(
                "id_number",
                ColType.STRING,
                required=False,
                pattern=r"^[0-9A-Za-z-]{6,32}$",
                description="ID card / unified social credit code (personal data)",
                zh="证件号码",
            ),
            Column(
                "risk_level",
                ColType.STRING,
                required=False,
                enum=RISK_TOLERANCES,
                description="Risk tolerance from the last assessment",
                zh="风险承受能力",
            ),
            Column(
                "risk_assessed_on",
                ColType.DATE,
                required=False,
                description="Date of the last risk assessment",
                zh="风险评估日期",
            ),
            Column(
                "contact_verified_on",
                ColType.DATE,
                required=False,
                description="Date contact data was last verified",
                zh="联系信息核实日期",
            ),
            Column(
                "marketing_opt_out",
                ColType.BOOL,
                required=False,
                description="Refused personalised marketing (PIPL art. 24)",
                zh="拒绝个性化营销",
            ),
            Column(
                "sci_tech",
                ColType.BOOL,
                required=False,
                description="Sci-tech enterprise (科技型企业), for sci-tech finance scorecards",
                zh="科技型企业",
            ),
            # The customer profile (seed 002 篇二 三.3–三.4, seed 001 §2): free text the RM
            # keeps fresh; personal data, masked in the app and revealed with a purpose.
            Column(
                "industry",
                ColType.STRING,
                required=False,
                max_length=PROFILE_SHORT_MAX,
                description=(
                    "Industry: a corporate customer's own, a retail customer's employer's "
                    "(personal data)"
                ),
                zh="所属行业",
            ),
            Column(
                "household",
                ColType.STRING,
                required=False,
                max_length=PROFILE_LONG_MAX,
                description="Household members, as free text or a count (personal data)",
                zh="家庭成员",
            ),
            Column(
                "hobbies",
                ColType.STRING,
                required=False,
                max_length=PROFILE_LONG_MAX,
                description="Hobbies and interests (personal data)",
                zh="兴趣爱好",
            ),
            Column(
                "preferred_contact_times",
                ColType.STRING,
                required=False,
                max_length=PROFILE_SHORT_MAX,
                description="When the customer prefers to be contacted (personal data)",
                zh="偏好联系时间",
            ),
        ),
        ("customer_id",),
        checks=(
            RowCheck(
                "birth_before_open",
                "birth_date",
                "birth_date IS NULL OR birth_date <= opened_on",
                "birth_date is after opened_on",
            ),
            RowCheck(
                "assessment_has_level",
                "risk_assessed_on",
                "(risk_level IS NULL) = (risk_assessed_on IS NULL)",
                "risk_level and risk_assessed_on must be given together",
            ),
        ),
        description="Retail and corporate customers.",
        zh="客户",
    ),
    Table(
        "assignments",
        (
            _id("customer_id", references="customers.customer_id", zh="客户号"),
            _id(
                "staff_id",
                references="staff.staff_id",
                description="The RM in charge",
                zh="管户客户经理",
            ),
            Column(
                "valid_from", ColType.DATE, description="First day of the assignment", zh="起始日"
            ),
            Column(
                "valid_to",
                ColType.DATE,
                required=False,
                description="Last day (inclusive); empty while still valid",
                zh="终止日",
            ),
        ),
        ("customer_id", "valid_from"),
        checks=(
            RowCheck(
                "valid_range",
                "valid_to",
                "valid_to IS NULL OR valid_to >= valid_from",
                "valid_to is before valid_from",
            ),
        ),
        description="Which RM looks after which customer, time-sliced.",
        zh="管户关系",
    ),
    Table(
        "products",
        (
            _id("product_id", description="Product code", zh="产品代码"),
            Column(
                "name",
                ColType.STRING,
                max_length=NAME_MAX,
                description="Product name",
                zh="产品名称",
            ),
            Column("category", ColType.STRING, enum=PRODUCT_CATEGORIES, zh="产品类别"),
            Column(
                "risk_level",
                ColType.STRING,
                enum=PRODUCT_RISKS,
                description="Product risk",
                zh="产品风险等级",
            ),
            Column(
                "term_days",
                ColType.INT,
                required=False,
                min_value="0",
                description="Term in days; empty for open-ended products",
                zh="期限(天)",
            ),
            Column(
                "revenue_rate",
                ColType.RATE,
                min_value="0",
                max_value="1",
                description="Annual revenue to the bank per unit of balance or sales",
                zh="收益率/费率",
            ),
        ),
        ("product_id",),
        description="The product shelf.",
        zh="产品",
    ),
    Table(
        "transactions",
        (
            _id("txn_id", zh="流水号"),
            _id("customer_id", references="customers.customer_id", zh="客户号"),
            Column("ts", ColType.TIMESTAMP, description="When it happened", zh="交易时间"),
            Column(
                "amount",
                ColType.MONEY,
                min_value="0",
                exclusive_min=True,
                description="Amount in CNY, > 0",
                zh="交易金额",
            ),
            Column("direction", ColType.STRING, enum=DIRECTIONS, zh="借贷方向"),
            Column("channel", ColType.STRING, enum=TXN_CHANNELS, zh="渠道"),
            _id("product_id", references="products.product_id", required=False, zh="产品代码"),
        ),
        ("txn_id",),
        description="Every customer transaction.",
        zh="交易流水",
        fact=True,
    ),
    Table(
        "balances",
        (
            _id("customer_id", references="customers.customer_id", zh="客户号"),
            Column("month", ColType.MONTH, pattern=MONTH_PATTERN, zh="月份"),
            Column("category", ColType.STRING, enum=BALANCE_CATEGORIES, zh="资产类别"),
            Column(
                "avg_daily_balance",
                ColType.MONEY,
                min_value="0",
                description="Average daily balance of the month",
                zh="月日均余额",
            ),
            Column(
                "month_end_balance",
                ColType.MONEY,
                min_value="0",
                description="Balance on the month's last day",
                zh="月末余额",
            ),
        ),
        ("customer_id", "month", "category"),
        description="Monthly balances per customer and category.",
        zh="月度余额",
        fact=True,
    ),
    Table(
        "holdings",
        (
            _id("customer_id", references="customers.customer_id", zh="客户号"),
            _id("product_id", references="products.product_id", zh="产品代码"),
            Column("amount", ColType.MONEY, min_value="0", zh="持有金额"),
            Column("start_date", ColType.DATE, zh="起始日"),
            Column("maturity_date", ColType.DATE, required=False, zh="到期日"),
            _id(
                "staff_id",
                references="staff.staff_id",
                required=False,
                description="The person who sold it",
                zh="营销人员",
            ),
        ),
        ("customer_id", "product_id", "start_date"),
        checks=(
            RowCheck(
                "maturity_after_start",
                "maturity_date",
                "maturity_date IS NULL OR maturity_date >= start_date",
                "maturity_date is before start_date",
            ),
        ),
        description="Products a customer holds (a purchase is a new holding).",
        zh="持仓",
        fact=True,
    ),
    Table(
        "loans",
        (
            _id("loan_id", zh="借据号"),
            _id("customer_id", references="customers.customer_id", zh="客户号"),
            _id("product_id", references="products.product_id", zh="产品代码"),
            _id(
                "staff_id",
                references="staff.staff_id",
                description="Originating RM",
                zh="经办客户经理",
            ),
            Column("amount", ColType.MONEY, min_value="0", exclusive_min=True, zh="放款金额"),
            Column("disbursed_on", ColType.DATE, zh="放款日"),
            Column("maturity_date", ColType.DATE, zh="到期日"),
            Column("green", ColType.BOOL, description="Green credit", zh="绿色信贷"),
            Column("inclusive", ColType.BOOL, description="Inclusive-finance loan", zh="普惠金融"),
            Column(
                "applied_on",
                ColType.DATE,
                required=False,
                description="Application date (loan approval time = disbursed_on − applied_on)",
                zh="申请日期",
            ),
            Column(
                "supply_chain",
                ColType.BOOL,
                required=False,
                description="Supply-chain finance loan",
                zh="供应链金融",
            ),
            Column(
                "rate",
                ColType.RATE,
                required=False,
                min_value="0",
                max_value="1",
                description=(
                    "Contract interest rate, annual, as a decimal fraction (0.0435 = 4.35 %); "
                    "empty: not known (financing_cost_decline leaves the loan out)"
                ),
                zh="贷款年利率",
            ),
        ),
        ("loan_id",),
        checks=(
            RowCheck(
                "maturity_after_disbursement",
                "maturity_date",
                "maturity_date >= disbursed_on",
                "maturity_date is before disbursed_on",
            ),
            RowCheck(
                "applied_before_disbursement",
                "applied_on",
                "applied_on IS NULL OR applied_on <= disbursed_on",
                "applied_on is after disbursed_on",
            ),
        ),
        description="Loans with their originating RM.",
        zh="贷款",
        fact=True,
    ),
    Table(
        "loan_status",
        (
            _id("loan_id", references="loans.loan_id", zh="借据号"),
            Column("month", ColType.MONTH, pattern=MONTH_PATTERN, zh="月份"),
            Column(
                "balance",
                ColType.MONEY,
                min_value="0",
                description="Outstanding at month end",
                zh="贷款余额",
            ),
            Column("overdue_days", ColType.INT, min_value="0", zh="逾期天数"),
            Column(
                "grade",
                ColType.STRING,
                enum=LOAN_GRADES,
                description="Five-grade classification",
                zh="五级分类",
            ),
        ),
        ("loan_id", "month"),
        description="Each loan's month-end balance, days overdue and five-grade class.",
        zh="贷款状态",
        fact=True,
    ),
    Table(
        "events",
        (
            _id("customer_id", references="customers.customer_id", zh="客户号"),
            Column("ts", ColType.TIMESTAMP, zh="时间"),
            Column(
                "kind",
                ColType.STRING,
                pattern=EVENT_KIND_PATTERN,
                description="Dotted event kind, e.g. page_view.mortgage",
                zh="事件类型",
            ),
            Column("detail", ColType.STRING, required=False, zh="详情"),
            _id(
                "staff_id",
                references="staff.staff_id",
                required=False,
                description="Staff member the event concerns (e.g. compliance.breach); empty: "
                "the customer's RM at the time",
                zh="相关员工",
            ),
        ),
        (),
        description="Behaviour and life events (page views, inquiries, payroll, complaints, "
        "compliance breaches).",
        zh="客户行为事件",
        fact=True,
    ),
    Table(
        "interactions",
        (
            _id("customer_id", references="customers.customer_id", zh="客户号"),
            _id("staff_id", references="staff.staff_id", zh="员工编号"),
            Column("ts", ColType.TIMESTAMP, zh="时间"),
            Column("channel", ColType.STRING, enum=INTERACTION_CHANNELS, zh="方式"),
            Column("outcome", ColType.STRING, zh="结果"),
        ),
        (),
        description="Contacts between staff and customers.",
        zh="客户接触记录",
        fact=True,
    ),
    Table(
        "referrals",
        (
            _id("referral_id", zh="转介编号"),
            _id("from_staff_id", references="staff.staff_id", zh="转出人"),
            _id("to_staff_id", references="staff.staff_id", zh="接收人"),
            _id("customer_id", references="customers.customer_id", zh="客户号"),
            Column("need", ColType.STRING, zh="需求"),
            Column("created_at", ColType.TIMESTAMP, zh="创建时间"),
            Column("status", ColType.STRING, enum=REFERRAL_STATUSES, zh="状态"),
            Column("responded_at", ColType.TIMESTAMP, required=False, zh="响应时间"),
            Column("converted_at", ColType.TIMESTAMP, required=False, zh="成交时间"),
        ),
        ("referral_id",),
        checks=(
            RowCheck(
                "not_self", "to_staff_id", "from_staff_id <> to_staff_id", "a referral to oneself"
            ),
            RowCheck(
                "responded_after_created",
                "responded_at",
                "responded_at IS NULL OR responded_at >= created_at",
                "responded_at is before created_at",
            ),
            RowCheck(
                "converted_after_created",
                "converted_at",
                "converted_at IS NULL OR converted_at >= created_at",
                "converted_at is before created_at",
            ),
            RowCheck(
                "converted_has_time",
                "converted_at",
                "(status = 'converted') = (converted_at IS NOT NULL)",
                "converted_at must be set exactly when status is converted",
            ),
        ),
        description="Referrals between tellers, wealth managers and RMs.",
        zh="转介",
        fact=True,
    ),
    Table(
        "feedback",
        (
            _id("staff_id", references="staff.staff_id", description="Person rated", zh="被评价人"),
            _id(
                "customer_id",
                references="customers.customer_id",
                required=False,
                description="The customer who answered (NPS, mystery shopper)",
                zh="客户号",
            ),
            Column("date", ColType.DATE, zh="日期"),
            Column("kind", ColType.STRING, enum=FEEDBACK_KINDS, zh="评价类型"),
            Column(
                "score",
                ColType.SCORE,
                min_value="0",
                max_value="100",
                description="NPS answers 0–10; other kinds 0–100",
                zh="得分",
            ),
        ),
        (),
        checks=(
            RowCheck(
                "nps_scale",
                "score",
                "kind <> 'nps' OR score <= 10",
                "an NPS answer is between 0 and 10",
            ),
        ),
        description="360 feedback: NPS answers, mystery shopper, peers, risk due diligence.",
        zh="360评价",
        fact=True,
    ),
    Table(
        "requests",
        (
            _id("request_id", zh="请求编号"),
            _id("customer_id", references="customers.customer_id", zh="客户号"),
            _id("staff_id", references="staff.staff_id", zh="处理人"),
            Column("received_at", ColType.TIMESTAMP, zh="受理时间"),
            Column("resolved_at", ColType.TIMESTAMP, required=False, zh="办结时间"),
        ),
        ("request_id",),
        checks=(
            RowCheck(
                "resolved_after_received",
                "resolved_at",
                "resolved_at IS NULL OR resolved_at >= received_at",
                "resolved_at is before received_at",
            ),
        ),
        description="Customer requests and when they were resolved (24-hour response).",
        zh="客户诉求",
        fact=True,
    ),
    Table(
        "trainings",
        (
            _id("staff_id", references="staff.staff_id", zh="员工编号"),
            Column("date", ColType.DATE, zh="日期"),
            Column("kind", ColType.STRING, enum=TRAINING_KINDS, zh="类型"),
            Column("name", ColType.STRING, max_length=NAME_MAX, zh="名称"),
            Column("hours", ColType.HOURS, min_value="0", max_value="1000", zh="学时"),
        ),
        (),
        description="Courses attended and certifications obtained.",
        zh="培训记录",
        fact=True,
    ),
    Table(
        "projects",
        (
            _id("project_id", description="Major project id", zh="重大项目编号"),
            Column("name", ColType.STRING, description="Project name", zh="项目名称"),
            _id(
                "staff_id",
                references="staff.staff_id",
                description="The participating staff member",
                zh="参与员工",
            ),
            Column(
                "joined_on",
                ColType.DATE,
                description="Day the staff member joined the project",
                zh="参与日期",
            ),
        ),
        ("project_id", "staff_id"),
        description=(
            "Participation in the bank's listed major (strategic) projects, one row per "
            "project and participant."
        ),
        zh="重大项目参与",
        fact=True,
        optional=True,
    ),
    Table(
        "proposals",
        (
            _id("proposal_id", description="Proposal id", zh="建议编号"),
            _id(
                "staff_id",
                references="staff.staff_id",
                description="The staff member who made the proposal",
                zh="提出人",
            ),
            Column("title", ColType.STRING, description="Short title", zh="建议标题"),
            Column("submitted_on", ColType.DATE, description="Day it was made", zh="提出日期"),
            Column(
                "adopted_on",
                ColType.DATE,
                required=False,
                description="Day the reviewer adopted it; empty: not (yet) adopted",
                zh="采纳日期",
            ),
            _id(
                "reviewer_id",
                references="staff.staff_id",
                required=False,
                description="The staff member who reviewed it",
                zh="评审人",
            ),
        ),
        ("proposal_id",),
        checks=(
            RowCheck(
                "adopted_after_submitted",
                "adopted_on",
                "adopted_on IS NULL OR adopted_on >= submitted_on",
                "adopted_on is before submitted_on",
            ),
            RowCheck(
                "adopted_has_reviewer",
                "reviewer_id",
                "adopted_on IS NULL OR reviewer_id IS NOT NULL",
                "an adopted proposal names its reviewer",
            ),
            RowCheck(
                "not_own_reviewer",
                "reviewer_id",
                "reviewer_id IS NULL OR reviewer_id <> staff_id",
                "a proposal reviewed by its author",
            ),
        ),
        description=(
            "Innovation proposals (创新建议) and their adoption made and reviewed outside "
            "the app. Proposals can also be submitted and reviewed in the app (My "
            "proposals); a period run counts the app's adopted ones beside these rows, so "
            "a proposal is recorded in one place only."
        ),
        zh="创新建议",
        fact=True,
        optional=True,
    ),
    Table(
        "unit_financials",
        (
            _id("unit_id", references="org_units.unit_id", description="Org unit", zh="机构编号"),
            Column("month", ColType.MONTH, pattern=MONTH_PATTERN, zh="月份"),
            Column(
                "net_profit",
                ColType.MONEY,
                description="Net profit of the month (may be negative)",
                zh="净利润",
            ),
            Column(
                "equity",
                ColType.MONEY,
                min_value="0",
                exclusive_min=True,
                description="Average equity (economic capital) allocated to the unit in the month",
                zh="平均净资产",
            ),
        ),
        ("unit_id", "month"),
        description="Monthly net profit and allocated equity of org units, for ROE.",
        zh="机构财务",
        fact=True,
        optional=True,
    ),
    Table(
        "economic_series",
        (
            _id(
                "unit_id",
                references="org_units.unit_id",
                description="Org unit the figure is for; the bank's own unit for bank-wide series",
                zh="机构编号",
            ),
            Column("month", ColType.MONTH, pattern=MONTH_PATTERN, zh="月份"),
            Column(
                "series",
                ColType.STRING,
                pattern=r"^[a-z][a-z0-9_]{0,39}$",
                description="Series name, e.g. gdp_growth, pmi, loan_demand",
                zh="指标名称",
            ),
            Column(
                "value",
                ColType.RATE,
                description="The month's figure (PMI points, or growth as a fraction: 0.05 = 5 %)",
                zh="数值",
            ),
        ),
        ("unit_id", "month", "series"),
        description=(
            "Monthly economic series by org unit (regional GDP growth, PMI, loan demand), "
            "for the dynamic-threshold model (docs/analysis.md)."
        ),
        zh="宏观经济序列",
        fact=True,
        optional=True,
    ),
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
DIMENSION_TABLES: tuple[str, ...] = tuple(t.name for t in TABLES if not t.fact)
FACT_TABLES: tuple[str, ...] = tuple(t.name for t in TABLES if t.fact)


def table(name: str) -> Table:
    """The contract of one table; KeyError names the unknown table."""
    try:
        return TABLES_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown lake table {name!r}; known: {', '.join(TABLES_BY_NAME)}") from None


@dataclass(frozen=True)
class ValidationSummary:
    """Row counts of one table after validation."""

    table: str
    rows: int
    rejected: int
    reasons: dict[str, int] = field(default_factory=dict)  # "column: reason" → count

    @property
    def accepted(self) -> int:
        return self.rows - self.rejected
