"""What the member hears about each step of their booking: one email per step, through the
outbox, written in the transaction that makes the step (so a message exists exactly when the
step committed), in the member's language.

Each step has its template ``templates/email/booking_<event>.txt``. Staff blocks (centre work,
maintenance, a visit's room) are the centre's own time: no member hears of them. A series is
told in one email that names its dates.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.bookings.services.rules import Policy, check_in_opens
from innovation_hub.bookings.tables import Booking, WaitlistEntry
from innovation_hub.bookings.workflow import BOOKINGS
from innovation_hub.core import mail
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.i18n import use_locale
from innovation_hub.core.ical import FeedEvent, render
from innovation_hub.spaces.tables import Resource

# The same UIDs as the member's calendar feed, so a calendar app that has both shows one event.
UID_DOMAIN = "innovation-hub"
# A calendar shows these as firm; the others (waiting for approval or payment) as tentative.
HELD_FOR_SURE = ("confirmed", "checked_in")


async def _member(booking: Booking) -> User | None:
    """The member a booking is for; None for the centre's own blocks."""
    if booking.kind != "booking" or booking.user is None:
        return None
    return await User.objects().where(User.id == booking.user).first().run()


async def _place(resource_id: int) -> tuple[str, str]:
    """The resource's name, and where it is ("Phòng họp Sen, Cơ sở 1")."""
    row = (
        await Resource.select(Resource.name, Resource.location.name.as_alias("location_name"))
        .where(Resource.id == resource_id)
        .first()
        .run()
    )
    if row is None:
        return "", ""
    where = f"{row['name']}, {row['location_name']}" if row["location_name"] else row["name"]
    return row["name"], where


