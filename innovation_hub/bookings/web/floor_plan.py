"""The floor plan: members see each placed space free or taken at a chosen time and book it
from there; staff upload a location's plan and place its spaces on it. Free and taken come
from the availability service the spaces grid uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Template

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import queries, services
from innovation_hub.bookings.web.edge import Req, StaffPages
from innovation_hub.bookings.web.grid import Viewer
from innovation_hub.bookings.web.labels import booking_link, day_label, login_link, time_range
from innovation_hub.bookings.web.staff_spaces import spaces_context, spaces_page
from innovation_hub.core import clock, uploads
from innovation_hub.core.auth import PUBLIC
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.errors import FormInvalid, HubError
from innovation_hub.core.forms import Form, parse_id, text
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.web import FormBody, form_flow, go_to, page, settings_of
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import Location, Resource

DURATIONS = (30, 60, 120, 240)
STEP = timedelta(minutes=30)


def short_label(resource: Resource) -> str:
    """What a marker says on the plan: a desk's number ("01"), or a room's whole name."""
    *_words, last = resource.name.split()
    return last if last.isdigit() else resource.name


@dataclass(frozen=True)
class Spot:
    """One space on the plan (and in the list beside it) at the chosen time."""

    resource: Resource
    state: str  # free | taken | closed | unavailable
    href: str  # the booking form for this space and time, when it is free

    @property
    def word(self) -> str:
        return {
            "free": _("Free"),
            "taken": _("Booked"),
            "closed": _("Not bookable"),
            "unavailable": _("Not for your account type"),
        }[self.state]

    @property
    def label(self) -> str:
        return short_label(self.resource)

    @property
    def amenities(self) -> list[str]:
        return [spaces.amenity_label(code) for code in spaces.amenities(self.resource)]

    @property
    def placed(self) -> bool:
        return self.resource.plan_x is not None and self.resource.plan_y is not None


def spots_at(
    found: list[services.ResourceAvailability],
    start: datetime,
    end: datetime,
    viewer: Viewer,
) -> list[Spot]:
    spots = []
    for item in found:
        state = services.state_between(item, start, end)
        if state == "free" and not viewer.may_book(item.resource):
            state = "unavailable"
        href = ""
        if state == "free":
            href = booking_link(item.resource.id, start, end)
            if viewer.user is None:
                href = login_link(href)
        spots.append(Spot(item.resource, state, href))
    return spots


@dataclass(frozen=True)
class PlanQuery:
    """The plan page's choices from its query string; a bad one is shown beside its field."""

    location_id: int | None
    day: date | None
    start: time | None
    minutes: int
    amenities: list[str]
    errors: dict[str, str]

    @classmethod
    def read(cls, query: dict[str, Any], amenities: list[str]) -> PlanQuery:
        form = Form(query)
        location_id = form.id("location")
        day = form.day("date", message=_("Enter a date as dd/mm/yyyy."))
        start = form.clock("time")
        minutes = form.choice("minutes", [str(m) for m in DURATIONS])
        if not set(amenities) <= set(spaces.AMENITIES):
            form.error("amenity", _("Choose amenities from the list."))
        wanted = [a for a in spaces.AMENITIES if a in amenities]
        return cls(location_id, day, start, int(minutes or 60), wanted, dict(form.errors))


