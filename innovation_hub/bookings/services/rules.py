"""The rules a reservation must keep, as pure functions of the request and the place.

Nothing here reads the database: the callers load the resource, the opening hours and the
closures first. Rules about days and hours are read in local time (Asia/Ho_Chi_Minh).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.bookings.tables import Booking
from innovation_hub.core.auth import STAFF
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.errors import Conflict, HubError, RuleBroken
from innovation_hub.core.i18n import format_duration
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.settings import Settings
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import Resource

Interval = tuple[datetime, datetime]

MAX_AVAILABILITY_DAYS = 31
# No reservation is longer than a day, plus at most a 4-hour buffer. Overlap queries use it as
# a lower bound on start_at, so an index on (resource, start_at) reads only nearby rows.
MAX_RESERVATION = timedelta(hours=24)
MAX_OCCUPIED = MAX_RESERVATION + timedelta(hours=4)
MAX_SERIES_DAYS = 366
INT32_LIMIT = 2**31  # ids and capacities are 32-bit integer columns


class EmailNotVerified(
    HubError, status_code=403, code="email_not_verified", title="Email address not confirmed"
):
    """The account books nothing until its owner has confirmed its email address."""


@dataclass(frozen=True)
class Policy:
    """Timing rules that apply to every resource (settings)."""

    hold_minutes: int = 15
    check_in_early_minutes: int = 10
    no_show_grace_minutes: int = 15
    waitlist_offer_minutes: int = 30
    # Bookings waiting for payment (hold not expired) one member may have at once.
    max_unpaid_holds: int = 2
    base_url: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            hold_minutes=settings.payment_hold_minutes,
            max_unpaid_holds=settings.max_unpaid_holds,
            check_in_early_minutes=settings.check_in_early_minutes,
            no_show_grace_minutes=settings.no_show_grace_minutes,
            waitlist_offer_minutes=settings.waitlist_offer_minutes,
            base_url=settings.base_url,
        )


def is_staff(user: User) -> bool:
    return user.role in STAFF


def slot_taken() -> Conflict:
    return Conflict(
        _("Someone has already booked this time. Choose another time or join the waitlist."),
        code="slot_taken",
    )


def is_overlap_violation(exc: BaseException) -> bool:
    """True for the database's own refusal of an overlapping booking, on either engine."""
    if isinstance(exc, sqlite3.IntegrityError):
        return "slot_taken" in str(exc)
    try:
        from asyncpg.exceptions import ExclusionViolationError
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        return False
    return isinstance(exc, ExclusionViolationError)


def is_lost_race(exc: BaseException) -> bool:
    """An overlap refused, or a deadlock in the overlap constraint: three or more writers of
    one time on PostgreSQL can each wait there for another's row until PostgreSQL aborts one.
    The aborted one lost the time to a writer still running, and is told so."""
    try:
        from asyncpg.exceptions import DeadlockDetectedError
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        return is_overlap_violation(exc)
    return is_overlap_violation(exc) or isinstance(exc, DeadlockDetectedError)


@contextmanager
def overlaps_refused() -> Iterator[None]:
    """Turns the database's refusal of an overlapping write into ``slot_taken``."""
    try:
        yield
    except Exception as exc:
        if is_lost_race(exc):
            raise slot_taken() from exc
        raise


def require_reason(reason: str, message: str) -> None:
    if not reason.strip():
        raise RuleBroken(message, code="reason_required", field_errors={"reason": message})


def check_length(start: datetime, end: datetime) -> None:
    if end <= start:
        raise RuleBroken(_("The end must be after the start."), code="end_before_start")
    if end - start > MAX_RESERVATION:
        raise RuleBroken(_("A reservation lasts at most 24 hours."), code="too_long")


