from piccolo.columns import BigInt, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from innovation_hub.bookings.tables import Booking


def _written_now() -> Timestamptz:
    """A timestamp column that defaults to the time the row is written."""
    return Timestamptz(default=TimestamptzNow())


class Payment(Table, tablename="payment"):
    """One attempt to take payment for a booking through a Stripe PaymentIntent.

    The row is committed before Stripe is called, so a crash between the two leaves a trace
    that reconciliation can finish: the idempotency key and the PaymentIntent's metadata both
    name this row's booking and attempt.
    """

    id: Serial
    booking = ForeignKey(references=Booking, on_delete=OnDelete.restrict, null=False, index=True)
    attempt = Integer(default=1)
    idempotency_key = Varchar(length=100, unique=True)
    intent_id = Varchar(length=100, null=True, default=None, unique=True)
    client_secret = Varchar(length=200, default="")
    amount_vnd = BigInt()
    # creating | requires_payment | succeeded | failed | canceled
    status = Varchar(length=20, default="creating", index=True)
    refunded_vnd = BigInt(default=0)
    last_error = Text(default="")
    created_at = _written_now()
    updated_at = _written_now()


class Refund(Table, tablename="refund"):
    id: Serial
    payment = ForeignKey(references=Payment, on_delete=OnDelete.restrict, null=False, index=True)
    amount_vnd = BigInt()
    reason = Text(default="")
    idempotency_key = Varchar(length=100, unique=True)
    stripe_refund_id = Varchar(length=100, null=True, default=None)
    status = Varchar(length=20, default="pending")  # pending | succeeded | failed
    last_error = Text(default="")
    created_by = Integer(null=True, default=None)
    created_at = _written_now()


class StripeEvent(Table, tablename="stripe_event"):
    """Every webhook event id, stored once: a repeated delivery changes nothing."""

    id: Serial
    event_id = Varchar(length=100, unique=True)
    type = Varchar(length=100)
    received_at = _written_now()
