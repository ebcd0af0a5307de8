"""A member's own bookings: the list (upcoming, past, waitlist), cancelling one booking or
the rest of a series, checking in, and the waitlist's join, accept and leave."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import queries, services
from innovation_hub.bookings.tables import ACTIVE_STATUSES, Booking, WaitlistEntry
from innovation_hub.bookings.web.edge import BookingPolicy, Req
from innovation_hub.bookings.web.labels import day_label, money_label, when_label
from innovation_hub.bookings.web.spaces import spaces_context, spaces_page
from innovation_hub.bookings.workflow import BOOKINGS, reason_label
from innovation_hub.core import clock
from innovation_hub.core.auth import ANY_USER
from innovation_hub.core.errors import HubError, NotFound
from innovation_hub.core.forms import parse_day, parse_id, parse_int, parse_moment
from innovation_hub.core.i18n import format_datetime, format_hours, format_vnd
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.web import FormBody, form_flow, go_to, page
from innovation_hub.spaces.tables import Resource

OWNER = frozenset({"owner"})  # the roles a member holds on their own booking


@dataclass
class BookingView:
    booking: Booking
    resource_name: str
    when: str
    status: str
    price: str
    can_cancel: bool = False
    cancel_note: str = ""
    can_check_in: bool = False
    check_in_note: str = ""
    series_id: int | None = None
    first_of_series: bool = False

    @property
    def reason(self) -> str:
        """The status reason in the reader's language."""
        return reason_label(self.booking.status_reason or "")

    @property
    def reason_is_the_systems(self) -> bool:
        """The hub wrote it (an expired hold), not staff: it is not shown as their note."""
        return (self.booking.status_reason or "") in reason_label.codes


def booking_view(
    booking: Booking, resources: dict[int, Resource], *, now: datetime, policy: services.Policy
) -> BookingView:
    """A booking as its member sees it, with the buttons the workflow allows the owner and
    the time rules leave open (the cancel deadline, the check-in window)."""
    resource = resources.get(booking.resource)
    view = BookingView(
        booking=booking,
        resource_name=resource.name if resource else _("Removed space"),
        when=when_label(booking.start_at, booking.end_at),
        status=booking.status,
        price=money_label(booking.price_vnd),
        series_id=booking.series,
    )
    upcoming = booking.end_at > now
    actions = {t.action for t in BOOKINGS.actions_for(booking.status, OWNER)} if upcoming else set()
    if "cancel" in actions and booking.status == "confirmed":
        hours = resource.cancel_notice_hours if resource else 0
        deadline = services.cancellation_deadline(booking, hours)
        view.can_cancel = now <= deadline
        view.cancel_note = (
            _("You can cancel until %(when)s.", when=format_datetime(deadline))
            if view.can_cancel
            else _("Cancel at least %(duration)s before the start.", duration=format_hours(hours))
        )
    elif "cancel" in actions:
        view.can_cancel = True
    if "check_in" in actions:
        opens = services.check_in_opens(booking, policy)
        view.can_check_in = opens <= now
        if not view.can_check_in:
            view.check_in_note = _("Check in from %(time)s.", time=format_datetime(opens))
    return view


@dataclass
class WaitlistView:
    entry: WaitlistEntry
    resource_name: str
    when: str
    offered: bool
    offer_until: str


def waitlist_view(entry: WaitlistEntry, resources: dict[int, Resource]) -> WaitlistView:
    return WaitlistView(
        entry=entry,
        resource_name=resources[entry.resource].name if entry.resource in resources else "",
        when=when_label(entry.start_at, entry.end_at),
        offered=entry.status == "offered",
        offer_until=format_datetime(entry.offer_expires_at) if entry.offer_expires_at else "",
    )


def booked_notice(booking: Booking, resources: dict[int, Resource]) -> str:
    resource = resources.get(booking.resource)
    what = _(
        "%(space)s, %(when)s",
        space=resource.name if resource else "",
        when=when_label(booking.start_at, booking.end_at),
    )
    if booking.status == "pending_approval":
        return _("Request sent for %(what)s. It is waiting for staff approval.", what=what)
    if booking.status == "pending_payment":
        return _(
            "%(what)s is held for you. Pay %(amount)s before %(deadline)s, or the hold is released.",  # noqa: E501
            what=what,
            amount=format_vnd(booking.price_vnd),
            deadline=format_datetime(booking.hold_expires_at) if booking.hold_expires_at else "",
        )
    return _("Booked: %(what)s. Your booking is confirmed.", what=what)