def minutes_between(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds() // 60)


def _minute_of_day(moment: datetime) -> int:
    local = moment.astimezone(LOCAL_TZ)
    return local.hour * 60 + local.minute


def _fits_opening(hours: spaces.WeeklyHours, start: datetime, end: datetime) -> bool:
    day = start.astimezone(LOCAL_TZ).date()
    return any(opens <= start and end <= closes for opens, closes in hours.intervals_on(day))


def check_rules(
    resource: Resource,
    user: User,
    start: datetime,
    end: datetime,
    attendees: int,
    *,
    now: datetime,
    hours: spaces.WeeklyHours,
    closures: list[dict[str, Any]],
) -> None:
    """Raises RuleBroken naming the first rule this request breaks (EmailNotVerified first:
    an account whose address nobody has confirmed books nothing, whatever the request)."""
    if user.email_verified_at is None:
        raise EmailNotVerified(
            _("Confirm your email address before you book: open the link we emailed you.")
        )
    if end <= start:
        raise RuleBroken(_("The end must be after the start."), code="end_before_start")
    _check_who(resource, user, attendees)
    _check_steps(resource, start, end)
    _check_notice(resource, start, now)
    _check_calendar(resource, start, end, hours, closures)


def _check_who(resource: Resource, user: User, attendees: int) -> None:
    if user.role not in spaces.allowed_roles(resource):
        raise RuleBroken(_("Your account type may not book this space."), code="role_not_allowed")
    if attendees < 1:
        raise RuleBroken(_("At least one person must attend."), code="invalid_attendees")
    if attendees > resource.capacity:
        raise RuleBroken(
            _("This space holds at most %(n)s people.", n=resource.capacity), code="over_capacity"
        )


def _check_steps(resource: Resource, start: datetime, end: datetime) -> None:
    step = resource.slot_minutes
    if any(
        moment.second or moment.microsecond or _minute_of_day(moment) % step
        for moment in (start, end)
    ):
        raise RuleBroken(
            _("Start and end on a %(n)s-minute step (e.g. 09:00, 09:30).", n=step),
            code="slot_misaligned",
        )
    minutes = minutes_between(start, end)
    if minutes < resource.min_minutes:
        raise RuleBroken(
            _("Book at least %(duration)s.", duration=format_duration(resource.min_minutes)),
            code="too_short",
        )
    if minutes > resource.max_minutes:
        raise RuleBroken(
            _(
                "Book at most %(duration)s at a time.",
                duration=format_duration(resource.max_minutes),
            ),
            code="too_long",
        )


def _check_notice(resource: Resource, start: datetime, now: datetime) -> None:
    if start < now:
        raise RuleBroken(_("This time has already passed."), code="in_past")
    if start < now + timedelta(minutes=resource.min_notice_minutes):
        raise RuleBroken(
            _(
                "Book at least %(duration)s ahead.",
                duration=format_duration(resource.min_notice_minutes),
            ),
            code="too_soon",
        )
    if start > now + timedelta(days=resource.max_days_ahead):
        raise RuleBroken(
            _("Book at most %(n)s days ahead.", n=resource.max_days_ahead), code="too_far_ahead"
        )


def _check_calendar(
    resource: Resource,
    start: datetime,
    end: datetime,
    hours: spaces.WeeklyHours,
    closures: list[dict[str, Any]],
) -> None:
    for day in spaces.local_days(start, end):
        if name := spaces.holiday_name(day):
            raise RuleBroken(
                _("The centre is closed for a public holiday: %(name)s.", name=name), code="holiday"
            )
    if not _fits_opening(hours, start, end):
        raise RuleBroken(_("This is outside the opening hours."), code="outside_opening_hours")
    for closure in closures:
        applies = closure["resource"] in (None, resource.id)
        if applies and closure["starts_at"] < end and start < closure["ends_at"]:
            raise RuleBroken(
                _("Closed at that time: %(reason)s.", reason=closure["reason"]), code="closed"
            )


def week_bounds(moment: datetime) -> Interval:
    local = moment.astimezone(LOCAL_TZ)
    monday = local.date() - timedelta(days=local.weekday())
    start = datetime.combine(monday, datetime.min.time(), LOCAL_TZ)
    return start, start + timedelta(days=7)


def initial_status(
    resource: Resource, user: User, price: int, now: datetime, policy: Policy
) -> tuple[str, datetime | None]:
    if resource.requires_approval and not is_staff(user):
        return "pending_approval", None
    if price > 0:
        return "pending_payment", now + timedelta(minutes=policy.hold_minutes)
    return "confirmed", None


def cancellation_deadline(booking: Booking, notice_hours: int) -> datetime:
    """The last moment a member may cancel a confirmed booking themselves."""
    return booking.start_at - timedelta(hours=notice_hours)


def check_in_opens(booking: Booking, policy: Policy) -> datetime:
    return booking.start_at - timedelta(minutes=policy.check_in_early_minutes)
