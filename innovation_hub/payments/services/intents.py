"""Taking payment for bookings through Stripe PaymentIntents.

Every write to Stripe is preceded by a committed Payment row whose idempotency key is
reused on every retry, so a crash or an unreachable Stripe never loses a payment and never
charges twice. A PaymentIntent's success confirms its booking exactly once (through
``bookings.services.confirm_paid``), whether the webhook or the member's return arrives first.
"""

from __future__ import annotations

import logging
from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services as bookings
from innovation_hub.bookings.tables import Booking
from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import RuleBroken
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.stripe import StripeClient, StripeError
from innovation_hub.payments.services.common import (
    CURRENCY,
    PaymentsConfig,
    latest_payment,
    unavailable,
)
from innovation_hub.payments.services.refunds import (
    PAID_AFTER_SLOT_TAKEN,
    refund_paid_after_cancel,
    refund_unbookable,
)
from innovation_hub.payments.tables import Payment, StripeEvent

logger = logging.getLogger("innovation_hub.payments")


async def start_payment(booking: Booking, client: StripeClient) -> Payment:
    """The PaymentIntent for a booking waiting for payment: the open one, or a new one."""
    if booking.status != "pending_payment" or booking.price_vnd <= 0:
        raise RuleBroken(_("This booking is not waiting for payment."), code="not_payable")
    if not client.secret_key:  # payments are not configured here: say so, call nobody
        raise unavailable()
    payment = await latest_payment(booking.id)
    if payment is not None and payment.status == "requires_payment" and payment.intent_id:
        return payment
    if payment is None or payment.status in {"failed", "canceled"}:
        payment = await _new_attempt(booking, 1 if payment is None else payment.attempt + 1)
    # status "creating": first try, or a retry after Stripe was unreachable or we crashed.
    try:
        intent = await client.create_payment_intent(
            amount=payment.amount_vnd,
            currency=CURRENCY,
            idempotency_key=payment.idempotency_key,
            metadata={"booking_id": str(booking.id), "payment_id": str(payment.id)},
        )
    except StripeError as exc:
        payment.last_error = str(exc)[:2000]
        await payment.save([Payment.last_error])
        if exc.unreachable or exc.status in {409, 429}:
            raise unavailable() from exc
        raise RuleBroken(
            _("The payment could not be started: %(message)s", message=exc.message),
            code="payment_refused",
        ) from exc
    payment.intent_id = intent["id"]
    payment.client_secret = intent.get("client_secret", "")
    payment.status = "requires_payment"
    payment.last_error = ""
    payment.updated_at = utcnow()
    await payment.save()
    return payment


async def _new_attempt(booking: Booking, attempt: int) -> Payment:
    payment = Payment(
        booking=booking.id,
        attempt=attempt,
        amount_vnd=booking.price_vnd,
        idempotency_key=f"hub-booking-{booking.id}-payment-{attempt}",
        status="creating",
    )
    async with transaction():
        await payment.save()
        detail = {"amount_vnd": booking.price_vnd, "attempt": attempt}
        await bookings.audit_booking(booking.user, "payment.started", booking.id, detail)
    return payment


async def payment_for_intent(intent: dict[str, Any]) -> Payment | None:
    payment = await Payment.objects().where(Payment.intent_id == intent["id"]).first().run()
    if payment is not None:
        return payment
    # A crash after Stripe created the intent but before we stored its id: match the metadata.
    payment_id = (intent.get("metadata") or {}).get("payment_id")
    if payment_id and str(payment_id).isdigit():
        payment = (
            await Payment.objects()
            .where((Payment.id == int(payment_id)) & Payment.intent_id.is_null())
            .first()
            .run()
        )
        if payment is not None:
            payment.intent_id = intent["id"]
            payment.client_secret = intent.get("client_secret", "")
            payment.status = "requires_payment"
            await payment.save()
    return payment


