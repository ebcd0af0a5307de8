"""JSON API for availability, bookings, series, blocks and the waitlist."""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from typing import Annotated, Any

import msgspec
from litestar import Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from innovation_hub.bookings import services
from innovation_hub.bookings.schemas import (
    MAX_DB_INT,
    AvailabilityOut,
    BlockIn,
    BookingIn,
    BookingList,
    BookingOut,
    DecisionsIn,
    DecisionsOut,
    FreeInterval,
    MoveIn,
    OccurrenceList,
    OccurrenceOut,
    PaymentInfo,
    ReasonIn,
    Refusal,
    ResourceFree,
    SeriesCancelIn,
    SeriesCancelOut,
    SeriesIn,
    SeriesOut,
    SlotIn,
    WaitlistIn,
    WaitlistList,
    WaitlistOut,
)
from innovation_hub.bookings.services import Policy
from innovation_hub.bookings.tables import Booking, WaitlistEntry
from innovation_hub.core.auth import ANY_USER, PUBLIC, STAFF
from innovation_hub.core.errors import HubError, describe_problems
from innovation_hub.core.openapi import PathId
from innovation_hub.core.rows import to_struct
from innovation_hub.core.timestamps import parse_timestamp

Req = Request[Any, Any, Any]
# A new paid booking's payment details. Payments sits on a higher floor and provides it.
PaymentStarter = Callable[[Booking], Awaitable[PaymentInfo]]
# Injected by name (bookings.domain and payments.domain provide them).
BookingPolicy = NamedDependency[Policy]
Starter = NamedDependency[PaymentStarter]
Reason = JSONBody[ReasonIn | None]  # optional: no body is no reason

# Read by hand (core.timestamps) for its messages, but described as what it is.
DATE_TIME = {"format": "date-time"}
ROW_ID = QueryParameter(ge=1, le=MAX_DB_INT)
TIMESTAMP = "ISO 8601 with an offset, e.g. 2026-12-01T09:00:00+07:00 (without one: 400)"

# The route decorators with what every bookings operation shares.
_get = partial(get, tags=["bookings"])
_post = partial(post, status_code=200, tags=["bookings"])
_create = partial(post, status_code=HTTP_201_CREATED, tags=["bookings"])


def _slot(data: SlotIn) -> tuple[int, datetime, datetime]:
    """The resource and the time a request is about, as the services take them."""
    return data.resource_id, data.start, data.end


def _repeat(data: SeriesIn) -> dict[str, Any]:
    return {"frequency": data.frequency, "until": data.until, "count": data.count}


def _reason(data: ReasonIn | None) -> str:
    return data.reason if data else ""


def _when(row: Booking | WaitlistEntry) -> dict[str, Any]:
    """The resource and the time of a booking or a waitlist entry, as SlotOut names them."""
    return {"resource_id": row.resource, "start": row.start_at, "end": row.end_at}


def booking_out(booking: Booking) -> BookingOut:
    return to_struct(booking, BookingOut, **_when(booking), series_id=booking.series)


def occurrence_out(occurrence: services.Occurrence) -> OccurrenceOut:
    return to_struct(occurrence, OccurrenceOut, available=occurrence.code is None)


def waitlist_out(entry: WaitlistEntry) -> WaitlistOut:
    return to_struct(entry, WaitlistOut, **_when(entry))


@_get(
    "/availability",
    access=PUBLIC,
    security=[],
    summary="Free time per resource between start and end",
)
async def availability(
    start: Annotated[str, QueryParameter(description=TIMESTAMP, schema_extra=DATE_TIME)],
    end: Annotated[str, QueryParameter(description=TIMESTAMP, schema_extra=DATE_TIME)],
    kind: FromQuery[str | None] = None,
    resource_id: Annotated[int | None, ROW_ID] = None,
    min_capacity: Annotated[int | None, QueryParameter(ge=1, le=MAX_DB_INT)] = None,
    location_id: Annotated[int | None, ROW_ID] = None,
) -> AvailabilityOut:
    found = await services.availability(
        parse_timestamp(start, "start"),
        parse_timestamp(end, "end"),
        kind=kind,
        resource_id=resource_id,
        min_capacity=min_capacity,
        location_id=location_id,
    )
    return AvailabilityOut(items=[_resource_free(a) for a in found])


