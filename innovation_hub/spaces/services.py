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
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.database import (
    DataVersions,
    VersionedCache,
    data_versions,
    is_sqlite,
    transaction,
)
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


# Closures that ended this long before a snapshot was loaded are left out of it.
SNAPSHOT_CLOSURES_BEFORE = timedelta(days=40)


@dataclass(frozen=True)
class Places:
    """What every booking and availability request reads about the places: active
    resources, opening hours and closures, loaded together and shared while the ``spaces``
    data version stays the same (see ``places``). Read-only: never change these objects."""

    resources: list[Resource]  # active ones, ordered by location, kind and id
    by_id: dict[int, Resource]
    location_of: dict[int, int]  # every resource's location, inactive ones too
    hours: dict[int, WeeklyHours]
    closures: list[dict[str, Any]]  # ordered by start; those ending after closures_from
    closures_from: datetime

    def resource(self, resource_id: int) -> Resource:
        """An active resource, as ``get_resource`` finds it."""
        resource = self.by_id.get(resource_id)
        if resource is None:
            raise NotFound(_("No such space."), code="resource_not_found")
        return resource

    def weekly_hours(self, location_id: int) -> WeeklyHours:
        return self.hours.get(location_id, WeeklyHours({}))

    async def closures_between(
        self, location_id: int, start: datetime, end: datetime
    ) -> list[dict[str, Any]]:
        """As the module's ``closures_between``; older ranges are read from the database."""
        if start < self.closures_from:
            return await closures_between(location_id, start, end)
        return [
            c
            for c in self.closures
            if c["starts_at"] < end
            and c["ends_at"] > start
            and (
                c["location"] == location_id
                or (
                    c["resource"] is not None and self.location_of.get(c["resource"]) == location_id
                )
            )
        ]


_places: VersionedCache[str, Places] = VersionedCache(size=1)


async def places(versions: DataVersions | None = None) -> Places:
    """The current ``Places``: four queries when the places changed since they were last
    loaded, none otherwise. ``versions``, read just before, saves reading them again."""

    async def spaces_token() -> int | None:
        current = versions or await data_versions()
        return dict(current).get("spaces") if current else None

    async def load(_version: object, _previous: Places | None) -> Places:
        return await _load_places()

    return await _places.get("all", spaces_token, load)


