"""Where things can be booked: locations, opening hours, holidays, closures, resources."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import holidays

from innovation_hub.core import audit, uploads
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import FormInvalid, NotFound
from innovation_hub.core.i18n import current_locale
from innovation_hub.core.i18n import gettext as _
from innovation_hub.spaces.tables import KINDS, Closure, Location, OpeningHours, Resource

DEFAULT_HOURS = (time(8, 0), time(17, 0))
MEMBER_AND_STAFF_ROLES = ["student", "startup", "enterprise", "staff", "admin"]

Interval = tuple[datetime, datetime]


def allowed_roles(resource: Resource) -> list[str]:
    return list(_json(resource.allowed_roles))


def free_weekly_hours(resource: Resource) -> dict[str, int]:
    return dict(_json(resource.free_weekly_hours))


def amenities(resource: Resource) -> list[str]:
    return list(_json(resource.amenities))


def _json(value: Any) -> Any:
    """JSON columns come back as text unless the query asked Piccolo to load them."""
    return json.loads(value) if isinstance(value, str) else value


def kind_label(kind: str) -> str:
    return {
        "desk": _("Desk"),
        "hot_desk": _("Hot desk"),
        "meeting_room": _("Meeting room"),
        "event_hall": _("Event hall"),
        "lab": _("Lab"),
    }.get(kind, kind)


async def default_location() -> Location:
    """The location new resources go to; made (open Monday–Friday 08–17) if missing."""
    location = await Location.objects().where(Location.is_default.eq(True)).first().run()
    if location is not None:
        return location
    async with transaction():
        location = await Location.objects().where(Location.is_default.eq(True)).first().run()
        if location is None:
            location = Location(name="Cơ sở chính", is_default=True)
            await location.save()
            await OpeningHours.insert(
                *[
                    OpeningHours(
                        location=location.id,
                        weekday=day,
                        opens=DEFAULT_HOURS[0],
                        closes=DEFAULT_HOURS[1],
                    )
                    for day in range(5)
                ]
            ).run()
    return location


async def get_location(location_id: int) -> Location:
    location = await Location.objects().where(Location.id == location_id).first().run()
    if location is None:
        raise NotFound(_("No such location."), code="location_not_found")
    return location


async def list_locations() -> list[Location]:
    return await Location.objects().order_by(Location.id).run()


@lru_cache(maxsize=64)
def _holidays(year: int, language: str) -> dict[date, str]:
    return dict(holidays.Vietnam(years=year, language=language))


def holiday_name(day: date) -> str | None:
    """The Vietnamese public holiday on ``day``, named in the current language."""
    language = "vi" if current_locale() == "vi" else "en_US"
    return _holidays(day.year, language).get(day)


def holidays_between(first: date, last: date) -> dict[date, str]:
    found: dict[date, str] = {}
    for year in range(first.year, last.year + 1):
        language = "vi" if current_locale() == "vi" else "en_US"
        for day, name in _holidays(year, language).items():
            if first <= day <= last:
                found[day] = name
    return found


@dataclass(frozen=True)
class WeeklyHours:
    """Opening intervals per weekday, local time."""

    by_weekday: dict[int, list[tuple[time, time]]]

    def intervals_on(self, day: date) -> list[Interval]:
        """Open intervals of a local date as aware datetimes; none on a public holiday."""
        if holiday_name(day) is not None:
            return []
        return [
            (datetime.combine(day, opens, LOCAL_TZ), datetime.combine(day, closes, LOCAL_TZ))
            for opens, closes in self.by_weekday.get(day.weekday(), [])
        ]


async def weekly_hours(location_id: int) -> WeeklyHours:
    rows = await OpeningHours.select().where(OpeningHours.location == location_id).run()
    by_weekday: dict[int, list[tuple[time, time]]] = {}
    for row in rows:
        by_weekday.setdefault(row["weekday"], []).append((row["opens"], row["closes"]))
    for intervals in by_weekday.values():
        intervals.sort()
    return WeeklyHours(by_weekday)


async def closures_between(
    location_id: int, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Closures of the location or any of its resources that touch [start, end)."""
    resource_ids = Resource.select(Resource.id).where(Resource.location == location_id)
    return (
        await Closure.select()
        .where(
            ((Closure.location == location_id) | Closure.resource.is_in(resource_ids))
            & (Closure.starts_at < end)
            & (Closure.ends_at > start)
        )
        .order_by(Closure.starts_at)
        .run()
    )


