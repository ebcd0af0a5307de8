"""Tables of the productivity-and-quality support programme: calls, applications, the staff
workflow around them (assignments, reviews, a timeline) and the follow-up after approval."""

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from innovation_hub.accounts.tables import User


def _now() -> Timestamptz:
    """A timestamp column that defaults to the time the row is written."""
    return Timestamptz(default=TimestamptzNow())


STATUSES = (
    "draft",
    "submitted",
    "screening",
    "more_info",
    "in_review",
    "ready_for_decision",
    "approved",
    "rejected",
    "implementing",
    "accepted",
    "closed",
    "withdrawn",
)


class Programme(Table, tablename="programme"):
    """One call for applications (đợt tiếp nhận hồ sơ) with its budget and rules."""

    id: Serial
    name = Varchar(length=300)
    year = Integer()
    legal_basis = Text(default="")  # e.g. Decision 1322/QĐ-TTg
    # The finance rule the call follows (the Ministry of Finance's circular), shown with it.
    finance_basis = Text(default="")
    provincial_decision = Varchar(length=300, default="")
    description = Text(default="")
    eligibility = Text(default="")
    opens_at = Timestamptz()
    closes_at = Timestamptz(index=True)
    budget_vnd = BigInt()
    # Sum of approved amounts not yet released; raised only by a conditional UPDATE so that
    # two decisions at once cannot pass the budget.
    committed_vnd = BigInt(default=0)
    # [{"type", "cost_share_percent", "cap_vnd"}]
    support_types = JSON(default="[]")
    # [{"code", "label"}]; an empty label means the built-in, translated label of the code.
    criteria = JSON(default="[]")
    required_documents = JSON(default="[]")
    # Per enterprise (tax code) and year, across the year's calls; 0 means no limit.
    max_approvals_per_enterprise = Integer(default=0)
    max_support_per_enterprise_vnd = BigInt(default=0)
    # {"micro": 70, "small": 50, "medium": 30}: the cost share by the size the applicant
    # states, instead of each item's own; empty: the items' own shares.
    size_shares = JSON(default="{}")
    created_by = Integer(null=True, default=None)
    created_at = _now()
    updated_at = _now()


class Application(Table, tablename="programme_application"):
    """An enterprise's application to one call, and what became of it."""

    id: Serial
    programme = ForeignKey(references=Programme, on_delete=OnDelete.cascade, null=False, index=True)
    applicant = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True, index=True)
    status = Varchar(length=20, default="draft", index=True)
    enterprise_name = Varchar(length=300)
    tax_code = Varchar(length=14, index=True)
    size_class = Varchar(length=10, default="")  # micro | small | medium | large
    sector = Varchar(length=30, default="")  # agriculture | industry_construction | trade_services
    main_products = Varchar(length=500, default="")
    address = Varchar(length=500, default="")
    contact_name = Varchar(length=200, default="")
    contact_phone = Varchar(length=30, default="")
    employees = Integer(null=True, default=None)
    consultant_name = Varchar(length=300, default="")
    consultant_contact = Varchar(length=300, default="")
    # Baseline indicators, before the support.
    output_per_worker_vnd = BigInt(null=True, default=None)  # value added per worker per year
    defect_rate_percent = DoublePrecision(null=True, default=None)
    certificates_held = Text(default="")
    plan = Text(default="")  # what the enterprise will do with the support
    # [{"type", "cost_vnd"}]
    support_items = JSON(default="[]")
    locale = Varchar(length=5, default="vi")
    screening_result = Varchar(length=20, default="")  # eligible | more_info | ineligible
    screening_note = Text(default="")
    # Where an answer to a request for more information sends the application back.
    return_status = Varchar(length=20, default="")
    approved_vnd = BigInt(null=True, default=None)
    conditions = Text(default="")
    decision_note = Text(default="")
    # The decision is the Department's or the Provincial People's Committee's, by number.
    decision_authority = Varchar(length=20, default="")  # department | people_committee
    decision_number = Varchar(length=100, default="")
    decision_date = Date(null=True, default=None)
    settled_vnd = BigInt(null=True, default=None)
    submitted_at = Timestamptz(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None, index=True)
    decided_by = Integer(null=True, default=None)
    accepted_at = Timestamptz(null=True, default=None, index=True)
    accepted_by = Integer(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    # The reminder that the call closes while this application is still a draft, sent once.
    deadline_reminded_at = Timestamptz(null=True, default=None)
    created_at = _now()
    updated_at = _now()


def _of_application() -> ForeignKey[Application]:
    """The application a row belongs to; the row goes with it."""
    return ForeignKey(references=Application, on_delete=OnDelete.cascade, null=False, index=True)


class Assignment(Table, tablename="programme_assignment"):
    """A reviewer asked to score one application."""

    id: Serial
    application = _of_application()
    reviewer = ForeignKey(references=User, on_delete=OnDelete.cascade, null=False, index=True)
    assigned_by = Integer(null=True, default=None)
    assigned_at = _now()


class Review(Table, tablename="programme_review"):
    """One reviewer's scores (0–5 per criterion, null for n/a) and recommendation."""

    id: Serial
    application = _of_application()
    reviewer = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True, index=True)
    scores = JSON(default="{}")
    average = DoublePrecision(null=True, default=None)
    recommendation = Varchar(length=5)  # yes | maybe | no
    comment = Text(default="")
    created_at = _now()
    updated_at = _now()