def series_notices(series: int, skipped_days: str, bookings: list[Booking]) -> list[str]:
    """What a new repeating booking holds, and the dates it could not take."""
    skipped = [d for d in (parse_day(p) for p in skipped_days.split(",")) if d]
    dates = [b for b in bookings if b.series == series and b.status in ACTIVE_STATUSES]
    notices = [_("Dates booked in your repeating booking: %(n)s.", n=len(dates))]
    if any(b.status == "pending_approval" for b in dates):
        notices.append(_("They are waiting for staff approval."))
    if any(b.status == "pending_payment" for b in dates):
        notices.append(_("They are held until you pay; the deadline is shown on each date."))
    if skipped:
        days = ", ".join(day_label(d) for d in skipped)
        notices.append(
            _("These dates were taken or closed and were not booked: %(dates)s.", dates=days)
        )
    return notices


async def notices_for(
    request: Req, user: User, resources: dict[int, Resource], bookings: list[Booking]
) -> list[str]:
    """Confirmations after an action, from the redirect's query string."""
    query = request.query_params
    notices: list[str] = []
    booked = parse_id(query.get("booked"))
    if booked is not None:
        notices.extend(booked_notice(b, resources) for b in await _own_booking(user, booked))
    series = parse_id(query.get("series"))
    if series is not None:
        notices.extend(series_notices(series, query.get("skipped", ""), bookings))
    if parse_int(query.get("cancelled")) is not None:
        notices.append(_("Your booking was cancelled."))
    if parse_int(query.get("checked_in")) is not None:
        notices.append(_("You are checked in. Enjoy your time at the centre."))
    cancelled = parse_int(query.get("series_cancelled"))
    if cancelled is not None:
        notices.append(_("Future dates of the series cancelled: %(n)s.", n=cancelled))
        kept = parse_int(query.get("kept")) or 0
        if kept:
            notices.append(
                _("Dates kept because it is too late to cancel them online: %(n)s.", n=kept)
            )
    if parse_int(query.get("waitlisted")) is not None:
        notices.append(_("You are on the waitlist. We will email you if the time becomes free."))
    if parse_int(query.get("left")) is not None:
        notices.append(_("You left the waitlist."))
    return notices


async def _own_booking(user: User, booking_id: int) -> list[Booking]:
    try:
        booking = await services.get_booking(user, booking_id)
    except NotFound:
        return []
    return [booking] if booking.user == user.id else []


async def my_bookings_page(
    request: Req, policy: services.Policy, *, error: str = "", status: int = 200
) -> Template:
    user: User = request.user
    now = clock.utcnow()
    bookings = await services.list_bookings(user)
    entries = await services.my_waitlist(user)
    resources = await queries.resources_by_id(
        [b.resource for b in bookings] + [e.resource for e in entries]
    )
    views = [booking_view(b, resources, now=now, policy=policy) for b in bookings]
    upcoming = [v for v in views if v.booking.end_at > now]
    seen: set[int] = set()
    for view in upcoming:
        if view.series_id and view.series_id not in seen and view.status in ACTIVE_STATUSES:
            seen.add(view.series_id)
            view.first_of_series = True
    context = {
        "upcoming": upcoming,
        "past": [v for v in views if v.booking.end_at <= now][::-1][:50],
        "waitlist": [waitlist_view(e, resources) for e in entries],
        "notices": await notices_for(request, user, resources, bookings),
        "error": error,
    }
    return page(request, "bookings/mine.html", context, status_code=status)


async def own_booking(user: User, booking_id: int) -> Booking:
    """A member page shows the member's own bookings only (staff use the board)."""
    booking = await services.get_booking(user, booking_id)
    if booking.user != user.id or booking.kind != "booking":
        raise NotFound(_("No such booking."), code="booking_not_found")
    return booking


async def cancel_page(
    request: Req, booking: Booking, policy: services.Policy, *, error: str = "", status: int = 200
) -> Template:
    resources = await queries.resources_by_id([booking.resource])
    view = booking_view(booking, resources, now=clock.utcnow(), policy=policy)
    context = {"view": view, "error": error}
    return page(request, "bookings/cancel.html", context, status_code=status)


