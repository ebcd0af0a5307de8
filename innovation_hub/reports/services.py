"""One service computes every figure of a report period; the page, exports and API share it."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import msgspec

from innovation_hub.bookings.tables import Booking
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.database import is_sqlite
from innovation_hub.core.errors import RuleBroken
from innovation_hub.core.i18n import gettext as _
from innovation_hub.programmes.services.limits import enterprise_key, supported
from innovation_hub.programmes.tables import Application
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import Resource
from innovation_hub.trademarks import services as trademarks
from innovation_hub.trademarks.tables import TrademarkCase
from innovation_hub.visits import services as visit_services
from innovation_hub.visits.tables import Visit

# Bookings counted: approved and paid where needed, and not released. Not those waiting for
# approval or payment, nor no-shows, cancelled, expired or declined ones.
COUNTED = ("confirmed", "checked_in")
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class ResourceUse:
    resource_id: int
    name: str
    bookings: int
    check_ins: int
    booked_hours: float
    open_hours: float

    @property
    def utilisation(self) -> float:
        """Booked share of the open hours, 0–1 (can exceed 1 when booked outside hours)."""
        return self.booked_hours / self.open_hours if self.open_hours else 0.0


@dataclass(frozen=True)
class LevelVisits:
    level: str
    visits: int
    students: int


class Figures(msgspec.Struct, kw_only=True, frozen=True):
    """The figures of a period that the API answers (``schemas.SummaryOut``)."""

    bookings: int
    booked_hours: float
    unique_members: int
    visits: int
    visit_students: int
    trademark_organisations_guided: int
    enterprises_supported: int
    support_approved_vnd: int
    check_ins: int = 0
    events_held: int = 0
    event_participants: int = 0
    events_without_participants: int = 0
    applications_supported: int = 0


class Summary(Figures, kw_only=True, frozen=True):
    """Everything the report shows of a period: the figures, and more for the page."""

    first: date
    last: date
    support_settled_vnd: int = 0
    programme_applications: int = 0
    trademark_cases_opened: int = 0
    marks_granted: int = 0
    resources: list[ResourceUse] = msgspec.field(default_factory=list)
    # heat[weekday][hour] = bookings starting then (local time, weekday 0 = Monday)
    heat: list[list[int]] = msgspec.field(default_factory=list)
    members_by_role: dict[str, int] = msgspec.field(default_factory=dict)
    visits_by_level: list[LevelVisits] = msgspec.field(default_factory=list)

    @property
    def check_in_percent(self) -> float:
        """Checked-in bookings as a share of counted bookings, in percent."""
        return round(self.check_ins / self.bookings * 100, 1) if self.bookings else 0.0


def bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[first 00:00 local, last + 1 day 00:00 local)."""
    return (
        datetime.combine(first, time(0), LOCAL_TZ),
        datetime.combine(last + timedelta(days=1), time(0), LOCAL_TZ),
    )


def check_period(first: date, last: date) -> None:
    if first > last:
        raise RuleBroken(_("The first day must not be after the last day."), code="bad_period")
    if (last - first).days > MAX_DAYS:
        raise RuleBroken(_("Choose a period of at most three years."), code="bad_period")


def _hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


async def _open_hours(location_id: int, first: date, last: date) -> float:
    weekly = await spaces.weekly_hours(location_id)
    total = 0.0
    day = first
    while day <= last:
        total += sum(_hours(a, b) for a, b in weekly.intervals_on(day))
        day += timedelta(days=1)
    return total


# resource, local weekday, local hour, count, seconds, checked in
Group = tuple[int, int, int, int, float, int]

_WHERE = (
    "kind = 'booking' AND status IN ('confirmed', 'checked_in') "
    "AND start_at >= {} AND start_at < {}"
)
_CHECKED_IN = "SUM(CASE WHEN status = 'checked_in' THEN 1 ELSE 0 END) AS checked"