# A resource whose free time did not change is the same item from one answer to the next.
_free_out: weakref.WeakKeyDictionary[services.ResourceAvailability, ResourceFree] = (
    weakref.WeakKeyDictionary()
)


def _resource_free(a: services.ResourceAvailability) -> ResourceFree:
    out = _free_out.get(a)
    if out is None:
        # The free intervals are already in local time (services.availability).
        free = [FreeInterval(start, end) for start, end in a.free]
        out = _free_out[a] = to_struct(
            a.resource, ResourceFree, resource_id=a.resource.id, free=free
        )
    return out


@_create("/bookings", access=ANY_USER, summary="Book a resource")
async def create_booking(
    request: Req,
    data: JSONBody[BookingIn],
    booking_policy: BookingPolicy,
    payment_starter: Starter,
) -> BookingOut:
    booking = await services.create_booking(
        request.user,
        *_slot(data),
        purpose=data.purpose,
        attendees=data.attendees,
        policy=booking_policy,
    )
    out = booking_out(booking)
    if booking.status == "pending_payment":
        try:
            out.payment = await payment_starter(booking)
        except HubError as exc:
            out.payment_error = exc.detail
    return out


@_get(
    "/bookings", access=ANY_USER, summary="The caller's bookings (staff: all=true for everyone's)"
)
async def list_bookings(request: Req, all: FromQuery[bool] = False) -> BookingList:
    bookings = await services.list_bookings(request.user, everyone=all)
    return BookingList(items=[booking_out(b) for b in bookings])


@_get("/bookings/{booking_id:int}", access=ANY_USER, summary="One booking")
async def get_booking(request: Req, booking_id: PathId) -> BookingOut:
    return booking_out(await services.get_booking(request.user, booking_id))


@_post("/bookings/{booking_id:int}/cancel", access=ANY_USER, summary="Cancel a booking")
async def cancel_booking(
    request: Req, booking_id: PathId, booking_policy: BookingPolicy, data: Reason = None
) -> BookingOut:
    booking = await services.cancel_booking(
        request.user, booking_id, reason=_reason(data), policy=booking_policy
    )
    return booking_out(booking)


@_post("/bookings/{booking_id:int}/check-in", access=ANY_USER, summary="Check in to a booking")
async def check_in(request: Req, booking_id: PathId, booking_policy: BookingPolicy) -> BookingOut:
    return booking_out(await services.check_in(request.user, booking_id, policy=booking_policy))


@_post(
    "/bookings/{booking_id:int}/approve",
    access=STAFF,
    summary="Approve a booking waiting for approval",
)
async def approve(request: Req, booking_id: PathId, booking_policy: BookingPolicy) -> BookingOut:
    return booking_out(
        await services.decide(
            request.user, booking_id, services.Decision(approve=True), policy=booking_policy
        )
    )


@_post(
    "/bookings/{booking_id:int}/decline",
    access=STAFF,
    summary="Decline a booking waiting for approval",
)
async def decline(
    request: Req, booking_id: PathId, booking_policy: BookingPolicy, data: Reason = None
) -> BookingOut:
    decision = services.Decision(approve=False, reason=_reason(data))
    decided = await services.decide(request.user, booking_id, decision, policy=booking_policy)
    return booking_out(decided)


@_post("/bookings/decisions", access=STAFF, summary="Approve or decline several requests at once")
async def decide_many(
    request: Req, data: JSONBody[DecisionsIn], booking_policy: BookingPolicy
) -> DecisionsOut:
    """Each request is decided on its own: one decided meanwhile by someone else is listed in
    ``refused`` with its reason, and the others are still decided."""
    decision = services.Decision(approve=data.approve, reason=data.reason)
    decided, refused = await services.decide_many(
        request.user, data.booking_ids, decision, policy=booking_policy
    )
    return DecisionsOut(
        decided=[booking_out(b) for b in decided],
        refused=[
            Refusal(id=booking_id, code=exc.code, message=exc.detail)
            for booking_id, exc in refused.items()
        ],
    )