def default_start(day: date, now: datetime, opening: list[tuple[datetime, datetime]]) -> time:
    """The day's opening time, or the next half hour when that is later today (08:00 on a
    closed day)."""
    opens = opening[0][0].astimezone(LOCAL_TZ).time() if opening else time(8, 0)
    local = now.astimezone(LOCAL_TZ)
    if day != local.date():
        return opens
    minutes = min((local.hour * 60 + local.minute) // 30 * 30 + 30, 23 * 60 + 30)
    return max(opens, time(minutes // 60, minutes % 60))


async def _location(location_id: int | None) -> Location:
    if location_id is not None:
        return await spaces.get_location(location_id)
    return await spaces.default_location()


async def plan_context(
    user: User | None, query: dict[str, Any], amenities: list[str]
) -> tuple[dict[str, Any], int]:
    now = clock.utcnow()
    wanted = PlanQuery.read(query, amenities)
    errors = dict(wanted.errors)
    try:
        location = await _location(wanted.location_id)
    except HubError as exc:
        errors["location"] = exc.detail
        location = await spaces.default_location()
    today = now.astimezone(LOCAL_TZ).date()
    day = wanted.day or await queries.first_open_day(today, now)
    hours = await spaces.weekly_hours(location.id)
    start_clock = wanted.start or default_start(day, now, hours.intervals_on(day))
    start = datetime.combine(day, start_clock, LOCAL_TZ)
    end = start + timedelta(minutes=wanted.minutes)
    found = await services.availability(start, end, location_id=location.id, now=now)
    every = spots_at(found, start, end, Viewer(user, now))
    matching = {r.id for r in spaces.with_amenities([s.resource for s in every], wanted.amenities)}
    shown = [s for s in every if s.resource.id in matching]
    context = {
        "location": location,
        "locations": await spaces.list_locations() or [location],
        "plan_url": f"/spaces/plans/{location.plan_path}" if location.plan_path else None,
        "spots": shown,
        "placed": [s for s in shown if s.placed],
        "total": len(every),
        "errors": errors,
        "form": {
            "location": str(location.id),
            "date": text(query.get("date")) if "date" in errors else day.isoformat(),
            "time": text(query.get("time")) if "time" in errors else start_clock.strftime("%H:%M"),
            "minutes": str(wanted.minutes),
            "amenities": wanted.amenities,
        },
        "durations": DURATIONS,
        "amenity_choices": spaces.amenity_label.choices(),
        "when": f"{day_label(day)}, {time_range(start, end)}",
        "holiday": spaces.holiday_name(day),
        "kind_label": spaces.kind_label,
    }
    return context, (422 if errors else 200)


class FloorPlanView(Controller):
    path = "/spaces/plan"
    opt = {"access": PUBLIC}

    @get("/", name="floor_plan")
    async def show(self, request: Req) -> Template:
        user: User | None = request.scope.get("user")
        amenities = [text(a) for a in request.query_params.getall("amenity", [])]
        context, status = await plan_context(user, dict(request.query_params), amenities)
        return page(request, "bookings/plan.html", context, status_code=status)


class PlanFiles(Controller):
    path = "/spaces/plans"
    opt = {"access": PUBLIC}

    @get("/{name:str}", include_in_schema=False, skip_session=True)
    async def show(self, request: Req, name: FromPath[str]) -> Response[bytes]:
        body, content_type = spaces.plan_file(settings_of(request).var_dir, name)
        return Response(
            body,
            media_type=content_type,
            headers={
                **uploads.download_headers(name, content_type, inline=True),
                # Opened on its own, an SVG runs nothing and loads nothing.
                "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
                "cache-control": "public, max-age=86400",
            },
        )


def positions_from(data: dict[str, Any], plan: spaces.Plan) -> dict[int, spaces.Position]:
    """Every space's x and y fields of the placement form; FormInvalid names each bad one.
    Ids of spaces the form does not list (another location's) are read too, to be refused."""
    ids = {r.id for r in plan.resources}
    for key in data:
        if key.startswith("r") and key.endswith("-x") and (found := parse_id(key[1:-2])):
            ids.add(found)
    positions: dict[int, spaces.Position] = {}
    errors: dict[str, str] = {}
    for resource_id in sorted(ids):
        prefix = f"r{resource_id}-"
        if f"{prefix}x" not in data and f"{prefix}y" not in data:
            continue
        try:
            positions[resource_id] = spaces.checked_position(
                text(data.get(f"{prefix}x")), text(data.get(f"{prefix}y")), field=prefix
            )
        except HubError as exc:
            errors.update(exc.field_errors)
    if errors:
        raise FormInvalid(errors)
    return positions


async def placement_context(
    location_id: int,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    *,
    saved: bool = False,
    uploaded: bool = False,
) -> dict[str, Any]:
    plan = await spaces.location_plan(location_id)
    values = form or {
        key: value
        for r in plan.resources
        for key, value in ((f"r{r.id}-x", r.plan_x), (f"r{r.id}-y", r.plan_y))
    }
    return {
        "plan": plan,
        "form": {key: "" if value is None else f"{value:g}" if isinstance(value, float) else value
                 for key, value in values.items()},
        "errors": errors or {},
        "saved": saved,
        "uploaded": uploaded,
        "short_label": short_label,
        "kind_label": spaces.kind_label,
    }  # fmt: skip


class StaffFloorPlans(StaffPages):
    path = "/staff/spaces/locations"

    @post("/{location_id:int}/plan")
    async def upload(
        self,
        request: Req,
        location_id: FromPath[int],
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Response[Any] | Template:
        upload = data.get("plan")
        content = await upload.read() if isinstance(upload, UploadFile) else b""
        var_dir = settings_of(request).var_dir

        async def refused(exc: HubError) -> Template:
            context = await spaces_context()
            context["plan_errors"] = {location_id: exc.field_errors.get("plan", exc.detail)}
            return spaces_page(request, context, status=exc.status_code)

        return await form_flow(
            request,
            lambda: spaces.set_plan(
                location_id, content, var_dir=var_dir, actor_id=request.user.id
            ),
            done=f"/staff/spaces/locations/{location_id}/placement?uploaded=1",
            refused=refused,
        )

    @post("/{location_id:int}/plan/remove")
    async def remove(self, request: Req, location_id: FromPath[int]) -> Response[Any]:
        await spaces.remove_plan(location_id, actor_id=request.user.id)
        return go_to(request, f"/staff/spaces?plan_removed={location_id}#plans")

    @get("/{location_id:int}/placement", name="staff_plan_placement")
    async def placement(self, request: Req, location_id: FromPath[int]) -> Template:
        params = request.query_params
        context = await placement_context(
            location_id, saved=params.get("saved") == "1", uploaded=params.get("uploaded") == "1"
        )
        return page(request, "staff/plan_placement.html", context)

    @post("/{location_id:int}/placement")
    async def save_placement(
        self, request: Req, location_id: FromPath[int], data: FormBody
    ) -> Response[Any] | Template:
        async def save() -> None:
            plan = await spaces.location_plan(location_id)
            await spaces.set_positions(
                location_id, positions_from(dict(data), plan), actor_id=request.user.id
            )

        async def refused(exc: HubError) -> Template:
            errors = exc.field_errors or {"_form": exc.detail}
            context = await placement_context(location_id, dict(data), errors)
            return page(request, "staff/plan_placement.html", context, status_code=422)

        return await form_flow(
            request,
            save,
            done=f"/staff/spaces/locations/{location_id}/placement?saved=1",
            refused=refused,
        )
