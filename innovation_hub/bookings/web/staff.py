"""The staff calendar board: a location's resources for a day or a week.

Actions on a booking (approve, decline, cancel, move, check in) and blocks post plain forms;
with htmx the answer is the affected resource row(s), drawn again in place, and without
JavaScript a redirect back to the board (or, when refused, the whole board with the message
next to the field). Every change goes through ``bookings.services``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import partial
from typing import Any

from litestar import Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from innovation_hub.bookings import queries, services
from innovation_hub.bookings.tables import Booking
from innovation_hub.bookings.web.board_view import (
    Feedback,
    block_types,
    board_context,
    chosen_kind,
    chosen_location,
    done_messages,
    errors_of,
    local_today,
    read_target,
    read_times,
    respond,
)
from innovation_hub.bookings.web.edge import BookingPolicy, Req, StaffPages
from innovation_hub.core.errors import FormInvalid, HubError, NotFound
from innovation_hub.core.forms import MAX_ID, Form, parse_day, parse_id, text
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.web import FormBody, page

Action = Callable[[], Awaitable[Booking]]


# What the board says it did, by action.
DONE = {
    "approve": "approved",
    "decline": "declined",
    "cancel": "cancelled",
    "check_in": "checked_in",
    "move": "moved",
    "block": "blocked",
}


async def act(
    request: Req, data: dict[str, Any], action: str, call: Action, *, booking_id: int | None
) -> Response[Any]:
    """Runs one action from the board and answers with its outcome in the affected row."""
    done = DONE[action]
    target = await read_target(data)
    row = target.row
    ids_ok = all(0 < n <= MAX_ID for n in (booking_id, row) if n is not None)
    if ids_ok and row is None and booking_id is not None:
        row = await queries.booking_resource(booking_id)
    try:
        if not ids_ok:  # a hand-made address; the database would choke on it
            raise NotFound(_("No such booking."), code="booking_not_found")
        booking = await call()
    except HubError as exc:
        errors, message = errors_of(exc, action)
        feedback = Feedback(row, booking_id, action, False, message, errors, data)
        return await respond(request, replace(target, row=row), feedback, status=exc.status_code)
    feedback = Feedback(row, booking.id if booking_id else None, done, True, done_messages()[done])
    also = [booking.resource] if booking.resource != row else []
    return await respond(request, replace(target, row=row), feedback, also=also)


def move_fields(data: dict[str, Any]) -> tuple[tuple[Any, Any], int | None, str]:
    """The new time, space and note of a move; FormInvalid names every field not read."""
    fields = Form(data)
    times = read_times(fields)
    resource_id = fields.id("resource_id", message=_("Choose a space from the list."))
    fields.check()
    assert times is not None
    return times, resource_id, text(data.get("reason"))


def block_fields(data: dict[str, Any]) -> tuple[tuple[Any, Any], str]:
    """The time of a block and its reason, prefixed with its type ("Event: Demo day")."""
    fields = Form(data)
    times = read_times(fields)
    fields.check()
    assert times is not None
    reason, kind = text(data.get("reason")), text(data.get("block_type"))
    label = block_types().get(kind)
    if reason and label and kind != "other":
        reason = f"{label}: {reason}"
    return times, reason


class Board(StaffPages):
    path = "/staff/board"

    @get("/", name="staff_board")
    async def show(self, request: Req) -> Template:
        params = request.query_params
        view = "week" if params.get("view") == "week" else "day"
        notices: list[str] = []
        day = parse_day(params.get("date"))
        if day is None:
            if params.get("date"):
                notices.append(_("That is not a date; showing today."))
            day = local_today()
        location, understood = await chosen_location(params.get("location_id"))
        if not understood:
            notices.append(_("No such location; showing the main one."))
        feedback = None
        done = params.get("done")
        if done in done_messages():
            row, booking = parse_id(params.get("row")), parse_id(params.get("booking"))
            feedback = Feedback(row, booking, done, True, done_messages()[done])
        context = await board_context(
            view=view,
            day=day,
            location=location,
            kind=chosen_kind(params.get("kind")),
            feedback=feedback,
            notices=notices,
        )
        return page(request, "bookings/board.html", context)

    @post("/bookings/{booking_id:int}/approve")
    async def approve(
        self, request: Req, booking_id: FromPath[int], data: FormBody, booking_policy: BookingPolicy
    ) -> Response[Any]:
        call = partial(
            services.decide,
            request.user,
            booking_id,
            services.Decision(approve=True),
            policy=booking_policy,
        )
        return await act(request, data, "approve", call, booking_id=booking_id)

    @post("/bookings/{booking_id:int}/decline")
    async def decline(
        self, request: Req, booking_id: FromPath[int], data: FormBody, booking_policy: BookingPolicy
    ) -> Response[Any]:
        reason = text(data.get("reason"))

        async def call() -> Booking:
            # The service accepts a decline without a reason; the board asks for one so the
            # member learns why.
            if not reason:
                raise FormInvalid({"reason": _("Give the member a reason.")})
            decision = services.Decision(approve=False, reason=reason)
            return await services.decide(request.user, booking_id, decision, policy=booking_policy)

        return await act(request, data, "decline", call, booking_id=booking_id)

    @post("/bookings/{booking_id:int}/cancel")
    async def cancel(
        self, request: Req, booking_id: FromPath[int], data: FormBody, booking_policy: BookingPolicy
    ) -> Response[Any]:
        reason = text(data.get("reason"))
        call = partial(
            services.cancel_booking, request.user, booking_id, reason=reason, policy=booking_policy
        )
        return await act(request, data, "cancel", call, booking_id=booking_id)

    @post("/bookings/{booking_id:int}/check-in")
    async def check_in(
        self, request: Req, booking_id: FromPath[int], data: FormBody, booking_policy: BookingPolicy
    ) -> Response[Any]:
        call = partial(services.check_in, request.user, booking_id, policy=booking_policy)
        return await act(request, data, "check_in", call, booking_id=booking_id)

    @post("/bookings/{booking_id:int}/move")
    async def move(
        self, request: Req, booking_id: FromPath[int], data: FormBody, booking_policy: BookingPolicy
    ) -> Response[Any]:
        async def call() -> Booking:
            (start, end), resource_id, reason = move_fields(data)
            fields: dict[str, Any] = {
                "start": start,
                "end": end,
                "resource_id": resource_id,
                "reason": reason,
                "policy": booking_policy,
            }
            if text(data.get("following")):  # the later dates of its series too
                return (await services.move_following(request.user, booking_id, **fields))[0]
            return await services.move_booking(request.user, booking_id, **fields)

        return await act(request, data, "move", call, booking_id=booking_id)

    @post("/resources/{resource_id:int}/block")
    async def block(
        self, request: Req, resource_id: FromPath[int], data: FormBody
    ) -> Response[Any]:
        data = {**data, "row": str(resource_id)}

        async def call() -> Booking:
            if not 0 < resource_id <= MAX_ID:
                raise NotFound(_("No such space."), code="resource_not_found")
            (start, end), reason = block_fields(data)
            return await services.create_block(request.user, resource_id, start, end, reason=reason)

        return await act(request, data, "block", call, booking_id=None)
