"""JSON API for availability, bookings, series, blocks and the waitlist."""

from __future__ import annotations

import weakref
from typing import Annotated, Any

from litestar import Request, delete, get, post
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
    FreeInterval,
    MoveIn,
    OccurrenceList,
    OccurrenceOut,
    ReasonIn,
    ResourceFree,
    SeriesCancelOut,
    SeriesIn,
    SeriesOut,
    WaitlistIn,
    WaitlistList,
    WaitlistOut,
)
from innovation_hub.bookings.tables import Booking, WaitlistEntry
from innovation_hub.core.auth import ANY_USER, PUBLIC, STAFF
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.errors import HubError, describe_problems
from innovation_hub.core.openapi import PathId
from innovation_hub.core.timestamps import parse_timestamp

Req = Request[Any, Any, Any]

# Read by hand (core.timestamps) for its messages, but described as what it is.
DATE_TIME = {"format": "date-time"}
ROW_ID = QueryParameter(ge=1, le=MAX_DB_INT)
TIMESTAMP = "ISO 8601 with an offset, e.g. 2026-12-01T09:00:00+07:00 (without one: 400)"


def policy_of(request: Req) -> services.Policy:
    policy: services.Policy = request.app.state.booking_policy
    return policy


def booking_out(booking: Booking) -> BookingOut:
    def local(value: Any) -> Any:
        return value.astimezone(LOCAL_TZ) if value is not None else None

    return BookingOut(
        id=booking.id,
        resource_id=booking.resource,
        start=local(booking.start_at),
        end=local(booking.end_at),
        status=booking.status,
        price_vnd=booking.price_vnd,
        kind=booking.kind,
        purpose=booking.purpose,
        attendees=booking.attendees,
        series_id=booking.series,
        hold_expires_at=local(booking.hold_expires_at),
        checked_in_at=local(booking.checked_in_at),
        is_public=booking.is_public,
        status_reason=booking.status_reason,
    )


def occurrence_out(occurrence: services.Occurrence) -> OccurrenceOut:
    return OccurrenceOut(
        start=occurrence.start.astimezone(LOCAL_TZ),
        end=occurrence.end.astimezone(LOCAL_TZ),
        available=occurrence.code is None,
        code=occurrence.code,
        message=occurrence.message,
    )


