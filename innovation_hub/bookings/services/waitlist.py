"""The waitlist: members wait for a taken slot, and each freed slot is offered to the
first of them, one offer at a time."""

from __future__ import annotations

from datetime import datetime, timedelta

from piccolo.columns.combination import And

from innovation_hub.accounts.tables import User
from innovation_hub.bookings.services import notices
from innovation_hub.bookings.services.queries import opening_context, overlapping_exists
from innovation_hub.bookings.services.reserve import create_booking
from innovation_hub.bookings.services.rules import Policy, check_rules
from innovation_hub.bookings.tables import ACTIVE_STATUSES, Booking, WaitlistEntry
from innovation_hub.core import audit, clock
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import Conflict, NotFound, RuleBroken
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.timestamps import require_aware
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import Resource

OPEN = ["waiting", "offered"]  # entries still in the queue


async def join_waitlist(
    user: User, resource_id: int, start: datetime, end: datetime, *, now: datetime | None = None
) -> WaitlistEntry:
    now = now or clock.utcnow()
    start, end = require_aware(start, "start"), require_aware(end, "end")
    resource = await spaces.get_resource(resource_id)
    hours, closures = await opening_context(resource, start, end)
    check_rules(resource, user, start, end, 1, now=now, hours=hours, closures=closures)
    occupied = end + timedelta(minutes=resource.buffer_minutes)
    async with transaction():
        if not await overlapping_exists(resource.id, start, occupied):
            raise RuleBroken(_("This time is free: book it directly."), code="slot_free")
        await _refuse_own_or_repeated(user, resource, start, end)
        entry = WaitlistEntry(
            resource=resource.id,
            user=user.id,
            start_at=start,
            end_at=end,
            status="waiting",
            created_at=now,
        )
        await entry.save()
        await audit.record(
            actor_id=user.id, action="waitlist.joined", record_type="waitlist", record_id=entry.id
        )
    return entry


async def _refuse_own_or_repeated(
    user: User, resource: Resource, start: datetime, end: datetime
) -> None:
    own = (
        await Booking.exists()
        .where(
            (Booking.resource == resource.id)
            & (Booking.user == user.id)
            & Booking.status.is_in(list(ACTIVE_STATUSES))
            & (Booking.start_at < end)
            & (Booking.end_at > start)
        )
        .run()
    )
    if own:
        raise RuleBroken(_("You have already booked this time."), code="already_booked")
    duplicate = (
        await WaitlistEntry.exists()
        .where(
            (WaitlistEntry.user == user.id)
            & (WaitlistEntry.resource == resource.id)
            & (WaitlistEntry.start_at == start)
            & (WaitlistEntry.end_at == end)
            & WaitlistEntry.status.is_in(OPEN)
        )
        .run()
    )
    if duplicate:
        raise Conflict(_("You are already on the waitlist for this time."), code="already_waiting")


async def offer_waitlist(*, policy: Policy, now: datetime | None = None) -> int:
    """Offers each freed slot to the first member waiting for it, one offer at a time."""
    now = now or clock.utcnow()
    waiting = (
        await WaitlistEntry.objects()
        .where(WaitlistEntry.status == "waiting")
        .order_by(WaitlistEntry.created_at)
        .order_by(WaitlistEntry.id)
        .limit(500)
        .run()
    )
    offered = 0
    for entry in waiting:
        resource = await Resource.objects().where(Resource.id == entry.resource).first().run()
        if resource is None or entry.start_at <= now or not await _is_free(entry, resource):
            continue
        if await _offer(entry, resource, policy=policy, now=now):
            offered += 1
    return offered


