from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    DoublePrecision,
    ForeignKey,
    Integer,
    Serial,
    SmallInt,
    Text,
    Time,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from innovation_hub.core.database import now_column

KINDS = ("desk", "hot_desk", "meeting_room", "event_hall", "lab")


def _part_of(table: type[Table], *, null: bool = False) -> ForeignKey:
    """The row this one belongs to, and is deleted with."""
    return ForeignKey(references=table, on_delete=OnDelete.cascade, null=null, index=True)


class Location(Table, tablename="location"):
    id: Serial
    name = Varchar(length=200)
    address = Varchar(length=300, default="")
    is_default = Boolean(default=False)
    # The floor plan (an SVG, PNG, JPEG or WebP under var/uploads/plans), or "" for none.
    plan_path = Varchar(length=300, default="")
    created_at = now_column()


class OpeningHours(Table, tablename="opening_hours"):
    """One open interval of a location on a weekday (0 Monday … 6 Sunday), local time."""

    id: Serial
    location = _part_of(Location)
    weekday = SmallInt()
    opens = Time()
    closes = Time()


class Resource(Table, tablename="resource"):
    id: Serial
    location = ForeignKey(references=Location, on_delete=OnDelete.restrict, null=False, index=True)
    name = Varchar(length=200)
    kind = Varchar(length=20, index=True)
    capacity = Integer(default=1)
    price_per_hour_vnd = BigInt(default=0)
    requires_approval = Boolean(default=False)
    description = Text(default="")
    amenities = JSON(default="[]")  # codes of spaces.services.AMENITIES
    photo_path = Varchar(length=300, default="")
    is_active = Boolean(default=True)
    # Where it is drawn on its location's floor plan: percent of the plan's width and height
    # from the top left corner (0–100), or both null when it is not placed.
    plan_x = DoublePrecision(null=True, default=None)
    plan_y = DoublePrecision(null=True, default=None)
    # Booking rules
    slot_minutes = Integer(default=30)
    min_minutes = Integer(default=30)
    max_minutes = Integer(default=480)
    max_days_ahead = Integer(default=30)
    min_notice_minutes = Integer(default=0)
    buffer_minutes = Integer(default=0)
    cancel_notice_hours = Integer(default=2)
    allowed_roles = JSON(default='["student", "startup", "enterprise", "staff", "admin"]')
    # {"student": 20}: hours a week that role books free of charge on this kind of resource
    free_weekly_hours = JSON(default="{}")
    created_at = now_column()
    updated_at = now_column()


class Closure(Table, tablename="closure"):
    """A staff-entered closure of a whole location, or of one resource."""

    id: Serial
    location = _part_of(Location, null=True)
    resource = _part_of(Resource, null=True)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    reason = Varchar(length=300, default="")
    created_by = Integer(null=True, default=None)
    created_at = now_column()
