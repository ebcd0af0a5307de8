"""The pure rules of a resource: what its fields may hold, read from stored JSON columns."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.errors import FormInvalid
from innovation_hub.core.i18n import N_, Labels
from innovation_hub.core.i18n import gettext as _
from innovation_hub.spaces.tables import KINDS, Resource

MEMBER_AND_STAFF_ROLES = ["student", "startup", "enterprise", "staff", "admin"]


def allowed_roles(resource: Resource) -> list[str]:
    return list(_json(resource.allowed_roles))


def free_weekly_hours(resource: Resource) -> dict[str, int]:
    return dict(_json(resource.free_weekly_hours))


def amenities(resource: Resource) -> list[str]:
    return list(_json(resource.amenities))


def _json(value: Any) -> Any:
    """JSON columns come back as text unless the query asked Piccolo to load them."""
    return json.loads(value) if isinstance(value, str) else value


# What a space offers, as members filter for it on the floor plan.
amenity_label = Labels(
    {
        "monitor": N_("Monitor"),
        "power": N_("Power socket"),
        "window": N_("By a window"),
        "quiet": N_("Quiet area"),
        "step_free": N_("Step-free access"),
    }
)
AMENITIES = amenity_label.codes


def with_amenities(resources: list[Resource], wanted: list[str]) -> list[Resource]:
    """The resources that offer every one of the ``wanted`` amenities."""
    return [r for r in resources if set(wanted) <= set(amenities(r))]


kind_label = Labels(
    {
        "desk": N_("Desk"),
        "hot_desk": N_("Hot desk"),
        "meeting_room": N_("Meeting room"),
        "event_hall": N_("Event hall"),
        "lab": N_("Lab"),
    }
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
    """A whole number of a resource's fields. Not core.forms: the JSON API sends numbers and
    the staff board sends text, and both get the space's own messages and bounds."""
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
MAX_ID = 2**31 - 1  # ids are 32-bit serials


def checked_resource(data: dict[str, Any]) -> dict[str, Any]:
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
    roles, free_hours = _checked_roles(data, errors)
    description = data.get("description") or ""
    if not isinstance(description, str) or len(description.strip()) > DESCRIPTION_MAX:
        errors["description"] = _("Use at most %(n)s characters.", n=DESCRIPTION_MAX)
        description = ""
    extras = _checked_amenities(data, errors)
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
        allowed_roles=roles,
        free_weekly_hours=free_hours,
        **rules,
    )


def _checked_roles(
    data: dict[str, Any], errors: dict[str, str]
) -> tuple[list[str], dict[str, int]]:
    """Who may book, and the free hours a week each of those roles gets."""
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
    return list(dict.fromkeys(roles)), free_hours


def _checked_amenities(data: dict[str, Any], errors: dict[str, str]) -> list[str]:
    listed = data.get("amenities", [])
    if not isinstance(listed, list) or not set(listed) <= set(AMENITIES):
        errors["amenities"] = _("Choose amenities from the list.")
        return []
    return [code for code in AMENITIES if code in listed]


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


def local_days(start: datetime, end: datetime) -> list[date]:
    """Local dates touched by [start, end)."""
    first = start.astimezone(LOCAL_TZ).date()
    last = (end - timedelta(microseconds=1)).astimezone(LOCAL_TZ).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
