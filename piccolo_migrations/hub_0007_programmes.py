"""The productivity-and-quality support programme: calls, applications, reviewer assignments,
reviews, the timeline, documents, milestones, indicator reports and programme events."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

ID = "2026-11-28T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "programmes"


class User(Table, tablename="hub_user"):
    pass


class Programme(Table, tablename="programme"):
    name = Varchar(length=300)
    year = Integer()
    legal_basis = Text(default="")
    provincial_decision = Varchar(length=300, default="")
    description = Text(default="")
    eligibility = Text(default="")
    opens_at = Timestamptz()
    closes_at = Timestamptz(index=True)
    budget_vnd = BigInt()
    committed_vnd = BigInt(default=0)
    support_types = JSON(default="[]")
    criteria = JSON(default="[]")
    required_documents = JSON(default="[]")
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Application(Table, tablename="programme_application"):
    programme = ForeignKey(references=Programme, on_delete=OnDelete.cascade, null=False, index=True)
    applicant = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True, index=True)
    status = Varchar(length=20, default="draft", index=True)
    enterprise_name = Varchar(length=300)
    tax_code = Varchar(length=14, index=True)
    size_class = Varchar(length=10, default="")
    sector = Varchar(length=30, default="")
    main_products = Varchar(length=500, default="")
    address = Varchar(length=500, default="")
    contact_name = Varchar(length=200, default="")
    contact_phone = Varchar(length=30, default="")
    employees = Integer(null=True, default=None)
    consultant_name = Varchar(length=300, default="")
    consultant_contact = Varchar(length=300, default="")
    output_per_worker_vnd = BigInt(null=True, default=None)
    defect_rate_percent = DoublePrecision(null=True, default=None)
    certificates_held = Text(default="")
    plan = Text(default="")
    support_items = JSON(default="[]")
    locale = Varchar(length=5, default="vi")
    screening_result = Varchar(length=20, default="")
    screening_note = Text(default="")
    return_status = Varchar(length=20, default="")
    approved_vnd = BigInt(null=True, default=None)
    conditions = Text(default="")
    decision_note = Text(default="")
    settled_vnd = BigInt(null=True, default=None)
    submitted_at = Timestamptz(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None, index=True)
    decided_by = Integer(null=True, default=None)
    accepted_at = Timestamptz(null=True, default=None, index=True)
    accepted_by = Integer(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Assignment(Table, tablename="programme_assignment"):
    application = ForeignKey(
        references=Application, on_delete=OnDelete.cascade, null=False, index=True
    )
    reviewer = ForeignKey(references=User, on_delete=OnDelete.cascade, null=False, index=True)
    assigned_by = Integer(null=True, default=None)
    assigned_at = Timestamptz(default=TimestamptzNow())


class Review(Table, tablename="programme_review"):
    application = ForeignKey(
        references=Application, on_delete=OnDelete.cascade, null=False, index=True
    )
    reviewer = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True, index=True)
    scores = JSON(default="{}")
    average = DoublePrecision(null=True, default=None)
    recommendation = Varchar(length=5)
    comment = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class TimelineEntry(Table, tablename="programme_timeline"):
    application = ForeignKey(
        references=Application, on_delete=OnDelete.cascade, null=False, index=True
    )
    at = Timestamptz(default=TimestamptzNow())
    actor_id = Integer(null=True, default=None)
    kind = Varchar(length=30)
    status = Varchar(length=20)
    body = Text(default="")
    shown_to_applicant = Boolean(default=True)


class Document(Table, tablename="programme_document"):
    application = ForeignKey(
        references=Application, on_delete=OnDelete.cascade, null=False, index=True
    )
    milestone_id = Integer(null=True, default=None)
    kind = Varchar(length=40)
    filename = Varchar(length=255)
    stored_name = Varchar(length=100)
    content_type = Varchar(length=100)
    size = Integer()
    uploaded_by = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Milestone(Table, tablename="programme_milestone"):
    application = ForeignKey(
        references=Application, on_delete=OnDelete.cascade, null=False, index=True
    )
    title = Varchar(length=300)
    description = Text(default="")
    due_on = Date()
    status = Varchar(length=10, default="pending")
    report = Text(default="")
    reported_at = Timestamptz(null=True, default=None)
    confirmed_at = Timestamptz(null=True, default=None)
    confirmed_by = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class IndicatorReport(Table, tablename="programme_indicator_report"):
    application = ForeignKey(
        references=Application, on_delete=OnDelete.cascade, null=False, index=True
    )
    output_per_worker_before_vnd = BigInt(null=True, default=None)
    output_per_worker_after_vnd = BigInt(null=True, default=None)
    defect_rate_before_percent = DoublePrecision(null=True, default=None)
    defect_rate_after_percent = DoublePrecision(null=True, default=None)
    certificates_obtained = Text(default="")
    note = Text(default="")
    reported_by = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class ProgrammeEvent(Table, tablename="programme_event"):
    programme = ForeignKey(references=Programme, on_delete=OnDelete.cascade, null=False, index=True)
    title = Varchar(length=200)
    booking_id = Integer(null=True, default=None)
    start_at = Timestamptz()
    end_at = Timestamptz()
    resource_id = Integer(null=True, default=None)
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


TABLES = [
    Programme,
    Application,
    Assignment,
    Review,
    TimelineEntry,
    Document,
    Milestone,
    IndicatorReport,
    ProgrammeEvent,
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="hub", description=DESCRIPTION)

    async def create() -> None:
        for table in TABLES:
            await table.create_table().run()

    async def drop() -> None:
        for table in reversed(TABLES):
            await table.alter().drop_table().run()

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
