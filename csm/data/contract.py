"""The data contract: the five tidy tables every analysis stands on.

Each table is a list of :class:`Column` specs. A column is *required* (the file
is refused without it) or *optional* (an analysis that needs it says so in the
report and carries on without it). Columns a file has beyond the contract are
kept untouched.

Canonical storage after loading (what analyses may rely on):

=========  ==========================================================
kind       pandas dtype after loading
=========  ==========================================================
id         string (``str``), never empty
string     string (``str``), may be missing
category   string (``str``) restricted to ``allowed`` values
text       string (``str``), free text (may contain PII: mask before showing)
datetime   ``datetime64[ns]``, naive, in the company's local time
bool       nullable ``boolean``
int        ``float64`` holding whole numbers (NaN = missing), within [min, max]
float      ``float64`` within [min, max]
=========  ==========================================================

The README's "Data contract" section is generated from this module
(``python -m csm.data.contract``) and a test keeps the two in step.
"""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ASSIGNMENTS", "CHANNELS", "COMPLAINT_CATEGORIES", "CUSTOMERS", "KINDS", "PRIORITIES", "REGIONS",
           "RESPONSES", "TABLES", "TICKETS", "TRANSACTIONS", "VALUE_ALIASES", "Column", "Problem", "Table",
           "markdown_tables"]

KINDS = ("id", "string", "category", "text", "datetime", "bool", "int", "float")

#: Complaint categories of the seed documents: stable code -> labels.
COMPLAINT_CATEGORIES: dict[str, dict[str, str]] = {
    "product_quality": {"en": "Product quality", "zh": "产品质量"},
    "service_attitude": {"en": "Service attitude", "zh": "服务态度"},
    "logistics": {"en": "Logistics", "zh": "物流配送"},
    "after_sales": {"en": "After-sales", "zh": "售后服务"},
    "other": {"en": "Other", "zh": "其他"},
}

#: Contact channels: stable code -> labels.
CHANNELS: dict[str, dict[str, str]] = {
    "phone": {"en": "Phone", "zh": "电话"},
    "email": {"en": "E-mail", "zh": "邮件"},
    "chat": {"en": "Chat", "zh": "在线客服"},
    "social": {"en": "Social media", "zh": "社交媒体"},
    "other": {"en": "Other", "zh": "其他"},
}

#: Regions used by the sample data (user data may use any region names).
REGIONS: dict[str, dict[str, str]] = {
    "east": {"en": "East", "zh": "华东"},
    "north": {"en": "North", "zh": "华北"},
    "south": {"en": "South", "zh": "华南"},
    "central": {"en": "Central", "zh": "华中"},
    "west": {"en": "West", "zh": "西部"},
}

PRIORITIES: dict[str, dict[str, str]] = {
    "low": {"en": "Low", "zh": "低"},
    "normal": {"en": "Normal", "zh": "普通"},
    "high": {"en": "High", "zh": "高"},
    "urgent": {"en": "Urgent", "zh": "紧急"},
}


#: Common export spellings accepted for a contract value, besides its code and its en/zh labels
#: (matched ignoring case and full-/half-width). Anything else must be mapped in a mapping file.
VALUE_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "channel": {
        "phone": ("telephone", "phone call", "call", "voice", "hotline", "热线", "热线电话", "电话客服"),
        "email": ("email", "e-mail", "mail", "电子邮件", "邮箱"),
        "chat": ("live chat", "web chat", "webchat", "online chat", "在线", "在线咨询", "在线聊天"),
        "social": ("social", "wechat", "weibo", "twitter", "facebook", "微信", "微博", "抖音"),
    },
    "priority": {
        "normal": ("medium", "moderate", "中", "一般"),
        "high": ("较高",),
        "urgent": ("critical", "emergency", "非常紧急"),
    },
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool
    description: str
    allowed: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    unique: bool = False

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")

    @property
    def expected(self) -> str:
        """Plain-language statement of what a value must look like."""
        if self.kind == "category" and self.allowed:
            return "one of " + ", ".join(self.allowed)
        if self.kind in ("int", "float"):
            what = "a whole number" if self.kind == "int" else "a number"
            if self.min is not None and self.max is not None:
                return f"{what} from {self.min:g} to {self.max:g}"
            if self.min is not None:
                return f"{what} ≥ {self.min:g}"
            return what
        return {
            "id": "a non-empty identifier" + (", unique" if self.unique else ""),
            "string": "text",
            "text": "free text",
            "datetime": "a date or date-time such as 2025-03-31 or 2025-03-31 14:05",
            "bool": "true/false (also accepted: 1/0, yes/no, y/n, 是/否)",
            "category": "text",
        }[self.kind]


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    #: extra columns whose names start with one of these prefixes are typed as float
    numeric_prefixes: tuple[str, ...] = field(default=())

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def optional(self) -> list[str]:
        return [c.name for c in self.columns if not c.required]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} has no column {name!r} in the contract")

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


