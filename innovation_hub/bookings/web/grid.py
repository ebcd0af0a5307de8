"""The availability grid as the spaces page draws it: pure functions from what the services
found (free and taken times, opening hours, closures) to rows of cells. No queries here."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services
from innovation_hub.bookings.web.labels import (
    booking_link,
    duration_label,
    hhmm,
    login_link,
    price_label,
    time_range,
)
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.i18n import format_datetime, format_duration
from innovation_hub.core.i18n import gettext as _
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import KINDS, Resource

Intervals = list[tuple[datetime, datetime]]


@dataclass
class Cell:
    state: str  # free | mine | taken | unavailable | closed | past | later
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


@dataclass(frozen=True)
class Viewer:
    """Who looks at the grid, and what they already hold there."""

    user: User | None
    now: datetime
    mine: set[int] = field(default_factory=set)

    def may_book(self, resource: Resource) -> bool:
        return self.user is None or self.user.role in spaces.allowed_roles(resource)


def grid_step(resources: list[Resource]) -> timedelta:
    """Hourly cells when every space books by whole hours, half-hourly otherwise."""
    if resources and all(r.slot_minutes % 60 == 0 for r in resources):
        return timedelta(hours=1)
    return timedelta(minutes=30)


def default_length(resource: Resource, step: timedelta) -> timedelta:
    minutes = max(int(step.total_seconds() // 60), resource.min_minutes)
    slot = max(resource.slot_minutes, 1)
    return timedelta(minutes=math.ceil(minutes / slot) * slot)


def grid_columns(opening: Intervals, step: timedelta) -> list[datetime]:
    """The start of every cell from the first opening to the last closing of the day."""
    if not opening:
        return []
    first = min(a for a, _b in opening)
    last = max(b for _a, b in opening)
    minute = first.hour * 60 + first.minute
    current = first - timedelta(minutes=minute % int(step.total_seconds() // 60))
    columns = []
    while current < last:
        columns.append(current)
        current += step
    return columns


def _covers(intervals: Intervals, start: datetime, end: datetime) -> bool:
    return any(a <= start and end <= b for a, b in intervals)


def _closure_at(
    closures: list[dict[str, Any]], resource_id: int, start: datetime, end: datetime
) -> dict[str, Any] | None:
    return next(
        (
            c
            for c in closures
            if c["resource"] in (None, resource_id)
            and c["starts_at"] < end
            and start < c["ends_at"]
        ),
        None,
    )


def _window_cell(resource: Resource, start: datetime, end: datetime, now: datetime) -> Cell | None:
    """A time outside the booking window: past, too soon, or not yet open."""
    if start < now:
        return Cell("past", start, end, _("Past"), key=("past",))
    if start < now + timedelta(minutes=resource.min_notice_minutes):
        notice = duration_label(resource.min_notice_minutes)
        detail = _("Book at least %(time)s ahead.", time=notice)
        return Cell("past", start, end, _("Too soon"), detail=detail, key=("soon",))
    if start > now + timedelta(days=resource.max_days_ahead):
        detail = _("Book at most %(n)s days ahead.", n=resource.max_days_ahead)
        return Cell("later", start, end, _("Not yet open"), detail=detail, key=("later",))
    return None


def _held_cell(
    item: services.ResourceAvailability, start: datetime, end: datetime, mine: set[int]
) -> Cell:
    """A time that is open but not free: someone's booking, or too short a gap."""
    resource = item.resource
    buffer = timedelta(minutes=resource.buffer_minutes)
    holders = tuple(
        t["id"] for t in item.taken if t["start_at"] - buffer < end and start < t["occupied_until"]
    )
    if holders and mine.intersection(holders):
        return Cell("mine", start, end, _("Your booking"), key=("mine", holders))
    if holders:
        return Cell("taken", start, end, _("Booked"), key=("taken", holders))
    # A gap shorter than the shortest booking this space allows.
    detail = _("Book at least %(duration)s.", duration=format_duration(resource.min_minutes))
    return Cell("unavailable", start, end, _("Unavailable"), detail=detail, key=("gap",))


def slot_cell(
    item: services.ResourceAvailability,
    start: datetime,
    end: datetime,
    *,
    length: timedelta,
    opening: Intervals,
    closures: list[dict[str, Any]],
    viewer: Viewer,
) -> Cell:
    """One cell of a resource's row, from the first rule that applies to it."""
    resource = item.resource
    closure = _closure_at(closures, resource.id, start, end)
    if not _covers(opening, start, end):
        return Cell("closed", start, end, _("Closed"), key=("closed",))
    if closure is not None:
        key = ("closure", closure["id"])
        return Cell("closed", start, end, _("Closed"), detail=closure["reason"], key=key)
    outside = _window_cell(resource, start, end, viewer.now)
    if outside is not None:
        return outside
    if _covers(item.free, start, end):
        target = booking_link(resource.id, start, start + length)
        href = target if viewer.user is not None else login_link(target)
        return Cell("free", start, end, _("Free"), href=href)
    return _held_cell(item, start, end, viewer.mine)


def resource_cells(
    item: services.ResourceAvailability,
    columns: list[datetime],
    step: timedelta,
    *,
    opening: Intervals,
    closures: list[dict[str, Any]],
    viewer: Viewer,
) -> list[Cell]:
    resource = item.resource
    may_book = viewer.may_book(resource)
    if not may_book and columns:
        # One wide cell says why, rather than a row of free times this member cannot take.
        note = _("Not open to your account type")
        return [Cell("closed", columns[0], columns[-1] + step, note, span=len(columns))]
    length = default_length(resource, step)
    cells = [
        slot_cell(
            item,
            start,
            start + step,
            length=length,
            opening=opening,
            closures=closures,
            viewer=viewer,
        )
        for start in columns
    ]
    return merge_cells(cells, resource, viewer.user, may_book)


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


def closure_when(start: datetime, end: datetime, day: date) -> str:
    local_start, local_end = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
    if local_start.date() == day == local_end.date():
        return time_range(start, end)
    return f"{format_datetime(start)} – {format_datetime(end)}"


def closure_notes(
    closures: list[dict[str, Any]], resources: dict[int, Resource], day: date
) -> list[ClosureNote]:
    """The closures listed under a location's grid: the whole location's, and those of the
    spaces shown."""
    return [
        ClosureNote(
            reason=c["reason"],
            when=closure_when(c["starts_at"], c["ends_at"], day),
            what=(
                resources[c["resource"]].name if c["resource"] in resources else _("Whole location")
            ),
        )
        for c in closures
        if c["resource"] is None or c["resource"] in resources
    ]


def location_day(
    name: str,
    items: list[services.ResourceAvailability],
    day: date,
    *,
    opening: Intervals,
    closures: list[dict[str, Any]],
    resources: dict[int, Resource],
    viewer: Viewer,
) -> LocationDay:
    step = grid_step([i.resource for i in items])
    columns = grid_columns(opening, step)
    rows = [
        Row(
            resource=item.resource,
            price=price_label(item.resource),
            cells=resource_cells(
                item, columns, step, opening=opening, closures=closures, viewer=viewer
            ),
        )
        for item in items
    ]
    notes = closure_notes(closures, resources, day)
    return LocationDay(name=name, columns=columns, rows=rows, closed=not opening, closures=notes)
