"""What a space's QR sign answers the member standing at it: their booking there today (to
check in), or whether the space is free from now and until when (to book it on the spot).

Checking in is ``lifecycle.check_in`` and booking is ``reserve.create_booking``, with every
rule they keep; this module only finds the booking and the free time to offer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from innovation_hub.accounts.tables import User
from innovation_hub.bookings.services.availability import availability
from innovation_hub.bookings.services.rules import Interval, Policy, check_in_opens
from innovation_hub.bookings.tables import Booking
from innovation_hub.core import clock
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.errors import NotFound
from innovation_hub.core.i18n import gettext as _
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import Resource

HELD_FOR_THE_MEMBER = ("confirmed", "checked_in")


@dataclass(frozen=True)
class SpaceNow:
    resource: Resource
    # The member's booking here that has not ended today, the soonest first.
    booking: Booking | None = None
    check_in_from: datetime | None = None
    check_in_open: bool = False
    # Someone else holds the space now.
    taken: bool = False
    # The time the member may book from now on the spot: (start, end), on the space's step.
    free: Interval | None = None
    # The member's role may book this space.
    may_book: bool = True


def _local_day(moment: datetime) -> tuple[datetime, datetime]:
    """The local day ``moment`` falls on, midnight to midnight."""
    day = moment.astimezone(LOCAL_TZ).date()
    start = datetime.combine(day, datetime.min.time(), LOCAL_TZ)
    return start, start + timedelta(days=1)


def _require_space_id(resource_id: int) -> None:
    """An id no space can have (past the 32-bit column) is a missing space on both engines."""
    if not 0 < resource_id <= spaces.MAX_ID:
        raise NotFound(_("No such space."), code="resource_not_found")


def next_step(resource: Resource, moment: datetime) -> datetime:
    """The first start on the space's step (minutes of the local day) at or after ``moment``."""
    local = moment.astimezone(LOCAL_TZ)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    step = timedelta(minutes=resource.slot_minutes)
    steps = -((midnight - local) // step)  # rounded up
    return midnight + steps * step


async def member_booking_here(user: User, resource_id: int, now: datetime) -> Booking | None:
    _require_space_id(resource_id)
    return (
        await Booking.objects()
        .where(
            (Booking.user == user.id)
            & (Booking.resource == resource_id)
            & (Booking.kind == "booking")
            & Booking.status.is_in(list(HELD_FOR_THE_MEMBER))
            & (Booking.end_at > now)
            & (Booking.start_at < _local_day(now)[1])
        )
        .order_by(Booking.start_at)
        .first()
        .run()
    )


async def _free_from_now(resource: Resource, now: datetime) -> tuple[bool, Interval | None]:
    """Whether someone holds the space now, and the time from the next step to the next
    booking, closure or closing (at most the space's longest booking) when it is free."""
    # The whole local day, as the grid asks for it: one kept answer serves every scan that day;
    # ``now`` cuts its free time.
    [item] = await availability(*_local_day(now), resource_id=resource.id, now=now)
    if any(t["start_at"] <= now < t["occupied_until"] for t in item.taken):
        return True, None
    start = next_step(resource, now)
    step = timedelta(minutes=resource.slot_minutes)
    for free_start, free_end in item.free:
        if free_start <= start < free_end:
            end = min(free_end, start + timedelta(minutes=resource.max_minutes))
            end = start + ((end - start) // step) * step
            if end - start >= timedelta(minutes=resource.min_minutes):
                return False, (start, end)
    return False, None


async def space_now(
    user: User, resource_id: int, *, policy: Policy, now: datetime | None = None
) -> SpaceNow:
    """The space as the member at its sign finds it now."""
    now = now or clock.utcnow()
    _require_space_id(resource_id)
    resource = await spaces.get_resource(resource_id)
    booking = await member_booking_here(user, resource.id, now)
    if booking is None:
        return await _offer(user, resource, now)
    opens = check_in_opens(booking, policy)
    if booking.status == "checked_in" or opens <= now:
        return SpaceNow(resource, booking, check_in_from=opens, check_in_open=True)
    # Too early to check in: the member may still use the space until their booking.
    offer = await _offer(user, resource, now)
    return SpaceNow(
        resource,
        booking,
        check_in_from=opens,
        taken=offer.taken,
        free=offer.free,
        may_book=offer.may_book,
    )


async def _offer(user: User, resource: Resource, now: datetime) -> SpaceNow:
    taken, free = await _free_from_now(resource, now)
    may_book = user.role in spaces.allowed_roles(resource)
    return SpaceNow(resource, taken=taken, free=free if may_book else None, may_book=may_book)
