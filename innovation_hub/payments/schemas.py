from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from innovation_hub.bookings.schemas import BookingStatus, PaymentInfo
from innovation_hub.core.openapi import NOT_BLANK, Vnd, rule

PaymentStatus = Literal["creating", "requires_payment", "succeeded", "failed", "canceled"]
RefundStatus = Literal["pending", "succeeded", "failed"]


class PaymentOut(PaymentInfo, kw_only=True):
    """What the bookings API shows of a new payment, and where it stands."""

    intent_id: str
    status: PaymentStatus


class RefundOut(msgspec.Struct, kw_only=True):
    id: int
    amount_vnd: int
    reason: str
    status: RefundStatus
    created_at: datetime


class PaymentStateOut(msgspec.Struct, kw_only=True):
    booking_id: int
    booking_status: BookingStatus
    payment_status: PaymentStatus | None
    amount_vnd: int
    refunded_vnd: int
    refunds: list[RefundOut]
    # The card's own words when a payment was declined.
    message: str = ""


class RefundIn(msgspec.Struct, kw_only=True):
    # Blank is 422 reason_required.
    reason: Annotated[str, rule(pattern=NOT_BLANK)]
    # Default: all that remains; from 1 to that (422 invalid_refund).
    amount_vnd: Vnd | None = None
