"""Taking payment for bookings through Stripe PaymentIntents, refunds and reconciliation.

Every write to Stripe is preceded by a committed row (Payment, Refund) whose idempotency key
is reused on every retry, so a crash or an unreachable Stripe never loses a payment and never
charges twice. A PaymentIntent's success confirms its booking exactly once, whether the
webhook or the member's return arrives first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from piccolo.columns.combination import WhereRaw

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services as bookings
from innovation_hub.bookings.tables import ACTIVE_STATUSES, Booking
from innovation_hub.core import audit
from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import Conflict, HubError, NotFound, RuleBroken
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.stripe import StripeClient, StripeError
from innovation_hub.payments.tables import Payment, Refund, StripeEvent

logger = logging.getLogger("innovation_hub.payments")

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


def _unavailable() -> PaymentUnavailable:
    return PaymentUnavailable(
        _(
            "The payment service cannot be reached right now. Your booking is held; "
            "please try again in a moment."
        )
    )


async def _latest_payment(booking_id: int) -> Payment | None:
    return (
        await Payment.objects()
        .where(Payment.booking == booking_id)
        .order_by(Payment.id, ascending=False)
        .first()
        .run()
    )


async def start_payment(booking: Booking, client: StripeClient) -> Payment:
    """The PaymentIntent for a booking waiting for payment: the open one, or a new one."""
    if booking.status != "pending_payment" or booking.price_vnd <= 0:
        raise RuleBroken(_("This booking is not waiting for payment."), code="not_payable")
    if not client.secret_key:  # payments are not configured here: say so, call nobody
        raise _unavailable()
    payment = await _latest_payment(booking.id)
    if payment is not None and payment.status == "requires_payment" and payment.intent_id:
        return payment
    if payment is None or payment.status in {"failed", "canceled"}:
        attempt = 1 if payment is None else payment.attempt + 1
        payment = Payment(
            booking=booking.id,
            attempt=attempt,
            amount_vnd=booking.price_vnd,
            idempotency_key=f"hub-booking-{booking.id}-payment-{attempt}",
            status="creating",
        )
        async with transaction():
            await payment.save()
            await audit.record(
                actor_id=booking.user,
                action="payment.started",
                record_type="booking",
                record_id=booking.id,
                detail={"amount_vnd": booking.price_vnd, "attempt": attempt},
            )
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
            raise _unavailable() from exc
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


async def _payment_for_intent(intent: dict[str, Any]) -> Payment | None:
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
    payment = await _payment_for_intent(intent)
    if payment is None:
        logger.warning("PaymentIntent %s matches no payment", intent.get("id"))
        return "unknown"
    status = intent.get("status")
    if status == "succeeded":
        if (
            int(intent.get("amount", -1)) != payment.amount_vnd
            or intent.get("currency") != CURRENCY
        ):
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
                confirmed = (
                    await Booking.update(
                        {
                            Booking.status: "confirmed",
                            Booking.hold_expires_at: None,
                            Booking.updated_at: utcnow(),
                            Booking.sequence: Booking.sequence + 1,
                        }
                    )
                    .where(
                        (Booking.id == payment.booking)
                        & Booking.status.is_in(["pending_payment", "expired"])
                    )
                    .returning(Booking.id)
                    .run()
                )
                if confirmed:
                    await audit.record(
                        actor_id=None,
                        action="booking.paid",
                        record_type="booking",
                        record_id=payment.booking,
                        detail={"intent": intent["id"], "amount_vnd": payment.amount_vnd},
                    )
        except Exception as exc:
            if not bookings.is_overlap_violation(exc):
                raise
            # Paid after the hold expired and someone else took the slot: give the money back.
            await (
                Payment.update({Payment.status: "succeeded"}).where(Payment.id == payment.id).run()
            )
            booking = await Booking.objects().where(Booking.id == payment.booking).first().run()
            if booking is not None:
                try:
                    await refund(
                        booking,
                        None,
                        amount_vnd=payment.amount_vnd,
                        client=client,
                        reason="paid after the hold expired; the slot was taken",
                    )
                except Conflict:  # a racing delivery of the same success refunded it first
                    pass
            return "refunded_slot_taken"
        if first and not confirmed:
            return await _refund_paid_after_cancel(payment, client)
        return "confirmed" if (first or confirmed) else "already_settled"
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


async def check_on_return(
    user: User, booking_id: int, client: StripeClient, config: PaymentsConfig
) -> tuple[Booking, Payment | None]:
    """When the member comes back from paying, ask Stripe rather than wait for the webhook."""
    booking = await bookings.get_booking(user, booking_id)
    payment = await _latest_payment(booking.id)
    if payment is not None and payment.intent_id and payment.status == "requires_payment":
        try:
            intent = await client.retrieve_payment_intent(payment.intent_id)
        except StripeError as exc:
            raise _unavailable() from exc
        await settle_intent(intent, client, config)
        booking = await bookings.get_booking(user, booking_id)
        payment = await _latest_payment(booking.id)
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


def refund_due(booking: Booking, actor: User | None, config: PaymentsConfig, now: datetime) -> bool:
    """The default policy: full refund up to ``full_refund_hours`` before the start, none
    after; a cancellation by staff always refunds."""
    if actor is not None and bookings.is_staff(actor) and actor.id != booking.user:
        return True
    return booking.start_at - now >= timedelta(hours=config.full_refund_hours)


async def _refund_paid_after_cancel(payment: Payment, client: StripeClient) -> str:
    """The card was charged while the booking was being cancelled (or declined): the money
    goes back in full. Only the delivery that marked the payment succeeded gets here."""
    booking = await Booking.objects().where(Booking.id == payment.booking).first().run()
    if booking is None or booking.status in ACTIVE_STATUSES:
        return "confirmed"
    try:
        await refund(booking, None, client=client, reason="paid after the booking was cancelled")
    except Conflict:  # the cancellation refunded it once the payment had succeeded
        pass
    return "refunded_cancelled"


def _refund_refused(remaining: int) -> HubError:
    if remaining <= 0:
        return Conflict(
            _("This payment has already been refunded in full."), code="already_refunded"
        )
    return RuleBroken(_("Refund between 1 and %(n)s VND.", n=remaining), code="invalid_refund")


async def refund(
    booking: Booking,
    actor: User | None,
    *,
    amount_vnd: int | None = None,
    client: StripeClient,
    reason: str,
) -> Refund | None:
    """Refunds a booking's successful payment (all of what remains, or ``amount_vnd``).

    The amount is added to the payment's refunded total by a conditional update that the
    database applies only while the total stays within what was paid (and a CHECK from
    migration 0010 refuses any other write past it): of racing refunds, each one that would
    take the total past the amount writes nothing and is told what is left."""
    payment = (
        await Payment.objects()
        .where((Payment.booking == booking.id) & (Payment.status == "succeeded"))
        .first()
        .run()
    )
    if payment is None or not payment.intent_id:
        return None
    remaining = payment.amount_vnd - payment.refunded_vnd
    amount = remaining if amount_vnd is None else amount_vnd
    if amount <= 0 or amount > remaining:
        raise _refund_refused(remaining)
    async with transaction():
        added = (
            await Payment.update(
                {Payment.refunded_vnd: Payment.refunded_vnd + amount, Payment.updated_at: utcnow()}
            )
            .where((Payment.id == payment.id) & WhereRaw("refunded_vnd + {} <= amount_vnd", amount))
            .returning(Payment.refunded_vnd)
            .run()
        )
        if not added:  # a racing refund took (some of) it first
            left = (
                await Payment.select(Payment.amount_vnd, Payment.refunded_vnd)
                .where(Payment.id == payment.id)
                .first()
                .run()
            )
            raise _refund_refused(left["amount_vnd"] - left["refunded_vnd"] if left else 0)
        # The update holds the payment's row until commit, so the count is this refund's own.
        count = await Refund.count().where(Refund.payment == payment.id).run()
        refund_row = Refund(
            payment=payment.id,
            amount_vnd=amount,
            reason=reason,
            idempotency_key=f"hub-payment-{payment.id}-refund-{count + 1}",
            created_by=actor.id if actor else None,
        )
        await refund_row.save()
        await audit.record(
            actor_id=actor.id if actor else None,
            action="payment.refund_requested",
            record_type="booking",
            record_id=booking.id,
            detail={"amount_vnd": amount, "reason": reason},
        )
    await _send_refund(refund_row, payment.intent_id, booking.id, client)
    return refund_row


async def _send_refund(
    refund_row: Refund, intent_id: str, booking_id: int, client: StripeClient
) -> None:
    try:
        result = await client.create_refund(
            payment_intent=intent_id,
            amount=refund_row.amount_vnd,
            metadata={"booking_id": str(booking_id), "refund_id": str(refund_row.id)},
            idempotency_key=refund_row.idempotency_key,
        )
    except StripeError as exc:
        # Stays pending; reconciliation sends it again with the same idempotency key.
        refund_row.last_error = str(exc)[:2000]
        await refund_row.save([Refund.last_error])
        return
    refund_row.stripe_refund_id = result.get("id")
    refund_row.status = (
        "succeeded" if result.get("status") in {"succeeded", "pending"} else "failed"
    )
    await refund_row.save([Refund.stripe_refund_id, Refund.status])


def cancellation_listener(client: StripeClient, config: PaymentsConfig):  # type: ignore[no-untyped-def]
    """Refunds a paid booking when it is cancelled, by the policy."""

    async def on_cancelled(booking: Booking, actor: User | None) -> None:
        if refund_due(booking, actor, config, utcnow()):
            await refund(booking, actor, client=client, reason="cancelled")

    return on_cancelled


async def staff_refund(
    staff: User, booking_id: int, *, amount_vnd: int | None, reason: str, client: StripeClient
) -> Refund:
    if not reason.strip():
        raise RuleBroken(
            _("Give a reason for the refund."),
            code="reason_required",
            field_errors={"reason": _("Give a reason for the refund.")},
        )
    booking = await bookings.get_booking(staff, booking_id)
    made = await refund(booking, staff, amount_vnd=amount_vnd, client=client, reason=reason.strip())
    if made is None:
        raise NotFound(_("This booking has no payment to refund."), code="no_payment")
    return made


@dataclass(frozen=True)
class PaymentView:
    payment: Payment | None
    refunds: list[Refund]


async def payment_view(booking: Booking) -> PaymentView:
    payment = await _latest_payment(booking.id)
    refunds = (
        []
        if payment is None
        else await Refund.objects().where(Refund.payment == payment.id).order_by(Refund.id).run()
    )
    return PaymentView(payment, refunds)


async def reconcile(
    client: StripeClient, config: PaymentsConfig, *, now: datetime | None = None
) -> dict[str, int]:
    """Finds payments Stripe and the database disagree on, and settles them."""
    now = now or utcnow()
    counts = {"attached": 0, "confirmed": 0, "canceled": 0, "refunds_sent": 0, "errors": 0}
    if not client.secret_key:
        return counts
    stale = now - timedelta(minutes=1)
    # 1. Intents created at Stripe whose id never reached the database (a crash in between).
    orphans = (
        await Payment.objects()
        .where((Payment.status == "creating") & (Payment.created_at < stale))
        .run()
    )
    if orphans:
        try:
            listed = await client.request("GET", "/v1/payment_intents", {"limit": 100})
        except StripeError:
            counts["errors"] += 1
            listed = {"data": []}
        by_payment = {
            str((i.get("metadata") or {}).get("payment_id")): i for i in listed.get("data", [])
        }
        for payment in orphans:
            intent = by_payment.get(str(payment.id))
            if intent is None:
                continue
            await _payment_for_intent(intent)
            counts["attached"] += 1
    # 2. Open intents: succeeded ones confirm (or refund); those of dead holds are canceled.
    open_payments = (
        await Payment.objects(Payment.booking)
        .where((Payment.status == "requires_payment") & Payment.intent_id.is_not_null())
        .run()
    )
    for payment in open_payments:
        try:
            intent = await client.retrieve_payment_intent(payment.intent_id)
            outcome = await settle_intent(intent, client, config)
            if outcome in {"confirmed", "refunded_slot_taken"}:
                counts["confirmed"] += 1
            elif (
                intent.get("status") != "succeeded"
                and payment.booking.status in {"expired", "cancelled", "declined"}
                and intent.get("status") not in {"canceled", "processing"}
            ):
                await client.cancel_payment_intent(
                    payment.intent_id, idempotency_key=f"hub-payment-{payment.id}-cancel"
                )
                await (
                    Payment.update({Payment.status: "canceled"})
                    .where(Payment.id == payment.id)
                    .run()
                )
                counts["canceled"] += 1
        except StripeError:
            counts["errors"] += 1
    # 3. Refunds that never reached Stripe.
    pending = (
        await Refund.objects(Refund.payment)
        .where((Refund.status == "pending") & Refund.stripe_refund_id.is_null())
        .run()
    )
    for refund_row in pending:
        await _send_refund(
            refund_row, refund_row.payment.intent_id, refund_row.payment.booking, client
        )
        counts["refunds_sent"] += 1
    return counts
