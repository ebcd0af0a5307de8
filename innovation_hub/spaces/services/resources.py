"""Resources (the spaces members book), their photos, and closures of places."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from innovation_hub.core import audit, uploads
from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import is_sqlite, transaction
from innovation_hub.core.errors import FormInvalid, NotFound
from innovation_hub.core.i18n import gettext as _
from innovation_hub.spaces.services.locations import default_location, get_location
from innovation_hub.spaces.services.rules import MAX_ID, checked_resource, resource_fields
from innovation_hub.spaces.tables import Closure, Location, Resource


async def _record(
    action: str, record_id: int, actor_id: int | None, detail: Any, record_type: str = "resource"
) -> None:
    await audit.record(
        actor_id=actor_id,
        action=action,
        record_type=record_type,
        record_id=record_id,
        detail=detail,
    )


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
    fields = checked_resource(data)
    location_id = data.get("location_id")
    location = await default_location() if location_id is None else None
    async with transaction():
        if location is None:
            await _check_location(location_id)
        resource = Resource(location=location.id if location else location_id, **fields)
        await resource.save()
        await _record(
            "resource.created",
            resource.id,
            actor_id,
            {"name": fields["name"], "kind": fields["kind"]},
        )
    return resource


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
        fields = checked_resource(wanted)
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
        await _record(
            "resource.updated",
            resource.id,
            actor_id,
            {"changes": {k: {"from": before[k], "to": v} for k, v in changed.items()}},
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
        await _record("closure.created", closure.id, actor_id, {"reason": reason}, "closure")
    return closure


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
        await _record("resource.photo_set", resource.id, actor_id, {"photo": stored.name})
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
