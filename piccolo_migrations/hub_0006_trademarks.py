"""Trademark-registration guidance: cases, their timeline events, deadlines, dossier checklist,
uploaded files and consultations."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

ID = "2026-11-28T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "trademarks"


class User(Table, tablename="hub_user"):
    pass


class Booking(Table, tablename="booking"):
    pass


class TrademarkCase(Table, tablename="trademark_case"):
    status = Varchar(length=30, default="intake", index=True)
    mark_name = Varchar(length=200)
    mark_type = Varchar(length=30)
    mark_description = Text(default="")
    organisation_name = Varchar(length=200)
    organisation_kind = Varchar(length=30, default="")
    owner = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True, index=True)
    created_by = Integer(null=True, default=None)
    assigned_staff = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True, index=True)
    notes = Text(default="")
    classes = JSON(default="[]")
    through_representative = Boolean(default=False)
    priority_claimed = Boolean(default=False)
    image_file = Integer(null=True, default=None)
    fee_table_version = Varchar(length=40)
    fee_estimate = JSON(default="{}")
    application_number = Varchar(length=40, default="")
    filing_date = Date(null=True, default=None, index=True)
    certificate_number = Varchar(length=40, default="")
    grant_date = Date(null=True, default=None)
    expiry_date = Date(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class TrademarkEvent(Table, tablename="trademark_event"):
    trademark_case = ForeignKey(
        references=TrademarkCase, on_delete=OnDelete.cascade, null=False, index=True
    )
    event_type = Varchar(length=30)
    event_date = Date()
    detail = JSON(default="{}")
    status_before = Varchar(length=30)
    status_after = Varchar(length=30)
    recorded_by = Integer(null=True, default=None)
    recorded_at = Timestamptz(default=TimestamptzNow())


class TrademarkDeadline(Table, tablename="trademark_deadline"):
    trademark_case = ForeignKey(
        references=TrademarkCase, on_delete=OnDelete.cascade, null=False, index=True
    )
    name = Varchar(length=40)
    due = Date(index=True)
    party = Varchar(length=12)
    active = Boolean(default=True, index=True)
    remind_on = Date(null=True, default=None, index=True)
    reminders_sent = Integer(default=0)
    updated_at = Timestamptz(default=TimestamptzNow())


class TrademarkDossierItem(Table, tablename="trademark_dossier_item"):
    trademark_case = ForeignKey(
        references=TrademarkCase, on_delete=OnDelete.cascade, null=False, index=True
    )
    code = Varchar(length=30)
    state = Varchar(length=10, default="missing")
    note = Text(default="")
    updated_by = Integer(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


class TrademarkFile(Table, tablename="trademark_file"):
    trademark_case = ForeignKey(
        references=TrademarkCase, on_delete=OnDelete.cascade, null=False, index=True
    )
    purpose = Varchar(length=20)
    item_code = Varchar(length=30, default="")
    stored_name = Varchar(length=80)
    original_name = Varchar(length=200, default="")
    content_type = Varchar(length=50)
    size = Integer()
    uploaded_by = Integer(null=True, default=None)
    uploaded_at = Timestamptz(default=TimestamptzNow())


class TrademarkConsultation(Table, tablename="trademark_consultation"):
    trademark_case = ForeignKey(
        references=TrademarkCase, on_delete=OnDelete.cascade, null=False, index=True
    )
    booking = ForeignKey(references=Booking, on_delete=OnDelete.set_null, null=True, index=True)
    staff = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    topic = Varchar(length=300, default="")
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


TABLES = [
    TrademarkCase,
    TrademarkEvent,
    TrademarkDeadline,
    TrademarkDossierItem,
    TrademarkFile,
    TrademarkConsultation,
]

# One row per checklist item and per named deadline of a case, whatever the engine.
UNIQUE_INDEXES = [
    ("trademark_dossier_item_case_code", "trademark_dossier_item", "trademark_case, code"),
    ("trademark_deadline_case_name", "trademark_deadline", "trademark_case, name"),
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="hub", description=DESCRIPTION)

    async def create() -> None:
        for table in TABLES:
            await table.create_table().run()
        for name, table_name, columns in UNIQUE_INDEXES:
            await TrademarkCase._meta.db.run_ddl(
                f"CREATE UNIQUE INDEX {name} ON {table_name} ({columns})"
            )

    async def drop() -> None:
        for table in reversed(TABLES):
            await table.alter().drop_table().run()

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
