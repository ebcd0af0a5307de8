"""Student research visits: requests, their private status links and the messages about them."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import (
    JSON,
    Date,
    ForeignKey,
    Integer,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

ID = "2026-11-28T11:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "visits"


class User(Table, tablename="hub_user"):
    pass


class Resource(Table, tablename="resource"):
    pass


class Booking(Table, tablename="booking"):
    pass


class Visit(Table, tablename="visit"):
    status = Varchar(length=20, default="requested", index=True)
    school_name = Varchar(length=200)
    contact_name = Varchar(length=200)
    contact_email = Varchar(length=254, index=True)
    contact_phone = Varchar(length=30)
    level = Varchar(length=20, default="other")
    grade = Varchar(length=100, default="")
    student_count = Integer()
    supervisor_count = Integer()
    topic = Varchar(length=300)
    goals = Text(default="")
    mentors_equipment = Text(default="")
    preferred_date = Date(index=True)
    alternate_dates = JSON(default="[]")
    preferred_time = Varchar(length=10, default="any")
    notes = Text(default="")
    locale = Varchar(length=5, default="vi")
    consent_at = Timestamptz()
    email_confirmed_at = Timestamptz(null=True, default=None)
    requested_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    start_at = Timestamptz(null=True, default=None, index=True)
    end_at = Timestamptz(null=True, default=None)
    resource = ForeignKey(references=Resource, on_delete=OnDelete.set_null, null=True)
    booking = ForeignKey(references=Booking, on_delete=OnDelete.set_null, null=True)
    host = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True, index=True)
    decided_by = Integer(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)
    attended_students = Integer(null=True, default=None)
    attended_supervisors = Integer(null=True, default=None)
    feedback_rating = SmallInt(null=True, default=None)
    feedback_text = Text(default="")
    feedback_at = Timestamptz(null=True, default=None)
    sequence = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class VisitLink(Table, tablename="visit_link"):
    visit = ForeignKey(references=Visit, on_delete=OnDelete.cascade, null=False, index=True)
    token_digest = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)


class VisitMessage(Table, tablename="visit_message"):
    visit = ForeignKey(references=Visit, on_delete=OnDelete.cascade, null=False, index=True)
    author = Varchar(length=10)
    author_id = Integer(null=True, default=None)
    kind = Varchar(length=20)
    body = Text(default="")
    proposed_date = Date(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


TABLES = [Visit, VisitLink, VisitMessage]


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