@get(
    "/availability",
    access=PUBLIC,
    tags=["bookings"],
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
        out = _free_out[a] = ResourceFree(
            resource_id=a.resource.id,
            name=a.resource.name,
            kind=a.resource.kind,
            free=[FreeInterval(s.astimezone(LOCAL_TZ), e.astimezone(LOCAL_TZ)) for s, e in a.free],
        )
    return out


@post(
    "/bookings",
    access=ANY_USER,
    status_code=HTTP_201_CREATED,
    tags=["bookings"],
    summary="Book a resource",
)
async def create_booking(request: Req, data: JSONBody[BookingIn]) -> BookingOut:
    booking = await services.create_booking(
        request.user,
        data.resource_id,
        data.start,
        data.end,
        purpose=data.purpose,
        attendees=data.attendees,
        policy=policy_of(request),
    )
    out = booking_out(booking)
    if booking.status == "pending_payment":
        # Payments sit on a higher floor; the app factory hands its starter in.
        starter = request.app.state.payment_starter
        try:
            out.payment = await starter(request, booking)
        except HubError as exc:
            out.payment_error = exc.detail
    return out


@get(
    "/bookings",
    access=ANY_USER,
    tags=["bookings"],
    summary="The caller's bookings (staff: all=true for everyone's)",
)
async def list_bookings(request: Req, all: FromQuery[bool] = False) -> BookingList:
    bookings = await services.list_bookings(request.user, everyone=all)
    return BookingList(items=[booking_out(b) for b in bookings])


@get("/bookings/{booking_id:int}", access=ANY_USER, tags=["bookings"], summary="One booking")
async def get_booking(request: Req, booking_id: PathId) -> BookingOut:
    return booking_out(await services.get_booking(request.user, booking_id))


@post(
    "/bookings/{booking_id:int}/cancel",
    access=ANY_USER,
    status_code=200,
    tags=["bookings"],
    summary="Cancel a booking",
)
async def cancel_booking(
    request: Req, booking_id: PathId, data: JSONBody[ReasonIn | None] = None
) -> BookingOut:
    booking = await services.cancel_booking(
        request.user, booking_id, reason=data.reason if data else "", policy=policy_of(request)
    )
    return booking_out(booking)


@post(
    "/bookings/{booking_id:int}/check-in",
    access=ANY_USER,
    status_code=200,
    tags=["bookings"],
    summary="Check in to a booking",
)
async def check_in(request: Req, booking_id: PathId) -> BookingOut:
    return booking_out(await services.check_in(request.user, booking_id, policy=policy_of(request)))


@post(
    "/bookings/{booking_id:int}/approve",
    access=STAFF,
    status_code=200,
    tags=["bookings"],
    summary="Approve a booking waiting for approval",
)
async def approve(request: Req, booking_id: PathId) -> BookingOut:
    return booking_out(
        await services.decide(request.user, booking_id, approve=True, policy=policy_of(request))
    )


@post(
    "/bookings/{booking_id:int}/decline",
    access=STAFF,
    status_code=200,
    tags=["bookings"],
    summary="Decline a booking waiting for approval",
)
async def decline(
    request: Req, booking_id: PathId, data: JSONBody[ReasonIn | None] = None
) -> BookingOut:
    return booking_out(
        await services.decide(
            request.user,
            booking_id,
            approve=False,
            reason=data.reason if data else "",
            policy=policy_of(request),
        )
    )


@post(
    "/bookings/{booking_id:int}/move",
    access=STAFF,
    status_code=200,
    tags=["bookings"],
    summary="Move a booking to another time or resource",
)
async def move(request: Req, booking_id: PathId, data: JSONBody[MoveIn]) -> BookingOut:
    return booking_out(
        await services.move_booking(
            request.user,
            booking_id,
            start=data.start,
            end=data.end,
            resource_id=data.resource_id,
            reason=data.reason,
            policy=policy_of(request),
        )
    )


@post(
    "/blocks",
    access=STAFF,
    status_code=HTTP_201_CREATED,
    tags=["bookings"],
    summary="Block a resource (maintenance, an event)",
)
async def create_block(request: Req, data: JSONBody[BlockIn]) -> BookingOut:
    return booking_out(
        await services.create_block(
            request.user,
            data.resource_id,
            data.start,
            data.end,
            reason=data.reason,
            public=data.public,
        )
    )


@post(
    "/booking-series/preview",
    access=ANY_USER,
    status_code=200,
    tags=["bookings"],
    summary="Which dates of a repeating booking are free",
)
async def preview_series(request: Req, data: JSONBody[SeriesIn]) -> OccurrenceList:
    occurrences = await services.preview_series(
        request.user,
        data.resource_id,
        data.start,
        data.end,
        frequency=data.frequency,
        until=data.until,
        count=data.count,
        attendees=data.attendees,
    )
    return OccurrenceList(items=[occurrence_out(o) for o in occurrences])


@post(
    "/booking-series",
    access=ANY_USER,
    status_code=HTTP_201_CREATED,
    tags=["bookings"],
    summary="Book a daily or weekly series",
)
async def create_series(request: Req, data: JSONBody[SeriesIn]) -> SeriesOut:
    result = await services.create_series(
        request.user,
        data.resource_id,
        data.start,
        data.end,
        frequency=data.frequency,
        until=data.until,
        count=data.count,
        skip_conflicts=data.skip_conflicts,
        purpose=data.purpose,
        attendees=data.attendees,
        policy=policy_of(request),
    )
    return SeriesOut(
        id=result.series.id,
        bookings=[booking_out(b) for b in result.booked],
        skipped=[occurrence_out(o) for o in result.skipped],
    )


@post(
    "/booking-series/{series_id:int}/cancel",
    access=ANY_USER,
    status_code=200,
    tags=["bookings"],
    summary="Cancel every future booking of a series",
)
async def cancel_series(request: Req, series_id: PathId) -> SeriesCancelOut:
    cancelled, kept = await services.cancel_series(
        request.user, series_id, policy=policy_of(request)
    )
    return SeriesCancelOut(
        cancelled=[booking_out(b) for b in cancelled], kept=[booking_out(b) for b in kept]
    )


def waitlist_out(entry: WaitlistEntry) -> WaitlistOut:
    return WaitlistOut(
        id=entry.id,
        resource_id=entry.resource,
        start=entry.start_at.astimezone(LOCAL_TZ),
        end=entry.end_at.astimezone(LOCAL_TZ),
        status=entry.status,
        offer_expires_at=entry.offer_expires_at.astimezone(LOCAL_TZ)
        if entry.offer_expires_at
        else None,
    )


@post(
    "/waitlist",
    access=ANY_USER,
    status_code=HTTP_201_CREATED,
    tags=["bookings"],
    summary="Wait for a taken slot",
)
async def join_waitlist(request: Req, data: JSONBody[WaitlistIn]) -> WaitlistOut:
    return waitlist_out(
        await services.join_waitlist(request.user, data.resource_id, data.start, data.end)
    )


@get("/waitlist", access=ANY_USER, tags=["bookings"], summary="The caller's waitlist entries")
async def my_waitlist(request: Req) -> WaitlistList:
    return WaitlistList(items=[waitlist_out(e) for e in await services.my_waitlist(request.user)])


@post(
    "/waitlist/{entry_id:int}/accept",
    access=ANY_USER,
    status_code=HTTP_201_CREATED,
    tags=["bookings"],
    summary="Book the slot a waitlist offer holds out",
)
async def accept_offer(request: Req, entry_id: PathId) -> BookingOut:
    return booking_out(
        await services.accept_offer(request.user, entry_id, policy=policy_of(request))
    )


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
