"""The page a space's QR sign opens on a member's phone (``/spaces/<id>/here``): check in to
their booking there, or book the space on the spot while it is free. Visitors log in first and
come back here; the rules are the check-in and booking services' own."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services
from innovation_hub.bookings.web.edge import BookingPolicy, Req
from innovation_hub.bookings.web.labels import booking_link, hhmm, time_range
from innovation_hub.core import clock
from innovation_hub.core.auth import ANY_USER
from innovation_hub.core.errors import HubError, RuleBroken
from innovation_hub.core.forms import parse_id, parse_moment
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.web import FormBody, form_flow, page
from innovation_hub.spaces import services as spaces


def here_path(resource_id: int) -> str:
    return f"/spaces/{resource_id}/here"


async def here_page(
    request: Req,
    resource_id: int,
    policy: services.Policy,
    *,
    error: str = "",
    status: int = 200,
) -> Template:
    user: User = request.user
    now = await services.space_now(user, resource_id, policy=policy)
    booking = now.booking
    context: dict[str, Any] = {
        "space": now,
        "resource": now.resource,
        "kind": spaces.kind_label(now.resource.kind),
        "error": error,
        "booked": parse_id(request.query_params.get("booked")) is not None,
        "booking_time": time_range(booking.start_at, booking.end_at) if booking else "",
        "checked_in_at": hhmm(booking.checked_in_at) if booking and booking.checked_in_at else "",
        "check_in_from": hhmm(now.check_in_from) if now.check_in_from else "",
    }
    if now.free:
        start, end = now.free
        context.update(
            free_from=hhmm(start),
            free_until=hhmm(end),
            free_start=start.isoformat(),
            free_end=end.isoformat(),
            other_time=booking_link(now.resource.id, start, end),
        )
    return page(request, "bookings/here.html", context, status_code=status)


class SpaceHere(Controller):
    path = "/spaces/{resource_id:int}/here"
    opt = {"access": ANY_USER}

    @get("/", name="space_here")
    async def show(
        self, request: Req, resource_id: FromPath[int], booking_policy: BookingPolicy
    ) -> Template:
        return await here_page(request, resource_id, booking_policy)

    @post("/check-in")
    async def check_in(
        self, request: Req, resource_id: FromPath[int], booking_policy: BookingPolicy
    ) -> Response[Any] | Template:
        user: User = request.user

        async def attempt() -> None:
            booking = await services.member_booking_here(user, resource_id, clock.utcnow())
            if booking is None:
                raise RuleBroken(_("You have no booking here today."), code="no_booking_here")
            await services.check_in(user, booking.id, policy=booking_policy)

        return await form_flow(
            request,
            attempt,
            done=here_path(resource_id),
            refused=lambda exc: here_page(
                request, resource_id, booking_policy, error=exc.detail, status=exc.status_code
            ),
        )

    @post("/book")
    async def book(
        self,
        request: Req,
        resource_id: FromPath[int],
        data: FormBody,
        booking_policy: BookingPolicy,
    ) -> Response[Any] | Template:
        user: User = request.user
        start, end = parse_moment(data.get("start")), parse_moment(data.get("end"))

        async def refused(exc: HubError) -> Template:
            return await here_page(
                request, resource_id, booking_policy, error=exc.detail, status=exc.status_code
            )

        if start is None or end is None:
            return await refused(
                RuleBroken(_("That time could not be read. Open the sign's page again."))
            )

        async def attempt() -> str:
            booking = await services.create_booking(
                user, resource_id, start, end, policy=booking_policy
            )
            if booking.status == "confirmed":
                return f"{here_path(resource_id)}?booked={booking.id}"
            return f"/bookings?booked={booking.id}"  # to pay, or to wait for approval

        return await form_flow(request, attempt, done=str, refused=refused)
