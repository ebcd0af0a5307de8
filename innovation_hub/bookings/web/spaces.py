"""The public spaces page: every location's availability grid for one day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, get
from litestar.response import Template

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import queries, services
from innovation_hub.bookings.web.edge import Req
from innovation_hub.bookings.web.grid import LocationDay, Viewer, location_day
from innovation_hub.bookings.web.labels import day_label
from innovation_hub.core import clock
from innovation_hub.core.auth import PUBLIC
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.forms import FIRST_DAY, LAST_DAY, Form, text
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.web import page
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import KINDS


async def build_grid(
    day: date,
    *,
    kind: str | None,
    min_capacity: int | None,
    user: User | None,
    now: datetime,
) -> list[LocationDay]:
    day_start, day_end = queries.day_bounds(day)
    found = await services.availability(
        day_start, day_end, kind=kind, min_capacity=min_capacity, now=now
    )
    by_location: dict[int, list[services.ResourceAvailability]] = {}
    for item in found:
        by_location.setdefault(item.resource.location, []).append(item)
    names = await queries.location_names()
    mine = await queries.own_booking_ids(user, day_start, day_end) if user else set()
    viewer = Viewer(user, now, mine)
    resources = await queries.resources_by_id(item.resource.id for item in found)
    grid = []
    for location_id, items in by_location.items():
        hours = await spaces.weekly_hours(location_id)
        grid.append(
            location_day(
                names.get(location_id, ""),
                items,
                day,
                opening=hours.intervals_on(day),
                closures=await spaces.closures_between(location_id, day_start, day_end),
                resources=resources,
                viewer=viewer,
            )
        )
    return grid


@dataclass(frozen=True)
class GridQuery:
    """The spaces page's filters as read from its query string; a bad one is shown beside
    its field and left out."""

    day: date | None
    kind: str | None
    min_capacity: int | None
    form: dict[str, str]
    errors: dict[str, str]

    @classmethod
    def read(cls, query: dict[str, Any]) -> GridQuery:
        form = Form(query)
        day = form.day("date", message=_("Enter a date as dd/mm/yyyy."))
        kind = form.choice("kind", KINDS, message=_("Choose one of the listed kinds."))
        people = _("Enter a whole number of people, 1 or more.")
        min_capacity = form.number("min_capacity", minimum=1, message=people) or None
        typed = {key: text(query.get(key)) for key in ("date", "kind", "min_capacity")}
        return cls(day, kind, min_capacity, typed, dict(form.errors))

    def link(self, day: date) -> str:
        params: dict[str, Any] = {"date": day.isoformat()}
        if self.kind:
            params["kind"] = self.kind
        if self.min_capacity:
            params["min_capacity"] = self.min_capacity
        return "/spaces?" + urlencode(params)


async def spaces_context(
    user: User | None, query: dict[str, Any], *, error: str = ""
) -> tuple[dict[str, Any], int]:
    now = clock.utcnow()
    today = now.astimezone(LOCAL_TZ).date()
    wanted = GridQuery.read(query)
    day = wanted.day or await queries.first_open_day(today, now)
    grid = await build_grid(
        day, kind=wanted.kind, min_capacity=wanted.min_capacity, user=user, now=now
    )
    all_closed = bool(grid) and all(loc.closed for loc in grid)
    next_open = await queries.first_open_day(day + timedelta(days=1), now) if all_closed else None
    errors = wanted.errors
    form = {
        "date": wanted.form["date"] if "date" in errors else day.isoformat(),
        "kind": wanted.kind or "",
        "min_capacity": wanted.form["min_capacity"]
        if "min_capacity" in errors
        else (wanted.min_capacity or ""),
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
        "kinds": [(kind, spaces.kind_label(kind)) for kind in KINDS],
        "prev_link": wanted.link(day - timedelta(days=1)) if day > FIRST_DAY else "",
        "next_link": wanted.link(day + timedelta(days=1)) if day < LAST_DAY else "",
        "today_link": wanted.link(today),
        "next_open": next_open,
        "next_open_label": day_label(next_open) if next_open else "",
        "next_open_link": wanted.link(next_open) if next_open else "",
    }
    return context, (422 if errors else 200)


def spaces_page(request: Req, context: dict[str, Any], *, status_code: int = 200) -> Template:
    return page(request, "bookings/spaces.html", context, status_code=status_code)


class SpacesGrid(Controller):
    path = "/spaces"
    opt = {"access": PUBLIC}

    @get("/", name="spaces")
    async def show(self, request: Req) -> Template:
        user: User | None = request.scope.get("user")
        context, status = await spaces_context(user, dict(request.query_params))
        return spaces_page(request, context, status_code=status)
