"""JSON API and the Stripe webhook for payments."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import msgspec
from litestar import MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED

from innovation_hub.bookings import services as bookings
from innovation_hub.bookings.api import PaymentStarter
from innovation_hub.bookings.schemas import PaymentInfo
from innovation_hub.bookings.tables import Booking
from innovation_hub.core.auth import ANY_USER, PUBLIC, STAFF
from innovation_hub.core.errors import describe_problems
from innovation_hub.core.openapi import PathId
from innovation_hub.core.rows import to_struct
from innovation_hub.core.stripe import SignatureError, StripeClient, verify_signature
from innovation_hub.payments import services
from innovation_hub.payments.schemas import PaymentOut, PaymentStateOut, RefundIn, RefundOut
from innovation_hub.payments.services import PaymentsConfig
from innovation_hub.payments.tables import Payment

Req = Request[Any, Any, Any]
# Injected by name (payments.domain provides them).
Stripe = NamedDependency[StripeClient]
Config = NamedDependency[PaymentsConfig]

# The route decorators with what every payments operation shares.
_get = partial(get, tags=["payments"])
_post = partial(post, tags=["payments"])


def payment_out(payment: Payment, config: PaymentsConfig) -> PaymentOut:
    return to_struct(
        payment,
        PaymentOut,
        publishable_key=config.publishable_key,
        intent_id=payment.intent_id or "",
    )


def payment_starter(client: StripeClient, config: PaymentsConfig) -> PaymentStarter:
    """Given to the bookings API (domain.provides): a new paid booking's payment details."""

    async def start(booking: Booking) -> PaymentInfo:
        payment = await services.start_payment(booking, client)
        return to_struct(payment, PaymentInfo, publishable_key=config.publishable_key)

    return start


@_post(
    "/bookings/{booking_id:int}/payment",
    access=ANY_USER,
    status_code=200,
    summary="Start (or resume) paying for a booking",
)
async def start_payment(
    request: Req, booking_id: PathId, stripe_client: Stripe, payments_config: Config
) -> PaymentOut:
    booking = await bookings.get_booking(request.user, booking_id)
    return payment_out(await services.start_payment(booking, stripe_client), payments_config)


@_get(
    "/bookings/{booking_id:int}/payment",
    access=ANY_USER,
    summary="Payment and refund state of a booking",
)
async def payment_state(
    request: Req, booking_id: PathId, stripe_client: Stripe, payments_config: Config
) -> PaymentStateOut:
    booking, _ = await services.check_on_return(
        request.user, booking_id, stripe_client, payments_config
    )
    view = await services.payment_view(booking)
    payment = view.payment
    return to_struct(
        view,  # its refunds
        PaymentStateOut,
        booking_id=booking.id,
        booking_status=booking.status,
        payment_status=payment.status if payment else None,
        amount_vnd=payment.amount_vnd if payment else booking.price_vnd,
        refunded_vnd=payment.refunded_vnd if payment else 0,
        message=payment.last_error if payment else "",
    )


@_post(
    "/bookings/{booking_id:int}/refunds",
    access=STAFF,
    status_code=HTTP_201_CREATED,
    summary="Refund a booking (staff), with a reason",
)
async def staff_refund(
    request: Req, booking_id: PathId, data: JSONBody[RefundIn], stripe_client: Stripe
) -> RefundOut:
    # RefundIn's fields (reason, amount_vnd) are staff_refund's keywords.
    fields = msgspec.structs.asdict(data)
    refund = await services.staff_refund(request.user, booking_id, **fields, client=stripe_client)
    return to_struct(refund, RefundOut)


def _plain(status: int, message: str) -> Response[Any]:
    return Response({"status": message}, status_code=status, media_type=MediaType.JSON)


@post("/stripe/webhook", access=PUBLIC, include_in_schema=False, skip_session=True)
async def webhook(request: Req, stripe_client: Stripe, payments_config: Config) -> Response[Any]:
    payload = await request.body()
    signature = request.headers.get("stripe-signature")
    try:
        verify_signature(payload, signature, payments_config.webhook_secret)
        event = json.loads(payload)
    except (SignatureError, ValueError):
        return _plain(400, "bad signature")
    if not isinstance(event, dict):
        return _plain(400, "bad event")
    outcome = await services.handle_event(event, stripe_client, payments_config)
    return _plain(200, outcome)


API_ROUTES = describe_problems([start_payment, payment_state, staff_refund])
ROOT_ROUTES = [webhook]
