"""Reading bookings: one booking, a member's list, and whether a time is taken."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.bookings.services.rules import MAX_OCCUPIED, is_staff
from innovation_hub.bookings.tables import ACTIVE_STATUSES, Booking, BookingSeries
from innovation_hub.core.errors import NotFound
from innovation_hub.core.i18n import gettext as _
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import Resource


async def get_booking(user: User, booking_id: int) -> Booking:
    """The caller's booking (staff: any); someone else's is NotFound, never Forbidden."""
    query = Booking.objects().where(Booking.id == booking_id)
    if not is_staff(user):
        query = query.where(Booking.user == user.id)
    booking = await query.first().run()
    if booking is None:
        raise NotFound(_("No such booking."), code="booking_not_found")
    return booking


async def list_bookings(
    user: User,
    *,
    everyone: bool = False,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[Booking]:
    query = Booking.objects().where(Booking.kind == "booking")
    if not (everyone and is_staff(user)):
        query = query.where(Booking.user == user.id)
    if start is not None:
        query = query.where(Booking.end_at > start)
    if end is not None:
        query = query.where(Booking.start_at < end)
    return await query.order_by(Booking.start_at).limit(1000).run()


async def upcoming_of(user_id: int, now: datetime) -> list[Booking]:
    """A member's active bookings not yet over, soonest first (what staff look at before
    deciding about a deactivated account's reservations)."""
    return (
        await Booking.objects()
        .where(
            (Booking.user == user_id)
            & (Booking.kind == "booking")
            & Booking.status.is_in(list(ACTIVE_STATUSES))
            & (Booking.end_at > now)
        )
        .order_by(Booking.start_at)
        .limit(100)
        .run()
    )


async def series_future(user: User, series_id: int, now: datetime) -> list[Booking]:
    """The active bookings of a series that have not started: the caller's series (staff:
    any); someone else's is NotFound, as bookings are."""
    owned = BookingSeries.exists().where(BookingSeries.id == series_id)
    if not is_staff(user):
        owned = owned.where(BookingSeries.user == user.id)
    if not await owned.run():
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


async def overlapping_exists(
    resource_id: int, start: datetime, occupied_until: datetime, *, excluding: int | None = None
) -> bool:
    """Whether an active reservation (other than ``excluding``) holds part of the time."""
    where = (
        (Booking.resource == resource_id)
        & Booking.status.is_in(list(ACTIVE_STATUSES))
        & (Booking.start_at < occupied_until)
        & (Booking.occupied_until > start)
        & (Booking.start_at > start - MAX_OCCUPIED)
    )
    if excluding is not None:
        where &= Booking.id != excluding
    return await Booking.exists().where(where).run()


async def opening_context(
    resource: Resource, start: datetime, end: datetime, places: spaces.Places | None = None
) -> tuple[spaces.WeeklyHours, list[dict[str, Any]]]:
    """The opening hours and closures ``check_rules`` reads for a resource and a range."""
    places = places or await spaces.places()
    hours = places.weekly_hours(resource.location)
    closures = await places.closures_between(resource.location, start, end)
    return hours, closures
