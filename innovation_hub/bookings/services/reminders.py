"""Reminders before a member's booking: one ``minutes`` before the start, and for a morning
booking (starting before noon, local time) one more the evening before.

Only confirmed bookings of members who keep reminders on get them: never a booking waiting
for approval or payment, cancelled, declined, expired or released, nor a staff block or a
consultation (those are on staff's own calendar). Each reminder is claimed by a conditional
UPDATE in the transaction that queues its email, so two instances running the job at once
send it once. A moved booking is reminded again of its new time: the claim counts as done
only when it was made inside the window of the booking's current start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from innovation_hub.accounts.services import ReminderLinks
from innovation_hub.accounts.tables import User
from innovation_hub.bookings.services.rules import Policy
from innovation_hub.bookings.tables import Booking
from innovation_hub.core import clock, mail
from innovation_hub.core.database import transaction
from innovation_hub.spaces.tables import Location

MORNING_ENDS = time(12, 0)  # a booking starting before this (local) is a morning booking
BATCH = 200
Column = Any  # a Piccolo column of Booking


@dataclass(frozen=True)
class ReminderPolicy:
    minutes_before: int
    evening_hour: int  # local hour of the evening before a morning booking
    links: ReminderLinks
    booking: Policy  # for the check-in rule and the site's address


def evening_before(start_at: datetime, evening_hour: int) -> datetime | None:
    """When a booking's evening reminder is due, or None for a booking after the morning."""
    local = start_at.astimezone(clock.LOCAL_TZ)
    if local.time() >= MORNING_ENDS:
        return None
    day_before = local.date() - timedelta(days=1)
    return datetime.combine(day_before, time(evening_hour), tzinfo=clock.LOCAL_TZ).astimezone(UTC)


def _remindable(now: datetime, until: datetime) -> Any:
    return (
        (Booking.status == "confirmed")
        & (Booking.kind == "booking")
        & Booking.user.is_not_null()
        & Booking.user.is_in(
            User.select(User.id).where(User.reminders_enabled.eq(True) & User.is_active.eq(True))
        )
        & (Booking.start_at > now)
        & (Booking.start_at <= until)
    )


async def _candidates(now: datetime, until: datetime) -> list[dict[str, Any]]:
    return (
        await Booking.select(
            Booking.id,
            Booking.start_at,
            Booking.created_at,
            Booking.reminded_at,
            Booking.evening_reminded_at,
        )
        .where(_remindable(now, until))
        .order_by(Booking.start_at)
        .limit(BATCH)
        .run()
    )


async def _claim(booking_id: int, column: Column, since: datetime, now: datetime) -> bool:
    """Marks the reminder sent unless it was already sent since ``since`` (by another
    instance a moment ago, or earlier for this same start). True when this call claimed it."""
    claimed = (
        await Booking.update({column: now})
        .where(
            (Booking.id == booking_id)
            & (Booking.status == "confirmed")
            & (column.is_null() | (column < since))
        )
        .returning(Booking.id)
        .run()
    )
    return bool(claimed)


async def _send(booking_id: int, evening: bool, policy: ReminderPolicy) -> bool:
    """Queues the reminder; False when the member turned reminders off a moment ago."""
    booking = (
        await Booking.select(
            *Booking.all_columns(),
            Booking.resource.name.as_alias("resource_name"),
            Booking.resource.location.as_alias("location_id"),
        )
        .where(Booking.id == booking_id)
        .first()
        .run()
    )
    if booking is None:
        return False
    member = await User.objects().where(User.id == booking["user"]).first().run()
    if member is None or not member.is_active or not member.reminders_enabled:
        return False
    location = await Location.select(Location.name).where(Location.id == booking["location_id"])
    rules = policy.booking
    await mail.enqueue(
        to=member.email,
        template="booking_reminder",
        locale=member.locale,
        context={
            "name": member.name,
            "evening": evening,
            "resource": booking["resource_name"],
            "location": location[0]["name"] if location else "",
            "start": booking["start_at"],
            "end_time": booking["end_at"].astimezone(clock.LOCAL_TZ).strftime("%H:%M"),
            "purpose": booking["purpose"],
            "check_in_early_minutes": rules.check_in_early_minutes,
            "no_show_grace_minutes": rules.no_show_grace_minutes,
            "link": f"{rules.base_url}/bookings",
            "unsubscribe": policy.links.unsubscribe_url(member.id),
        },
        headers=policy.links.headers(member.id),
        zalo_user_id=member.zalo_user_id,
    )
    return True


async def _remind_each(
    rows: list[dict[str, Any]],
    column: Column,
    since: Callable[[dict[str, Any]], datetime | None],
    *,
    evening: bool,
    policy: ReminderPolicy,
    now: datetime,
) -> int:
    """Each row whose reminder is due since ``since(row)`` (None: not due), claimed and
    queued in one transaction of its own."""
    sent = 0
    for row in rows:
        due_since = since(row)
        if due_since is None or now < due_since or row["created_at"] >= due_since:
            continue  # not due yet, or booked inside the window: the member just saw it
        done = row[column._meta.name]
        if done is not None and done >= due_since:
            continue
        async with transaction():
            if await _claim(row["id"], column, due_since, now) and await _send(
                row["id"], evening, policy
            ):
                sent += 1
    return sent


async def send_booking_reminders(*, policy: ReminderPolicy, now: datetime | None = None) -> int:
    """Queues the reminders that are due; returns how many were queued."""
    now = now or clock.utcnow()
    window = timedelta(minutes=policy.minutes_before)
    soon = await _candidates(now, now + window)
    sent = await _remind_each(
        soon,
        Booking.reminded_at,
        lambda row: row["start_at"] - window,
        evening=False,
        policy=policy,
        now=now,
    )

    def evening_due(row: dict[str, Any]) -> datetime | None:
        # Only while the regular reminder is still ahead: never both at once.
        if row["start_at"] - window <= now:
            return None
        return evening_before(row["start_at"], policy.evening_hour)

    tomorrow_morning = await _candidates(now + window, now + timedelta(hours=36))
    sent += await _remind_each(
        tomorrow_morning,
        Booking.evening_reminded_at,
        evening_due,
        evening=True,
        policy=policy,
        now=now,
    )
    return sent
