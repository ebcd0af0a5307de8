"""A booking's life after it is made: cancel, decide, move, check in, pay, release.

Every status change goes through ``bookings.workflow.BOOKINGS.move``: one conditional update
guarded by the status the booking was read with, so of racing requests (two cancels, two
decisions, a check-in and the no-show job) exactly one moves it, with its audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.bookings.services import notices
from innovation_hub.bookings.services.events import (
    audit_booking,
    notify_cancelled,
    refund_on_cancel,
)
from innovation_hub.bookings.services.queries import get_booking, overlapping_exists
from innovation_hub.bookings.services.rules import (
    Policy,
    cancellation_deadline,
    check_in_opens,
    check_length,
    is_staff,
    overlaps_refused,
    require_reason,
    slot_taken,
)
from innovation_hub.bookings.services.waitlist import offer_waitlist
from innovation_hub.bookings.tables import Booking
from innovation_hub.bookings.workflow import BOOKINGS
from innovation_hub.core import clock
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import NotFound, RuleBroken
from innovation_hub.core.i18n import format_duration, format_hours
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.settings import get_settings
from innovation_hub.core.timestamps import require_aware
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import Resource


def _not_cancellable() -> RuleBroken:
    return RuleBroken(_("This booking can no longer be cancelled."), code="not_cancellable")


def _not_pending() -> RuleBroken:
    return RuleBroken(
        _("Only bookings waiting for approval can be decided."), code="not_pending_approval"
    )


def _not_checkable() -> RuleBroken:
    return RuleBroken(_("Only confirmed bookings can be checked in."), code="not_checkable")


async def release(actor: User, booking_id: int, *, reason: str) -> None:
    """Frees a reservation made with ``create_block`` (a declined or cancelled visit)."""
    async with transaction():
        booking = await get_booking(actor, booking_id)
        if BOOKINGS.can("release", booking.status):
            now = clock.utcnow()
            # False when a racing request released it first: released either way.
            await BOOKINGS.move(
                booking,
                "release",
                actor_id=actor.id,
                values={"status_reason": reason, "cancelled_at": now},
                detail={"reason": reason} if reason else None,
                now=now,
            )


async def _cancel_action(actor: User, booking: Booking, reason: str, now: datetime) -> str:
    """Which move cancels the booking for this actor ("cancel", or staff's "release" of a
    booking already checked in), after the member's deadline and staff's reason."""
    staff = is_staff(actor)
    if booking.status == "checked_in" and staff:
        action = "release"
    elif BOOKINGS.can("cancel", booking.status):
        action = "cancel"
    else:
        raise _not_cancellable()
    if not staff and booking.status == "confirmed":
        resource = await Resource.objects().where(Resource.id == booking.resource).first().run()
        hours = resource.cancel_notice_hours if resource else 0
        if now > cancellation_deadline(booking, hours):
            raise RuleBroken(
                _("Cancel at least %(duration)s before the start.", duration=format_hours(hours)),
                code="cancellation_too_late",
            )
    if staff and booking.user != actor.id:
        require_reason(reason, _("Give the member a reason."))
    return action


async def cancel_booking(
    actor: User, booking_id: int, *, reason: str = "", policy: Policy, now: datetime | None = None
) -> Booking:
    now = now or clock.utcnow()
    reason = reason.strip()
    async with transaction():
        booking = await get_booking(actor, booking_id)
        if booking.status == "cancelled":
            return booking
        action = await _cancel_action(actor, booking, reason, now)
        cancelled = await BOOKINGS.move(
            booking,
            action,
            actor_id=actor.id,
            values={"status_reason": reason, "cancelled_at": now},
            detail={"reason": reason} if reason else None,
            now=now,
        )
        if not cancelled:  # another request moved it first; only that one refunds
            current = await get_booking(actor, booking_id)
            if current.status == "cancelled":
                return current
            raise _not_cancellable()
        refunded = await refund_on_cancel(booking, actor)
        if is_staff(actor) and booking.user != actor.id:
            await notices.cancelled_by_staff(
                booking, reason=reason, refunded_vnd=refunded, policy=policy
            )
    await notify_cancelled(booking, actor)
    await offer_waitlist(policy=policy, now=now)
    return booking


@dataclass(frozen=True)
class Decision:
    """Staff's answer to a booking waiting for approval; a decline tells the member why."""

    approve: bool
    reason: str = ""


async def decide(
    staff: User, booking_id: int, decision: Decision, *, policy: Policy, now: datetime | None = None
) -> Booking:
    now = now or clock.utcnow()
    approve, reason = decision.approve, decision.reason.strip()
    async with transaction():
        booking = await get_booking(staff, booking_id)
        if not approve:
            require_reason(reason, _("Give the member a reason."))
        if not BOOKINGS.can("approve", booking.status):
            raise _not_pending()
        values: dict[str, Any] = {"status_reason": "" if approve else reason}
        if not approve:
            action, target = "decline", "declined"
        elif booking.price_vnd > 0:
            action, target = "approve", "pending_payment"
            values["hold_expires_at"] = now + timedelta(minutes=policy.hold_minutes)
        else:
            action, target = "approve", "confirmed"
        decided = await BOOKINGS.move(
            booking,
            action,
            actor_id=staff.id,
            to=target,
            values=values,
            detail={"reason": reason} if reason else None,
            now=now,
        )
        if not decided:  # another member of staff decided (or the member cancelled) first
            raise _not_pending()
        await notices.decided(booking, policy)
    if not approve:
        await offer_waitlist(policy=policy, now=now)
    return booking


# The most requests one bulk decision takes: a page of the queue.
MAX_BULK_DECISIONS = 100