async def _booking_groups(since: datetime, until: datetime) -> tuple[list[Group], dict[int, str]]:
    """Counted bookings grouped in SQL by resource and local weekday × hour, and the roles
    of their members: a year of bookings is a few thousand rows, not one per booking."""
    # Only constants and an integer offset are spliced in; the dates are parameters.
    members_sql = (
        'SELECT DISTINCT b."user" AS member, u.role AS role FROM booking b '  # noqa: S608
        'JOIN hub_user u ON u.id = b."user" WHERE b.' + _WHERE.replace("AND ", "AND b.")
    )
    if is_sqlite():
        offset = LOCAL_TZ.utcoffset(since)
        if offset is None or offset != LOCAL_TZ.utcoffset(until):
            return await _booking_groups_in_python(since, until)
        # SQLite stores UTC text in one format, so text comparison orders correctly.
        low, high = (v.astimezone(UTC).isoformat(sep=" ") for v in (since, until))
        shift = f"'{int(offset.total_seconds()):+d} seconds'"
        sql = (
            f"SELECT resource, (CAST(strftime('%w', start_at, {shift}) AS INTEGER) + 6) % 7 AS wd, "  # noqa: S608
            f"CAST(strftime('%H', start_at, {shift}) AS INTEGER) AS hr, COUNT(*) AS n, "
            f"SUM((julianday(end_at) - julianday(start_at)) * 86400.0) AS secs, {_CHECKED_IN} "
            f"FROM booking WHERE {_WHERE} GROUP BY 1, 2, 3"
        )
        rows = await Booking.raw(sql, low, high).run()
        member_rows = await Booking.raw(members_sql, low, high).run()
    else:
        zone = str(LOCAL_TZ)
        sql = (
            "SELECT resource, (EXTRACT(ISODOW FROM start_at AT TIME ZONE {}) - 1)::int AS wd, "  # noqa: S608
            "EXTRACT(HOUR FROM start_at AT TIME ZONE {})::int AS hr, COUNT(*) AS n, "
            f"SUM(EXTRACT(EPOCH FROM end_at - start_at))::float8 AS secs, {_CHECKED_IN} "
            f"FROM booking WHERE {_WHERE} GROUP BY 1, 2, 3"
        )
        rows = await Booking.raw(sql, zone, zone, since, until).run()
        member_rows = await Booking.raw(members_sql, since, until).run()
    groups = [
        (
            int(r["resource"]),
            int(r["wd"]),
            int(r["hr"]),
            int(r["n"]),
            float(r["secs"] or 0),
            int(r["checked"] or 0),
        )
        for r in rows
    ]
    return groups, {int(r["member"]): str(r["role"] or "") for r in member_rows}


async def _booking_groups_in_python(
    since: datetime, until: datetime
) -> tuple[list[Group], dict[int, str]]:
    """The same grouping over one narrow SELECT, for a zone whose offset changes in the
    period (SQLite only knows fixed offsets)."""
    rows = (
        await Booking.select(
            Booking.resource,
            Booking.user,
            Booking.status,
            Booking.start_at,
            Booking.end_at,
            Booking.user.role,
        )
        .where(
            (Booking.kind == "booking")
            & Booking.status.is_in(list(COUNTED))
            & (Booking.start_at >= since)
            & (Booking.start_at < until)
        )
        .run()
    )
    groups: list[Group] = []
    members: dict[int, str] = {}
    for row in rows:
        start = row["start_at"].astimezone(LOCAL_TZ)
        seconds = (row["end_at"] - row["start_at"]).total_seconds()
        checked = int(row["status"] == "checked_in")
        groups.append((row["resource"], start.weekday(), start.hour, 1, seconds, checked))
        if row["user"] is not None:
            members[row["user"]] = row["user.role"] or ""
    return groups, members


@dataclass
class _BookingTotals:
    """Counted bookings of the period, added up from the SQL groups."""

    count: int = 0
    seconds: float = 0.0
    checked_in: int = 0
    per_resource_hours: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    per_resource_count: Counter[int] = field(default_factory=Counter)
    per_resource_checked_in: Counter[int] = field(default_factory=Counter)
    heat: list[list[int]] = field(default_factory=lambda: [[0] * 24 for _ in range(7)])

    @classmethod
    def of(cls, groups: list[Group]) -> _BookingTotals:
        totals = cls()
        for resource_id, weekday, hour, n, seconds, checked in groups:
            totals.count += n
            totals.seconds += seconds
            totals.checked_in += checked
            totals.per_resource_checked_in[resource_id] += checked
            totals.per_resource_hours[resource_id] += seconds / 3600
            totals.per_resource_count[resource_id] += n
            totals.heat[weekday][hour] += n
        return totals


async def _resource_uses(totals: _BookingTotals, first: date, last: date) -> list[ResourceUse]:
    resources = await Resource.select(
        Resource.id, Resource.name, Resource.location, Resource.is_active
    ).order_by(Resource.name)
    open_by_location: dict[int, float] = {}
    uses = []
    for r in resources:
        # Active resources are listed even when unused; retired ones only if used.
        if r["id"] not in totals.per_resource_count and not r["is_active"]:
            continue
        if r["location"] not in open_by_location:
            open_by_location[r["location"]] = await _open_hours(r["location"], first, last)
        uses.append(
            ResourceUse(
                resource_id=r["id"],
                name=r["name"],
                bookings=totals.per_resource_count[r["id"]],
                check_ins=totals.per_resource_checked_in[r["id"]],
                booked_hours=round(totals.per_resource_hours[r["id"]], 2),
                open_hours=round(open_by_location[r["location"]], 2),
            )
        )
    return uses


