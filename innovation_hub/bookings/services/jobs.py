"""Background jobs that move bookings as "system": unpaid holds expire, unattended
bookings become no-shows; each frees the slot for the waitlist."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from innovation_hub.bookings.services.rules import Policy
from innovation_hub.bookings.services.waitlist import offer_waitlist
from innovation_hub.bookings.tables import Booking
from innovation_hub.bookings.workflow import BOOKINGS
from innovation_hub.core import clock
from innovation_hub.core.database import transaction


async def _move_each(
    bookings: list[Booking], action: str, values: dict[str, Any], now: datetime
) -> int:
    """Each booking moved in its own transaction; one a member (or staff) moved first —
    a check-in racing the no-show job, a late payment — is left as they made it."""
    moved = 0
    for booking in bookings:
        async with transaction():
            if await BOOKINGS.move(booking, action, actor_id=None, values=values, now=now):
                moved += 1
    return moved


async def expire_holds(*, policy: Policy, now: datetime | None = None) -> int:
    """Unpaid holds past their time are released."""
    now = now or clock.utcnow()
    due = (
        await Booking.objects()
        .where((Booking.status == "pending_payment") & (Booking.hold_expires_at < now))
        .run()
    )
    values = {"status_reason": "payment not received in time"}
    expired = await _move_each(due, "expire", values, now)
    if expired:
        await offer_waitlist(policy=policy, now=now)
    return expired


async def release_no_shows(*, policy: Policy, now: datetime | None = None) -> int:
    """Confirmed bookings not checked in within the grace time become no_show, freeing the slot."""
    now = now or clock.utcnow()
    due = (
        await Booking.objects()
        .where(
            (Booking.status == "confirmed")
            & (Booking.kind == "booking")
            & (Booking.start_at < now - timedelta(minutes=policy.no_show_grace_minutes))
        )
        .run()
    )
    released = await _move_each(due, "no_show", {}, now)
    if released:
        await offer_waitlist(policy=policy, now=now)
    return released