async def decide_many(
    staff: User, booking_ids: list[int], decision: Decision, *, policy: Policy
) -> tuple[list[Booking], dict[int, RuleBroken | NotFound]]:
    """The same answer to several requests, each decided on its own (as ``decide``, so a
    request another member of staff decided meanwhile is refused, not decided twice):
    returns the decided bookings and, by id, why each other one was not."""
    if not booking_ids:
        raise RuleBroken(_("Choose at least one request."), code="nothing_chosen")
    if len(booking_ids) > MAX_BULK_DECISIONS:
        raise RuleBroken(
            _("Decide at most %(n)s requests at once.", n=MAX_BULK_DECISIONS), code="too_many"
        )
    if not decision.approve:  # one reason for all, asked for before any is declined
        require_reason(decision.reason, _("Give the member a reason."))
    decided: list[Booking] = []
    refused: dict[int, RuleBroken | NotFound] = {}
    for booking_id in dict.fromkeys(booking_ids):  # each once, in the order given
        try:
            decided.append(await decide(staff, booking_id, decision, policy=policy))
        except (RuleBroken, NotFound) as exc:
            refused[booking_id] = exc
    return decided, refused


async def move_booking(
    staff: User,
    booking_id: int,
    *,
    start: datetime,
    end: datetime,
    resource_id: int | None,
    reason: str,
    policy: Policy,
    notify: bool = True,
) -> Booking:
    """Staff move any active booking; only overlaps refuse it. The status stays, so the move
    is not a workflow step: its audit entry is "booking.moved". Without ``notify`` (a series
    moved together), the caller tells the member and offers the freed times."""
    start, end = require_aware(start, "start"), require_aware(end, "end")
    check_length(start, end)
    now = clock.utcnow()
    with overlaps_refused():
        async with transaction():
            booking = await get_booking(staff, booking_id)
            if not BOOKINGS.can("move", booking.status):
                raise RuleBroken(_("Only active bookings can be moved."), code="not_movable")
            resource = await spaces.get_resource(resource_id or booking.resource)
            occupied_until = end + timedelta(minutes=resource.buffer_minutes)
            if await overlapping_exists(resource.id, start, occupied_until, excluding=booking.id):
                raise slot_taken()
            old_start, old_end, old_resource = booking.start_at, booking.end_at, booking.resource
            old = {"start": old_start.isoformat(), "resource": old_resource}
            changes = {
                Booking.resource: resource.id,
                Booking.start_at: start,
                Booking.end_at: end,
                Booking.occupied_until: occupied_until,
                Booking.status_reason: reason.strip(),
                Booking.updated_at: now,
            }
            await _write_move(booking, changes)
            detail = {"from": old, "reason": reason}
            await audit_booking(staff.id, "booking.moved", booking.id, detail)
            if notify:
                await notices.moved(
                    booking,
                    old_start=old_start,
                    old_end=old_end,
                    old_resource=old_resource,
                    policy=policy,
                )
    if notify:
        await offer_waitlist(policy=policy, now=now)
    return booking


async def _write_move(booking: Booking, changes: dict[Any, Any]) -> None:
    """Only the moved columns, and only while the booking is still active: a cancel
    committed since it was read is not undone."""
    moved = (
        await Booking.update({**changes, Booking.sequence: Booking.sequence + 1})
        .where((Booking.id == booking.id) & Booking.status.is_in(list(BOOKINGS.sources("move"))))
        .returning(Booking.sequence)
        .run()
    )
    if not moved:
        raise RuleBroken(_("Only active bookings can be moved."), code="not_movable")
    for column, value in changes.items():
        setattr(booking, column._meta.name, value)
    booking.sequence = moved[0]["sequence"]


async def check_in(
    user: User, booking_id: int, *, policy: Policy, now: datetime | None = None
) -> Booking:
    now = now or clock.utcnow()
    async with transaction():
        booking = await get_booking(user, booking_id)
        if booking.status == "checked_in":
            return booking
        if not BOOKINGS.can("check_in", booking.status) or booking.kind != "booking":
            raise _not_checkable()
        if now < check_in_opens(booking, policy):
            raise RuleBroken(
                _(
                    "Check in from %(duration)s before the start.",
                    duration=format_duration(policy.check_in_early_minutes),
                ),
                code="too_early",
            )
        if now >= booking.end_at:
            raise RuleBroken(_("This booking has already ended."), code="too_late")
        values = {"status_reason": "", "checked_in_at": now}
        if not await BOOKINGS.move(booking, "check_in", actor_id=user.id, values=values, now=now):
            current = await get_booking(user, booking_id)
            if current.status == "checked_in":
                return current
            raise _not_checkable()
    return booking


async def confirm_paid(
    booking_id: int,
    *,
    detail: dict[str, Any],
    now: datetime | None = None,
    policy: Policy | None = None,
) -> bool:
    """Confirms the booking a successful payment is for (a late payment revives an expired
    hold); False when it no longer waits for one (cancelled, declined, already confirmed).
    Joins the caller's transaction, and so does the member's confirmation (the policy of
    the settings unless given). When the slot of an expired hold was taken meanwhile, the
    database refuses the overlap: see ``is_overlap_violation``."""
    booking = await Booking.objects().where(Booking.id == booking_id).first().run()
    if booking is None or not BOOKINGS.can("pay", booking.status):
        return False
    confirmed = await BOOKINGS.move(
        booking,
        "pay",
        actor_id=None,
        values={"hold_expires_at": None},
        detail=detail,
        now=now or clock.utcnow(),
    )
    if confirmed:
        await notices.paid(booking, policy or Policy.from_settings(get_settings()))
    return confirmed
