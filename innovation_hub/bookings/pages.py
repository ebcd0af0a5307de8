"""Read-only queries the member booking pages need beyond the services (no rules here)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from innovation_hub.accounts.tables import User
from innovation_hub.bookings.tables import ACTIVE_STATUSES, Booking, BookingSeries
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.errors import NotFound
from innovation_hub.core.i18n import gettext as _
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import Location, Resource


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
    return (
        await Booking.objects()
        .where(
            (Booking.series == series_id)
            & (Booking.start_at > now)
            & Booking.status.is_in(list(ACTIVE_STATUSES))
        )
        .order_by(Booking.start_at)
        .run()
    )


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


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, datetime.min.time(), LOCAL_TZ)
    return start, datetime.combine(day + timedelta(days=1), datetime.min.time(), LOCAL_TZ)


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
