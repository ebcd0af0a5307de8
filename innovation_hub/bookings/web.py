"""Member pages for spaces and bookings: the availability grid, the booking form (with
repeats), my bookings and my waitlist. Every change goes through ``bookings.services``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date as babel_format_date
from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import pages, services
from innovation_hub.bookings.tables import ACTIVE_STATUSES, Booking, WaitlistEntry
from innovation_hub.core import clock
from innovation_hub.core.auth import ANY_USER, PUBLIC
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.errors import HubError, NotFound
from innovation_hub.core.i18n import current_locale, format_datetime, format_vnd
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.web import FormBody, go_to, page
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import KINDS, Resource

Req = Request[Any, Any, Any]

# Dates outside this range are typing mistakes; they would also overflow datetime arithmetic.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)
MAX_ATTENDEES = 10_000


def policy_of(request: Req) -> services.Policy:
    policy: services.Policy = request.app.state.booking_policy
    return policy


def user_of(request: Req) -> User | None:
    user: User | None = request.scope.get("user")
    return user


# -- small formatting and parsing helpers ------------------------------------------------


def hhmm(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%H:%M")


def day_label(day: date) -> str:
    """e.g. "Thứ Hai, 07/12/2026" — the weekday helps people check they picked the right day."""
    return babel_format_date(day, "EEEE, dd/MM/yyyy", locale=current_locale())


def time_range(start: datetime, end: datetime) -> str:
    return f"{hhmm(start)}–{hhmm(end)}"


def when_label(start: datetime, end: datetime) -> str:
    return f"{day_label(start.astimezone(LOCAL_TZ).date())}, {time_range(start, end)}"


def duration_label(minutes: int) -> str:
    if minutes and minutes % (24 * 60) == 0:
        return _("%(n)s days", n=minutes // (24 * 60))
    if minutes and minutes % 60 == 0:
        return _("%(n)s hours", n=minutes // 60)
    return _("%(n)s minutes", n=minutes)


def price_label(resource: Resource) -> str:
    if resource.price_per_hour_vnd <= 0:
        return _("Free of charge")
    return _("%(price)s/hour", price=format_vnd(resource.price_per_hour_vnd))


def money_label(amount: int) -> str:
    return format_vnd(amount) if amount > 0 else _("Free of charge")


def parse_day(raw: object) -> date | None:
    text = str(raw or "").strip()
    if len(text) != 10:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def parse_clock(raw: object) -> time | None:
    text = str(raw or "").strip()
    if len(text) not in (5, 8):  # HH:MM, or HH:MM:SS as some browsers send
        return None
    try:
        value = time.fromisoformat(text)
    except ValueError:
        return None
    return value.replace(second=0) if value.second == 0 else None


def parse_int(raw: object) -> int | None:
    text = str(raw or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        return None
    return int(text)


def parse_moment(raw: object) -> datetime | None:
    """An ISO timestamp with its offset, as the grid's links carry it."""
    text = str(raw or "").strip().replace(" ", "+")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None or not FIRST_DAY <= value.date() <= LAST_DAY:
        return None
    return value.astimezone(LOCAL_TZ)


def local_moment(day: date, clock_time: time) -> datetime:
    return datetime.combine(day, clock_time, LOCAL_TZ)


def booking_link(resource_id: int, start: datetime, end: datetime) -> str:
    query = urlencode(
        {
            "resource_id": resource_id,
            "start": start.astimezone(LOCAL_TZ).isoformat(),
            "end": end.astimezone(LOCAL_TZ).isoformat(),
        }
    )
    return f"/bookings/new?{query}"


def login_link(target: str) -> str:
    # The app's own login redirect keeps only the path; keep the chosen slot too.
    return "/login?" + urlencode({"next": target})


# -- status words and icons --------------------------------------------------------------

STATUS_ICONS = {
    "pending_approval": "◷",
    "pending_payment": "₫",
    "confirmed": "✓",
    "checked_in": "☑",
    "cancelled": "✕",
    "declined": "⊘",
    "expired": "◌",
    "no_show": "∅",
}


def status_label(status: str) -> str:
    return {
        "pending_approval": _("Waiting for approval"),
        "pending_payment": _("Waiting for payment"),
        "confirmed": _("Confirmed"),
        "checked_in": _("Checked in"),
        "cancelled": _("Cancelled"),
        "declined": _("Declined"),
        "expired": _("Expired"),
        "no_show": _("No-show"),
    }.get(status, status)


