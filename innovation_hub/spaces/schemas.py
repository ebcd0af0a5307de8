from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, get_args

import msgspec
from msgspec import UNSET, UnsetType

from innovation_hub.core.openapi import NOT_BLANK, Id, Int, Vnd, between, one_of, rule
from innovation_hub.spaces import services
from innovation_hub.spaces.tables import KINDS

# What ``services.create_resource`` and ``update_resource`` check (422 invalid_input with
# `errors` per field), declared in the document too. Durations must also be whole time steps
# and the shortest booking no longer than the longest: rules across fields, still 422.
KindName = Literal["desk", "hot_desk", "meeting_room", "event_hall", "lab"]
assert get_args(KindName) == KINDS  # one list of kinds: the table's

Name = Annotated[str, rule(pattern=NOT_BLANK, maxLength=services.NAME_MAX)]
Kind = Annotated[str, one_of(KINDS)]
Capacity = Annotated[Int, between(1, 2000)]
PricePerHour = Annotated[Vnd, between(0, 1_000_000_000)]
Description = Annotated[str, rule(maxLength=services.DESCRIPTION_MAX)]
Amenities = Annotated[list[str], rule(items={"type": "string", "enum": list(services.AMENITIES)})]
Roles = Annotated[
    list[str],
    rule(minItems=1, items={"type": "string", "enum": services.MEMBER_AND_STAFF_ROLES}),
]
FreeWeeklyHours = Annotated[
    dict[str, Int],
    rule(
        propertyNames={"enum": services.MEMBER_AND_STAFF_ROLES},
        additionalProperties={"type": "integer", "minimum": 0, "maximum": 168},
    ),
]


def _limit(name: str) -> msgspec.Meta:
    low, high, _default = services.RULE_LIMITS[name]
    return between(low, high)


SlotMinutes = Annotated[Int, _limit("slot_minutes")]
MinMinutes = Annotated[Int, _limit("min_minutes")]
MaxMinutes = Annotated[Int, _limit("max_minutes")]
MaxDaysAhead = Annotated[Int, _limit("max_days_ahead")]
MinNoticeMinutes = Annotated[Int, _limit("min_notice_minutes")]
BufferMinutes = Annotated[Int, _limit("buffer_minutes")]
CancelNoticeHours = Annotated[Int, _limit("cancel_notice_hours")]


class ResourceIn(msgspec.Struct, kw_only=True):
    name: Name
    kind: Kind
    capacity: Capacity
    price_per_hour_vnd: PricePerHour = 0
    requires_approval: bool = False
    location_id: Id | None = None
    description: Description = ""
    amenities: Amenities = msgspec.field(default_factory=list)
    slot_minutes: SlotMinutes | None = None
    min_minutes: MinMinutes | None = None
    max_minutes: MaxMinutes | None = None
    max_days_ahead: MaxDaysAhead | None = None
    min_notice_minutes: MinNoticeMinutes | None = None
    buffer_minutes: BufferMinutes | None = None
    cancel_notice_hours: CancelNoticeHours | None = None
    allowed_roles: Roles | None = None
    free_weekly_hours: FreeWeeklyHours | None = None


class ResourcePatch(msgspec.Struct, kw_only=True):
    """Only the fields given change; the result must pass the same rules as a new space."""

    name: Name | UnsetType = UNSET
    kind: Kind | UnsetType = UNSET
    capacity: Capacity | UnsetType = UNSET
    price_per_hour_vnd: PricePerHour | UnsetType = UNSET
    requires_approval: bool | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET
    location_id: Id | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    amenities: Amenities | UnsetType = UNSET
    slot_minutes: SlotMinutes | UnsetType = UNSET
    min_minutes: MinMinutes | UnsetType = UNSET
    max_minutes: MaxMinutes | UnsetType = UNSET
    max_days_ahead: MaxDaysAhead | UnsetType = UNSET
    min_notice_minutes: MinNoticeMinutes | UnsetType = UNSET
    buffer_minutes: BufferMinutes | UnsetType = UNSET
    cancel_notice_hours: CancelNoticeHours | UnsetType = UNSET
    allowed_roles: Roles | UnsetType = UNSET
    free_weekly_hours: FreeWeeklyHours | UnsetType = UNSET


class ResourceOut(msgspec.Struct, kw_only=True):
    id: int
    name: str
    kind: KindName
    capacity: int
    price_per_hour_vnd: int
    requires_approval: bool
    location_id: int
    description: str
    amenities: list[str]
    slot_minutes: int
    min_minutes: int
    max_minutes: int
    max_days_ahead: int
    min_notice_minutes: int
    buffer_minutes: int
    cancel_notice_hours: int
    allowed_roles: list[str]
    free_weekly_hours: dict[str, int]
    photo_url: str | None = None
    is_active: bool = True
    plan_x: float | None = None  # percent of the floor plan's width, from the left
    plan_y: float | None = None  # percent of its height, from the top


class ResourceList(msgspec.Struct):
    items: list[ResourceOut]


class OpeningIntervalOut(msgspec.Struct):
    weekday: int
    opens: str
    closes: str


class LocationOut(msgspec.Struct):
    id: int
    name: str
    address: str
    is_default: bool
    opening_hours: list[OpeningIntervalOut]


class LocationList(msgspec.Struct):
    items: list[LocationOut]


class ClosureIn(msgspec.Struct, kw_only=True):
    """Either ``resource_id`` or ``location_id`` (422 invalid_input otherwise)."""

    start: datetime
    end: datetime
    # Stored in a column of 300 characters.
    reason: Annotated[str, msgspec.Meta(max_length=300), rule(pattern=NOT_BLANK)]
    resource_id: Id | None = None
    location_id: Id | None = None


class ClosureOut(msgspec.Struct, kw_only=True):
    id: int
    start: datetime
    end: datetime
    reason: str
    resource_id: int | None
    location_id: int | None


Percent = Annotated[float, rule(minimum=0, maximum=100)]


class PositionIn(msgspec.Struct, kw_only=True):
    """Where a space sits on its location's floor plan; both null takes it off the plan."""

    x: Percent | None
    y: Percent | None


class PlacedResourceOut(msgspec.Struct, kw_only=True):
    id: int
    name: str
    kind: KindName
    amenities: list[str]
    x: float | None
    y: float | None


class PlanOut(msgspec.Struct, kw_only=True):
    location_id: int
    name: str
    plan_url: str | None
    resources: list[PlacedResourceOut]