TICKETS = Table(
    "tickets",
    "One row per service ticket (a complaint or request handled by the service desk).",
    (
        Column("ticket_id", "id", True, "Ticket identifier.", unique=True),
        Column("customer_id", "id", True, "Customer who raised the ticket (customers.customer_id)."),
        Column("created_at", "datetime", True, "When the ticket was opened."),
        Column("first_response_at", "datetime", False, "First reply by an agent; empty if none yet."),
        Column("resolved_at", "datetime", False, "When the ticket was resolved; empty if still open."),
        Column("channel", "category", True, "Contact channel.", allowed=tuple(CHANNELS)),
        Column("category", "string", True,
               "Complaint category code (product_quality, service_attitude, logistics, after_sales, other; "
               "the Chinese or English label is accepted and turned into the code; other codes are kept)."),
        Column("sub_reason", "string", False, "Finer reason inside the category."),
        Column("product", "string", False, "Product or product line concerned."),
        Column("region", "string", False, "Sales or service region."),
        Column("carrier", "string", False, "Logistics carrier of the order concerned."),
        Column("agent_id", "string", False, "Agent who owned the ticket."),
        Column("team", "string", False, "Team of the agent."),
        Column("agent_tenure_months", "float", False, "Agent's tenure at ticket creation, months.", min=0),
        Column("priority", "category", False, "Ticket priority.", allowed=tuple(PRIORITIES)),
        Column("contacts", "int", False, "Number of customer contacts needed to resolve.", min=1),
        Column("first_contact_resolved", "bool", False, "Resolved in the first contact (FCR)."),
        Column("escalated", "bool", False, "Escalated to a supervisor or second line."),
        Column("reopened", "bool", False, "Reopened after being resolved."),
        Column("handle_time_minutes", "float", False, "Agent handle time (talk/typing + wrap-up), minutes.", min=0),
        Column("description", "text", False, "Customer's description of the problem (free text)."),
    ),
)

RESPONSES = Table(
    "responses",
    "One row per survey response (NPS and/or CSAT, optional comment).",
    (
        Column("response_id", "id", True, "Survey response identifier.", unique=True),
        Column("customer_id", "id", True, "Responding customer (customers.customer_id)."),
        Column("ticket_id", "string", False, "Ticket the survey was sent for, if any (tickets.ticket_id)."),
        Column("submitted_at", "datetime", True, "When the response was submitted."),
        Column("nps", "int", False, "Likelihood to recommend, 0–10.", min=0, max=10),
        Column("csat", "int", False, "Satisfaction with the service, 1–5.", min=1, max=5),
        Column("comment", "text", False, "Free-text comment (English or Chinese)."),
    ),
)

CUSTOMERS = Table(
    "customers",
    "One row per customer.",
    (
        Column("customer_id", "id", True, "Customer identifier.", unique=True),
        Column("signup_date", "datetime", True, "When the customer relationship started."),
        Column("tier", "string", False, "Customer tier, e.g. VIP or standard."),
        Column("region", "string", False, "Customer's region."),
        Column("plan", "string", False, "Plan or contract type."),
        Column("churned", "bool", False, "The customer has left (true) or is active (false)."),
        Column("churn_date", "datetime", False, "When the customer left; empty while active."),
        Column("revenue", "float", False, "Revenue from the customer to date, currency units.", min=0),
    ),
)

TRANSACTIONS = Table(
    "transactions",
    "One row per purchase.",
    (
        Column("customer_id", "id", True, "Purchasing customer (customers.customer_id)."),
        Column("transaction_date", "datetime", True, "Date of the purchase."),
        Column("amount", "float", True, "Amount spent, currency units.", min=0),
        Column("transaction_id", "string", False, "Transaction identifier."),
    ),
)

ASSIGNMENTS = Table(
    "assignments",
    "One row per experiment unit (customer, ticket, agent or team) and its variant. "
    "Extra columns named pre_<metric> hold pre-period covariates (numbers).",
    (
        Column("unit_id", "id", True, "Randomised unit identifier.", unique=True),
        Column("variant", "string", True, "Variant the unit was assigned to, e.g. control / treatment."),
        Column("assigned_at", "datetime", True, "When the unit was assigned."),
        Column("experiment_id", "string", False, "Experiment name, when the file holds several."),
        Column("unit_type", "string", False, "What the unit is: customer, ticket, agent or team."),
        Column("cluster_id", "string", False, "Cluster the unit belongs to (agent or team) for clustered designs."),
    ),
    numeric_prefixes=("pre_",),
)

TABLES: dict[str, Table] = {t.name: t for t in (TICKETS, RESPONSES, CUSTOMERS, TRANSACTIONS, ASSIGNMENTS)}


@dataclass(frozen=True)
class Problem:
    """One contract violation found while validating a table.

    ``rows`` are 1-based data row numbers as an analyst sees them in a
    spreadsheet (the header is row 1, so the first data row is row 2). ``warning``: the rows are kept and
    loading goes on (a date in the future, a NUL character, a formula without a saved value, …).
    """

    table: str
    file: str
    column: str | None
    message: str
    rows: tuple[int, ...] = ()
    values: tuple = ()
    n_rows: int = 0
    warning: bool = False

    def __str__(self) -> str:
        where = f"{self.file}"
        if self.column:
            where += f", column '{self.column}'"
        text = f"{where}: {self.message}"
        if self.n_rows:
            shown = ", ".join(str(r) for r in self.rows)
            more = f" (and {self.n_rows - len(self.rows)} more)" if self.n_rows > len(self.rows) else ""
            text += f" — {self.n_rows} row(s), e.g. rows {shown}{more}"
            if self.values:
                text += "; values " + ", ".join(repr(v) for v in self.values)
        return text


def markdown_tables() -> str:
    """The contract as Markdown, for the README."""
    out = []
    for t in TABLES.values():
        out.append(f"#### `{t.name}`\n\n{t.description}\n")
        out.append("| column | type | required | allowed values | meaning |")
        out.append("|---|---|---|---|---|")
        for c in t.columns:
            allowed = c.expected if (c.allowed or c.kind in ("int", "float", "bool")) else ""
            if c.unique:
                allowed = (allowed + "; " if allowed else "") + "unique"
            out.append(f"| `{c.name}` | {c.kind} | {'yes' if c.required else 'no'} | {allowed} | {c.description} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    print(markdown_tables())
