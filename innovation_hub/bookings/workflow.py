"""The states of a booking and the moves between them, declared once (core.workflow).

Staff and members read the same words and icons for a booking's state, on the member pages,
the board and in emails. Jobs move bookings as "system".
"""

from __future__ import annotations

from innovation_hub.bookings.tables import ACTIVE_STATUSES, Booking
from innovation_hub.core.i18n import N_, Labels
from innovation_hub.core.workflow import STAFF_ROLES, State, Transition, Workflow

MEMBER_ROLES = frozenset({"owner"})
EVERYONE = STAFF_ROLES | MEMBER_ROLES
SYSTEM = frozenset({"system"})

# The reason the hold job writes is stored in English (the msgid) and shown in the reader's
# language; a reason staff typed is shown as typed.
HOLD_EXPIRED = N_("payment not received in time")
reason_label = Labels({HOLD_EXPIRED: HOLD_EXPIRED})

# Statuses that hold time on a resource; the database refuses overlaps among them.
HOLDING = ACTIVE_STATUSES

BOOKINGS = Workflow(
    name="booking",
    table=Booking,
    states=(
        State("pending_approval", N_("Waiting for approval"), "◷"),
        State("pending_payment", N_("Waiting for payment"), "₫"),
        State("confirmed", N_("Confirmed"), "✓"),
        State("checked_in", N_("Checked in"), "☑"),
        State("cancelled", N_("Cancelled"), "✕", final=True),
        State("declined", N_("Declined"), "⊘", final=True),
        # The member's words say why (a calendar feed shows them).
        State("expired", N_("Expired"), "◌", N_("Expired (not paid in time)"), final=True),
        State("no_show", N_("No-show"), "∅", N_("Released (no check-in)"), final=True),
    ),
    transitions=(
        Transition(
            "approve",
            ("pending_approval",),
            ("confirmed", "pending_payment"),
            STAFF_ROLES,
            N_("Approve"),
        ),
        Transition("decline", ("pending_approval",), ("declined",), STAFF_ROLES, N_("Decline")),
        # A confirmed booking only until the resource's cancellation notice (members; staff
        # any time): the services check the deadline.
        Transition(
            "cancel",
            ("pending_approval", "pending_payment", "confirmed"),
            ("cancelled",),
            EVERYONE,
            N_("Cancel booking"),
        ),
        # Staff take back a room already in use (a member sent home, a visit's block freed).
        Transition("release", HOLDING, ("cancelled",), STAFF_ROLES, N_("Release")),
        Transition("check_in", ("confirmed",), ("checked_in",), EVERYONE, N_("Check in")),
        # Paid: the webhook or the return page; a late payment revives an expired hold.
        # Audited as "booking.paid" (what the payment reports read), not "booking.confirmed".
        Transition("pay", ("pending_payment", "expired"), ("confirmed",), SYSTEM, audit="paid"),
        Transition("expire", ("pending_payment",), ("expired",), SYSTEM),
        Transition("no_show", ("confirmed",), ("no_show",), SYSTEM),
        # A move keeps the status; it is refused once the booking no longer holds time.
        Transition("move", HOLDING, (), STAFF_ROLES, N_("Move")),
    ),
    conflict_message=N_("This booking was changed a moment ago. Reload the page and try again."),
    conflict_code="booking_changed",
)
