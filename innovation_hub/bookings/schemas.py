from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from innovation_hub.core.openapi import MAX_INT, NOT_BLANK, Id, Int, one_of, rule

# The largest value a PostgreSQL integer column (and so a serial row id) holds: a larger id
# names nothing, a larger count cannot be compared or stored.
MAX_DB_INT = MAX_INT
RowId = Id
# Checked by the services (422 invalid_attendees, purpose_too_long, invalid_frequency,
# invalid_repeat); more attendees than the space holds is its rule (over_capacity).
Attendees = Annotated[Int, rule(minimum=1)]
Purpose = Annotated[str, rule(maxLength=300)]
FREQUENCIES = ("daily", "weekly", "monthly")  # as services.series repeats them
# As bookings.workflow.BOOKINGS declares them.
BookingStatus = Literal[
    "pending_approval",
    "pending_payment",
    "confirmed",
    "checked_in",
    "cancelled",
    "declined",
    "expired",
    "no_show",
]
# A member's booking, a staff block, or time reserved for a visit or a consultation.
BookingKind = Literal["booking", "block", "visit", "consultation"]
WaitlistStatus = Literal["waiting", "offered", "booked", "expired", "left"]
MAX_SERIES_COUNT = 366


class SlotIn(msgspec.Struct, kw_only=True):
    """A resource and a time: what every request to book or wait names first."""

    resource_id: RowId
    start: datetime
    end: datetime


class BookingIn(SlotIn, kw_only=True):
    purpose: Purpose = ""
    attendees: Attendees = 1


class PaymentInfo(msgspec.Struct, kw_only=True):
    client_secret: str
    publishable_key: str
    amount_vnd: int


class SlotOut(msgspec.Struct, kw_only=True):
    """The fields a booking and a waitlist entry both start with."""

    id: int
    resource_id: int
    start: datetime
    end: datetime


class BookingOut(SlotOut, kw_only=True):
    status: BookingStatus
    price_vnd: int
    kind: BookingKind
    purpose: str
    attendees: int
    series_id: int | None
    hold_expires_at: datetime | None
    checked_in_at: datetime | None
    status_reason: str
    is_public: bool = False
    # Only on a new pending_payment booking: how to pay it, or why that cannot start now.
    payment: PaymentInfo | None = None
    payment_error: str | None = None


class BookingList(msgspec.Struct):
    items: list[BookingOut]


class ReasonIn(msgspec.Struct, kw_only=True):
    reason: str = ""


class MoveIn(msgspec.Struct, kw_only=True):
    start: datetime
    end: datetime
    resource_id: RowId | None = None
    reason: str = ""
    # A booking of a series: move the later dates of the series by the same shift too.
    following: bool = False


class SeriesCancelIn(msgspec.Struct, kw_only=True):
    # Cancel from this booking of the series on (it and the later dates); none: every future date.
    from_booking_id: RowId | None = None


class BlockIn(SlotIn, kw_only=True):
    reason: Annotated[str, rule(pattern=NOT_BLANK)]
    # Shown in the centre's public events feed (e.g. a workshop in the event hall).
    public: bool = False


class SeriesIn(SlotIn, kw_only=True):
    frequency: Annotated[str, one_of(FREQUENCIES)]
    until: date | None = None
    count: Annotated[int, msgspec.Meta(ge=1), rule(maximum=MAX_SERIES_COUNT)] | None = None
    skip_conflicts: bool = False
    # Stored in a column of 300 characters (one booking refuses more with 422).
    purpose: Annotated[str, msgspec.Meta(max_length=300)] = ""
    # A preview lists dates with too few attendees as unavailable rather than refusing.
    attendees: Int = 1


class OccurrenceOut(msgspec.Struct, kw_only=True):
    start: datetime
    end: datetime
    available: bool
    code: str | None
    message: str


class OccurrenceList(msgspec.Struct):
    items: list[OccurrenceOut]


class SeriesOut(msgspec.Struct, kw_only=True):
    id: int
    bookings: list[BookingOut]
    skipped: list[OccurrenceOut]


class DecisionsIn(msgspec.Struct, kw_only=True):
    booking_ids: Annotated[list[RowId], msgspec.Meta(min_length=1, max_length=100)]
    approve: bool
    reason: str = ""  # required to decline: the members read it


class Refusal(msgspec.Struct, kw_only=True):
    id: int
    code: str
    message: str


class DecisionsOut(msgspec.Struct, kw_only=True):
    decided: list[BookingOut]
    refused: list[Refusal]


class SeriesCancelOut(msgspec.Struct, kw_only=True):
    cancelled: list[BookingOut]
    kept: list[BookingOut]


class FreeInterval(msgspec.Struct):
    start: datetime
    end: datetime


class ResourceFree(msgspec.Struct, kw_only=True):
    resource_id: int
    name: str
    kind: str
    free: list[FreeInterval]


class AvailabilityOut(msgspec.Struct):
    items: list[ResourceFree]


class WaitlistIn(SlotIn, kw_only=True):
    pass


class WaitlistOut(SlotOut, kw_only=True):
    status: WaitlistStatus
    offer_expires_at: datetime | None


class WaitlistList(msgspec.Struct):
    items: list[WaitlistOut]