def _local_time(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%H:%M")


def _when(booking: Booking) -> dict[str, Any]:
    return {"start": booking.start_at, "end_time": _local_time(booking.end_at)}


def _check_in(booking: Booking, policy: Policy) -> dict[str, Any]:
    """The check-in rule in the booking's own times: from when, and when it is released."""
    released = booking.start_at + timedelta(minutes=policy.no_show_grace_minutes)
    return {
        "check_in_from": _local_time(check_in_opens(booking, policy)),
        "early_minutes": policy.check_in_early_minutes,
        "released_at": _local_time(released),
        "grace_minutes": policy.no_show_grace_minutes,
    }


def _event(booking: Booking, resource: str, place: str) -> FeedEvent:
    return FeedEvent(
        uid=f"booking-{booking.id}@{UID_DOMAIN}",
        start=booking.start_at,
        end=booking.end_at,
        summary=resource + (f" – {booking.purpose}" if booking.purpose else ""),
        description=BOOKINGS.label(booking.status, member=True),
        location=place,
        status="CONFIRMED" if booking.status in HELD_FOR_SURE else "TENTATIVE",
        sequence=booking.sequence,
        created=booking.created_at,
        last_modified=booking.updated_at,
    )


def _calendar_file(
    bookings: list[Booking], resource: str, place: str, policy: Policy
) -> mail.Attachment:
    first = bookings[0]
    name = f"series-{first.series}" if len(bookings) > 1 else f"booking-{first.id}"
    data = render(
        name=resource,
        description=place,
        calendar_uid=f"{name}-file@{UID_DOMAIN}",
        source_url=f"{policy.base_url}/bookings",
        events=[_event(booking, resource, place) for booking in bookings],
    )
    return mail.Attachment(filename=f"{name}.ics", content_type="text/calendar", data=data)


async def _send(
    booking: Booking,
    event: str,
    policy: Policy,
    *,
    attach_ics: bool = False,
    **context: Any,
) -> None:
    member = await _member(booking)
    if member is None:
        return
    resource, place = await _place(booking.resource)
    attachments: tuple[mail.Attachment, ...] = ()
    with use_locale(member.locale):  # the calendar file's status words
        if attach_ics:
            attachments = (_calendar_file([booking], resource, place, policy),)
    await mail.enqueue(
        to=member.email,
        template=f"booking_{event}",
        locale=member.locale,
        context={
            "name": member.name,
            "place": place,
            "purpose": booking.purpose,
            **_when(booking),
            "link": f"{policy.base_url}/bookings",
            **context,
        },
        attachments=attachments,
        zalo_user_id=member.zalo_user_id,
    )


async def _confirmed(booking: Booking, policy: Policy, *, approved: bool = False) -> None:
    await _send(
        booking,
        "confirmed",
        policy,
        attach_ics=True,
        approved=approved,
        **_check_in(booking, policy),
    )


async def _payment_due(booking: Booking, policy: Policy, *, approved: bool) -> None:
    await _send(
        booking,
        "payment_due",
        policy,
        approved=approved,
        price_vnd=booking.price_vnd,
        hold_expires_at=booking.hold_expires_at,
        pay_link=f"{policy.base_url}/bookings/{booking.id}/pay",
    )


async def booked(booking: Booking, policy: Policy) -> None:
    """A new booking: confirmed, waiting for staff's approval, or waiting for payment."""
    if booking.status == "confirmed":
        await _confirmed(booking, policy)
    elif booking.status == "pending_approval":
        await _send(booking, "pending", policy)
    elif booking.status == "pending_payment":
        await _payment_due(booking, policy, approved=False)


async def decided(booking: Booking, policy: Policy) -> None:
    """Staff's answer: declined with the reason, approved and confirmed, or approved to pay."""
    if booking.status == "declined":
        await _send(booking, "declined", policy, reason=booking.status_reason)
    elif booking.status == "pending_payment":
        await _payment_due(booking, policy, approved=True)
    else:
        await _confirmed(booking, policy, approved=True)


async def paid(booking: Booking, policy: Policy) -> None:
    await _confirmed(booking, policy)


async def moved(
    booking: Booking, *, old_start: datetime, old_end: datetime, old_resource: int, policy: Policy
) -> None:
    """Old and new time and place; the calendar file replaces the event in the member's app."""
    await _send(
        booking,
        "moved",
        policy,
        attach_ics=True,
        old_start=old_start,
        old_end_time=_local_time(old_end),
        old_place=(await _place(old_resource))[1],
        reason=booking.status_reason,
    )


async def cancelled_by_staff(
    booking: Booking, *, reason: str, refunded_vnd: int, policy: Policy
) -> None:
    await _send(booking, "cancelled", policy, reason=reason, refunded_vnd=refunded_vnd)


async def hold_expired(booking: Booking, policy: Policy) -> None:
    await _send(booking, "expired", policy)


async def released_no_show(booking: Booking, policy: Policy) -> None:
    await _send(booking, "no_show", policy, grace_minutes=policy.no_show_grace_minutes)


async def series_booked(bookings: list[Booking], policy: Policy) -> None:
    """One email for a whole series: each date with its state, all in one calendar file."""
    await _series_mail(
        bookings,
        "booking_series",
        policy,
        any_confirmed=any(b.status == "confirmed" for b in bookings),
        any_to_pay=any(b.status == "pending_payment" for b in bookings),
        early_minutes=policy.check_in_early_minutes,
        grace_minutes=policy.no_show_grace_minutes,
    )


async def series_moved(bookings: list[Booking], *, reason: str, policy: Policy) -> None:
    """One email for the dates of a series that staff moved together, with their new times;
    the calendar file replaces each of them in the member's app."""
    await _series_mail(bookings, "booking_series_moved", policy, reason=reason.strip())


async def _series_mail(
    bookings: list[Booking], template: str, policy: Policy, **context: Any
) -> None:
    if not bookings:
        return
    first = bookings[0]
    member = await _member(first)
    if member is None:
        return
    resource, place = await _place(first.resource)
    with use_locale(member.locale):
        dates = [
            {**_when(booking), "status": BOOKINGS.label(booking.status, member=True)}
            for booking in bookings
        ]
        attachment = _calendar_file(bookings, resource, place, policy)
    await mail.enqueue(
        to=member.email,
        template=template,
        locale=member.locale,
        context={
            "name": member.name,
            "place": place,
            "purpose": first.purpose,
            "dates": dates,
            "link": f"{policy.base_url}/bookings",
            **context,
        },
        attachments=(attachment,),
        zalo_user_id=member.zalo_user_id,
    )


async def waitlist_offered(entry: WaitlistEntry, resource: Resource, policy: Policy) -> None:
    """A freed slot held out to the member first in line."""
    member = await User.objects().where(User.id == entry.user).first().run()
    if member is None:
        return
    await mail.enqueue(
        to=member.email,
        template="waitlist_offer",
        locale=member.locale,
        context={
            "name": member.name,
            "resource": resource.name,
            "start": entry.start_at,
            "end": entry.end_at,
            "minutes": policy.waitlist_offer_minutes,
            "link": f"{policy.base_url}/bookings/waitlist",
        },
        zalo_user_id=member.zalo_user_id,
    )