def kind_options() -> list[tuple[str, str]]:
    return [(kind, spaces.kind_label(kind)) for kind in KINDS]


# -- the availability grid ---------------------------------------------------------------


@dataclass
class Cell:
    state: str  # free | taken | unavailable | closed | past | later
    start: datetime
    end: datetime
    text: str
    detail: str = ""  # read to screen readers and shown as a tooltip
    span: int = 1
    href: str = ""
    waitlist: tuple[str, str] | None = None  # ISO start and end to join the waitlist for
    key: tuple[Any, ...] = ()

    @property
    def times(self) -> str:
        return time_range(self.start, self.end)

    @property
    def start_hhmm(self) -> str:
        return hhmm(self.start)


@dataclass
class Row:
    resource: Resource
    price: str
    cells: list[Cell]


@dataclass
class ClosureNote:
    reason: str
    when: str
    what: str


@dataclass
class LocationDay:
    name: str
    columns: list[datetime]
    rows: list[Row]
    closed: bool
    closures: list[ClosureNote] = field(default_factory=list)

    @property
    def column_labels(self) -> list[str]:
        return [hhmm(c) for c in self.columns]

    @property
    def groups(self) -> list[tuple[str, list[Row]]]:
        """Rows grouped by kind of space, in the order the centre lists kinds."""
        grouped: dict[str, list[Row]] = {}
        for row in self.rows:
            grouped.setdefault(row.resource.kind, []).append(row)
        order = {kind: n for n, kind in enumerate(KINDS)}
        kinds = sorted(grouped, key=lambda kind: order.get(kind, len(order)))
        return [(spaces.kind_label(kind), grouped[kind]) for kind in kinds]


def grid_step(resources: list[Resource]) -> timedelta:
    """Hourly cells when every space books by whole hours, half-hourly otherwise."""
    if resources and all(r.slot_minutes % 60 == 0 for r in resources):
        return timedelta(hours=1)
    return timedelta(minutes=30)