async def settle_intent(
    intent: dict[str, Any], client: StripeClient, config: PaymentsConfig
) -> str:
    """Applies a PaymentIntent's state to the booking, once; returns what happened."""
    payment = await payment_for_intent(intent)
    if payment is None:
        logger.warning("PaymentIntent %s matches no payment", intent.get("id"))
        return "unknown"
    status = intent.get("status")
    if status == "succeeded":
        return await _settle_success(intent, payment, client)
    if status == "canceled":
        await Payment.update({Payment.status: "canceled"}).where(Payment.id == payment.id).run()
        return "canceled"
    error = intent.get("last_payment_error") or {}
    if error:
        await (
            Payment.update(
                {
                    Payment.last_error: str(error.get("message") or error.get("code"))[:2000],
                    Payment.updated_at: utcnow(),
                }
            )
            .where(Payment.id == payment.id)
            .run()
        )
        return "declined"
    return "pending"


async def _settle_success(intent: dict[str, Any], payment: Payment, client: StripeClient) -> str:
    if int(intent.get("amount", -1)) != payment.amount_vnd or intent.get("currency") != CURRENCY:
        logger.error(
            "PaymentIntent %s amount %s %s differs from payment %s",
            intent["id"],
            intent.get("amount"),
            intent.get("currency"),
            payment.id,
        )
        return "mismatch"
    try:
        async with transaction():
            # The update holds the payment's row: a racing delivery waits here, then finds
            # it succeeded and the booking confirmed.
            first = (
                await Payment.update(
                    {
                        Payment.status: "succeeded",
                        Payment.last_error: "",
                        Payment.updated_at: utcnow(),
                    }
                )
                .where((Payment.id == payment.id) & (Payment.status != "succeeded"))
                .returning(Payment.id)
                .run()
            )
            confirmed = await bookings.confirm_paid(
                payment.booking, detail={"intent": intent["id"], "amount_vnd": payment.amount_vnd}
            )
    except Exception as exc:
        if not bookings.is_overlap_violation(exc):
            raise
        # Paid after the hold expired and someone else took the slot: give the money back.
        await Payment.update({Payment.status: "succeeded"}).where(Payment.id == payment.id).run()
        await refund_unbookable(
            payment,
            client,
            amount_vnd=payment.amount_vnd,
            reason=PAID_AFTER_SLOT_TAKEN,
        )
        return "refunded_slot_taken"
    if first and not confirmed:
        return await refund_paid_after_cancel(payment, client)
    return "confirmed" if (first or confirmed) else "already_settled"


async def check_on_return(
    user: User, booking_id: int, client: StripeClient, config: PaymentsConfig
) -> tuple[Booking, Payment | None]:
    """When the member comes back from paying, ask Stripe rather than wait for the webhook."""
    booking = await bookings.get_booking(user, booking_id)
    payment = await latest_payment(booking.id)
    if payment is not None and payment.intent_id and payment.status == "requires_payment":
        try:
            intent = await client.retrieve_payment_intent(payment.intent_id)
        except StripeError as exc:
            raise unavailable() from exc
        await settle_intent(intent, client, config)
        booking = await bookings.get_booking(user, booking_id)
        payment = await latest_payment(booking.id)
    return booking, payment


async def handle_event(event: dict[str, Any], client: StripeClient, config: PaymentsConfig) -> str:
    """A verified webhook event, processed at most once per event id."""
    event_id, event_type = str(event.get("id", "")), str(event.get("type", ""))
    if not event_id:
        raise RuleBroken("event without id", code="bad_event")
    inserted = (
        await StripeEvent.insert(StripeEvent(event_id=event_id, type=event_type))
        .on_conflict(action="DO NOTHING")
        .returning(StripeEvent.id)
        .run()
    )
    if not inserted:
        return "duplicate"
    intent = (event.get("data") or {}).get("object") or {}
    if event_type.startswith("payment_intent.") and intent.get("id"):
        if event_type != "payment_intent.succeeded":
            # Events may arrive out of order: act on the intent's current state.
            try:
                intent = await client.retrieve_payment_intent(intent["id"])
            except StripeError:
                logger.warning("could not refresh %s; using the event's copy", intent["id"])
        return await settle_intent(intent, client, config)
    return "ignored"
