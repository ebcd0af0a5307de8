"""Read models of the bookings pages: the staff board, the spaces page's closures and what
the member pages need beyond the services.

Nothing here changes data: every action goes through ``bookings.services`` or
``spaces.services``. The board reads bookings of all statuses (staff want to see who
cancelled or did not show up), joined with the member's name and email.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services
from innovation_hub.bookings.tables import ACTIVE_STATUSES, Booking, BookingSeries
from innovation_hub.bookings.workflow import reason_label
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.errors import NotFound
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.rows import to_struct
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import Closure, Location, Resource

DAY_MINUTES = 24 * 60
DEFAULT_SPAN = (8 * 60, 17 * 60)
WEEK_DAYS = 7


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The local day as an aware [start, end)."""
    start = datetime.combine(day, time.min, LOCAL_TZ)
    return start, start + timedelta(days=1)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _minute_in(day: date, moment: datetime) -> int:
    """Minutes from the local midnight of ``day``, clipped to the day."""
    start, _ = day_bounds(day)
    minutes = int((moment - start).total_seconds() // 60)
    return max(0, min(DAY_MINUTES, minutes))


# -- the staff board -----------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One booking or block as the board shows it (times in local time)."""

    id: int
    resource_id: int
    kind: str
    status: str
    start: datetime
    end: datetime
    member_name: str
    member_email: str
    member_org: str
    purpose: str
    attendees: int
    price_vnd: int
    hold_expires_at: datetime | None
    checked_in_at: datetime | None
    status_reason: str
    series: int | None = None  # the repeating booking it is a date of

    @property
    def reason(self) -> str:
        """The status reason in the reader's language."""
        return reason_label(self.status_reason)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_void(self) -> bool:
        """Cancelled, declined or expired: shown struck through, holding no time."""
        return self.status in {"cancelled", "declined", "expired"}

    @property
    def is_block(self) -> bool:
        return self.kind == "block"

    def local_days(self) -> list[date]:
        return spaces.local_days(self.start, self.end)

    def minutes_on(self, day: date) -> tuple[int, int]:
        return _minute_in(day, self.start), _minute_in(day, self.end)


@dataclass(frozen=True)
class ClosureView:
    id: int
    reason: str
    start: datetime
    end: datetime
    resource_id: int | None
    location_id: int | None

    def touches(self, day: date) -> bool:
        start, end = day_bounds(day)
        return self.start < end and start < self.end

    def minutes_on(self, day: date) -> tuple[int, int]:
        return _minute_in(day, self.start), _minute_in(day, self.end)


@dataclass(frozen=True)
class ResourceDay:
    resource: Resource
    entries: list[Entry]
    closures: list[ClosureView]

    @property
    def active_entries(self) -> list[Entry]:
        return [e for e in self.entries if e.is_active or e.status == "no_show"]


@dataclass(frozen=True)
class DayBoard:
    location: Location
    day: date
    holiday: str | None
    opening: list[tuple[time, time]]
    location_closures: list[ClosureView]
    rows: list[ResourceDay]
    # Minutes of the day the timeline covers: the opening hours, widened to whole hours
    # and to any booking outside them.
    span: tuple[int, int]
    resources: list[Resource] = field(default_factory=list)

    @property
    def span_hours(self) -> list[int]:
        return list(range(self.span[0] // 60, self.span[1] // 60))

    @property
    def span_minutes(self) -> int:
        return self.span[1] - self.span[0]

    @property
    def opening_minutes(self) -> list[tuple[int, int]]:
        return [(a.hour * 60 + a.minute, b.hour * 60 + b.minute) for a, b in self.opening]

    def bar(self, minutes: tuple[int, int]) -> tuple[int, int] | None:
        """``(x, width)`` of an interval of the day on the timeline, or None if outside."""
        low = max(minutes[0], self.span[0])
        high = min(minutes[1], self.span[1])
        return (low - self.span[0], high - low) if high > low else None

    def block_count(self) -> int:
        """Staff blocks (events, maintenance) that hold time."""
        return sum(entry.is_block and entry.is_active for row in self.rows for entry in row.entries)

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for row in self.rows:
            for entry in row.entries:
                if not entry.is_block:  # bookings, research visits and consultations
                    found[entry.status] = found.get(entry.status, 0) + 1
        return found


@dataclass(frozen=True)
class ResourceWeek:
    resource: Resource
    cells: list[list[Entry]]  # one list per day, Monday first
    closures: list[list[ClosureView]]


@dataclass(frozen=True)
class WeekBoard:
    location: Location
    days: list[date]
    holidays: dict[date, str]
    opening: dict[int, list[tuple[time, time]]]
    location_closures: list[list[ClosureView]]
    rows: list[ResourceWeek]


async def _entries(resource_ids: list[int], start: datetime, end: datetime) -> list[Entry]:
    if not resource_ids:
        return []
    member = Booking.user
    rows = (
        await Booking.select(
            *Booking.all_columns(),
            member.name.as_alias("member_name"),
            member.email.as_alias("member_email"),
            member.organisation_name.as_alias("member_org"),
            member.school.as_alias("member_school"),
        )
        .where(
            Booking.resource.is_in(resource_ids)
            & (Booking.start_at < end)
            & (Booking.end_at > start)
        )
        .order_by(Booking.start_at)
        .order_by(Booking.id)
        .run()
    )
    return [_entry(row) for row in rows]


def _entry(row: dict[str, Any]) -> Entry:
    return to_struct(
        row,
        Entry,
        resource_id=row["resource"],
        start=row["start_at"],
        end=row["end_at"],
        member_name=row["member_name"] or "",
        member_email=row["member_email"] or "",
        member_org=row["member_org"] or row["member_school"] or "",
        purpose=row["purpose"] or "",
        attendees=row["attendees"] or 0,
        price_vnd=row["price_vnd"] or 0,
        status_reason=row["status_reason"] or "",
    )


async def _closures(location_id: int, start: datetime, end: datetime) -> list[ClosureView]:
    rows = await spaces.closures_between(location_id, start, end)
    return [
        to_struct(
            row,
            ClosureView,
            start=row["starts_at"],
            end=row["ends_at"],
            resource_id=row["resource"],
            location_id=row["location"],
        )
        for row in rows
    ]


def _span(day: date, opening: list[tuple[time, time]], entries: list[Entry]) -> tuple[int, int]:
    starts = [t.hour * 60 + t.minute for t, _ in opening]
    ends = [t.hour * 60 + t.minute for _, t in opening]
    for entry in entries:
        first, last = entry.minutes_on(day)
        if last > first:
            starts.append(first)
            ends.append(last)
    if not starts:
        return DEFAULT_SPAN
    low = min(starts) // 60 * 60
    high = min(DAY_MINUTES, -(-max(ends) // 60) * 60)
    return (low, high) if high > low else DEFAULT_SPAN


async def day_board(
    location: Location,
    day: date,
    *,
    resource_ids: list[int] | None = None,
    kind: str | None = None,
) -> DayBoard:
    """Every resource of the location (or of one kind there) with its bookings, blocks and
    closures on ``day``."""
    resources = await spaces.list_resources(location_id=location.id)
    shown = [
        r
        for r in resources
        if (resource_ids is None or r.id in resource_ids) and (kind is None or r.kind == kind)
    ]
    start, end = day_bounds(day)
    # All resources' bookings, even when only some rows are drawn again, so every row's
    # timeline covers the same hours.
    entries = await _entries([r.id for r in resources], start, end)
    closures = await _closures(location.id, start, end)
    hours = await spaces.weekly_hours(location.id)
    opening = hours.by_weekday.get(day.weekday(), [])
    rows = [
        ResourceDay(
            resource=resource,
            entries=[e for e in entries if e.resource_id == resource.id],
            closures=[c for c in closures if c.resource_id == resource.id],
        )
        for resource in shown
    ]
    return DayBoard(
        location=location,
        day=day,
        holiday=spaces.holiday_name(day),
        opening=opening,
        location_closures=[c for c in closures if c.resource_id is None],
        rows=rows,
        span=_span(day, opening, [e for e in entries if e.is_active]),
        resources=resources,
    )


async def week_board(location: Location, day: date, *, kind: str | None = None) -> WeekBoard:
    """Resources × the seven days of the week holding ``day``; cancelled, declined and
    expired bookings are left out here (the day view lists them)."""
    monday = week_start(day)
    days = [monday + timedelta(days=n) for n in range(WEEK_DAYS)]
    start, _ = day_bounds(days[0])
    _, end = day_bounds(days[-1])
    resources = await spaces.list_resources(location_id=location.id, kind=kind)
    entries = [
        e
        for e in await _entries([r.id for r in resources], start, end)
        if e.is_active or e.status == "no_show"
    ]
    closures = await _closures(location.id, start, end)
    hours = await spaces.weekly_hours(location.id)
    rows = []
    for resource in resources:
        own = [e for e in entries if e.resource_id == resource.id]
        rows.append(
            ResourceWeek(
                resource=resource,
                cells=[[e for e in own if d in e.local_days()] for d in days],
                closures=[
                    [c for c in closures if c.resource_id == resource.id and c.touches(d)]
                    for d in days
                ],
            )
        )
    return WeekBoard(
        location=location,
        days=days,
        holidays=spaces.holidays_between(days[0], days[-1]),
        opening=hours.by_weekday,
        location_closures=[
            [c for c in closures if c.resource_id is None and c.touches(d)] for d in days
        ],
        rows=rows,
    )


async def booking_resource(booking_id: int) -> int | None:
    """The resource a booking is on (for re-drawing its row), or None."""
    row = await Booking.select(Booking.resource).where(Booking.id == booking_id).first().run()
    return row["resource"] if row else None


async def upcoming_resource_bookings(resource_id: int, now: datetime) -> int:
    """How many active bookings of a space have not ended (shown before retiring it)."""
    return (
        await Booking.count()
        .where(
            (Booking.resource == resource_id)
            & Booking.status.is_in(list(ACTIVE_STATUSES))
            & (Booking.end_at > now)
        )
        .run()
    )


# -- the staff spaces page -----------------------------------------------------------------


@dataclass(frozen=True)
class UpcomingClosure:
    id: int
    reason: str
    start: datetime
    end: datetime
    location_name: str | None
    resource_name: str | None
    created_by: str | None


async def upcoming_closures(now: datetime, *, limit: int = 200) -> list[UpcomingClosure]:
    """Closures that have not ended yet, soonest first, with what they close."""
    rows = (
        await Closure.select(
            *Closure.all_columns(),
            Closure.location.name.as_alias("location_name"),
            Closure.resource.name.as_alias("resource_name"),
            Closure.resource._.location._.name.as_alias("resource_location_name"),
        )
        .where(Closure.ends_at > now)
        .order_by(Closure.starts_at)
        .limit(limit)
        .run()
    )
    staff_ids = sorted({r["created_by"] for r in rows if r["created_by"] is not None})
    names: dict[int, str] = {}
    if staff_ids:
        for user in await User.select(User.id, User.name).where(User.id.is_in(staff_ids)).run():
            names[user["id"]] = user["name"]
    return [
        to_struct(
            r,
            UpcomingClosure,
            start=r["starts_at"],
            end=r["ends_at"],
            location_name=r["location_name"] or r["resource_location_name"],
            created_by=names.get(r["created_by"]) if r["created_by"] is not None else None,
        )
        for r in rows
    ]


# -- the member pages ----------------------------------------------------------------------


async def resources_by_id(ids: Iterable[int]) -> dict[int, Resource]:
    """Resources of the given ids, retired ones included (old bookings still name them)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await Resource.objects().where(Resource.id.is_in(wanted)).run()
    return {row.id: row for row in rows}


async def location_names() -> dict[int, str]:
    rows = await Location.select(Location.id, Location.name).run()
    return {row["id"]: row["name"] for row in rows}


async def own_series_future(user: User, series_id: int, now: datetime) -> list[Booking]:
    """The caller's active bookings of one series that have not started; another member's
    series is NotFound, as bookings are."""
    owned = (
        await BookingSeries.exists()
        .where((BookingSeries.id == series_id) & (BookingSeries.user == user.id))
        .run()
    )
    if not owned:
        raise NotFound(_("No such series."), code="series_not_found")
    upcoming = await services.list_bookings(user, start=now)
    return [
        b
        for b in upcoming
        if b.series == series_id and b.start_at > now and b.status in ACTIVE_STATUSES
    ]


async def first_open_day(today: date, now: datetime, *, search_days: int = 31) -> date:
    """Today if a location is still open later today, else the next day any location opens."""
    locations = await Location.select(Location.id).run()
    hours = [await spaces.weekly_hours(row["id"]) for row in locations]
    if not hours:
        return today
    for offset in range(search_days):
        day = today + timedelta(days=offset)
        for weekly in hours:
            if any(closes > now for _opens, closes in weekly.intervals_on(day)):
                return day
    return today


async def own_booking_ids(user: User, start: datetime, end: datetime) -> set[int]:
    """Ids of the caller's active bookings touching [start, end), to mark them on the grid."""
    rows = (
        await Booking.select(Booking.id)
        .where(
            (Booking.user == user.id)
            & Booking.status.is_in(list(ACTIVE_STATUSES))
            & (Booking.start_at < end)
            & (Booking.end_at > start)
        )
        .run()
    )
    return {row["id"] for row in rows}
