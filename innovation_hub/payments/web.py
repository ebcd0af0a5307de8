"""Member pages for paying a booking, coming back from payment, and the receipt."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import Request, Response, get
from litestar.params import FromPath
from litestar.response import Template

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services as bookings
from innovation_hub.bookings.tables import Booking
from innovation_hub.bookings.workflow import BOOKINGS
from innovation_hub.core.auth import ANY_USER
from innovation_hub.core.errors import HubError
from innovation_hub.core.security import CONTENT_SECURITY_POLICY
from innovation_hub.core.web import go_to, page
from innovation_hub.payments import services
from innovation_hub.payments.api import Config, Stripe
from innovation_hub.payments.services import PaymentsConfig
from innovation_hub.spaces.services import get_any_resource

Req = Request[Any, Any, Any]


def _stripe_policy(js_url: str) -> str:
    """The site's CSP, widened just enough for Stripe.js and its card frame on this page."""
    parts = urlsplit(js_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    extra = {"script-src": origin, "frame-src": origin, "connect-src": origin}
    directives = []
    for directive in CONTENT_SECURITY_POLICY.split("; "):
        name = directive.split(" ", 1)[0]
        directives.append(f"{directive} {extra.pop(name)}" if name in extra else directive)
    directives.extend(f"{name} {value}" for name, value in extra.items())
    return "; ".join(directives)


async def _pay_context(
    booking: Booking, config: PaymentsConfig, *, error: str = ""
) -> dict[str, Any]:
    resource = await get_any_resource(booking.resource)
    return {
        "booking": booking,
        "resource": resource,
        "payment": None,
        "error": error,
        "config": config,
    }


@get("/bookings/{booking_id:int}/pay", access=ANY_USER, name="pay")
async def pay(
    request: Req,
    booking_id: FromPath[int],
    stripe_client: Stripe,
    payments_config: Config,
) -> Response[Any] | Template:
    client, config = stripe_client, payments_config
    booking = await bookings.get_booking(request.user, booking_id)
    if booking.status == "confirmed" and booking.price_vnd > 0:
        return go_to(request, f"/bookings/{booking.id}/receipt")
    context = await _pay_context(booking, config)
    if booking.status != "pending_payment":
        return page(request, "payments/pay.html", context, status_code=409)
    try:
        context["payment"] = await services.start_payment(booking, client)
    except HubError as exc:
        context["error"] = exc.detail
        return page(request, "payments/pay.html", context, status_code=exc.status_code)
    declined = (await services.payment_view(booking)).payment
    if request.query_params.get("declined") and declined is not None:
        context["error"] = declined.last_error
    response = page(request, "payments/pay.html", context)
    response.headers["content-security-policy"] = _stripe_policy(config.js_url)
    return response


@get("/bookings/{booking_id:int}/payment-return", access=ANY_USER)
async def payment_return(
    request: Req,
    booking_id: FromPath[int],
    stripe_client: Stripe,
    payments_config: Config,
) -> Response[Any] | Template:
    try:
        booking, _ = await services.check_on_return(
            request.user, booking_id, stripe_client, payments_config
        )
    except HubError as exc:
        booking = await bookings.get_booking(request.user, booking_id)
        context = await _pay_context(booking, payments_config, error=exc.detail)
        return page(request, "payments/pay.html", context, status_code=exc.status_code)
    if booking.status == "confirmed":
        return go_to(request, f"/bookings/{booking.id}/receipt?paid=1")
    return go_to(request, f"/bookings/{booking.id}/pay?declined=1")


@get("/bookings/{booking_id:int}/receipt", access=ANY_USER)
async def receipt(request: Req, booking_id: FromPath[int]) -> Template:
    booking = await bookings.get_booking(request.user, booking_id)
    view = await services.payment_view(booking)
    if view.payment is None or view.payment.status != "succeeded":
        return page(
            request,
            "payments/receipt.html",
            {"booking": booking, "view": view, "resource": None, "member": None},
            status_code=404,
        )
    member = await User.objects().where(User.id == booking.user).first().run()
    resource = await get_any_resource(booking.resource)
    return page(
        request,
        "payments/receipt.html",
        {
            "booking": booking,
            "view": view,
            "resource": resource,
            "member": member,
            "status_text": BOOKINGS.label(booking.status, member=True),
            "refund_reason": services.refund_reason_label,
        },
    )


ROUTES = [pay, payment_return, receipt]