def _int_field(
    data: dict[str, Any],
    key: str,
    errors: dict[str, str],
    *,
    minimum: int,
    maximum: int,
    default: int | None = None,
) -> int:
    value = data.get(key, default)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        errors[key] = _("Enter a whole number.")
        return 0
    if not minimum <= value <= maximum:
        errors[key] = _("Enter a number from %(low)s to %(high)s.", low=minimum, high=maximum)
    return value


RULE_LIMITS = {
    "slot_minutes": (5, 240, 30),
    "min_minutes": (5, 24 * 60, 30),
    "max_minutes": (5, 24 * 60, 480),
    "max_days_ahead": (1, 366, 30),
    "min_notice_minutes": (0, 30 * 24 * 60, 0),
    "buffer_minutes": (0, 240, 0),
    "cancel_notice_hours": (0, 30 * 24, 2),
}


async def create_resource(data: dict[str, Any], *, actor_id: int | None) -> Resource:
    """Validates and stores a resource; unknown locations and bad rules are field errors."""
    errors: dict[str, str] = {}
    name = str(data.get("name") or "").strip()
    if not name:
        errors["name"] = _("Enter a name.")
    elif len(name) > 200:
        errors["name"] = _("Use at most %(n)s characters.", n=200)
    kind = data.get("kind")
    if kind not in KINDS:
        errors["kind"] = _("Choose one of the listed kinds.")
    capacity = _int_field(data, "capacity", errors, minimum=1, maximum=2000)
    price = _int_field(
        data, "price_per_hour_vnd", errors, minimum=0, maximum=1_000_000_000, default=0
    )
    rules = {
        key: _int_field(data, key, errors, minimum=low, maximum=high, default=default)
        for key, (low, high, default) in RULE_LIMITS.items()
    }
    if (
        "min_minutes" not in errors
        and "max_minutes" not in errors
        and rules["min_minutes"] > rules["max_minutes"]
    ):
        errors["max_minutes"] = _("The longest booking cannot be shorter than the shortest.")
    allowed_roles = data.get("allowed_roles", MEMBER_AND_STAFF_ROLES)
    if not isinstance(allowed_roles, list) or not set(allowed_roles) <= set(MEMBER_AND_STAFF_ROLES):
        errors["allowed_roles"] = _("Choose roles from the list.")
    free_hours = data.get("free_weekly_hours", {})
    if not isinstance(free_hours, dict) or not all(
        role in MEMBER_AND_STAFF_ROLES
        and isinstance(h, int)
        and not isinstance(h, bool)
        and 0 <= h <= 168
        for role, h in free_hours.items()
    ):
        errors["free_weekly_hours"] = _("Give whole hours from 0 to 168 per role.")
    location_id = data.get("location_id")
    if errors:
        raise FormInvalid(errors)
    location = await default_location() if location_id is None else None
    async with transaction():
        if location is None:
            if not isinstance(location_id, int) or isinstance(location_id, bool):
                raise FormInvalid({"location_id": _("No such location.")})
            found = await Location.exists().where(Location.id == location_id).run()
            if not found:
                raise FormInvalid({"location_id": _("No such location.")})
        fields: dict[str, Any] = dict(
            location=location.id if location else location_id,
            name=name,
            kind=kind,
            capacity=capacity,
            price_per_hour_vnd=price,
            requires_approval=bool(data.get("requires_approval", False)),
            description=str(data.get("description") or ""),
            amenities=[str(a) for a in data.get("amenities", []) if isinstance(a, str)],
            allowed_roles=allowed_roles,
            free_weekly_hours=free_hours,
            **rules,
        )
        resource = Resource(**fields)
        await resource.save()
        await audit.record(
            actor_id=actor_id,
            action="resource.created",
            record_type="resource",
            record_id=resource.id,
            detail={"name": name, "kind": kind},
        )
    return resource


