"""The reconciliation job: finds payments Stripe and the database disagree on, and settles
them."""

from __future__ import annotations

from datetime import datetime, timedelta

from innovation_hub.core.clock import utcnow
from innovation_hub.core.stripe import StripeClient, StripeError
from innovation_hub.payments.services.common import PaymentsConfig
from innovation_hub.payments.services.intents import payment_for_intent, settle_intent
from innovation_hub.payments.services.refunds import send_refund
from innovation_hub.payments.tables import Payment, Refund

Counts = dict[str, int]
DEAD_BOOKINGS = {"expired", "cancelled", "declined"}


async def reconcile(
    client: StripeClient, config: PaymentsConfig, *, now: datetime | None = None
) -> Counts:
    now = now or utcnow()
    counts = {"attached": 0, "confirmed": 0, "canceled": 0, "refunds_sent": 0, "errors": 0}
    if not client.secret_key:
        return counts
    await _attach_orphans(client, now - timedelta(minutes=1), counts)
    await _settle_open(client, config, counts)
    await _send_pending_refunds(client, counts)
    return counts


async def _attach_orphans(client: StripeClient, stale: datetime, counts: Counts) -> None:
    """Intents created at Stripe whose id never reached the database (a crash in between)."""
    orphans = (
        await Payment.objects()
        .where((Payment.status == "creating") & (Payment.created_at < stale))
        .run()
    )
    if not orphans:
        return
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
        await payment_for_intent(intent)
        counts["attached"] += 1


async def _settle_open(client: StripeClient, config: PaymentsConfig, counts: Counts) -> None:
    """Open intents: succeeded ones confirm (or refund); those of dead holds are canceled."""
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
                intent.get("status") not in {"succeeded", "canceled", "processing"}
                and payment.booking.status in DEAD_BOOKINGS
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


async def _send_pending_refunds(client: StripeClient, counts: Counts) -> None:
    """Refunds that never reached Stripe."""
    pending = (
        await Refund.objects(Refund.payment)
        .where((Refund.status == "pending") & Refund.stripe_refund_id.is_null())
        .run()
    )
    for refund_row in pending:
        await send_refund(
            refund_row, refund_row.payment.intent_id, refund_row.payment.booking, client
        )
        counts["refunds_sent"] += 1