class MyBookings(Controller):
    path = "/bookings"
    opt = {"access": ANY_USER}

    @get("/", name="my_bookings")
    async def mine(self, request: Req, booking_policy: BookingPolicy) -> Template:
        return await my_bookings_page(request, booking_policy)

    @get("/waitlist")
    async def waitlist(self) -> Redirect:
        # The waitlist-offer email links here; the list lives on the bookings page.
        return Redirect(path="/bookings#waitlist", status_code=303)

    @get("/{booking_id:int}/cancel")
    async def cancel_confirm(
        self, request: Req, booking_id: FromPath[int], booking_policy: BookingPolicy
    ) -> Template:
        booking = await own_booking(request.user, booking_id)
        return await cancel_page(request, booking, booking_policy)

    @post("/{booking_id:int}/cancel")
    async def cancel(
        self, request: Req, booking_id: FromPath[int], booking_policy: BookingPolicy
    ) -> Response[Any] | Template:
        booking = await own_booking(request.user, booking_id)

        async def refused(exc: HubError) -> Template:
            return await cancel_page(
                request, booking, booking_policy, error=exc.detail, status=exc.status_code
            )

        return await form_flow(
            request,
            lambda: services.cancel_booking(request.user, booking.id, policy=booking_policy),
            done=f"/bookings?cancelled={booking.id}",
            refused=refused,
        )

    @post("/{booking_id:int}/check-in")
    async def check_in(
        self, request: Req, booking_id: FromPath[int], booking_policy: BookingPolicy
    ) -> Response[Any] | Template:
        booking = await own_booking(request.user, booking_id)
        return await form_flow(
            request,
            lambda: services.check_in(request.user, booking.id, policy=booking_policy),
            done=f"/bookings?checked_in={booking.id}",
            refused=lambda exc: my_bookings_page(
                request, booking_policy, error=exc.detail, status=exc.status_code
            ),
        )

    @get("/series/{series_id:int}/cancel")
    async def cancel_series_confirm(
        self, request: Req, series_id: FromPath[int], booking_policy: BookingPolicy
    ) -> Template:
        """All the future dates, or (``?from=`` a booking of the series) it and the later ones."""
        now = clock.utcnow()
        future = await queries.own_series_future(request.user, series_id, now)
        first = parse_id(request.query_params.get("from"))
        if first is not None:
            ids = [b.id for b in future]
            if first not in ids:
                raise NotFound(_("That date is not a future date of this series."))
            future = future[ids.index(first) :]
        resources = await queries.resources_by_id(b.resource for b in future)
        views = [booking_view(b, resources, now=now, policy=booking_policy) for b in future]
        context = {"series_id": series_id, "views": views, "from_booking": first}
        return page(request, "bookings/cancel_series.html", context)

    @post("/series/{series_id:int}/cancel")
    async def cancel_series(
        self,
        request: Req,
        series_id: FromPath[int],
        booking_policy: BookingPolicy,
        data: FormBody,
    ) -> Response[Any]:
        user: User = request.user
        await queries.own_series_future(user, series_id, clock.utcnow())  # 404 for another's
        cancelled, kept = await services.cancel_series(
            user,
            series_id,
            policy=booking_policy,
            from_booking_id=parse_id(data.get("from_booking_id")),
        )
        query = urlencode({"series_cancelled": len(cancelled), "kept": len(kept)})
        return go_to(request, f"/bookings?{query}")


class Waitlist(Controller):
    path = "/waitlist"
    opt = {"access": ANY_USER}

    @post("/")
    async def join(self, request: Req, data: FormBody) -> Response[Any] | Template:
        resource_id = parse_id(data.get("resource_id"))
        start, end = parse_moment(data.get("start")), parse_moment(data.get("end"))
        back = {"date": start.date().isoformat()} if start else {}
        user: User = request.user

        async def on_grid(message: str, status: int) -> Template:
            context, _status = await spaces_context(user, back, error=message)
            return spaces_page(request, context, status_code=status)

        if resource_id is None or start is None or end is None:
            return await on_grid(
                _("That time could not be read. Choose it again on the grid."), 400
            )
        return await form_flow(
            request,
            lambda: services.join_waitlist(user, resource_id, start, end),
            done=lambda entry: f"/bookings?waitlisted={entry.id}#waitlist",
            refused=lambda exc: on_grid(exc.detail, exc.status_code),
        )

    @post("/{entry_id:int}/accept")
    async def accept(
        self, request: Req, entry_id: FromPath[int], booking_policy: BookingPolicy
    ) -> Response[Any] | Template:
        return await form_flow(
            request,
            lambda: services.accept_offer(request.user, entry_id, policy=booking_policy),
            done=lambda booking: f"/bookings?booked={booking.id}",
            refused=lambda exc: my_bookings_page(
                request, booking_policy, error=exc.detail, status=exc.status_code
            ),
        )

    @post("/{entry_id:int}/leave")
    async def leave(self, request: Req, entry_id: FromPath[int]) -> Response[Any]:
        await services.leave_waitlist(request.user, entry_id)
        return go_to(request, f"/bookings?left={entry_id}#waitlist")
