"""What other domains hear about bookings: listeners called after a cancellation, and the
audit entries of a booking's steps.

Payments refunds by policy. Keyed by name so that building the app twice does not
register a listener twice.
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


async def notify_cancelled(booking: Booking, actor: User | None) -> None:
    for name, listener in _cancel_listeners.items():
        try:
            await listener(booking, actor)
        except Exception:  # the cancellation stands; the listener retries on its own
            logger.exception("cancel listener %s failed for booking %s", name, booking.id)
