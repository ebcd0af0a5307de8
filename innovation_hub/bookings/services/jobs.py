"""Background jobs that move bookings as "system": unpaid holds expire, unattended
bookings become no-shows; each frees the slot for the waitlist."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from innovation_hub.bookings.services import notices
from innovation_hub.bookings.services.rules import Policy
from innovation_hub.bookings.services.waitlist import offer_waitlist
from innovation_hub.bookings.tables import Booking
from innovation_hub.bookings.workflow import BOOKINGS, HOLD_EXPIRED
from innovation_hub.core import clock
from innovation_hub.core.database import transaction

Notice = Callable[[Booking, Policy], Awaitable[None]]


async def _move_each(
    action: str, due: Any, values: dict[str, Any], now: datetime, notice: Notice, policy: Policy
) -> int:
    """Each due booking moved in its own transaction, if it is still due then: one a member
    or staff changed first (a check-in, a late payment, a move to a later time) is left as
    they made it. The member's notice is written with the move, so of two instances running
    the job only the one that moved it tells them."""
    moved = 0
    for booking in await Booking.objects().where(due).run():
        async with transaction():
            if await BOOKINGS.move(
                booking, action, actor_id=None, values=values, now=now, where=due
            ):
                await notice(booking, policy)
                moved += 1
    return moved


async def expire_holds(*, policy: Policy, now: datetime | None = None) -> int:
    """Unpaid holds past their time are released."""
    now = now or clock.utcnow()
    due = (Booking.status == "pending_payment") & (Booking.hold_expires_at < now)
    values = {"status_reason": HOLD_EXPIRED}
    expired = await _move_each("expire", due, values, now, notices.hold_expired, policy)
    if expired:
        await offer_waitlist(policy=policy, now=now)
    return expired


async def release_no_shows(*, policy: Policy, now: datetime | None = None) -> int:
    """Confirmed bookings not checked in within the grace time become no_show, freeing the slot."""
    now = now or clock.utcnow()
    due = (
        (Booking.status == "confirmed")
        & (Booking.kind == "booking")
        & (Booking.start_at < now - timedelta(minutes=policy.no_show_grace_minutes))
    )
    released = await _move_each("no_show", due, {}, now, notices.released_no_show, policy)
    if released:
        await offer_waitlist(policy=policy, now=now)
    return released