def default_length(resource: Resource, step: timedelta) -> timedelta:
    minutes = max(int(step.total_seconds() // 60), resource.min_minutes)
    slot = max(resource.slot_minutes, 1)
    return timedelta(minutes=math.ceil(minutes / slot) * slot)


def _covers(intervals: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> bool:
    return any(a <= start and end <= b for a, b in intervals)


def resource_cells(
    item: services.ResourceAvailability,
    columns: list[datetime],
    step: timedelta,
    *,
    opening: list[tuple[datetime, datetime]],
    closures: list[dict[str, Any]],
    now: datetime,
    user: User | None,
    may_book: bool,
    mine: set[int],
) -> list[Cell]:
    resource = item.resource
    if not may_book and columns:
        # One wide cell says why, rather than a row of free times this member cannot take.
        note = _("Not open to your account type")
        return [Cell("closed", columns[0], columns[-1] + step, note, span=len(columns))]
    window_start = now + timedelta(minutes=resource.min_notice_minutes)
    last_start = now + timedelta(days=resource.max_days_ahead)
    buffer = timedelta(minutes=resource.buffer_minutes)
    length = default_length(resource, step)
    cells: list[Cell] = []
    for start in columns:
        end = start + step
        closure = next(
            (
                c
                for c in closures
                if c["resource"] in (None, resource.id)
                and c["starts_at"] < end
                and start < c["ends_at"]
            ),
            None,
        )
        if not _covers(opening, start, end):
            cell = Cell("closed", start, end, _("Closed"), key=("closed",))
        elif closure is not None:
            cell = Cell(
                "closed",
                start,
                end,
                _("Closed"),
                detail=closure["reason"],
                key=("closure", closure["id"]),
            )
        elif start < now:
            cell = Cell("past", start, end, _("Past"), key=("past",))
        elif start < window_start:
            cell = Cell(
                "past",
                start,
                end,
                _("Too soon"),
                detail=_(
                    "Book at least %(time)s ahead.",
                    time=duration_label(resource.min_notice_minutes),
                ),
                key=("soon",),
            )
        elif start > last_start:
            cell = Cell(
                "later",
                start,
                end,
                _("Not yet open"),
                detail=_("Book at most %(n)s days ahead.", n=resource.max_days_ahead),
                key=("later",),
            )
        elif _covers(item.free, start, end):
            target = booking_link(resource.id, start, start + length)
            href = ""
            if may_book:
                href = target if user is not None else login_link(target)
            cell = Cell("free", start, end, _("Free"), href=href)
        else:
            holders = tuple(
                t["id"]
                for t in item.taken
                if t["start_at"] - buffer < end and start < t["occupied_until"]
            )
            if holders and mine.intersection(holders):
                cell = Cell("mine", start, end, _("Your booking"), key=("mine", holders))
            elif holders:
                cell = Cell("taken", start, end, _("Booked"), key=("taken", holders))
            else:
                # A gap shorter than the shortest booking this space allows.
                cell = Cell(
                    "unavailable",
                    start,
                    end,
                    _("Unavailable"),
                    detail=_("Book at least %(n)s minutes.", n=resource.min_minutes),
                    key=("gap",),
                )
        cells.append(cell)
    return merge_cells(cells, resource, user, may_book)


def merge_cells(
    cells: list[Cell], resource: Resource, user: User | None, may_book: bool
) -> list[Cell]:
    """Runs of the same state (one booking, one closure) become one wide cell; free cells stay
    single so each can be booked."""
    merged: list[Cell] = []
    for cell in cells:
        last = merged[-1] if merged else None
        if last is not None and cell.state != "free" and last.key == cell.key:
            last.end = cell.end
            last.span += 1
            continue
        merged.append(cell)
    for cell in merged:
        if cell.state == "taken" and user is not None and may_book:
            longest = timedelta(minutes=resource.max_minutes)
            end = min(cell.end, cell.start + longest)
            cell.waitlist = (cell.start.isoformat(), end.isoformat())
    return merged


async def build_grid(
    day: date,
    *,
    kind: str | None,
    min_capacity: int | None,
    user: User | None,
    now: datetime,
) -> list[LocationDay]:
    day_start, day_end = pages.local_day_bounds(day)
    found = await services.availability(
        day_start, day_end, kind=kind, min_capacity=min_capacity, now=now
    )
    by_location: dict[int, list[services.ResourceAvailability]] = {}
    for item in found:
        by_location.setdefault(item.resource.location, []).append(item)
    names = await pages.location_names()
    mine = await pages.own_booking_ids(user, day_start, day_end) if user else set()
    resources = await pages.resources_by_id(
        r.resource.id for items in by_location.values() for r in items
    )
    result = []
    for location_id, items in by_location.items():
        hours = await spaces.weekly_hours(location_id)
        opening = hours.intervals_on(day)
        closures = await spaces.closures_between(location_id, day_start, day_end)
        notes = [
            ClosureNote(
                reason=c["reason"],
                when=_closure_when(c["starts_at"], c["ends_at"], day),
                what=(
                    resources[c["resource"]].name
                    if c["resource"] in resources
                    else _("Whole location")
                ),
            )
            for c in closures
            if c["resource"] is None or c["resource"] in resources
        ]
        step = grid_step([i.resource for i in items])
        columns: list[datetime] = []
        if opening:
            first = min(a for a, _b in opening)
            last = max(b for _a, b in opening)
            step_minutes = int(step.total_seconds() // 60)
            minute = first.hour * 60 + first.minute
            current = first - timedelta(minutes=minute % step_minutes)
            while current < last:
                columns.append(current)
                current += step
        rows = []
        for item in items:
            resource = item.resource
            may_book = user is None or user.role in spaces.allowed_roles(resource)
            rows.append(
                Row(
                    resource=resource,
                    price=price_label(resource),
                    cells=resource_cells(
                        item,
                        columns,
                        step,
                        opening=opening,
                        closures=closures,
                        now=now,
                        user=user,
                        may_book=may_book,
                        mine=mine,
                    ),
                )
            )
        result.append(
            LocationDay(
                name=names.get(location_id, ""),
                columns=columns,
                rows=rows,
                closed=not opening,
                closures=notes,
            )
        )
    return result


def _closure_when(start: datetime, end: datetime, day: date) -> str:
    local_start, local_end = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
    if local_start.date() == day == local_end.date():
        return time_range(start, end)
    return f"{format_datetime(start)} – {format_datetime(end)}"


async def spaces_context(
    request: Req, query: dict[str, Any], *, error: str = ""
) -> tuple[dict[str, Any], int]:
    now = clock.utcnow()
    today = now.astimezone(LOCAL_TZ).date()
    errors: dict[str, str] = {}
    raw_day = str(query.get("date") or "").strip()
    day = parse_day(raw_day) if raw_day else None
    if day is None:
        if raw_day:
            errors["date"] = _("Enter a date as dd/mm/yyyy.")
        day = await pages.first_open_day(today, now)
    kind = str(query.get("kind") or "").strip() or None
    if kind is not None and kind not in KINDS:
        errors["kind"] = _("Choose one of the listed kinds.")
        kind = None
    raw_capacity = str(query.get("min_capacity") or "").strip()
    min_capacity = parse_int(raw_capacity) if raw_capacity else None
    if raw_capacity and (min_capacity is None or min_capacity < 1):
        errors["min_capacity"] = _("Enter a whole number of people, 1 or more.")
        min_capacity = None
    user = user_of(request)
    grid = await build_grid(day, kind=kind, min_capacity=min_capacity, user=user, now=now)

    def day_link(other: date) -> str:
        params: dict[str, Any] = {"date": other.isoformat()}
        if kind:
            params["kind"] = kind
        if min_capacity:
            params["min_capacity"] = min_capacity
        return "/spaces?" + urlencode(params)

    next_open = None
    all_closed = bool(grid) and all(loc.closed for loc in grid)
    if all_closed:
        next_open = await pages.first_open_day(day + timedelta(days=1), now)
    form = {
        "date": day.isoformat() if "date" not in errors else raw_day,
        "kind": kind or "",
        "min_capacity": raw_capacity if "min_capacity" in errors else (min_capacity or ""),
    }
    context = {
        "form": form,
        "errors": errors,
        "error": error,
        "day": day,
        "day_label": day_label(day),
        "is_today": day == today,
        "holiday": spaces.holiday_name(day),
        "grid": grid,
        "all_closed": all_closed,
        "kinds": kind_options(),
        "prev_link": day_link(day - timedelta(days=1)) if day > FIRST_DAY else "",
        "next_link": day_link(day + timedelta(days=1)) if day < LAST_DAY else "",
        "today_link": day_link(today),
        "next_open": next_open,
        "next_open_label": day_label(next_open) if next_open else "",
        "next_open_link": day_link(next_open) if next_open else "",
    }
    return context, (422 if errors else 200)


@get("/spaces", access=PUBLIC, name="spaces")
async def spaces_page(request: Req) -> Template:
    context, status = await spaces_context(request, dict(request.query_params))
    return page(request, "bookings/spaces.html", context, status_code=status)


# -- the booking form --------------------------------------------------------------------

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
REPEATS = ("none", "daily", "weekly")


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
    if parse_int(query.get("resource_id")) is not None:
        form["resource_id"] = str(query["resource_id"]).strip()
    start, end = parse_moment(query.get("start")), parse_moment(query.get("end"))
    if start is not None:
        form["date"] = start.date().isoformat()
        form["start_time"] = hhmm(start)
    if end is not None:
        form["end_time"] = hhmm(end)
    if parse_day(query.get("date")) is not None:
        form["date"] = str(query["date"]).strip()
    return form


def read_form(data: dict[str, Any]) -> tuple[dict[str, Any], BookingRequest | None, dict[str, str]]:
    form = blank_form()
    for key in form:
        value = data.get(key)
        if isinstance(value, list):  # a repeated field: keep the last, as browsers do
            value = value[-1] if value else ""
        if value is not None:
            form[key] = str(value)
    errors: dict[str, str] = {}
    resource_id = parse_int(form["resource_id"])
    if resource_id is None:
        errors["resource_id"] = _("Choose a space.")
    day = parse_day(form["date"])
    if day is None:
        errors["date"] = (
            _("Enter a date as dd/mm/yyyy.") if form["date"].strip() else _("Choose a date.")
        )
    start_time, end_time = parse_clock(form["start_time"]), parse_clock(form["end_time"])
    if start_time is None:
        errors["start_time"] = _("Enter a time as HH:MM, e.g. 09:00.")
    if end_time is None:
        errors["end_time"] = _("Enter a time as HH:MM, e.g. 09:00.")
    attendees = parse_int(form["attendees"])
    if attendees is None or not 1 <= attendees <= MAX_ATTENDEES:
        errors["attendees"] = _("Enter a whole number of people, 1 or more.")
    if len(form["purpose"]) > 300:
        errors["purpose"] = _("Use at most %(n)s characters.", n=300)
    repeat = form["repeat"] if form["repeat"] in REPEATS else ""
    if not repeat:
        errors["repeat"] = _("Choose how often to repeat.")
    until = count = None
    if repeat in ("daily", "weekly"):
        if form["repeat_end"] == "until":
            until = parse_day(form["until"])
            if until is None:
                errors["until"] = _("Enter the last date as dd/mm/yyyy.")
        else:
            form["repeat_end"] = "count"
            count = parse_int(form["count"])
            if count is None or count < 1:
                errors["count"] = _("Enter how many times, 1 or more.")
    if errors:
        return form, None, errors
    assert resource_id is not None and day is not None and attendees is not None
    assert start_time is not None and end_time is not None
    start, end = local_moment(day, start_time), local_moment(day, end_time)
    if end <= start:
        errors["end_time"] = _("The end must be after the start.")
        return form, None, errors
    return (
        form,
        BookingRequest(
            resource_id=resource_id,
            start=start,
            end=end,
            purpose=form["purpose"].strip(),
            attendees=attendees,
            repeat=repeat,
            until=until,
            count=count,
        ),
        {},
    )


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


def conflict_lines(extra: dict[str, Any]) -> list[PreviewLine]:
    lines = []
    for item in extra.get("conflicts", []):
        start, end = parse_moment(item.get("start")), parse_moment(item.get("end"))
        if start and end:
            lines.append(PreviewLine(when_label(start, end), False, str(item.get("message", ""))))
    return lines


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
        ],
    }
    return page(
        request,
        "bookings/new.html",
        context,
        fragment="bookings/_form.html",
        status_code=status,
    )


def refused(
    exc: HubError, form: dict[str, Any]
) -> tuple[dict[str, str], str, int, list[PreviewLine] | None]:
    """Field errors, top message, status and any conflicting dates for a refused request."""
    errors = dict(exc.field_errors)
    where = refusal_field(exc, form)
    if where:
        errors[where] = exc.detail
    # The summary names the refusal too: it is what a screen reader hears first.
    top = exc.detail if not exc.field_errors else ""
    status = exc.status_code if exc.status_code in (409, 422) else 422
    lines = conflict_lines(exc.extra) if exc.extra.get("conflicts") else None
    return errors, top, status, lines


@get("/bookings/new", access=ANY_USER, name="booking_new")
async def new_booking_form(request: Req) -> Template:
    return await booking_form_page(request, form_from_query(dict(request.query_params)))


@post("/bookings/new", access=ANY_USER)
async def create_booking(request: Req, data: FormBody) -> Response[Any] | Template:
    form, wanted, errors = read_form(data)
    if wanted is None:
        return await booking_form_page(request, form, errors=errors, status=422)
    user: User = request.user
    try:
        if wanted.repeat == "none":
            booking = await services.create_booking(
                user,
                wanted.resource_id,
                wanted.start,
                wanted.end,
                purpose=wanted.purpose,
                attendees=wanted.attendees,
                policy=policy_of(request),
            )
            return go_to(request, f"/bookings?booked={booking.id}")
        result = await services.create_series(
            user,
            wanted.resource_id,
            wanted.start,
            wanted.end,
            frequency=wanted.repeat,
            until=wanted.until,
            count=wanted.count,
            skip_conflicts=True,
            purpose=wanted.purpose,
            attendees=wanted.attendees,
            policy=policy_of(request),
        )
    except HubError as exc:
        field_errors, top, status, lines = refused(exc, form)
        waitlist = None
        if exc.code == "slot_taken" and wanted.repeat == "none":
            waitlist = (str(wanted.resource_id), wanted.start.isoformat(), wanted.end.isoformat())
        return await booking_form_page(
            request,
            form,
            errors=field_errors,
            error=top,
            preview=lines,
            waitlist=waitlist,
            status=status,
        )
    query = {"series": result.series.id}
    if result.skipped:
        query["skipped"] = ",".join(  # type: ignore[assignment]
            o.start.astimezone(LOCAL_TZ).date().isoformat() for o in result.skipped
        )
    return go_to(request, "/bookings?" + urlencode(query))


@post("/bookings/new/preview", access=ANY_USER)
async def preview_series(request: Req, data: FormBody) -> Template:
    form, wanted, errors = read_form(data)
    if wanted is not None and wanted.repeat == "none":
        errors = {"repeat": _("Choose every day or every week to see the dates.")}
    if wanted is None or errors:
        return await booking_form_page(request, form, errors=errors, status=422)
    try:
        occurrences = await services.preview_series(
            request.user,
            wanted.resource_id,
            wanted.start,
            wanted.end,
            frequency=wanted.repeat,
            until=wanted.until,
            count=wanted.count,
            attendees=wanted.attendees,
        )
    except HubError as exc:
        field_errors, top, status, _lines = refused(exc, form)
        return await booking_form_page(request, form, errors=field_errors, error=top, status=status)
    return await booking_form_page(request, form, preview=preview_lines(occurrences))


# -- my bookings -------------------------------------------------------------------------


@dataclass
class BookingView:
    booking: Booking
    resource_name: str
    when: str
    status: str
    status_text: str
    icon: str
    price: str
    can_cancel: bool = False
    cancel_note: str = ""
    can_check_in: bool = False
    check_in_note: str = ""
    series_id: int | None = None
    first_of_series: bool = False


def booking_view(
    booking: Booking,
    resources: dict[int, Resource],
    *,
    now: datetime,
    policy: services.Policy,
) -> BookingView:
    resource = resources.get(booking.resource)
    view = BookingView(
        booking=booking,
        resource_name=resource.name if resource else _("Removed space"),
        when=when_label(booking.start_at, booking.end_at),
        status=booking.status,
        status_text=status_label(booking.status),
        icon=STATUS_ICONS.get(booking.status, "•"),
        price=money_label(booking.price_vnd),
        series_id=booking.series,
    )
    upcoming = booking.end_at > now
    if upcoming and booking.status in ("pending_approval", "pending_payment"):
        view.can_cancel = True
    elif upcoming and booking.status == "confirmed":
        hours = resource.cancel_notice_hours if resource else 0
        deadline = services.cancellation_deadline(booking, hours)
        if now <= deadline:
            view.can_cancel = True
            view.cancel_note = _("You can cancel until %(when)s.", when=format_datetime(deadline))
        else:
            view.cancel_note = _("Cancel at least %(n)s hours before the start.", n=hours)
    if booking.status == "confirmed" and upcoming:
        opens = services.check_in_opens(booking, policy)
        if opens <= now:
            view.can_check_in = True
        else:
            view.check_in_note = _("Check in from %(time)s.", time=format_datetime(opens))
    return view


@dataclass
class WaitlistView:
    entry: WaitlistEntry
    resource_name: str
    when: str
    offered: bool
    offer_until: str


async def notices_for(
    request: Req, user: User, resources: dict[int, Resource], bookings: list[Booking]
) -> list[str]:
    """Confirmations after an action, from the redirect's query string."""
    query = request.query_params
    notices: list[str] = []
    booked = parse_int(query.get("booked"))
    if booked is not None:
        try:
            booking = await services.get_booking(user, booked)
        except NotFound:
            booking = None
        if booking is not None and booking.user == user.id:
            notices.append(booked_notice(booking, resources))
    series = parse_int(query.get("series"))
    if series is not None:
        skipped = [d for d in (parse_day(p) for p in query.get("skipped", "").split(",")) if d]
        dates = [b for b in bookings if b.series == series and b.status in ACTIVE_STATUSES]
        notices.append(_("Dates booked in your repeating booking: %(n)s.", n=len(dates)))
        if any(b.status == "pending_approval" for b in dates):
            notices.append(_("They are waiting for staff approval."))
        if any(b.status == "pending_payment" for b in dates):
            notices.append(_("They are held until you pay; the deadline is shown on each date."))
        if skipped:
            notices.append(
                _(
                    "These dates were taken or closed and were not booked: %(dates)s.",
                    dates=", ".join(day_label(d) for d in skipped),
                )
            )
    if parse_int(query.get("cancelled")) is not None:
        notices.append(_("Your booking was cancelled."))
    if parse_int(query.get("checked_in")) is not None:
        notices.append(_("You are checked in. Enjoy your time at the centre."))
    if parse_int(query.get("series_cancelled")) is not None:
        notices.append(
            _(
                "Future dates of the series cancelled: %(n)s.",
                n=parse_int(query.get("series_cancelled")),
            )
        )
        kept = parse_int(query.get("kept")) or 0
        if kept:
            notices.append(
                _(
                    "Dates kept because it is too late to cancel them online: %(n)s.",
                    n=kept,
                )
            )
    if parse_int(query.get("waitlisted")) is not None:
        notices.append(_("You are on the waitlist. We will email you if the time becomes free."))
    if parse_int(query.get("left")) is not None:
        notices.append(_("You left the waitlist."))
    return notices


def booked_notice(booking: Booking, resources: dict[int, Resource]) -> str:
    resource = resources.get(booking.resource)
    what = _(
        "%(space)s, %(when)s",
        space=resource.name if resource else "",
        when=when_label(booking.start_at, booking.end_at),
    )
    if booking.status == "pending_approval":
        return _("Request sent for %(what)s. It is waiting for staff approval.", what=what)
    if booking.status == "pending_payment":
        return _(
            "%(what)s is held for you. Pay %(amount)s before %(deadline)s, or the hold is released.",  # noqa: E501
            what=what,
            amount=format_vnd(booking.price_vnd),
            deadline=format_datetime(booking.hold_expires_at) if booking.hold_expires_at else "",
        )
    return _("Booked: %(what)s. Your booking is confirmed.", what=what)


async def my_bookings_context(request: Req) -> dict[str, Any]:
    user: User = request.user
    now = clock.utcnow()
    policy = policy_of(request)
    bookings = await services.list_bookings(user)
    entries = await services.my_waitlist(user)
    resources = await pages.resources_by_id(
        [b.resource for b in bookings] + [e.resource for e in entries]
    )
    views = [booking_view(b, resources, now=now, policy=policy) for b in bookings]
    upcoming = [v for v in views if v.booking.end_at > now]
    past = [v for v in views if v.booking.end_at <= now][::-1][:50]
    seen: set[int] = set()
    for view in upcoming:
        if view.series_id and view.series_id not in seen and view.status in ACTIVE_STATUSES:
            seen.add(view.series_id)
            view.first_of_series = True
    waitlist = [
        WaitlistView(
            entry=e,
            resource_name=resources[e.resource].name if e.resource in resources else "",
            when=when_label(e.start_at, e.end_at),
            offered=e.status == "offered",
            offer_until=format_datetime(e.offer_expires_at) if e.offer_expires_at else "",
        )
        for e in entries
    ]
    return {
        "upcoming": upcoming,
        "past": past,
        "waitlist": waitlist,
        "notices": await notices_for(request, user, resources, bookings),
        "status_icons": STATUS_ICONS,
    }


async def my_bookings_page(request: Req, *, error: str = "", status: int = 200) -> Template:
    context = await my_bookings_context(request)
    context["error"] = error
    return page(request, "bookings/mine.html", context, status_code=status)


@get("/bookings", access=ANY_USER, name="my_bookings")
async def my_bookings(request: Req) -> Template:
    return await my_bookings_page(request)


@get("/bookings/waitlist", access=ANY_USER)
async def waitlist_page(request: Req) -> Redirect:
    # The waitlist-offer email links here; the list lives on the bookings page.
    return Redirect(path="/bookings#waitlist", status_code=303)


async def own_booking(user: User, booking_id: int) -> Booking:
    """A member page shows the member's own bookings only (staff use the board)."""
    booking = await services.get_booking(user, booking_id)
    if booking.user != user.id or booking.kind != "booking":
        raise NotFound(_("No such booking."), code="booking_not_found")
    return booking


@get("/bookings/{booking_id:int}/cancel", access=ANY_USER)
async def cancel_confirm(request: Req, booking_id: FromPath[int]) -> Template:
    user: User = request.user
    booking = await own_booking(user, booking_id)
    resources = await pages.resources_by_id([booking.resource])
    view = booking_view(booking, resources, now=clock.utcnow(), policy=policy_of(request))
    return page(request, "bookings/cancel.html", {"view": view, "error": ""})


@post("/bookings/{booking_id:int}/cancel", access=ANY_USER)
async def cancel_booking(request: Req, booking_id: FromPath[int]) -> Response[Any] | Template:
    user: User = request.user
    booking = await own_booking(user, booking_id)
    try:
        await services.cancel_booking(user, booking.id, policy=policy_of(request))
    except NotFound:
        raise
    except HubError as exc:
        resources = await pages.resources_by_id([booking.resource])
        view = booking_view(booking, resources, now=clock.utcnow(), policy=policy_of(request))
        return page(
            request,
            "bookings/cancel.html",
            {"view": view, "error": exc.detail},
            status_code=exc.status_code,
        )
    return go_to(request, f"/bookings?cancelled={booking.id}")


@post("/bookings/{booking_id:int}/check-in", access=ANY_USER)
async def check_in(request: Req, booking_id: FromPath[int]) -> Response[Any] | Template:
    user: User = request.user
    booking = await own_booking(user, booking_id)
    try:
        await services.check_in(user, booking.id, policy=policy_of(request))
    except NotFound:
        raise
    except HubError as exc:
        return await my_bookings_page(request, error=exc.detail, status=exc.status_code)
    return go_to(request, f"/bookings?checked_in={booking.id}")


@get("/bookings/series/{series_id:int}/cancel", access=ANY_USER)
async def cancel_series_confirm(request: Req, series_id: FromPath[int]) -> Template:
    user: User = request.user
    now = clock.utcnow()
    future = await pages.own_series_future(user, series_id, now)
    resources = await pages.resources_by_id(b.resource for b in future)
    views = [booking_view(b, resources, now=now, policy=policy_of(request)) for b in future]
    return page(request, "bookings/cancel_series.html", {"series_id": series_id, "views": views})


@post("/bookings/series/{series_id:int}/cancel", access=ANY_USER)
async def cancel_series(request: Req, series_id: FromPath[int]) -> Response[Any]:
    user: User = request.user
    await pages.own_series_future(user, series_id, clock.utcnow())  # 404 for someone else's
    cancelled, kept = await services.cancel_series(user, series_id, policy=policy_of(request))
    query = urlencode({"series_cancelled": len(cancelled), "kept": len(kept)})
    return go_to(request, f"/bookings?{query}")


# -- waitlist ----------------------------------------------------------------------------


@post("/waitlist", access=ANY_USER)
async def join_waitlist(request: Req, data: FormBody) -> Response[Any] | Template:
    user: User = request.user
    resource_id = parse_int(data.get("resource_id"))
    start, end = parse_moment(data.get("start")), parse_moment(data.get("end"))
    back = {"date": start.date().isoformat()} if start else {}
    if resource_id is None or start is None or end is None:
        context, _status = await spaces_context(
            request, back, error=_("That time could not be read. Choose it again on the grid.")
        )
        return page(request, "bookings/spaces.html", context, status_code=400)
    try:
        entry = await services.join_waitlist(user, resource_id, start, end)
    except HubError as exc:
        context, _status = await spaces_context(request, back, error=exc.detail)
        return page(request, "bookings/spaces.html", context, status_code=exc.status_code)
    return go_to(request, f"/bookings?waitlisted={entry.id}#waitlist")


@post("/waitlist/{entry_id:int}/accept", access=ANY_USER)
async def accept_offer(request: Req, entry_id: FromPath[int]) -> Response[Any] | Template:
    try:
        booking = await services.accept_offer(request.user, entry_id, policy=policy_of(request))
    except NotFound:
        raise
    except HubError as exc:
        return await my_bookings_page(request, error=exc.detail, status=exc.status_code)
    return go_to(request, f"/bookings?booked={booking.id}")


@post("/waitlist/{entry_id:int}/leave", access=ANY_USER)
async def leave_waitlist(request: Req, entry_id: FromPath[int]) -> Response[Any]:
    await services.leave_waitlist(request.user, entry_id)
    return go_to(request, f"/bookings?left={entry_id}#waitlist")


ROUTES = [
    spaces_page,
    new_booking_form,
    create_booking,
    preview_series,
    my_bookings,
    waitlist_page,
    cancel_confirm,
    cancel_booking,
    check_in,
    cancel_series_confirm,
    cancel_series,
    join_waitlist,
    accept_offer,
    leave_waitlist,
]