class TimelineEntry(Table, tablename="programme_timeline"):
    """What happened to an application, in order; entries ``shown_to_applicant`` are shown to the
    enterprise, the others only to staff."""

    id: Serial
    application = _of_application()
    at = _now()
    actor_id = Integer(null=True, default=None)
    kind = Varchar(length=30)
    status = Varchar(length=20)  # the status after the event
    body = Text(default="")
    shown_to_applicant = Boolean(default=True)


class Document(Table, tablename="programme_document"):
    """An uploaded PDF: an application document, or evidence for a milestone."""

    id: Serial
    application = _of_application()
    milestone_id = Integer(null=True, default=None)
    kind = Varchar(length=40)  # a required-document code, "other" or "evidence"
    filename = Varchar(length=255)  # as the uploader named it, shown only
    stored_name = Varchar(length=100)  # the random name under var/uploads/programmes/
    content_type = Varchar(length=100)
    size = Integer()
    uploaded_by = Integer(null=True, default=None)
    created_at = _now()


class Milestone(Table, tablename="programme_milestone"):
    """A step of an approved project, reported by the enterprise and confirmed by staff."""

    id: Serial
    application = _of_application()
    title = Varchar(length=300)
    description = Text(default="")
    due_on = Date()
    status = Varchar(length=10, default="pending")  # pending | reported | done
    report = Text(default="")
    reported_at = Timestamptz(null=True, default=None)
    confirmed_at = Timestamptz(null=True, default=None)
    confirmed_by = Integer(null=True, default=None)
    reminded_at = Timestamptz(null=True, default=None)  # the report-due reminder, sent once
    created_at = _now()


class IndicatorReport(Table, tablename="programme_indicator_report"):
    """Indicators before and after the support, as the enterprise reports them."""

    id: Serial
    application = _of_application()
    output_per_worker_before_vnd = BigInt(null=True, default=None)
    output_per_worker_after_vnd = BigInt(null=True, default=None)
    defect_rate_before_percent = DoublePrecision(null=True, default=None)
    defect_rate_after_percent = DoublePrecision(null=True, default=None)
    certificates_obtained = Text(default="")
    note = Text(default="")
    reported_by = Integer(null=True, default=None)
    created_at = _now()


class ProgrammeEvent(Table, tablename="programme_event"):
    """An information session or training of a call, held as a public block on a space."""

    id: Serial
    programme = ForeignKey(references=Programme, on_delete=OnDelete.cascade, null=False, index=True)
    title = Varchar(length=200)
    booking_id = Integer(null=True, default=None)
    start_at = Timestamptz()
    end_at = Timestamptz()
    resource_id = Integer(null=True, default=None)
    created_by = Integer(null=True, default=None)
    created_at = _now()
