"""Locations, opening hours, resources, closures, bookings, series and the waitlist.

Overlapping active bookings of one resource are refused by the database itself: an exclusion
constraint on PostgreSQL, triggers on SQLite (where the service also checks inside an
IMMEDIATE transaction). A default location open Monday–Friday 08:00–17:00 is created.
"""

import datetime

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    SmallInt,
    Text,
    Time,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

ID = "2026-11-28T08:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "spaces and bookings"

ACTIVE = "('pending_approval', 'pending_payment', 'confirmed', 'checked_in')"


class User(Table, tablename="hub_user"):
    pass


class Location(Table, tablename="location"):
    name = Varchar(length=200)
    address = Varchar(length=300, default="")
    is_default = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())


class OpeningHours(Table, tablename="opening_hours"):
    location = ForeignKey(references=Location, on_delete=OnDelete.cascade, null=False, index=True)
    weekday = SmallInt()
    opens = Time()
    closes = Time()


class Resource(Table, tablename="resource"):
    location = ForeignKey(references=Location, on_delete=OnDelete.restrict, null=False, index=True)
    name = Varchar(length=200)
    kind = Varchar(length=20, index=True)
    capacity = Integer(default=1)
    price_per_hour_vnd = BigInt(default=0)
    requires_approval = Boolean(default=False)
    description = Text(default="")
    amenities = JSON(default="[]")
    photo_path = Varchar(length=300, default="")
    is_active = Boolean(default=True)
    slot_minutes = Integer(default=30)
    min_minutes = Integer(default=30)
    max_minutes = Integer(default=480)
    max_days_ahead = Integer(default=30)
    min_notice_minutes = Integer(default=0)
    buffer_minutes = Integer(default=0)
    cancel_notice_hours = Integer(default=2)
    allowed_roles = JSON(default='["student", "startup", "enterprise", "staff", "admin"]')
    free_weekly_hours = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Closure(Table, tablename="closure"):
    location = ForeignKey(references=Location, on_delete=OnDelete.cascade, null=True, index=True)
    resource = ForeignKey(references=Resource, on_delete=OnDelete.cascade, null=True, index=True)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    reason = Varchar(length=300, default="")
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class BookingSeries(Table, tablename="booking_series"):
    user = ForeignKey(references=User, on_delete=OnDelete.restrict, null=False, index=True)
    resource = ForeignKey(references=Resource, on_delete=OnDelete.restrict, null=False)
    frequency = Varchar(length=10)
    occurrences = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())


class Booking(Table, tablename="booking"):
    resource = ForeignKey(references=Resource, on_delete=OnDelete.restrict, null=False, index=True)
    user = ForeignKey(references=User, on_delete=OnDelete.restrict, null=True, index=True)
    kind = Varchar(length=20, default="booking")
    status = Varchar(length=20, index=True)
    start_at = Timestamptz(index=True)
    end_at = Timestamptz()
    occupied_until = Timestamptz()
    purpose = Varchar(length=300, default="")
    attendees = Integer(default=1)
    price_vnd = BigInt(default=0)
    hold_expires_at = Timestamptz(null=True, default=None)
    series = ForeignKey(references=BookingSeries, on_delete=OnDelete.set_null, null=True)
    checked_in_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)
    status_reason = Text(default="")
    created_by = Integer(null=True, default=None)
    sequence = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class WaitlistEntry(Table, tablename="waitlist_entry"):
    resource = ForeignKey(references=Resource, on_delete=OnDelete.cascade, null=False, index=True)
    user = ForeignKey(references=User, on_delete=OnDelete.cascade, null=False, index=True)
    start_at = Timestamptz()
    end_at = Timestamptz()
    status = Varchar(length=10, default="waiting", index=True)
    offer_expires_at = Timestamptz(null=True, default=None)
    booking = ForeignKey(references=Booking, on_delete=OnDelete.set_null, null=True)
    created_at = Timestamptz(default=TimestamptzNow())


TABLES = [Location, OpeningHours, Resource, Closure, BookingSeries, Booking, WaitlistEntry]

POSTGRES_CONSTRAINT = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""ALTER TABLE booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist (
        resource WITH =, tstzrange(start_at, occupied_until, '[)') WITH &&
    ) WHERE (status IN {ACTIVE})""",
]

# Timestamps are stored in SQLite as UTC text of one format, so text order is time order.
_SQLITE_OVERLAP = f"""
    NEW.status IN {ACTIVE} AND EXISTS (
        SELECT 1 FROM booking AS b
        WHERE b.resource = NEW.resource AND b.id IS NOT NEW.id AND b.status IN {ACTIVE}
          AND b.start_at < NEW.occupied_until AND NEW.start_at < b.occupied_until)"""
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER booking_no_overlap_insert BEFORE INSERT ON booking
        WHEN {_SQLITE_OVERLAP}
        BEGIN SELECT RAISE(ABORT, 'slot_taken'); END""",
    f"""CREATE TRIGGER booking_no_overlap_update
        BEFORE UPDATE OF resource, status, start_at, occupied_until ON booking
        WHEN {_SQLITE_OVERLAP}
        BEGIN SELECT RAISE(ABORT, 'slot_taken'); END""",
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="hub", description=DESCRIPTION)

    async def create() -> None:
        for table in TABLES:
            await table.create_table().run()
        engine = Booking._meta.db
        statements = SQLITE_TRIGGERS if engine.engine_type == "sqlite" else POSTGRES_CONSTRAINT
        for statement in statements:
            await engine.run_ddl(statement)
        location = Location(name="Cơ sở chính", address="", is_default=True)
        await location.save()
        await OpeningHours.insert(
            *[
                OpeningHours(
                    location=location.id,
                    weekday=weekday,
                    opens=datetime.time(8, 0),
                    closes=datetime.time(17, 0),
                )
                for weekday in range(5)
            ]
        )

    async def drop() -> None:
        for table in reversed(TABLES):
            await table.alter().drop_table().run()

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
