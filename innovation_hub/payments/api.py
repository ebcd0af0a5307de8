"""JSON API and the Stripe webhook for payments."""

from __future__ import annotations

import json
from typing import Any

from litestar import MediaType, Request, Response, get, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services as bookings
from innovation_hub.bookings.schemas import PaymentInfo
from innovation_hub.bookings.tables import Booking
from innovation_hub.core.auth import ANY_USER, PUBLIC, STAFF
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.errors import describe_problems
from innovation_hub.core.openapi import PathId
from innovation_hub.core.stripe import SignatureError, StripeClient, verify_signature
from innovation_hub.payments import services
from innovation_hub.payments.schemas import PaymentOut, PaymentStateOut, RefundIn, RefundOut
from innovation_hub.payments.tables import Payment, Refund

Req = Request[Any, Any, Any]


def stripe_of(request: Req) -> tuple[StripeClient, services.PaymentsConfig]:
    return request.app.state.stripe_client, request.app.state.payments_config


def payment_out(payment: Payment, config: services.PaymentsConfig) -> PaymentOut:
    return PaymentOut(
        client_secret=payment.client_secret,
        publishable_key=config.publishable_key,
        amount_vnd=payment.amount_vnd,
        intent_id=payment.intent_id or "",
        status=payment.status,
    )


def refund_out(refund: Refund) -> RefundOut:
    return RefundOut(
        id=refund.id,
        amount_vnd=refund.amount_vnd,
        reason=refund.reason,
        status=refund.status,
        created_at=refund.created_at.astimezone(LOCAL_TZ),
    )


async def start_for_new_booking(request: Req, booking: Booking) -> PaymentInfo:
    """Given to the bookings API by the app factory: a new paid booking's payment details."""
    client, config = stripe_of(request)
    payment = await services.start_payment(booking, client)
    return PaymentInfo(
        client_secret=payment.client_secret,
        publishable_key=config.publishable_key,
        amount_vnd=payment.amount_vnd,
    )


@post(
    "/bookings/{booking_id:int}/payment",
    access=ANY_USER,
    status_code=200,
    tags=["payments"],
    summary="Start (or resume) paying for a booking",
)
async def start_payment(request: Req, booking_id: PathId) -> PaymentOut:
    client, config = stripe_of(request)
    booking = await bookings.get_booking(request.user, booking_id)
    return payment_out(await services.start_payment(booking, client), config)


@get(
    "/bookings/{booking_id:int}/payment",
    access=ANY_USER,
    tags=["payments"],
    summary="Payment and refund state of a booking",
)
async def payment_state(request: Req, booking_id: PathId) -> PaymentStateOut:
    client, config = stripe_of(request)
    user: User = request.user
    booking, _ = await services.check_on_return(user, booking_id, client, config)
    view = await services.payment_view(booking)
    return PaymentStateOut(
        booking_id=booking.id,
        booking_status=booking.status,
        payment_status=view.payment.status if view.payment else None,
        amount_vnd=view.payment.amount_vnd if view.payment else booking.price_vnd,
        refunded_vnd=view.payment.refunded_vnd if view.payment else 0,
        refunds=[refund_out(r) for r in view.refunds],
        message=view.payment.last_error if view.payment else "",
    )


@post(
    "/bookings/{booking_id:int}/refunds",
    access=STAFF,
    status_code=HTTP_201_CREATED,
    tags=["payments"],
    summary="Refund a booking (staff), with a reason",
)
async def staff_refund(request: Req, booking_id: PathId, data: JSONBody[RefundIn]) -> RefundOut:
    client, _ = stripe_of(request)
    refund = await services.staff_refund(
        request.user, booking_id, amount_vnd=data.amount_vnd, reason=data.reason, client=client
    )
    return refund_out(refund)


def _plain(status: int, message: str) -> Response[Any]:
    return Response({"status": message}, status_code=status, media_type=MediaType.JSON)


@post("/stripe/webhook", access=PUBLIC, include_in_schema=False, skip_session=True)
async def webhook(request: Req) -> Response[Any]:
    client, config = stripe_of(request)
    payload = await request.body()
    try:
        verify_signature(payload, request.headers.get("stripe-signature"), config.webhook_secret)
        event = json.loads(payload)
    except (SignatureError, ValueError):
        return _plain(400, "bad signature")
    if not isinstance(event, dict):
        return _plain(400, "bad event")
    outcome = await services.handle_event(event, client, config)
    return _plain(200, outcome)


API_ROUTES = describe_problems([start_payment, payment_state, staff_refund])
ROOT_ROUTES = [webhook]
