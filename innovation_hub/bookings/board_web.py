"""The staff calendar board and the staff spaces page.

The board shows a location's resources for a day or a week. Actions on a booking (approve,
decline, cancel, move, check in) and blocks post plain forms; with htmx the answer is the
affected resource row(s), drawn again in place, and without JavaScript a redirect back to
the board (or, when refused, the whole board with the message next to the field).
Every change goes through ``bookings.services`` or ``spaces.services``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import board, services
from innovation_hub.bookings.tables import ACTIVE_STATUSES, Booking
from innovation_hub.bookings.web import status_label
from innovation_hub.core import uploads
from innovation_hub.core.auth import MEMBER_ROLES, PUBLIC, STAFF, role_label
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.errors import Conflict, FormInvalid, HubError, NotFound
from innovation_hub.core.i18n import current_locale
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.web import FormBody, go_to, is_htmx, page, settings_of
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import KINDS, Location, Resource

Req = Request[Any, Any, Any]

# htmx swaps only 2xx, 422 and 429 answers (see base.html); refusals shown in place use 422.
HTMX_REFUSED = 422
MAX_ID = 2**31 - 1  # ids are 32-bit serials


# -- presentation helpers ------------------------------------------------------------------


@dataclass(frozen=True)
class StatusInfo:
    code: str
    label: str
    icon: str


STATUS_ICONS = {
    "pending_approval": "◐",
    "pending_payment": "₫",
    "confirmed": "●",
    "checked_in": "✓",
    "cancelled": "✕",
    "declined": "⊘",
    "expired": "○",
    "no_show": "⚠",
}


def status_info(status: str) -> StatusInfo:
    return StatusInfo(status, status_label(status), STATUS_ICONS.get(status, "•"))


def weekday_label(day: date, *, long: bool = False) -> str:
    return babel_format_date(day, "EEEE" if long else "EEE", locale=current_locale())


def hhmm(moment: datetime | time) -> str:
    return moment.strftime("%H:%M")


def time_range(start: datetime, end: datetime) -> str:
    """``09:00–10:30``, or with dates when it spans days."""
    if start.date() == end.date():
        return f"{hhmm(start)}–{hhmm(end)}"
    return f"{start:%d/%m %H:%M} – {end:%d/%m %H:%M}"


def block_types() -> dict[str, str]:
    return {"maintenance": _("Maintenance"), "event": _("Event"), "other": _("Other")}


HELPERS: dict[str, Any] = {
    "status_info": status_info,
    "weekday_label": weekday_label,
    "hhmm": hhmm,
    "time_range": time_range,
    "kind_label": spaces.kind_label,
    "block_types": block_types,
    "role_label": role_label,
}


# -- parsing -------------------------------------------------------------------------------


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return value.strip() if isinstance(value, str) else ""


def _parse_date(raw: str | None) -> date | None:
    try:
        parsed = date.fromisoformat(raw.strip()) if raw else None
    except ValueError:
        return None
    # Far-off years overflow when turned into UTC instants; nobody books them.
    return parsed if parsed and 2000 <= parsed.year <= 2200 else None


def _parse_time(raw: str) -> time | None:
    try:
        parsed = time.fromisoformat(raw)
    except ValueError:
        return None
    return parsed.replace(second=0, microsecond=0, tzinfo=None)


def _parse_local_datetime(raw: str) -> datetime | None:
    """A ``datetime-local`` field (``2026-12-01T09:00``) read as local time."""
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if not 2000 <= parsed.year <= 2200:
        return None
    if parsed.tzinfo is not None:
        return parsed
    return parsed.replace(tzinfo=LOCAL_TZ)


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 10 else None


def _local_today() -> date:
    return utcnow().astimezone(LOCAL_TZ).date()


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, LOCAL_TZ)


def _times(data: dict[str, Any], errors: dict[str, str]) -> tuple[datetime, datetime] | None:
    """The ``date``, ``start`` and ``end`` fields of the move and block forms."""
    day = _parse_date(_text(data, "date"))
    start = _parse_time(_text(data, "start"))
    end = _parse_time(_text(data, "end"))
    if day is None:
        errors["date"] = _("Enter a date.")
    if start is None:
        errors["start"] = _("Enter a time such as 09:00.")
    if end is None:
        errors["end"] = _("Enter a time such as 17:00.")
    if day is None or start is None or end is None:
        return None
    return _at(day, start), _at(day, end)


# -- where the board is and what happened on it -------------------------------------------


@dataclass
class Feedback:
    """The outcome of one action, shown in the affected row (and card)."""

    resource_id: int | None
    booking_id: int | None
    action: str
    ok: bool
    message: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    form: dict[str, Any] = field(default_factory=dict)

    def value(self, key: str, default: str = "") -> str:
        return _text(self.form, key) or default


def done_messages() -> dict[str, str]:
    return {
        "approved": _("Booking approved."),
        "declined": _("Booking declined; the member sees your reason."),
        "cancelled": _("Booking cancelled; the member sees your reason."),
        "moved": _("Booking moved."),
        "checked_in": _("Member checked in."),
        "blocked": _("Space blocked."),
    }


@dataclass(frozen=True)
class Target:
    location: Location
    day: date
    row: int | None
    kind: str | None = None


async def _location(raw: str | None) -> tuple[Location, bool]:
    """The chosen location (or the default one) and whether the choice was understood."""
    wanted = _int(raw)
    if wanted is not None:
        try:
            return await spaces.get_location(wanted), True
        except NotFound:
            return await spaces.default_location(), False
    return await spaces.default_location(), not raw


def _kind(raw: str | None) -> str | None:
    return raw if raw in KINDS else None


async def _target(data: dict[str, Any]) -> Target:
    location, _ok = await _location(_text(data, "location_id"))
    day = _parse_date(_text(data, "board_date")) or _local_today()
    return Target(location, day, _int(_text(data, "row")), _kind(_text(data, "kind")))


def board_url(
    location_id: int,
    day: date,
    *,
    view: str = "day",
    kind: str | None = None,
    anchor: str = "",
    **extra: Any,
) -> str:
    params: dict[str, Any] = {"date": day.isoformat(), "location_id": location_id}
    if view != "day":
        params["view"] = view
    if kind:
        params["kind"] = kind
    params.update({k: v for k, v in extra.items() if v is not None})
    return "/staff/board?" + urlencode(params) + (f"#{anchor}" if anchor else "")


async def _board_context(
    *,
    view: str,
    day: date,
    location: Location,
    kind: str | None = None,
    feedback: Feedback | None = None,
    notices: list[str] | None = None,
) -> dict[str, Any]:
    today = _local_today()
    step = timedelta(days=7 if view == "week" else 1)
    here = await spaces.list_resources(location_id=location.id)
    context: dict[str, Any] = {
        **HELPERS,
        "view": view,
        "day": day,
        "today": today,
        "kind": kind,
        "kinds_here": [k for k in KINDS if any(r.kind == k for r in here)],
        "now_minute": _now_minute(today),
        "location": location,
        "locations": await spaces.list_locations(),
        "prev_url": board_url(location.id, day - step, view=view, kind=kind),
        "next_url": board_url(location.id, day + step, view=view, kind=kind),
        "today_url": board_url(location.id, today, view=view, kind=kind),
        "day_url": board_url(location.id, day, kind=kind),
        "week_url": board_url(location.id, day, view="week", kind=kind),
        "day_link": lambda d: board_url(location.id, d, kind=kind),
        "feedback": feedback,
        "notices": notices or [],
        "board": None,
        "week": None,
    }
    if view == "week":
        context["week"] = await board.week_board(location, day, kind=kind)
    else:
        context["board"] = await board.day_board(location, day, kind=kind)
    return context


def _now_minute(today: date) -> int:
    now = utcnow().astimezone(LOCAL_TZ)
    return now.hour * 60 + now.minute if now.date() == today else -1


# -- the board -----------------------------------------------------------------------------


@get("/staff/board", access=STAFF, name="staff_board")
async def board_page(request: Req) -> Template:
    params = request.query_params
    view = "week" if params.get("view") == "week" else "day"
    notices: list[str] = []
    raw_day = params.get("date")
    day = _parse_date(raw_day)
    if day is None:
        if raw_day:
            notices.append(_("That is not a date; showing today."))
        day = _local_today()
    location, understood = await _location(params.get("location_id"))
    if not understood:
        notices.append(_("No such location; showing the main one."))
    feedback = None
    done = params.get("done")
    if done in done_messages():
        feedback = Feedback(
            resource_id=_int(params.get("row")),
            booking_id=_int(params.get("booking")),
            action=done,
            ok=True,
            message=done_messages()[done],
        )
    context = await _board_context(
        view=view,
        day=day,
        location=location,
        kind=_kind(params.get("kind")),
        feedback=feedback,
        notices=notices,
    )
    return page(request, "bookings/board.html", context)


def _errors_of(exc: HubError, action: str) -> tuple[dict[str, str], str]:
    """Where a refusal is shown: next to a field, or as a message on the card."""
    if exc.field_errors:
        return dict(exc.field_errors), ""
    if exc.code == "slot_taken":
        # The service's text invites members to the waitlist; staff need only the fact.
        return {"when": _("Slot taken: another booking or block holds this time there.")}, ""
    if isinstance(exc, Conflict):
        return {"when": exc.detail}, ""
    if exc.code == "end_before_start":
        return {"end": exc.detail}, ""
    if exc.code == "resource_not_found" and action == "move":
        return {"resource_id": exc.detail}, ""
    return {}, exc.detail


async def _respond(
    request: Req,
    target: Target,
    feedback: Feedback,
    *,
    status: int = 200,
    also: list[int] | None = None,
) -> Response[Any]:
    """htmx: the affected rows drawn again; plain form: a redirect, or the refused board."""
    if is_htmx(request):
        wanted = [rid for rid in [feedback.resource_id, *(also or [])] if rid is not None]
        day = await board.day_board(target.location, target.day, resource_ids=wanted)
        by_id = {row.resource.id: row for row in day.rows}
        rows = [by_id[rid] for rid in dict.fromkeys(wanted) if rid in by_id]
        code = 200 if feedback.ok else HTMX_REFUSED
        if not rows or rows[0].resource.id != feedback.resource_id:
            # The row is not on this board (e.g. the booking is gone): say so at the top.
            return Template(
                template_name="bookings/_board_alert.html",
                context={"feedback": feedback, "user": request.user},
                status_code=code,
                headers={"hx-retarget": "#board-alert", "hx-reswap": "innerHTML"},
            )
        context = {
            **HELPERS,
            "rows": rows,
            "board": day,
            "feedback": feedback,
            "location": target.location,
            "day": target.day,
            "kind": target.kind,
            "today": _local_today(),
            "now_minute": _now_minute(_local_today()),
            "user": request.user,
        }
        return Template(
            template_name="bookings/_board_rows.html", context=context, status_code=code
        )
    if feedback.ok:
        anchor = f"res-{feedback.resource_id}" if feedback.resource_id else ""
        url = board_url(
            target.location.id,
            target.day,
            kind=target.kind,
            anchor=anchor,
            done=feedback.action,
            booking=feedback.booking_id,
            row=feedback.resource_id,
        )
        return Redirect(path=url, status_code=303)
    context = await _board_context(
        view="day", day=target.day, location=target.location, kind=target.kind, feedback=feedback
    )
    return page(request, "bookings/board.html", context, status_code=status)


async def _act(
    request: Req,
    data: dict[str, Any],
    *,
    action: str,
    done: str,
    booking_id: int | None,
    call: Callable[[], Awaitable[Booking]],
) -> Response[Any]:
    target = await _target(data)
    row = target.row
    ids_ok = all(0 < n <= MAX_ID for n in (booking_id, row) if n is not None)
    if ids_ok and row is None and booking_id is not None:
        row = await board.booking_resource(booking_id)
    try:
        if not ids_ok:  # a hand-made address; the database would choke on it
            raise NotFound(_("No such booking."), code="booking_not_found")
        booking = await call()
    except HubError as exc:
        errors, message = _errors_of(exc, action)
        feedback = Feedback(row, booking_id, action, False, message, errors, data)
        return await _respond(request, replace(target, row=row), feedback, status=exc.status_code)
    feedback = Feedback(row, booking.id if booking_id else None, done, True, done_messages()[done])
    also = [booking.resource] if booking.resource != row else []
    return await _respond(request, replace(target, row=row), feedback, also=also)


def _policy(request: Req) -> services.Policy:
    policy: services.Policy = request.app.state.booking_policy
    return policy


@post("/staff/board/bookings/{booking_id:int}/approve", access=STAFF)
async def approve(request: Req, booking_id: FromPath[int], data: FormBody) -> Response[Any]:
    async def call() -> Booking:
        return await services.decide(
            request.user, booking_id, approve=True, policy=_policy(request)
        )

    return await _act(
        request, data, action="approve", done="approved", booking_id=booking_id, call=call
    )


@post("/staff/board/bookings/{booking_id:int}/decline", access=STAFF)
async def decline(request: Req, booking_id: FromPath[int], data: FormBody) -> Response[Any]:
    reason = _text(data, "reason")

    async def call() -> Booking:
        # The service accepts a decline without a reason; the board asks for one so the
        # member learns why.
        if not reason:
            raise FormInvalid({"reason": _("Give the member a reason.")})
        return await services.decide(
            request.user, booking_id, approve=False, reason=reason, policy=_policy(request)
        )

    return await _act(
        request, data, action="decline", done="declined", booking_id=booking_id, call=call
    )


@post("/staff/board/bookings/{booking_id:int}/cancel", access=STAFF)
async def cancel(request: Req, booking_id: FromPath[int], data: FormBody) -> Response[Any]:
    async def call() -> Booking:
        return await services.cancel_booking(
            request.user, booking_id, reason=_text(data, "reason"), policy=_policy(request)
        )

    return await _act(
        request, data, action="cancel", done="cancelled", booking_id=booking_id, call=call
    )


@post("/staff/board/bookings/{booking_id:int}/check-in", access=STAFF)
async def check_in(request: Req, booking_id: FromPath[int], data: FormBody) -> Response[Any]:
    async def call() -> Booking:
        return await services.check_in(request.user, booking_id, policy=_policy(request))

    return await _act(
        request, data, action="check_in", done="checked_in", booking_id=booking_id, call=call
    )


@post("/staff/board/bookings/{booking_id:int}/move", access=STAFF)
async def move(request: Req, booking_id: FromPath[int], data: FormBody) -> Response[Any]:
    async def call() -> Booking:
        errors: dict[str, str] = {}
        times = _times(data, errors)
        raw_resource = _text(data, "resource_id")
        resource_id = _int(raw_resource)
        if raw_resource and resource_id is None:
            errors["resource_id"] = _("Choose a space from the list.")
        if errors or times is None:
            raise FormInvalid(errors)
        return await services.move_booking(
            request.user,
            booking_id,
            start=times[0],
            end=times[1],
            resource_id=resource_id,
            reason=_text(data, "reason"),
            policy=_policy(request),
        )

    return await _act(request, data, action="move", done="moved", booking_id=booking_id, call=call)


@post("/staff/board/resources/{resource_id:int}/block", access=STAFF)
async def block(request: Req, resource_id: FromPath[int], data: FormBody) -> Response[Any]:
    data = {**data, "row": str(resource_id)}

    async def call() -> Booking:
        if not 0 < resource_id <= MAX_ID:
            raise NotFound(_("No such space."), code="resource_not_found")
        errors: dict[str, str] = {}
        times = _times(data, errors)
        if errors or times is None:
            raise FormInvalid(errors)
        reason = _text(data, "reason")
        label = block_types().get(_text(data, "block_type"))
        if reason and label and _text(data, "block_type") != "other":
            reason = f"{label}: {reason}"
        user: User = request.user
        return await services.create_block(user, resource_id, times[0], times[1], reason=reason)

    return await _act(request, data, action="block", done="blocked", booking_id=None, call=call)


# -- spaces --------------------------------------------------------------------------------

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


def _resource_defaults() -> dict[str, Any]:
    form: dict[str, Any] = {
        "kind": "desk",
        "capacity": "1",
        "price_per_hour_vnd": "0",
        **{key: str(default) for key, (_low, _high, default) in spaces.RULE_LIMITS.items()},
    }
    form.update({f"allow_{role}": "on" for role in BOOKABLE_ROLES})
    return form


def _resource_fields(data: dict[str, Any], *, editing: bool = False) -> dict[str, Any]:
    """The form as ``spaces.services`` takes it; text the service cannot read reaches it as
    text (a field error). A new space keeps the defaults of blank optional numbers; when
    editing, every field counts (a blank number is an error, an unticked box is off)."""
    fields: dict[str, Any] = {
        "name": _text(data, "name"),
        "kind": _text(data, "kind"),
        "description": _text(data, "description"),
        "amenities": _text(data, "amenities").splitlines(),
        "requires_approval": bool(_text(data, "requires_approval")),
    }
    if editing:
        fields["is_active"] = bool(_text(data, "is_active"))
    for key in NUMBER_FIELDS:
        value = _text(data, key)
        if key == "price_per_hour_vnd":
            # "150.000" or "150,000 ₫" as people write money.
            value = value.replace(".", "").replace(",", "").replace("₫", "").replace(" ", "")
        if value or key == "capacity" or editing:
            fields[key] = value
    location = _text(data, "location_id")
    if location:
        fields["location_id"] = _int(location) if _int(location) is not None else location
    free: dict[str, Any] = {}
    for role in MEMBER_ROLES:
        value = _text(data, f"free_{role}")
        if value:
            free[role] = _int(value) if _int(value) is not None else value
    fields["free_weekly_hours"] = free
    fields["allowed_roles"] = [
        *[role for role in BOOKABLE_ROLES if _text(data, f"allow_{role}")],
        *(["admin"] if _text(data, "allow_staff") else []),
    ]
    return fields


def _resource_form(resource: Resource) -> dict[str, Any]:
    """A stored space as its edit form shows it."""
    values = spaces.resource_fields(resource)
    form: dict[str, Any] = {
        "name": values["name"],
        "kind": values["kind"],
        "description": values["description"],
        "amenities": "\n".join(values["amenities"]),
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


async def _spaces_context(
    *,
    resource_form: dict[str, Any] | None = None,
    resource_errors: dict[str, str] | None = None,
    closure_form: dict[str, Any] | None = None,
    closure_errors: dict[str, str] | None = None,
    added: int | None = None,
    saved: int | None = None,
    closed: bool = False,
) -> dict[str, Any]:
    locations = await _locations()
    every_resource = await spaces.resources_for_staff()
    added_resource = next((r for r in every_resource if r.id == added), None)
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
        "closures": await board.upcoming_closures(utcnow()),
        "added": added_resource,
        "saved": next((r for r in every_resource if r.id == saved), None),
        "closed": closed,
        "photo_errors": {},
    }


async def _locations() -> list[Location]:
    return await spaces.list_locations() or [await spaces.default_location()]


@get("/staff/spaces", access=STAFF, name="staff_spaces")
async def spaces_page(request: Req) -> Template:
    params = request.query_params
    context = await _spaces_context(
        added=_int(params.get("added")),
        saved=_int(params.get("saved")),
        closed=params.get("closed") == "1",
    )
    return page(request, "staff/spaces.html", context)


@post("/staff/spaces/resources", access=STAFF)
async def add_resource(request: Req, data: FormBody) -> Response[Any]:
    fields = _resource_fields(data)
    try:
        resource = await spaces.create_resource(fields, actor_id=request.user.id)
    except FormInvalid as exc:
        context = await _spaces_context(resource_form=dict(data), resource_errors=exc.field_errors)
        return page(
            request,
            "staff/spaces.html",
            context,
            fragment="staff/spaces_resource_form.html",
            status_code=422,
        )
    return go_to(request, f"/staff/spaces?added={resource.id}#resources")


async def _edit_context(
    resource: Resource, form: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    upcoming = (
        await Booking.count()
        .where(
            (Booking.resource == resource.id)
            & Booking.status.is_in(list(ACTIVE_STATUSES))
            & (Booking.end_at > utcnow())
        )
        .run()
    )
    return {
        **HELPERS,
        "resource": resource,
        "form": form,
        "errors": errors,
        "upcoming": upcoming,
        "locations": await _locations(),
        "kinds": KINDS,
        "member_roles": MEMBER_ROLES,
        "bookable_roles": BOOKABLE_ROLES,
    }


@get("/staff/spaces/resources/{resource_id:int}/edit", access=STAFF, name="staff_resource_edit")
async def edit_resource_page(request: Req, resource_id: FromPath[int]) -> Template:
    resource = await spaces.get_any_resource(resource_id)
    context = await _edit_context(resource, _resource_form(resource), {})
    return page(request, "staff/resource_edit.html", context)


@post("/staff/spaces/resources/{resource_id:int}/edit", access=STAFF)
async def edit_resource(request: Req, resource_id: FromPath[int], data: FormBody) -> Response[Any]:
    fields = _resource_fields(data, editing=True)
    # Free hours for roles the form does not list (set through the API) stay as they are.
    before = spaces.resource_fields(await spaces.get_any_resource(resource_id))
    fields["free_weekly_hours"] = {
        **{r: h for r, h in before["free_weekly_hours"].items() if r not in MEMBER_ROLES},
        **fields["free_weekly_hours"],
    }
    try:
        resource = await spaces.update_resource(resource_id, fields, actor_id=request.user.id)
    except FormInvalid as exc:
        resource = await spaces.get_any_resource(resource_id)
        context = await _edit_context(resource, dict(data), exc.field_errors)
        return page(
            request,
            "staff/resource_edit.html",
            context,
            fragment="staff/_resource_edit_form.html",
            status_code=422,
        )
    return go_to(request, f"/staff/spaces?saved={resource.id}#res-{resource.id}")


@post("/staff/spaces/resources/{resource_id:int}/photo", access=STAFF)
async def upload_photo(
    request: Req,
    resource_id: FromPath[int],
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
) -> Response[Any]:
    upload = data.get("photo")
    content = await upload.read() if isinstance(upload, UploadFile) else b""
    try:
        await spaces.set_photo(
            resource_id, content, var_dir=settings_of(request).var_dir, actor_id=request.user.id
        )
    except HubError as exc:
        context = await _spaces_context()
        context["photo_errors"] = {resource_id: exc.field_errors.get("photo", exc.detail)}
        return page(request, "staff/spaces.html", context, status_code=exc.status_code)
    return go_to(request, f"/staff/spaces?added={resource_id}#resources")


@get("/spaces/photos/{name:str}", access=PUBLIC, include_in_schema=False, skip_session=True)
async def space_photo(request: Req, name: FromPath[str]) -> Response[bytes]:
    body, content_type = spaces.photo(settings_of(request).var_dir, name)
    return Response(
        body,
        media_type=content_type,
        headers={
            **uploads.download_headers(name, content_type, inline=True),
            "cache-control": "public, max-age=86400",
        },
    )


@post("/staff/spaces/closures", access=STAFF)
async def add_closure(request: Req, data: FormBody) -> Response[Any]:
    errors: dict[str, str] = {}
    kind, _sep, raw_id = _text(data, "target").partition(":")
    target_id = _int(raw_id)
    if kind not in {"location", "resource"} or target_id is None:
        errors["target"] = _("Choose what to close.")
    starts = _parse_local_datetime(_text(data, "starts_at"))
    ends = _parse_local_datetime(_text(data, "ends_at"))
    if starts is None:
        errors["starts_at"] = _("Enter a date and time.")
    if ends is None:
        errors["ends_at"] = _("Enter a date and time.")
    try:
        if errors or starts is None or ends is None:
            raise FormInvalid(errors)
        await spaces.create_closure(
            starts_at=starts,
            ends_at=ends,
            reason=_text(data, "reason"),
            actor_id=request.user.id,
            location_id=target_id if kind == "location" else None,
            resource_id=target_id if kind == "resource" else None,
        )
    except HubError as exc:
        found = dict(exc.field_errors)
        if "resource_id" in found:
            found["target"] = found.pop("resource_id")
        if not found:
            found["target"] = exc.detail  # an unknown space or location
        context = await _spaces_context(closure_form=dict(data), closure_errors=found)
        return page(
            request,
            "staff/spaces.html",
            context,
            fragment="staff/spaces_closure_form.html",
            status_code=422,
        )
    return go_to(request, "/staff/spaces?closed=1#closures")


ROUTES = [
    board_page,
    approve,
    decline,
    cancel,
    check_in,
    move,
    block,
    spaces_page,
    add_resource,
    edit_resource_page,
    edit_resource,
    upload_photo,
    space_photo,
    add_closure,
]
