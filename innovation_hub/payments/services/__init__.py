"""Payments: Stripe PaymentIntents for paid bookings, refunds and reconciliation.

By use case: ``intents`` (starting a payment, settling what Stripe says), ``refunds``,
``reconcile`` (the job) and ``common`` (configuration, reading a booking's payment).
Payments reads bookings but never writes them: a success confirms its booking through
``bookings.services.confirm_paid``.
"""

from innovation_hub.payments.services.common import (
    CURRENCY,
    PaymentsConfig,
    PaymentUnavailable,
    PaymentView,
    payment_view,
)
from innovation_hub.payments.services.intents import (
    check_on_return,
    handle_event,
    settle_intent,
    start_payment,
)
from innovation_hub.payments.services.reconcile import reconcile
from innovation_hub.payments.services.refunds import (
    cancellation_listener,
    cancellation_refunder,
    refund,
    refund_due,
    refund_reason_label,
    staff_refund,
)

__all__ = [
    "CURRENCY",
    "PaymentUnavailable",
    "PaymentView",
    "PaymentsConfig",
    "cancellation_listener",
    "cancellation_refunder",
    "check_on_return",
    "handle_event",
    "payment_view",
    "reconcile",
    "refund",
    "refund_due",
    "refund_reason_label",
    "settle_intent",
    "staff_refund",
    "start_payment",
]
