"""What the staff board draws: where it is (location, day, kind), what happened on it (the
outcome of one action) and the answer to an action, as rows drawn again for htmx or a
redirect back to the board."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date as babel_format_date
from litestar import Response
from litestar.response import Redirect, Template

from innovation_hub.bookings import queries
from innovation_hub.bookings.web.edge import Req
from innovation_hub.bookings.workflow import BOOKINGS
from innovation_hub.core.auth import role_label
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.errors import Conflict, HubError, NotFound
from innovation_hub.core.forms import Form, parse_day, parse_id, text
from innovation_hub.core.i18n import current_locale
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.web import is_htmx, page
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import KINDS, Location

# htmx swaps only 2xx, 422 and 429 answers (see base.html); refusals shown in place use 422.
HTMX_REFUSED = 422


# -- presentation helpers ------------------------------------------------------------------


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


def entry_actions(status: str, role: str) -> set[str]:
    """The actions a card offers, as the workflow allows them to the staff member's role.
    Cancelling a booking in use is the workflow's "release"; the board asks for it with the
    same cancel form."""
    actions = {t.action for t in BOOKINGS.actions_for(status, {role})}
    return actions | ({"cancel"} if "release" in actions else set())


HELPERS: dict[str, Any] = {
    "weekday_label": weekday_label,
    "hhmm": hhmm,
    "time_range": time_range,
    "kind_label": spaces.kind_label,
    "block_types": block_types,
    "role_label": role_label,
    "entry_actions": entry_actions,
}


def local_today() -> date:
    return utcnow().astimezone(LOCAL_TZ).date()


def now_minute(today: date) -> int:
    now = utcnow().astimezone(LOCAL_TZ)
    return now.hour * 60 + now.minute if now.date() == today else -1


def read_times(fields: Form) -> tuple[datetime, datetime] | None:
    """The ``date``, ``start`` and ``end`` fields of the move and block forms."""
    day = fields.day("date", required=True, message=_("Enter a date."))
    start = fields.clock("start", required=True, message=_("Enter a time such as 09:00."))
    end = fields.clock("end", required=True, message=_("Enter a time such as 17:00."))
    if day is None or start is None or end is None:
        return None
    return datetime.combine(day, start, LOCAL_TZ), datetime.combine(day, end, LOCAL_TZ)


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
        return text(self.form.get(key)) or default


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


async def chosen_location(raw: object) -> tuple[Location, bool]:
    """The chosen location (or the default one) and whether the choice was understood."""
    wanted = parse_id(raw)
    if wanted is not None:
        try:
            return await spaces.get_location(wanted), True
        except NotFound:
            return await spaces.default_location(), False
    return await spaces.default_location(), not text(raw)


def chosen_kind(raw: object) -> str | None:
    kind = text(raw)
    return kind if kind in KINDS else None


async def read_target(data: dict[str, Any]) -> Target:
    location, _ok = await chosen_location(data.get("location_id"))
    day = parse_day(data.get("board_date")) or local_today()
    return Target(location, day, parse_id(data.get("row")), chosen_kind(data.get("kind")))


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


async def board_context(
    *,
    view: str,
    day: date,
    location: Location,
    kind: str | None = None,
    feedback: Feedback | None = None,
    notices: list[str] | None = None,
) -> dict[str, Any]:
    today = local_today()
    step = timedelta(days=7 if view == "week" else 1)
    here = await spaces.list_resources(location_id=location.id)
    return {
        **HELPERS,
        "view": view,
        "day": day,
        "today": today,
        "kind": kind,
        "kinds_here": [k for k in KINDS if any(r.kind == k for r in here)],
        "now_minute": now_minute(today),
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
        "board": await queries.day_board(location, day, kind=kind) if view != "week" else None,
        "week": await queries.week_board(location, day, kind=kind) if view == "week" else None,
    }


def errors_of(exc: HubError, action: str) -> tuple[dict[str, str], str]:
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


async def redrawn_rows(
    request: Req, target: Target, feedback: Feedback, also: list[int]
) -> Response[Any]:
    """For htmx: the affected rows drawn again, or the outcome at the top of the board when
    its row is not there (e.g. the booking is gone)."""
    wanted = [rid for rid in [feedback.resource_id, *also] if rid is not None]
    day = await queries.day_board(target.location, target.day, resource_ids=wanted)
    by_id = {row.resource.id: row for row in day.rows}
    rows = [by_id[rid] for rid in dict.fromkeys(wanted) if rid in by_id]
    code = 200 if feedback.ok else HTMX_REFUSED
    if not rows or rows[0].resource.id != feedback.resource_id:
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
        "today": local_today(),
        "now_minute": now_minute(local_today()),
        "user": request.user,
    }
    return Template(template_name="bookings/_board_rows.html", context=context, status_code=code)


async def respond(
    request: Req,
    target: Target,
    feedback: Feedback,
    *,
    status: int = 200,
    also: list[int] | None = None,
) -> Response[Any]:
    """htmx: the affected rows drawn again; plain form: a redirect, or the refused board."""
    if is_htmx(request):
        return await redrawn_rows(request, target, feedback, also or [])
    if feedback.ok:
        url = board_url(
            target.location.id,
            target.day,
            kind=target.kind,
            anchor=f"res-{feedback.resource_id}" if feedback.resource_id else "",
            done=feedback.action,
            booking=feedback.booking_id,
            row=feedback.resource_id,
        )
        return Redirect(path=url, status_code=303)
    context = await board_context(
        view="day", day=target.day, location=target.location, kind=target.kind, feedback=feedback
    )
    return page(request, "bookings/board.html", context, status_code=status)