async def _load_places() -> Places:
    closures_from = utcnow() - SNAPSHOT_CLOSURES_BEFORE
    resources = (
        await Resource.objects()
        .where(Resource.is_active.eq(True))
        .output(load_json=True)
        .order_by(Resource.location)
        .order_by(Resource.kind)
        .order_by(Resource.id)
        .run()
    )
    locations = await Resource.select(Resource.id, Resource.location).run()
    hours: dict[int, dict[int, list[tuple[time, time]]]] = {}
    for row in await OpeningHours.select().order_by(OpeningHours.opens).run():
        hours.setdefault(row["location"], {}).setdefault(row["weekday"], []).append(
            (row["opens"], row["closes"])
        )
    closures = (
        await Closure.select()
        .where(Closure.ends_at > closures_from)
        .order_by(Closure.starts_at)
        .run()
    )
    return Places(
        resources=resources,
        by_id={r.id: r for r in resources},
        location_of={row["id"]: row["location"] for row in locations},
        hours={location: WeeklyHours(days) for location, days in hours.items()},
        closures=closures,
        closures_from=closures_from,
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
NAME_MAX = 200
DESCRIPTION_MAX = 2000
AMENITY_MAX = 100
AMENITIES_MAX = 30
MAX_ID = 2**31 - 1  # ids are 32-bit serials


def _checked_resource(data: dict[str, Any]) -> dict[str, Any]:
    """A resource's columns from ``data``, or FormInvalid naming every field that breaks a
    rule. The location is checked against the database by the caller."""
    errors: dict[str, str] = {}
    name = str(data.get("name") or "").strip()
    if not name:
        errors["name"] = _("Enter a name.")
    elif len(name) > NAME_MAX:
        errors["name"] = _("Use at most %(n)s characters.", n=NAME_MAX)
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
    _check_durations(rules, errors)
    roles = data.get("allowed_roles", MEMBER_AND_STAFF_ROLES)
    if not isinstance(roles, list) or not set(roles) <= set(MEMBER_AND_STAFF_ROLES):
        errors["allowed_roles"] = _("Choose roles from the list.")
        roles = []
    elif not roles:
        errors["allowed_roles"] = _("Choose at least one account type.")
    free_hours = data.get("free_weekly_hours", {})
    if not isinstance(free_hours, dict) or not all(
        role in MEMBER_AND_STAFF_ROLES
        and isinstance(h, int)
        and not isinstance(h, bool)
        and 0 <= h <= 168
        for role, h in free_hours.items()
    ):
        errors["free_weekly_hours"] = _("Give whole hours from 0 to 168 per role.")
    elif roles and not set(free_hours) <= set(roles):
        errors["free_weekly_hours"] = _("Only account types that may book can get free hours.")
    description = data.get("description") or ""
    if not isinstance(description, str) or len(description.strip()) > DESCRIPTION_MAX:
        errors["description"] = _("Use at most %(n)s characters.", n=DESCRIPTION_MAX)
        description = ""
    listed = data.get("amenities", [])
    if not isinstance(listed, list) or not all(isinstance(a, str) for a in listed):
        errors["amenities"] = _("List the amenities as text.")
        listed = []
    extras = list(dict.fromkeys(a.strip() for a in listed if a.strip()))
    if any(len(a) > AMENITY_MAX for a in extras):
        errors["amenities"] = _("Keep each amenity to %(n)s characters.", n=AMENITY_MAX)
    elif len(extras) > AMENITIES_MAX:
        errors["amenities"] = _("List at most %(n)s amenities.", n=AMENITIES_MAX)
    if errors:
        raise FormInvalid(errors)
    return dict(
        name=name,
        kind=kind,
        capacity=capacity,
        price_per_hour_vnd=price,
        requires_approval=bool(data.get("requires_approval", False)),
        is_active=bool(data.get("is_active", True)),
        description=description.strip(),
        amenities=extras,
        allowed_roles=list(dict.fromkeys(roles)),
        free_weekly_hours=free_hours,
        **rules,
    )


def _check_durations(rules: dict[str, int], errors: dict[str, str]) -> None:
    """Bookings start and end on the time step, so the step must repeat evenly over a day
    and the shortest and longest bookings must be whole steps."""
    if "slot_minutes" in errors:
        return
    step = rules["slot_minutes"]
    if (24 * 60) % step:
        errors["slot_minutes"] = _("Choose a step that divides a day evenly, e.g. 15, 30 or 60.")
        return
    for key in ("min_minutes", "max_minutes"):
        if key not in errors and rules[key] % step:
            errors[key] = _("Use a multiple of the time step (%(n)s minutes).", n=step)
    if (
        "min_minutes" not in errors
        and "max_minutes" not in errors
        and rules["min_minutes"] > rules["max_minutes"]
    ):
        errors["max_minutes"] = _("The longest booking cannot be shorter than the shortest.")


async def _check_location(location_id: Any) -> None:
    if (
        not isinstance(location_id, int)
        or isinstance(location_id, bool)
        or not 0 < location_id <= MAX_ID
        or not await Location.exists().where(Location.id == location_id).run()
    ):
        raise FormInvalid({"location_id": _("No such location.")})


async def create_resource(data: dict[str, Any], *, actor_id: int | None) -> Resource:
    """Validates and stores a resource; unknown locations and bad rules are field errors."""
    fields = _checked_resource(data)
    location_id = data.get("location_id")
    location = await default_location() if location_id is None else None
    async with transaction():
        if location is None:
            await _check_location(location_id)
        resource = Resource(location=location.id if location else location_id, **fields)
        await resource.save()
        await audit.record(
            actor_id=actor_id,
            action="resource.created",
            record_type="resource",
            record_id=resource.id,
            detail={"name": fields["name"], "kind": fields["kind"]},
        )
    return resource


EDITABLE_FIELDS = (
    "name",
    "kind",
    "capacity",
    "price_per_hour_vnd",
    "requires_approval",
    "is_active",
    "description",
    "amenities",
    *RULE_LIMITS,
    "allowed_roles",
    "free_weekly_hours",
)


def resource_fields(resource: Resource) -> dict[str, Any]:
    """The editable fields of a stored resource, as ``update_resource`` takes them."""
    values = {key: getattr(resource, key) for key in EDITABLE_FIELDS}
    values["amenities"] = amenities(resource)
    values["allowed_roles"] = allowed_roles(resource)
    values["free_weekly_hours"] = free_weekly_hours(resource)
    values["location_id"] = resource.location
    return values


async def update_resource(
    resource_id: int, changes: dict[str, Any], *, actor_id: int | None
) -> Resource:
    """Changes a resource, inactive ones too; the whole result must pass the same checks as
    a new resource. Rules are read when a booking is made, so existing bookings stay as
    they are. Unknown ids are NotFound; broken rules are field errors (FormInvalid)."""
    async with transaction():
        resource = await get_any_resource(resource_id, lock=True)
        before = resource_fields(resource)
        wanted = {**before, **changes}
        fields = _checked_resource(wanted)
        fields["location"] = wanted["location_id"]
        if fields["location"] != resource.location:
            await _check_location(fields["location"])
        before["location"] = before.pop("location_id")
        changed = {key: value for key, value in fields.items() if before[key] != value}
        if not changed:
            return resource
        for key, value in changed.items():
            setattr(resource, key, value)
        resource.updated_at = utcnow()
        await resource.save([*changed, "updated_at"])
        await audit.record(
            actor_id=actor_id,
            action="resource.updated",
            record_type="resource",
            record_id=resource.id,
            detail={"changes": {k: {"from": before[k], "to": v} for k, v in changed.items()}},
        )
    return resource


async def get_any_resource(resource_id: int, *, lock: bool = False) -> Resource:
    """A resource whether or not it takes new bookings (staff pages, an existing booking's
    payment). ``lock`` holds the row until the transaction ends (PostgreSQL; SQLite's
    immediate transaction already serialises writers)."""
    if not 0 < resource_id <= MAX_ID:
        raise NotFound(_("No such space."), code="resource_not_found")
    query = Resource.objects().where(Resource.id == resource_id).output(load_json=True)
    if lock and not is_sqlite():
        query = query.lock_rows()
    resource = await query.first().run()
    if resource is None:
        raise NotFound(_("No such space."), code="resource_not_found")
    return resource


async def resources_for_staff() -> list[Resource]:
    """Every resource, inactive ones too, for the staff pages."""
    return (
        await Resource.objects()
        .output(load_json=True)
        .order_by(Resource.location)
        .order_by(Resource.kind)
        .order_by(Resource.id)
        .run()
    )


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
    resource = await get_any_resource(resource_id)
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
