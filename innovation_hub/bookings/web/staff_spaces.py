"""The staff spaces page: add and edit spaces, their photos, and closures of a space or a
whole location. Every change goes through ``spaces.services``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from babel.numbers import format_decimal
from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Template

from innovation_hub.bookings import queries
from innovation_hub.bookings.web.board_view import HELPERS
from innovation_hub.bookings.web.edge import Req, StaffPages, space_in_form
from innovation_hub.core import uploads
from innovation_hub.core.auth import MEMBER_ROLES, PUBLIC
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.errors import HubError
from innovation_hub.core.forms import (
    Form,
    parse_clock,
    parse_day,
    parse_id,
    parse_int,
    parse_vnd,
    text,
)
from innovation_hub.core.i18n import current_locale
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.web import FormBody, form_flow, page, settings_of
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import KINDS, Location, Resource

NUMBER_FIELDS = (
    "capacity",
    "price_per_hour_vnd",
    "slot_minutes",
    "min_minutes",
    "max_minutes",
    "max_days_ahead",
    "min_notice_minutes",
    "buffer_minutes",
    "cancel_notice_hours",
)
BOOKABLE_ROLES = (*MEMBER_ROLES, "staff")


def parse_local_moment(raw: object) -> datetime | None:
    """A ``datetime-local`` field (``2026-12-01T09:00``), which carries no offset: read as
    local time (core.forms.parse_moment wants the offset links carry)."""
    day, sep, clock = text(raw).partition("T")
    found_day, found_clock = parse_day(day), parse_clock(clock)
    if not sep or found_day is None or found_clock is None:
        return None
    return datetime.combine(found_day, found_clock, LOCAL_TZ)


def _resource_defaults() -> dict[str, Any]:
    form: dict[str, Any] = {
        "kind": "desk",
        "capacity": "1",
        "price_per_hour_vnd": "0",
        **{key: str(default) for key, (_low, _high, default) in spaces.RULE_LIMITS.items()},
    }
    form.update({f"allow_{role}": "on" for role in BOOKABLE_ROLES})
    return form


def _number_or_text(raw: str) -> int | str:
    found = parse_int(raw)
    return found if found is not None else raw


def ticked(raw: object) -> list[str]:
    """The values of a group of checkboxes sharing one name."""
    values = raw if isinstance(raw, list) else [raw] if raw else []
    return [text(value) for value in values]


def resource_fields(data: dict[str, Any], *, editing: bool = False) -> dict[str, Any]:
    """The form as ``spaces.services`` takes it; text the service cannot read reaches it as
    text (a field error). A new space keeps the defaults of blank optional numbers; when
    editing, every field counts (a blank number is an error, an unticked box is off)."""
    fields: dict[str, Any] = {
        "name": text(data.get("name")),
        "kind": text(data.get("kind")),
        "description": text(data.get("description")),
        "amenities": ticked(data.get("amenities")),
        "requires_approval": bool(text(data.get("requires_approval"))),
    }
    if editing:
        fields["is_active"] = bool(text(data.get("is_active")))
    for key in NUMBER_FIELDS:
        value = text(data.get(key))
        if key == "price_per_hour_vnd" and parse_vnd(value) is not None:
            value = str(parse_vnd(value))  # "150.000" or "150,000 ₫" as people write money
        if value or key == "capacity" or editing:
            fields[key] = value
    if text(data.get("location_id")):
        fields["location_id"] = _number_or_text(text(data.get("location_id")))
    free = {role: text(data.get(f"free_{role}")) for role in MEMBER_ROLES}
    fields["free_weekly_hours"] = {role: _number_or_text(h) for role, h in free.items() if h}
    fields["allowed_roles"] = [
        *[role for role in BOOKABLE_ROLES if text(data.get(f"allow_{role}"))],
        *(["admin"] if text(data.get("allow_staff")) else []),
    ]
    return fields


def resource_form(resource: Resource) -> dict[str, Any]:
    """A stored space as its edit form shows it."""
    values = spaces.resource_fields(resource)
    form: dict[str, Any] = {
        "name": values["name"],
        "kind": values["kind"],
        "description": values["description"],
        "amenities": values["amenities"],
        "location_id": str(values["location_id"]),
        **{key: str(values[key]) for key in NUMBER_FIELDS},
        # Money as people read it ("150.000"); the parser takes the dots out again.
        "price_per_hour_vnd": format_decimal(values["price_per_hour_vnd"], locale=current_locale()),
    }
    for key in ("requires_approval", "is_active"):
        if values[key]:
            form[key] = "on"
    form.update({f"allow_{role}": "on" for role in values["allowed_roles"]})
    form.update({f"free_{role}": str(h) for role, h in values["free_weekly_hours"].items()})
    return form


def closure_fields(data: dict[str, Any]) -> dict[str, Any]:
    """What ``spaces.create_closure`` takes; FormInvalid names every field not read."""
    fields = Form(data)
    kind, _sep, raw_id = text(data.get("target")).partition(":")
    target_id = parse_id(raw_id)
    if kind not in {"location", "resource"} or target_id is None:
        fields.error("target", _("Choose what to close."))
    starts = parse_local_moment(data.get("starts_at"))
    ends = parse_local_moment(data.get("ends_at"))
    for name, value in (("starts_at", starts), ("ends_at", ends)):
        if value is None:
            fields.error(name, _("Enter a date and time."))
    fields.check()
    return {
        "starts_at": starts,
        "ends_at": ends,
        "reason": text(data.get("reason")),
        "location_id": target_id if kind == "location" else None,
        "resource_id": target_id if kind == "resource" else None,
    }


async def _locations() -> list[Location]:
    return await spaces.list_locations() or [await spaces.default_location()]


async def spaces_context(
    *,
    resource_form: dict[str, Any] | None = None,
    resource_errors: dict[str, str] | None = None,
    closure_form: dict[str, Any] | None = None,
    closure_errors: dict[str, str] | None = None,
    added: int | None = None,
    saved: int | None = None,
    closed: bool = False,
    plan_removed: int | None = None,
) -> dict[str, Any]:
    locations = await _locations()
    every_resource = await spaces.resources_for_staff()
    return {
        **HELPERS,
        "locations": locations,
        "location_names": {loc.id: loc.name for loc in locations},
        "all_resources": every_resource,
        "resources": [r for r in every_resource if r.is_active],  # closures need open ones
        "kinds": KINDS,
        "member_roles": MEMBER_ROLES,
        "bookable_roles": BOOKABLE_ROLES,
        "free_hours": spaces.free_weekly_hours,
        "allowed_roles": spaces.allowed_roles,
        "form": resource_form if resource_form is not None else _resource_defaults(),
        "errors": resource_errors or {},
        "closure_form": closure_form or {},
        "closure_errors": closure_errors or {},
        "closures": await queries.upcoming_closures(utcnow()),
        "added": next((r for r in every_resource if r.id == added), None),
        "saved": next((r for r in every_resource if r.id == saved), None),
        "closed": closed,
        "photo_errors": {},
        "plan_errors": {},
        "plan_removed": next((loc for loc in locations if loc.id == plan_removed), None),
        "placed_counts": {
            loc.id: sum(1 for r in every_resource if r.location == loc.id and r.plan_x is not None)
            for loc in locations
        },
        "amenity_choices": spaces.amenity_label.choices(),
    }


async def edit_context(
    resource: Resource, form: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    return {
        **HELPERS,
        "resource": resource,
        "form": form,
        "errors": errors,
        "upcoming": await queries.upcoming_resource_bookings(resource.id, utcnow()),
        "locations": await _locations(),
        "kinds": KINDS,
        "member_roles": MEMBER_ROLES,
        "bookable_roles": BOOKABLE_ROLES,
        "amenity_choices": spaces.amenity_label.choices(),
    }


def spaces_page(
    request: Req, context: dict[str, Any], *, fragment: str | None = None, status: int = 200
) -> Template:
    return page(request, "staff/spaces.html", context, fragment=fragment, status_code=status)


class StaffSpaces(StaffPages):
    path = "/staff/spaces"

    @get("/", name="staff_spaces")
    async def show(self, request: Req) -> Template:
        params = request.query_params
        context = await spaces_context(
            added=parse_id(params.get("added")),
            saved=parse_id(params.get("saved")),
            closed=params.get("closed") == "1",
            plan_removed=parse_id(params.get("plan_removed")),
        )
        return spaces_page(request, context)

    @post("/resources")
    async def add_resource(self, request: Req, data: FormBody) -> Response[Any] | Template:
        async def refused(exc: HubError) -> Template:
            context = await spaces_context(
                resource_form=dict(data), resource_errors=exc.field_errors
            )
            return spaces_page(
                request, context, fragment="staff/spaces_resource_form.html", status=422
            )

        return await form_flow(
            request,
            lambda: spaces.create_resource(resource_fields(data), actor_id=request.user.id),
            done=lambda resource: f"/staff/spaces?added={resource.id}#resources",
            refused=refused,
        )

    @get("/resources/{resource_id:int}/edit", name="staff_resource_edit")
    async def edit_page(self, request: Req, resource_id: FromPath[int]) -> Template:
        resource = await spaces.get_any_resource(resource_id)
        context = await edit_context(resource, resource_form(resource), {})
        return page(request, "staff/resource_edit.html", context)

    @post("/resources/{resource_id:int}/edit")
    async def edit(
        self, request: Req, resource_id: FromPath[int], data: FormBody
    ) -> Response[Any] | Template:
        fields = resource_fields(data, editing=True)
        # Free hours for roles the form does not list (set through the API) stay as they are.
        before = spaces.resource_fields(await spaces.get_any_resource(resource_id))
        fields["free_weekly_hours"] = {
            **{r: h for r, h in before["free_weekly_hours"].items() if r not in MEMBER_ROLES},
            **fields["free_weekly_hours"],
        }

        async def refused(exc: HubError) -> Template:
            resource = await spaces.get_any_resource(resource_id)
            context = await edit_context(resource, dict(data), exc.field_errors)
            return page(
                request,
                "staff/resource_edit.html",
                context,
                fragment="staff/_resource_edit_form.html",
                status_code=422,
            )

        return await form_flow(
            request,
            lambda: spaces.update_resource(resource_id, fields, actor_id=request.user.id),
            done=lambda resource: f"/staff/spaces?saved={resource.id}#res-{resource.id}",
            refused=refused,
        )

    @post("/resources/{resource_id:int}/photo")
    async def upload_photo(
        self,
        request: Req,
        resource_id: FromPath[int],
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Response[Any] | Template:
        upload = data.get("photo")
        content = await upload.read() if isinstance(upload, UploadFile) else b""
        var_dir = settings_of(request).var_dir

        async def refused(exc: HubError) -> Template:
            context = await spaces_context()
            context["photo_errors"] = {resource_id: exc.field_errors.get("photo", exc.detail)}
            return spaces_page(request, context, status=exc.status_code)

        return await form_flow(
            request,
            lambda: spaces.set_photo(
                resource_id, content, var_dir=var_dir, actor_id=request.user.id
            ),
            done=f"/staff/spaces?added={resource_id}#resources",
            refused=refused,
        )

    @post("/closures")
    async def add_closure(self, request: Req, data: FormBody) -> Response[Any] | Template:
        async def close() -> None:
            await space_in_form(
                spaces.create_closure(**closure_fields(data), actor_id=request.user.id)
            )

        async def refused(exc: HubError) -> Template:
            found = dict(exc.field_errors)
            if "resource_id" in found:
                found["target"] = found.pop("resource_id")
            if not found:
                found["target"] = exc.detail  # an unknown space or location
            context = await spaces_context(closure_form=dict(data), closure_errors=found)
            return spaces_page(
                request, context, fragment="staff/spaces_closure_form.html", status=422
            )

        return await form_flow(
            request, close, done="/staff/spaces?closed=1#closures", refused=refused
        )


class SpacePhotos(Controller):
    path = "/spaces/photos"
    opt = {"access": PUBLIC}

    @get("/{name:str}", include_in_schema=False, skip_session=True)
    async def show(self, request: Req, name: FromPath[str]) -> Response[bytes]:
        body, content_type = spaces.photo(settings_of(request).var_dir, name)
        return Response(
            body,
            media_type=content_type,
            headers={
                **uploads.download_headers(name, content_type, inline=True),
                "cache-control": "public, max-age=86400",
            },
        )
