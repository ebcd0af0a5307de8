"""Bookings: the one place that reserves time on a resource.

By use case: ``rules`` (pure checks and the policy), ``queries`` (reading bookings),
``reserve`` (a member's booking, a staff block), ``lifecycle`` (cancel, decide, move, check
in, pay, release), ``series``, ``availability``, ``waitlist``, ``jobs``, ``reminders`` and
``events`` (the listeners told of a cancellation), ``here`` (a space's QR sign: check
in or book on the spot) and ``kiosk`` (the front desk's screens and their day). Callers use
``bookings.services.<name>``.
Times are aware datetimes; rules about days and hours are read in local time
(Asia/Ho_Chi_Minh).
"""

from innovation_hub.bookings.services.availability import (
    AvailabilityKey,
    ResourceAvailability,
    availability,
    state_between,
)
from innovation_hub.bookings.services.events import (
    CancelListener,
    RefundListener,
    audit_booking,
    on_cancelled,
    on_cancelling,
)
from innovation_hub.bookings.services.here import SpaceNow, member_booking_here, space_now
from innovation_hub.bookings.services.jobs import expire_holds, release_no_shows
from innovation_hub.bookings.services.kiosk import (
    FrontDeskDay,
    create_kiosk,
    desk_name,
    front_desk_day,
    kiosk_for,
    list_kiosks,
    revoke_kiosk,
)
from innovation_hub.bookings.services.lifecycle import (
    MAX_BULK_DECISIONS,
    Decision,
    cancel_booking,
    check_in,
    confirm_paid,
    decide,
    decide_many,
    move_booking,
    release,
)
from innovation_hub.bookings.services.queries import (
    get_booking,
    list_bookings,
    series_future,
    upcoming_of,
)
from innovation_hub.bookings.services.reminders import (
    ReminderPolicy,
    evening_before,
    send_booking_reminders,
)
from innovation_hub.bookings.services.reserve import (
    MEMBER_LOCK,
    create_block,
    create_booking,
    price_for,
)
from innovation_hub.bookings.services.rules import (
    INT32_LIMIT,
    MAX_AVAILABILITY_DAYS,
    MAX_OCCUPIED,
    MAX_RESERVATION,
    MAX_SERIES_DAYS,
    EmailNotVerified,
    Interval,
    Policy,
    cancellation_deadline,
    check_in_opens,
    check_rules,
    is_overlap_violation,
    is_staff,
    slot_taken,
)
from innovation_hub.bookings.services.series import (
    FREQUENCIES,
    Occurrence,
    SeriesResult,
    cancel_series,
    create_series,
    move_following,
    preview_series,
    series_dates,
)
from innovation_hub.bookings.services.waitlist import (
    accept_offer,
    expire_offers,
    join_waitlist,
    leave_waitlist,
    my_waitlist,
    offer_waitlist,
)

__all__ = [
    "FREQUENCIES",
    "INT32_LIMIT",
    "MAX_AVAILABILITY_DAYS",
    "MAX_BULK_DECISIONS",
    "MAX_OCCUPIED",
    "MAX_RESERVATION",
    "MAX_SERIES_DAYS",
    "MEMBER_LOCK",
    "AvailabilityKey",
    "CancelListener",
    "Decision",
    "EmailNotVerified",
    "FrontDeskDay",
    "Interval",
    "Occurrence",
    "Policy",
    "RefundListener",
    "ReminderPolicy",
    "ResourceAvailability",
    "SeriesResult",
    "SpaceNow",
    "accept_offer",
    "audit_booking",
    "availability",
    "cancel_booking",
    "cancel_series",
    "cancellation_deadline",
    "check_in",
    "check_in_opens",
    "check_rules",
    "confirm_paid",
    "create_block",
    "create_booking",
    "create_kiosk",
    "create_series",
    "decide",
    "decide_many",
    "desk_name",
    "evening_before",
    "expire_holds",
    "expire_offers",
    "front_desk_day",
    "get_booking",
    "is_overlap_violation",
    "is_staff",
    "join_waitlist",
    "kiosk_for",
    "leave_waitlist",
    "list_bookings",
    "list_kiosks",
    "member_booking_here",
    "move_booking",
    "move_following",
    "my_waitlist",
    "offer_waitlist",
    "on_cancelled",
    "on_cancelling",
    "preview_series",
    "price_for",
    "release",
    "release_no_shows",
    "revoke_kiosk",
    "send_booking_reminders",
    "series_dates",
    "series_future",
    "slot_taken",
    "space_now",
    "state_between",
    "upcoming_of",
]
