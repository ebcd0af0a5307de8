"""Giving money back: by the cancellation policy, by staff, and when a payment arrives for
a booking that can no longer be had."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from piccolo.columns.combination import WhereRaw

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services as bookings
from innovation_hub.bookings.tables import ACTIVE_STATUSES, Booking
from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import Conflict, HubError, NotFound, RuleBroken
from innovation_hub.core.i18n import N_, Labels
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.stripe import StripeClient, StripeError
from innovation_hub.payments.services.common import PaymentsConfig
from innovation_hub.payments.tables import Payment, Refund


def refund_due(booking: Booking, actor: User | None, config: PaymentsConfig, now: datetime) -> bool:
    """The default policy: full refund up to ``full_refund_hours`` before the start, none
    after; a cancellation by staff always refunds."""
    if actor is not None and bookings.is_staff(actor) and actor.id != booking.user:
        return True
    return booking.start_at - now >= timedelta(hours=config.full_refund_hours)


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
    """Refunds a booking's successful payment (all of what remains, or ``amount_vnd``)."""
    payment = await _paid(booking)
    if payment is None:
        return None
    remaining = payment.amount_vnd - payment.refunded_vnd
    amount = remaining if amount_vnd is None else amount_vnd
    if amount <= 0 or amount > remaining:
        raise _refund_refused(remaining)
    refund_row = await _record_refund(payment, amount, actor, reason)
    await send_refund(refund_row, payment.intent_id, booking.id, client)
    return refund_row


async def _paid(booking: Booking) -> Payment | None:
    """The booking's successful payment, if it was made through Stripe."""
    payment = (
        await Payment.objects()
        .where((Payment.booking == booking.id) & (Payment.status == "succeeded"))
        .first()
        .run()
    )
    return payment if payment is not None and payment.intent_id else None


async def _record_refund(payment: Payment, amount: int, actor: User | None, reason: str) -> Refund:
    """The amount is added to the payment's refunded total by a conditional update that the
    database applies only while the total stays within what was paid (and a CHECK from
    migration 0010 refuses any other write past it): of racing refunds, each one that would
    take the total past the amount writes nothing and is told what is left."""
    actor_id = actor.id if actor else None
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
            created_by=actor_id,
        )
        await refund_row.save()
        detail = {"amount_vnd": amount, "reason": reason}
        await bookings.audit_booking(actor_id, "payment.refund_requested", payment.booking, detail)
    return refund_row


async def send_refund(
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


async def refund_unbookable(
    payment: Payment, client: StripeClient, *, reason: str, amount_vnd: int | None = None
) -> None:
    """Gives back a payment whose booking cannot be had any more (cancelled meanwhile, or
    its slot taken after the hold expired). A racing delivery of the same success, or the
    cancellation itself, may have refunded it first: then nothing more is sent."""
    booking = await Booking.objects().where(Booking.id == payment.booking).first().run()
    if booking is None:
        return
    try:
        await refund(booking, None, amount_vnd=amount_vnd, client=client, reason=reason)
    except Conflict:
        pass


async def refund_paid_after_cancel(payment: Payment, client: StripeClient) -> str:
    """The card was charged while the booking was being cancelled (or declined): the money
    goes back in full. Only the delivery that marked the payment succeeded gets here."""
    booking = await Booking.objects().where(Booking.id == payment.booking).first().run()
    if booking is None or booking.status in ACTIVE_STATUSES:
        return "confirmed"
    await refund_unbookable(payment, client, reason=PAID_AFTER_CANCEL)
    return "refunded_cancelled"


CANCELLED = "cancelled"  # the reason of a refund a cancellation gives
PAID_AFTER_CANCEL = N_("paid after the booking was cancelled")
PAID_AFTER_SLOT_TAKEN = N_("paid after the hold expired; the slot was taken")
# The reasons the system writes are stored in English and shown in the reader's language;
# a reason staff typed is shown as typed.
refund_reason_label = Labels(
    {
        CANCELLED: N_("The booking was cancelled"),
        PAID_AFTER_CANCEL: PAID_AFTER_CANCEL,
        PAID_AFTER_SLOT_TAKEN: PAID_AFTER_SLOT_TAKEN,
    }
)


def cancellation_refunder(
    config: PaymentsConfig,
) -> Callable[[Booking, User | None], Awaitable[int]]:
    """Records, inside the cancelling transaction, the refund a cancellation gives by the
    policy, and returns its amount (0 for none): the member's notice names it, and the
    refund exists exactly when the cancellation committed. ``cancellation_listener`` sends
    it to Stripe after the commit; reconciliation sends any that did not get there."""

    async def refund_on_cancel(booking: Booking, actor: User | None) -> int:
        payment = await _paid(booking)
        if payment is None or not refund_due(booking, actor, config, utcnow()):
            return 0
        remaining = payment.amount_vnd - payment.refunded_vnd
        if remaining <= 0:  # staff refunded it in full already
            return 0
        try:
            made = await _record_refund(payment, remaining, actor, CANCELLED)
        except HubError:  # a racing refund took what was left
            return 0
        return made.amount_vnd

    return refund_on_cancel


def cancellation_listener(
    client: StripeClient,
) -> Callable[[Booking, User | None], Awaitable[None]]:
    """Sends the refunds a cancellation recorded, once it committed."""

    async def on_cancelled(booking: Booking, actor: User | None) -> None:
        pending = (
            await Refund.objects(Refund.payment)
            .where(
                (Refund.payment.booking == booking.id)  # type: ignore[union-attr]
                & (Refund.reason == CANCELLED)
                & (Refund.status == "pending")
                & Refund.stripe_refund_id.is_null()
            )
            .run()
        )
        for refund_row in pending:
            await send_refund(refund_row, refund_row.payment.intent_id, booking.id, client)

    return on_cancelled


async def staff_refund(
    staff: User, booking_id: int, *, amount_vnd: int | None, reason: str, client: StripeClient
) -> Refund:
    if not reason.strip():
        message = _("Give a reason for the refund.")
        raise RuleBroken(message, code="reason_required", field_errors={"reason": message})
    booking = await bookings.get_booking(staff, booking_id)
    made = await refund(booking, staff, amount_vnd=amount_vnd, client=client, reason=reason.strip())
    if made is None:
        raise NotFound(_("This booking has no payment to refund."), code="no_payment")
    return made