@_post(
    "/bookings/{booking_id:int}/move",
    access=STAFF,
    summary="Move a booking to another time or resource",
)
async def move(
    request: Req, booking_id: PathId, data: JSONBody[MoveIn], booking_policy: BookingPolicy
) -> BookingOut:
    """With ``following``, the later dates of its series move by the same shift, all or none;
    the answer is the booking itself."""
    # MoveIn's other fields (start, end, resource_id, reason) are move_booking's keywords.
    fields = msgspec.structs.asdict(data)
    if fields.pop("following"):
        moved = await services.move_following(
            request.user, booking_id, **fields, policy=booking_policy
        )
        return booking_out(moved[0])
    return booking_out(
        await services.move_booking(request.user, booking_id, **fields, policy=booking_policy)
    )


@_create("/blocks", access=STAFF, summary="Block a resource (maintenance, an event)")
async def create_block(request: Req, data: JSONBody[BlockIn]) -> BookingOut:
    return booking_out(
        await services.create_block(
            request.user, *_slot(data), reason=data.reason, public=data.public
        )
    )


@_post(
    "/booking-series/preview",
    access=ANY_USER,
    summary="Which dates of a repeating booking are free",
)
async def preview_series(request: Req, data: JSONBody[SeriesIn]) -> OccurrenceList:
    occurrences = await services.preview_series(
        request.user, *_slot(data), **_repeat(data), attendees=data.attendees
    )
    return OccurrenceList(items=[occurrence_out(o) for o in occurrences])


@_create("/booking-series", access=ANY_USER, summary="Book a daily, weekly or monthly series")
async def create_series(
    request: Req, data: JSONBody[SeriesIn], booking_policy: BookingPolicy
) -> SeriesOut:
    result = await services.create_series(
        request.user,
        *_slot(data),
        **_repeat(data),
        skip_conflicts=data.skip_conflicts,
        purpose=data.purpose,
        attendees=data.attendees,
        policy=booking_policy,
    )
    return SeriesOut(
        id=result.series.id,
        bookings=[booking_out(b) for b in result.booked],
        skipped=[occurrence_out(o) for o in result.skipped],
    )


@_post(
    "/booking-series/{series_id:int}/cancel",
    access=ANY_USER,
    summary="Cancel every future booking of a series, or one and the later ones",
)
async def cancel_series(
    request: Req,
    series_id: PathId,
    booking_policy: BookingPolicy,
    data: JSONBody[SeriesCancelIn | None] = None,
) -> SeriesCancelOut:
    from_booking_id = data.from_booking_id if data else None
    cancelled, kept = await services.cancel_series(
        request.user, series_id, policy=booking_policy, from_booking_id=from_booking_id
    )
    return SeriesCancelOut(
        cancelled=[booking_out(b) for b in cancelled], kept=[booking_out(b) for b in kept]
    )


@_create("/waitlist", access=ANY_USER, summary="Wait for a taken slot")
async def join_waitlist(request: Req, data: JSONBody[WaitlistIn]) -> WaitlistOut:
    return waitlist_out(await services.join_waitlist(request.user, *_slot(data)))


@_get("/waitlist", access=ANY_USER, summary="The caller's waitlist entries")
async def my_waitlist(request: Req) -> WaitlistList:
    return WaitlistList(items=[waitlist_out(e) for e in await services.my_waitlist(request.user)])


@_create(
    "/waitlist/{entry_id:int}/accept",
    access=ANY_USER,
    summary="Book the slot a waitlist offer holds out",
)
async def accept_offer(request: Req, entry_id: PathId, booking_policy: BookingPolicy) -> BookingOut:
    return booking_out(await services.accept_offer(request.user, entry_id, policy=booking_policy))


@delete(
    "/waitlist/{entry_id:int}",
    access=ANY_USER,
    status_code=HTTP_204_NO_CONTENT,
    tags=["bookings"],
    summary="Leave the waitlist",
)
async def leave_waitlist(request: Req, entry_id: PathId) -> None:
    await services.leave_waitlist(request.user, entry_id)


ROUTES = describe_problems(
    [
        availability,
        create_booking,
        list_bookings,
        get_booking,
        cancel_booking,
        check_in,
        approve,
        decline,
        decide_many,
        move,
        create_block,
        preview_series,
        create_series,
        cancel_series,
        join_waitlist,
        my_waitlist,
        accept_offer,
        leave_waitlist,
    ]
)