async def _is_free(entry: WaitlistEntry, resource: Resource) -> bool:
    """Free of bookings, and not already held out to someone else on the waitlist."""
    occupied = entry.end_at + timedelta(minutes=resource.buffer_minutes)
    if await overlapping_exists(resource.id, entry.start_at, occupied):
        return False
    outstanding = (
        await WaitlistEntry.exists()
        .where(
            (WaitlistEntry.resource == entry.resource)
            & (WaitlistEntry.status == "offered")
            & (WaitlistEntry.start_at < entry.end_at)
            & (WaitlistEntry.end_at > entry.start_at)
        )
        .run()
    )
    return not outstanding


async def _offer(
    entry: WaitlistEntry, resource: Resource, *, policy: Policy, now: datetime
) -> bool:
    """False when another instance offered it first."""
    async with transaction():
        claimed = (
            await WaitlistEntry.update(
                {
                    WaitlistEntry.status: "offered",
                    WaitlistEntry.offer_expires_at: now
                    + timedelta(minutes=policy.waitlist_offer_minutes),
                }
            )
            .where((WaitlistEntry.id == entry.id) & (WaitlistEntry.status == "waiting"))
            .returning(WaitlistEntry.id)
            .run()
        )
        if not claimed:
            return False
        await notices.waitlist_offered(entry, resource, policy)
        await audit.record(
            actor_id=None, action="waitlist.offered", record_type="waitlist", record_id=entry.id
        )
    return True


async def expire_offers(*, policy: Policy, now: datetime | None = None) -> int:
    now = now or clock.utcnow()
    expired = (
        await WaitlistEntry.update({WaitlistEntry.status: "expired"})
        .where((WaitlistEntry.status == "offered") & (WaitlistEntry.offer_expires_at < now))
        .returning(WaitlistEntry.id)
        .run()
    )
    if expired:
        await offer_waitlist(policy=policy, now=now)
    return len(expired)


def _own_entry(user: User, entry_id: int) -> And:
    """The member's own entry: another member's is as missing as one that never was."""
    return (WaitlistEntry.id == entry_id) & (WaitlistEntry.user == user.id)


def _no_such_entry() -> NotFound:
    return NotFound(_("No such waitlist entry."), code="waitlist_not_found")


async def accept_offer(
    user: User, entry_id: int, *, policy: Policy, now: datetime | None = None
) -> Booking:
    now = now or clock.utcnow()
    entry = await WaitlistEntry.objects().where(_own_entry(user, entry_id)).first().run()
    if entry is None:
        raise _no_such_entry()
    async with transaction():
        # Claimed in the same transaction as the booking, so the job expiring offers cannot
        # pass it on to the next member while it is being accepted (nor after).
        claimed = (
            await WaitlistEntry.update({WaitlistEntry.status: "booked"})
            .where(
                (WaitlistEntry.id == entry.id)
                & (WaitlistEntry.status == "offered")
                & (
                    WaitlistEntry.offer_expires_at.is_null()
                    | (WaitlistEntry.offer_expires_at >= now)
                )
            )
            .returning(WaitlistEntry.id)
            .run()
        )
        if not claimed:
            raise RuleBroken(_("This offer is no longer open."), code="offer_closed")
        booking = await create_booking(
            user, entry.resource, entry.start_at, entry.end_at, policy=policy, now=now
        )
        await (
            WaitlistEntry.update({WaitlistEntry.booking: booking.id})
            .where(WaitlistEntry.id == entry.id)
            .run()
        )
    return booking


async def leave_waitlist(user: User, entry_id: int) -> None:
    left = (
        await WaitlistEntry.update({WaitlistEntry.status: "left"})
        .where(_own_entry(user, entry_id) & WaitlistEntry.status.is_in(OPEN))
        .returning(WaitlistEntry.id)
        .run()
    )
    if not left:
        raise _no_such_entry()


async def my_waitlist(user: User) -> list[WaitlistEntry]:
    return (
        await WaitlistEntry.objects()
        .where((WaitlistEntry.user == user.id) & WaitlistEntry.status.is_in(OPEN))
        .order_by(WaitlistEntry.start_at)
        .run()
    )
