"""Reserving time: a member's booking (priced by the member's rules) and a staff block.

Overlaps are refused by the database too (see the 0002 migration), and a refused insert
becomes ``Conflict(code="slot_taken")``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.bookings.services import notices
from innovation_hub.bookings.services.events import audit_booking
from innovation_hub.bookings.services.queries import opening_context, overlapping_exists
from innovation_hub.bookings.services.rules import (
    Policy,
    check_length,
    check_rules,
    initial_status,
    is_staff,
    minutes_between,
    overlaps_refused,
    require_reason,
    slot_taken,
    week_bounds,
)
from innovation_hub.bookings.tables import ACTIVE_STATUSES, Booking
from innovation_hub.core import clock
from innovation_hub.core.database import lock_until_commit, transaction
from innovation_hub.core.errors import RuleBroken
from innovation_hub.core.i18n import format_duration, format_hours
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.timestamps import require_aware
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import Resource

# Serialises, per member, the transactions that read the member's bookings to decide on a
# new one (the weekly quota, the unpaid holds): see lock_until_commit.
MEMBER_LOCK = "innovation_hub.bookings.member"


async def price_for(resource: Resource, user: User, start: datetime, end: datetime) -> int:
    """Whole VND. Staff pay nothing; a role's free weekly hours come first; a free resource
    refuses hours beyond the free allowance (the quota). Reads the member's bookings: see
    ``price_and_status`` for the lock a booking needs around it."""
    if is_staff(user):
        return 0
    minutes = minutes_between(start, end)
    free_hours = spaces.free_weekly_hours(resource).get(user.role)
    if free_hours is None:
        return resource.price_per_hour_vnd * minutes // 60
    used = await _minutes_used_this_week(resource, user, start)
    chargeable = max(0, minutes - max(0, free_hours * 60 - used))
    if chargeable and resource.price_per_hour_vnd == 0:
        raise RuleBroken(
            _(
                "This goes past your %(free)s free a week (%(used)s used this week).",
                free=format_hours(free_hours),
                used=format_duration(used),
            ),
            code="quota_exceeded",
        )
    return resource.price_per_hour_vnd * chargeable // 60


async def _minutes_used_this_week(resource: Resource, user: User, moment: datetime) -> int:
    """The member's active minutes on this kind of space at this location, that week."""
    week_start, week_end = week_bounds(moment)
    same_kind = Resource.select(Resource.id).where(
        (Resource.kind == resource.kind) & (Resource.location == resource.location)
    )
    rows = (
        await Booking.select(Booking.start_at, Booking.end_at)
        .where(
            (Booking.user == user.id)
            & Booking.status.is_in(list(ACTIVE_STATUSES))
            & Booking.resource.is_in(same_kind)
            & (Booking.start_at >= week_start)
            & (Booking.start_at < week_end)
        )
        .run()
    )
    return sum(minutes_between(r["start_at"], r["end_at"]) for r in rows)


async def _check_unpaid_holds(user: User, now: datetime, policy: Policy) -> None:
    held = (
        await Booking.count()
        .where(
            (Booking.user == user.id)
            & (Booking.status == "pending_payment")
            & (Booking.hold_expires_at > now)
        )
        .run()
    )
    if held >= policy.max_unpaid_holds:
        raise RuleBroken(
            _(
                "You already have %(n)s bookings waiting for payment. Pay for or cancel one "
                "of them before you book another.",
                n=held,
            ),
            code="too_many_unpaid_holds",
        )


async def member_booking(
    resource: Resource,
    user: User,
    start: datetime,
    end: datetime,
    *,
    purpose: str,
    attendees: int,
    policy: Policy,
    now: datetime,
    series: int | None = None,
) -> Booking:
    """A new (unsaved) booking priced by the member's rules. Only inside a transaction that
    holds MEMBER_LOCK for the member until the booking is written: otherwise racing
    requests each see the quota and holds as they were before all of them."""
    price = await price_for(resource, user, start, end)
    status, hold = initial_status(resource, user, price, now, policy)
    if status == "pending_payment":
        await _check_unpaid_holds(user, now, policy)
    return _new_booking(
        user,
        now,
        resource=resource.id,
        kind="booking",
        status=status,
        start_at=start,
        end_at=end,
        occupied_until=end + timedelta(minutes=resource.buffer_minutes),
        purpose=purpose.strip(),
        attendees=attendees,
        price_vnd=price,
        hold_expires_at=hold,
        series=series,
    )


def _new_booking(author: User, now: datetime, **values: Any) -> Booking:
    """An unsaved booking made by ``author`` for themselves, created ``now``; ``values`` give
    the rest of its columns."""
    return Booking(user=author.id, created_by=author.id, created_at=now, updated_at=now, **values)


async def insert_checked(booking: Booking) -> None:
    """Insert after an explicit overlap check; the database constraint backs it up."""
    if await overlapping_exists(booking.resource, booking.start_at, booking.occupied_until):
        raise slot_taken()
    await booking.save()


async def create_booking(
    user: User,
    resource_id: int,
    start: datetime,
    end: datetime,
    *,
    purpose: str = "",
    attendees: int = 1,
    policy: Policy,
    now: datetime | None = None,
) -> Booking:
    now = now or clock.utcnow()
    start, end = require_aware(start, "start"), require_aware(end, "end")
    places = await spaces.places()
    resource = places.resource(resource_id)
    if len(purpose) > 300:
        raise RuleBroken(_("Use at most %(n)s characters.", n=300), code="purpose_too_long")
    hours, closures = await opening_context(resource, start, end, places)
    check_rules(resource, user, start, end, attendees, now=now, hours=hours, closures=closures)
    with overlaps_refused():
        async with transaction():
            await lock_until_commit(MEMBER_LOCK, user.id)
            booking = await member_booking(
                resource,
                user,
                start,
                end,
                purpose=purpose,
                attendees=attendees,
                policy=policy,
                now=now,
            )
            # No separate overlap query inside the write lock: the database refuses an
            # overlapping insert itself (migration 0002, bounded in 0009).
            await booking.save()
            detail = {"status": booking.status, "price_vnd": booking.price_vnd}
            await audit_booking(user.id, "booking.created", booking.id, detail)
            await notices.booked(booking, policy)
    return booking


async def create_block(
    staff: User,
    resource_id: int,
    start: datetime,
    end: datetime,
    *,
    reason: str,
    public: bool = False,
    kind: str = "block",
    attendees: int = 0,
) -> Booking:
    """Staff take a resource out of use (maintenance, an event) or reserve it for centre work
    (``kind="visit"``, ``"consultation"``); only overlaps refuse it. Joins the caller's
    transaction when there is one, so the caller's own change commits with it or not at all."""
    start, end = require_aware(start, "start"), require_aware(end, "end")
    check_length(start, end)
    require_reason(reason, _("Say why the space is blocked."))
    resource = await spaces.get_resource(resource_id)
    now = clock.utcnow()
    with overlaps_refused():
        async with transaction():
            booking = _new_booking(
                staff,
                now,
                resource=resource.id,
                kind=kind,
                is_public=public,
                status="confirmed",
                start_at=start,
                end_at=end,
                occupied_until=end,
                purpose=reason.strip(),
                attendees=attendees,
                price_vnd=0,
            )
            await insert_checked(booking)
            await audit_booking(staff.id, "booking.blocked", booking.id, {"reason": reason})
    return booking
