"""The booking form: one booking or a repeating series, with a preview of the series' dates.

A refused booking shows the form again with the reason beside the field it is about; a taken
time offers the waitlist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypedDict
from urllib.parse import urlencode

from litestar import Controller, Response, get, post
from litestar.response import Template

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services
from innovation_hub.bookings.web.edge import BookingPolicy, Req, space_in_form
from innovation_hub.bookings.web.labels import hhmm, price_label, when_label
from innovation_hub.core.auth import ANY_USER
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.errors import FormInvalid, HubError
from innovation_hub.core.forms import Form, parse_day, parse_id, parse_moment, text
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.web import FormBody, form_flow, page
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import KINDS

MAX_ATTENDEES = 10_000

# Which form field a refused rule is about; anything else is shown above the form.
RULE_FIELDS = {
    "resource_not_found": "resource_id",
    "role_not_allowed": "resource_id",
    "end_before_start": "end_time",
    "too_short": "end_time",
    "too_long": "end_time",
    "invalid_attendees": "attendees",
    "over_capacity": "attendees",
    "slot_misaligned": "start_time",
    "outside_opening_hours": "start_time",
    "closed": "start_time",
    "slot_taken": "start_time",
    "in_past": "date",
    "too_soon": "date",
    "too_far_ahead": "date",
    "holiday": "date",
    "purpose_too_long": "purpose",
    "invalid_frequency": "repeat",
}
SERIES_RULES = {"invalid_repeat", "series_too_long"}
REPEATS = ("none", *services.FREQUENCIES)


class Repeats(TypedDict):
    frequency: str
    until: date | None
    count: int | None


@dataclass
class BookingRequest:
    resource_id: int
    start: datetime
    end: datetime
    purpose: str
    attendees: int
    repeat: str
    until: date | None
    count: int | None

    @property
    def slot(self) -> tuple[int, datetime, datetime]:
        return self.resource_id, self.start, self.end

    @property
    def repeats(self) -> Repeats:
        return {"frequency": self.repeat, "until": self.until, "count": self.count}


def blank_form() -> dict[str, Any]:
    return {
        "resource_id": "",
        "date": "",
        "start_time": "",
        "end_time": "",
        "purpose": "",
        "attendees": "1",
        "repeat": "none",
        "repeat_end": "count",
        "until": "",
        "count": "",
    }


def form_from_query(query: dict[str, Any]) -> dict[str, Any]:
    """Prefill from a grid link (resource_id, start, end as ISO) or plain fields."""
    form = blank_form()
    if parse_id(query.get("resource_id")) is not None:
        form["resource_id"] = text(query["resource_id"])
    start, end = parse_moment(query.get("start")), parse_moment(query.get("end"))
    if start is not None:
        form["date"] = start.date().isoformat()
        form["start_time"] = hhmm(start)
    if end is not None:
        form["end_time"] = hhmm(end)
    if parse_day(query.get("date")) is not None:
        form["date"] = text(query["date"])
    return form


def filled_form(data: dict[str, Any]) -> dict[str, Any]:
    """The form as the member sent it, to show it again."""
    form = blank_form()
    for key in form:
        value = data.get(key)
        if isinstance(value, list):  # a repeated field: keep the last, as browsers do
            value = value[-1] if value else ""
        if value is not None:
            form[key] = str(value)
    return form


def _repeat_end(fields: Form, form: dict[str, Any]) -> tuple[date | None, int | None]:
    """The last date or the number of times of a repeating booking."""
    if form["repeat_end"] == "until":
        return fields.day(
            "until", required=True, message=_("Enter the last date as dd/mm/yyyy.")
        ), None
    form["repeat_end"] = "count"
    count = fields.number(
        "count", required=True, minimum=1, message=_("Enter how many times, 1 or more.")
    )
    return None, count


def read_request(form: dict[str, Any]) -> BookingRequest:
    """The booking asked for; FormInvalid names every field that cannot be read."""
    fields = Form(form)
    resource_id = fields.id("resource_id", required=True, message=_("Choose a space."))
    no_day = _("Enter a date as dd/mm/yyyy.") if fields.has("date") else _("Choose a date.")
    day = fields.day("date", required=True, message=no_day)
    no_time = _("Enter a time as HH:MM, e.g. 09:00.")
    start_time = fields.clock("start_time", required=True, message=no_time)
    end_time = fields.clock("end_time", required=True, message=no_time)
    people = _("Enter a whole number of people, 1 or more.")
    attendees = fields.number(
        "attendees", required=True, minimum=1, maximum=MAX_ATTENDEES, message=people
    )
    purpose = fields.text("purpose", max_length=300)
    repeat = fields.choice(
        "repeat", REPEATS, required=True, message=_("Choose how often to repeat.")
    )
    until, count = _repeat_end(fields, form) if repeat in services.FREQUENCIES else (None, None)
    fields.check()
    assert resource_id is not None and day is not None and attendees is not None
    assert start_time is not None and end_time is not None and repeat is not None
    start = datetime.combine(day, start_time, LOCAL_TZ)
    end = datetime.combine(day, end_time, LOCAL_TZ)
    if end <= start:
        raise FormInvalid({"end_time": _("The end must be after the start.")})
    return BookingRequest(resource_id, start, end, purpose, attendees, repeat, until, count)


def refusal_field(exc: HubError, form: dict[str, Any]) -> str | None:
    if exc.code in SERIES_RULES:
        return "until" if form.get("repeat_end") == "until" else "count"
    return RULE_FIELDS.get(exc.code)


@dataclass
class PreviewLine:
    when: str
    available: bool
    message: str


def preview_lines(occurrences: list[services.Occurrence]) -> list[PreviewLine]:
    return [PreviewLine(when_label(o.start, o.end), o.code is None, o.message) for o in occurrences]


def conflict_lines(extra: dict[str, Any]) -> list[PreviewLine] | None:
    lines = []
    for item in extra.get("conflicts", []):
        start, end = parse_moment(item.get("start")), parse_moment(item.get("end"))
        if start and end:
            lines.append(PreviewLine(when_label(start, end), False, str(item.get("message", ""))))
    return lines or None


def refusal(exc: HubError, form: dict[str, Any]) -> dict[str, Any]:
    """Field errors, top message, status and any conflicting dates for a refused request."""
    errors = dict(exc.field_errors)
    where = refusal_field(exc, form)
    if where:
        errors[where] = exc.detail
    return {
        "errors": errors,
        # The summary names the refusal too: it is what a screen reader hears first.
        "error": exc.detail if not exc.field_errors else "",
        "status": exc.status_code if exc.status_code in (409, 422) else 422,
        "preview": conflict_lines(exc.extra),
    }


async def resource_choices(user: User) -> list[tuple[str, list[dict[str, Any]]]]:
    """Spaces grouped by kind, for the select; ones the member's role may not book are left out."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for resource in await spaces.list_resources():
        if user.role not in spaces.allowed_roles(resource):
            continue
        label = _(
            "%(name)s · capacity %(n)s · %(price)s",
            name=resource.name,
            n=resource.capacity,
            price=price_label(resource),
        )
        groups.setdefault(resource.kind, []).append({"id": str(resource.id), "label": label})
    return [(spaces.kind_label(kind), groups[kind]) for kind in KINDS if kind in groups]


