from __future__ import annotations

from datetime import datetime

import msgspec
from msgspec import UNSET, UnsetType


class ResourceIn(msgspec.Struct, kw_only=True):
    name: str
    kind: str
    capacity: int
    price_per_hour_vnd: int = 0
    requires_approval: bool = False
    location_id: int | None = None
    description: str = ""
    amenities: list[str] = msgspec.field(default_factory=list)
    slot_minutes: int | None = None
    min_minutes: int | None = None
    max_minutes: int | None = None
    max_days_ahead: int | None = None
    min_notice_minutes: int | None = None
    buffer_minutes: int | None = None
    cancel_notice_hours: int | None = None
    allowed_roles: list[str] | None = None
    free_weekly_hours: dict[str, int] | None = None


class ResourcePatch(msgspec.Struct, kw_only=True):
    """Only the fields given change; the result must pass the same rules as a new space."""

    name: str | UnsetType = UNSET
    kind: str | UnsetType = UNSET
    capacity: int | UnsetType = UNSET
    price_per_hour_vnd: int | UnsetType = UNSET
    requires_approval: bool | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET
    location_id: int | UnsetType = UNSET
    description: str | UnsetType = UNSET
    amenities: list[str] | UnsetType = UNSET
    slot_minutes: int | UnsetType = UNSET
    min_minutes: int | UnsetType = UNSET
    max_minutes: int | UnsetType = UNSET
    max_days_ahead: int | UnsetType = UNSET
    min_notice_minutes: int | UnsetType = UNSET
    buffer_minutes: int | UnsetType = UNSET
    cancel_notice_hours: int | UnsetType = UNSET
    allowed_roles: list[str] | UnsetType = UNSET
    free_weekly_hours: dict[str, int] | UnsetType = UNSET


class ResourceOut(msgspec.Struct, kw_only=True):
    id: int
    name: str
    kind: str
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
    start: datetime
    end: datetime
    reason: str
    resource_id: int | None = None
    location_id: int | None = None


class ClosureOut(msgspec.Struct, kw_only=True):
    id: int
    start: datetime
    end: datetime
    reason: str
    resource_id: int | None
    location_id: int | None