async def _programme_figures(since: datetime, until: datetime) -> dict[str, int]:
    """Support decided in the period that stands (``limits.supported``): the enterprises
    counted once each by tax code (a branch is its enterprise's), the applications and the
    amounts."""
    rows = (
        await Application.select(
            Application.tax_code, Application.approved_vnd, Application.settled_vnd
        )
        .where(
            supported()
            & Application.approved_vnd.is_not_null()
            & (Application.decided_at >= since)
            & (Application.decided_at < until)
        )
        .run()
    )
    applications = await Application.count().where(
        Application.submitted_at.is_not_null()
        & (Application.submitted_at >= since)
        & (Application.submitted_at < until)
    )
    return {
        "enterprises_supported": len({enterprise_key(r["tax_code"]) for r in rows}),
        "applications_supported": len(rows),
        "support_approved_vnd": sum(r["approved_vnd"] or 0 for r in rows),
        "support_settled_vnd": sum(r["settled_vnd"] or 0 for r in rows),
        "programme_applications": applications,
    }


async def _visits_by_level(since: datetime, until: datetime) -> list[LevelVisits]:
    """Visits that took place (completed) by school level, and their students: those counted
    at the door, or else those announced."""
    rows = (
        await Visit.select(Visit.level, Visit.student_count, Visit.attended_students)
        .where((Visit.status == "completed") & (Visit.start_at >= since) & (Visit.start_at < until))
        .run()
    )
    visits: Counter[str] = Counter()
    students: Counter[str] = Counter()
    for r in rows:
        visits[r["level"]] += 1
        attended = r["attended_students"]
        students[r["level"]] += attended if attended is not None else r["student_count"]
    order = {level: n for n, level in enumerate(visit_services.LEVELS)}
    levels = sorted(visits, key=lambda level: (order.get(level, len(order)), level))
    return [LevelVisits(level, visits[level], students[level]) for level in levels]


async def _event_figures(since: datetime, until: datetime) -> dict[str, int]:
    """Events held: the centre's public events (public blocks of a space, which the public
    calendar shows) that have ended, and event-hall bookings whose organiser checked in.
    Participants: the attendance recorded on each (the number stated when booking or holding
    the hall); events with none recorded are counted apart."""
    now = utcnow()
    public = (Booking.kind == "block") & (Booking.is_public == True)  # noqa: E712
    hall = (
        (Booking.kind == "booking")
        & (Booking.status == "checked_in")
        & (Booking.resource.kind == "event_hall")  # type: ignore[attr-defined]
    )
    rows = (
        await Booking.select(Booking.attendees)
        .where(
            (public | hall)
            & Booking.status.is_in(list(COUNTED))
            & (Booking.end_at <= now)
            & (Booking.start_at >= since)
            & (Booking.start_at < until)
        )
        .run()
    )
    return {
        "events_held": len(rows),
        "event_participants": sum(r["attendees"] for r in rows if r["attendees"] > 0),
        "events_without_participants": sum(1 for r in rows if r["attendees"] <= 0),
    }


async def _trademark_figures(
    first: date, last: date, since: datetime, until: datetime
) -> dict[str, int]:
    opened = await TrademarkCase.count().where(
        (TrademarkCase.created_at >= since) & (TrademarkCase.created_at < until)
    )
    granted = await TrademarkCase.count().where(
        (TrademarkCase.status == "granted")
        & (TrademarkCase.grant_date >= first)
        & (TrademarkCase.grant_date <= last)
    )
    return {
        "trademark_organisations_guided": await trademarks.organisations_guided(first, last),
        "trademark_cases_opened": opened,
        "marks_granted": granted,
    }


async def summary(first: date, last: date) -> Summary:
    check_period(first, last)
    since, until = bounds(first, last)
    groups, members = await _booking_groups(since, until)
    totals = _BookingTotals.of(groups)
    counts = await visit_services.visit_counts(first, last)
    return Summary(
        first=first,
        last=last,
        bookings=totals.count,
        booked_hours=round(totals.seconds / 3600, 2),
        unique_members=len(members),
        check_ins=totals.checked_in,
        visits=counts["visits"],
        visit_students=counts["visit_students"],
        visits_by_level=await _visits_by_level(since, until),
        **await _event_figures(since, until),
        **await _programme_figures(since, until),
        **await _trademark_figures(first, last, since, until),
        resources=await _resource_uses(totals, first, last),
        heat=totals.heat,
        members_by_role=dict(sorted(Counter(members.values()).items())),
    )