async def booking_form_page(
    request: Req,
    form: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    error: str = "",
    preview: list[PreviewLine] | None = None,
    waitlist: tuple[str, str, str] | None = None,
    status: int = 200,
) -> Template:
    context = {
        "form": form,
        "errors": errors or {},
        "error": error,
        "preview": preview,
        "preview_free": sum(1 for line in preview if line.available) if preview else 0,
        "waitlist": waitlist,
        "choices": await resource_choices(request.user),
        "repeats": [
            ("none", _("Does not repeat")),
            ("daily", _("Every day")),
            ("weekly", _("Every week")),
            ("monthly", _("Every month, on the same weekday (e.g. the first Monday)")),
        ],
    }
    return page(
        request, "bookings/new.html", context, fragment="bookings/_form.html", status_code=status
    )


async def book(user: User, wanted: BookingRequest, policy: services.Policy) -> str:
    """Books one time or a series; the page to go to afterwards."""
    purpose, attendees = wanted.purpose, wanted.attendees
    if wanted.repeat == "none":
        booking = await services.create_booking(
            user, *wanted.slot, purpose=purpose, attendees=attendees, policy=policy
        )
        return f"/bookings?booked={booking.id}"
    result = await services.create_series(
        user,
        *wanted.slot,
        **wanted.repeats,
        skip_conflicts=True,
        purpose=purpose,
        attendees=attendees,
        policy=policy,
    )
    query: dict[str, Any] = {"series": result.series.id}
    if result.skipped:
        days = (o.start.astimezone(LOCAL_TZ).date().isoformat() for o in result.skipped)
        query["skipped"] = ",".join(days)
    return "/bookings?" + urlencode(query)


class BookingForm(Controller):
    path = "/bookings/new"
    opt = {"access": ANY_USER}

    @get("/", name="booking_new")
    async def show(self, request: Req) -> Template:
        return await booking_form_page(request, form_from_query(dict(request.query_params)))

    @post("/")
    async def create(
        self, request: Req, data: FormBody, booking_policy: BookingPolicy
    ) -> Response[Any] | Template:
        form = filled_form(data)
        try:
            wanted = read_request(form)
        except FormInvalid as exc:
            return await booking_form_page(request, form, **refusal(exc, form))

        async def attempt() -> str:
            return await space_in_form(book(request.user, wanted, booking_policy))

        async def refused(exc: HubError) -> Template:
            waitlist = None
            if exc.code == "slot_taken" and wanted.repeat == "none":
                waitlist = (
                    str(wanted.resource_id),
                    wanted.start.isoformat(),
                    wanted.end.isoformat(),
                )
            return await booking_form_page(request, form, waitlist=waitlist, **refusal(exc, form))

        return await form_flow(request, attempt, done=str, refused=refused)

    @post("/preview")
    async def preview(self, request: Req, data: FormBody) -> Template:
        form = filled_form(data)
        try:
            wanted = read_request(form)
            if wanted.repeat == "none":
                raise FormInvalid({"repeat": _("Choose every day or every week to see the dates.")})
            occurrences = await space_in_form(
                services.preview_series(
                    request.user, *wanted.slot, **wanted.repeats, attendees=wanted.attendees
                )
            )
        except HubError as exc:
            return await booking_form_page(request, form, **{**refusal(exc, form), "preview": None})
        return await booking_form_page(request, form, preview=preview_lines(occurrences))