async def get_resource(resource_id: int) -> Resource:
    resource = (
        await Resource.objects()
        .where((Resource.id == resource_id) & Resource.is_active.eq(True))
        .output(load_json=True)
        .first()
        .run()
    )
    if resource is None:
        raise NotFound(_("No such space."), code="resource_not_found")
    return resource


async def list_resources(
    *,
    kind: str | None = None,
    resource_id: int | None = None,
    min_capacity: int | None = None,
    location_id: int | None = None,
) -> list[Resource]:
    query = Resource.objects().where(Resource.is_active.eq(True)).output(load_json=True)
    if kind is not None:
        query = query.where(Resource.kind == kind)
    if resource_id is not None:
        query = query.where(Resource.id == resource_id)
    if min_capacity is not None:
        query = query.where(Resource.capacity >= min_capacity)
    if location_id is not None:
        query = query.where(Resource.location == location_id)
    return (
        await query.order_by(Resource.location).order_by(Resource.kind).order_by(Resource.id).run()
    )


async def create_closure(
    *,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    actor_id: int,
    location_id: int | None = None,
    resource_id: int | None = None,
) -> Closure:
    errors: dict[str, str] = {}
    if (location_id is None) == (resource_id is None):
        errors["resource_id"] = _("Close either a whole location or one space.")
    if ends_at <= starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    if not reason.strip():
        errors["reason"] = _("Say why it is closed.")
    if errors:
        raise FormInvalid(errors)
    if resource_id is not None:
        await get_resource(resource_id)
    if location_id is not None:
        await get_location(location_id)
    async with transaction():
        closure = Closure(
            location=location_id,
            resource=resource_id,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason.strip(),
            created_by=actor_id,
        )
        await closure.save()
        await audit.record(
            actor_id=actor_id,
            action="closure.created",
            record_type="closure",
            record_id=closure.id,
            detail={"reason": reason},
        )
    return closure


def local_days(start: datetime, end: datetime) -> list[date]:
    """Local dates touched by [start, end)."""
    first = start.astimezone(LOCAL_TZ).date()
    last = (end - timedelta(microseconds=1)).astimezone(LOCAL_TZ).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


PHOTO_MAX_BYTES = 2 * 1024 * 1024


async def set_photo(resource_id: int, data: bytes, *, var_dir: Path, actor_id: int) -> Resource:
    """Stores a PNG or JPEG photo of a space (checked by content) and shows it from then on."""
    resource = await get_resource(resource_id)
    stored = uploads.store(
        var_dir,
        "resources",
        data,
        allowed=uploads.IMAGE_TYPES,
        max_bytes=PHOTO_MAX_BYTES,
        field="photo",
    )
    async with transaction():
        resource.photo_path = stored.name
        await resource.save([Resource.photo_path])
        await audit.record(
            actor_id=actor_id,
            action="resource.photo_set",
            record_type="resource",
            record_id=resource.id,
            detail={"photo": stored.name},
        )
    return resource


def photo(var_dir: Path, name: str) -> tuple[bytes, str]:
    """A stored photo and its content type; NotFound for anything else."""
    try:
        data = uploads.read(var_dir, "resources", name)
    except (FileNotFoundError, OSError) as exc:
        raise NotFound(_("No such photo."), code="photo_not_found") from exc
    content_type = uploads.sniff(data, uploads.IMAGE_TYPES)
    if content_type is None:
        raise NotFound(_("No such photo."), code="photo_not_found")
    return data, content_type
