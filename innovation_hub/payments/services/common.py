"""What every part of payments shares: the configuration, the outage error, and reading a
booking's payment."""

from __future__ import annotations

from dataclasses import dataclass

from innovation_hub.bookings.tables import Booking
from innovation_hub.core.errors import HubError
from innovation_hub.core.i18n import gettext as _
from innovation_hub.payments.tables import Payment, Refund

CURRENCY = "vnd"  # zero-decimal in Stripe: 150,000 VND is amount=150000


class PaymentUnavailable(HubError):
    status_code = 503
    code = "payment_unavailable"
    title = "Payment service unavailable"


@dataclass(frozen=True)
class PaymentsConfig:
    publishable_key: str
    webhook_secret: str
    js_url: str
    # A member who cancels at least this long before the start gets everything back.
    full_refund_hours: int = 24


def unavailable() -> PaymentUnavailable:
    return PaymentUnavailable(
        _(
            "The payment service cannot be reached right now. Your booking is held; "
            "please try again in a moment."
        )
    )


async def latest_payment(booking_id: int) -> Payment | None:
    return (
        await Payment.objects()
        .where(Payment.booking == booking_id)
        .order_by(Payment.id, ascending=False)
        .first()
        .run()
    )


@dataclass(frozen=True)
class PaymentView:
    payment: Payment | None
    refunds: list[Refund]


async def payment_view(booking: Booking) -> PaymentView:
    payment = await latest_payment(booking.id)
    refunds = (
        []
        if payment is None
        else await Refund.objects().where(Refund.payment == payment.id).order_by(Refund.id).run()
    )
    return PaymentView(payment, refunds)
