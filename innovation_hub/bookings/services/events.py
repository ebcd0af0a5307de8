"""What other domains hear about bookings: listeners called while and after a booking is
cancelled, and the audit entries of a booking's steps.

Payments refunds by policy: it records the refund inside the cancelling transaction (so the
member's notice can name the amount) and sends it once that committed. Keyed by name so that
building the app twice does not register a listener twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.bookings.tables import Booking
from innovation_hub.core import audit

logger = logging.getLogger("innovation_hub.bookings")

# Called after a booking is cancelled and committed.
CancelListener = Callable[[Booking, User | None], Awaitable[None]]
_cancel_listeners: dict[str, CancelListener] = {}
# Called inside the cancelling transaction, once the booking is cancelled: the VND it gives
# back to the member.
RefundListener = Callable[[Booking, User | None], Awaitable[int]]
_refund_listeners: dict[str, RefundListener] = {}


async def audit_booking(
    actor_id: int | None, action: str, booking_id: int, detail: dict[str, Any]
) -> None:
    """The audit entry of one step in a booking's life (its payment and refunds too)."""
    await audit.record(
        actor_id=actor_id,
        action=action,
        record_type="booking",
        record_id=booking_id,
        detail=detail,
    )


def on_cancelled(name: str, listener: CancelListener) -> None:
    _cancel_listeners[name] = listener


def on_cancelling(name: str, listener: RefundListener) -> None:
    _refund_listeners[name] = listener


async def refund_on_cancel(booking: Booking, actor: User | None) -> int:
    """What the cancellation gives back, in VND, written in the caller's transaction: a
    listener's failure fails the cancellation, so a refund is never half-recorded."""
    return sum([await listener(booking, actor) for listener in _refund_listeners.values()])


async def notify_cancelled(booking: Booking, actor: User | None) -> None:
    for name, listener in _cancel_listeners.items():
        try:
            await listener(booking, actor)
        except Exception:  # the cancellation stands; the listener retries on its own
            logger.exception("cancel listener %s failed for booking %s", name, booking.id)
