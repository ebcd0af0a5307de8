"""Repeating bookings: the dates of a series, a preview of which are free, booking them all
in one transaction, and cancelling what is left of a series."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from innovation_hub.accounts.tables import User
from innovation_hub.bookings.services import notices
from innovation_hub.bookings.services.lifecycle import cancel_booking, move_booking
from innovation_hub.bookings.services.queries import (
    get_booking,
    opening_context,
    overlapping_exists,
    series_future,
)
from innovation_hub.bookings.services.reserve import MEMBER_LOCK, insert_checked, member_booking
from innovation_hub.bookings.services.rules import (
    MAX_SERIES_DAYS,
    Interval,
    Policy,
    check_rules,
    is_overlap_violation,
    slot_taken,
)
from innovation_hub.bookings.services.waitlist import offer_waitlist
from innovation_hub.bookings.tables import Booking, BookingSeries
from innovation_hub.core import audit, clock
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.database import get_engine, lock_until_commit, transaction
from innovation_hub.core.errors import Conflict, HubError, RuleBroken
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.timestamps import require_aware
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import Resource


@dataclass(frozen=True)
class Occurrence:
    start: datetime
    end: datetime
    code: str | None = None
    message: str = ""


@dataclass(frozen=True)
class SeriesResult:
    series: BookingSeries
    booked: list[Booking]
    skipped: list[Occurrence]


def _check_repeat(
    local_start: datetime, frequency: str, until: date | None, count: int | None
) -> date:
    """The last date a series starting at ``local_start`` may reach."""
    if frequency not in FREQUENCIES:
        raise RuleBroken(_("Repeat daily, weekly or monthly."), code="invalid_frequency")
    if (until is None) == (count is None):
        raise RuleBroken(_("Give either an end date or a number of times."), code="invalid_repeat")
    last_allowed = local_start.date() + timedelta(days=MAX_SERIES_DAYS - 1)
    if count is not None and not 1 <= count <= MAX_SERIES_DAYS:
        raise RuleBroken(
            _("Repeat from 1 to %(n)s times.", n=MAX_SERIES_DAYS), code="invalid_repeat"
        )
    if until is not None and until < local_start.date():
        raise RuleBroken(_("The last date must be on or after the first."), code="invalid_repeat")
    if until is not None and until > last_allowed:
        raise RuleBroken(_("A series lasts at most a year."), code="series_too_long")
    return last_allowed


FREQUENCIES = ("daily", "weekly", "monthly")


def weekday_of_month(day: date) -> int:
    """Which of its month's same weekdays ``day`` is: 1 for the first Monday … 4; -1 for a
    fifth one, which repeats as the month's last (not every month has a fifth)."""
    nth = (day.day - 1) // 7 + 1
    return -1 if nth == 5 else nth


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    """The ``nth`` (1–4, or -1 for the last) ``weekday`` of a month."""
    if nth == -1:
        last = date(year, month, calendar.monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def _days(first: date, frequency: str) -> Iterator[date]:
    """The series' dates from ``first`` on: every day, every week, or every month on the same
    weekday of the month ("the first Monday")."""
    if frequency != "monthly":
        step = timedelta(days=1 if frequency == "daily" else 7)
        day = first
        while True:
            yield day
            day += step
    nth, weekday = weekday_of_month(first), first.weekday()
    year, month = first.year, first.month
    while True:
        yield nth_weekday(year, month, weekday, nth)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def series_dates(
    start: datetime, end: datetime, frequency: str, *, until: date | None, count: int | None
) -> list[Interval]:
    local_start, local_end = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
    last_allowed = _check_repeat(local_start, frequency, until, count)
    # Each date keeps the local wall times of the first: Vietnam has no DST today, but the rule
    # should not rely on it. The end may fall on the next day (a booking past midnight).
    opens, length = local_start.replace(tzinfo=None), local_end - local_start
    dates: list[Interval] = []
    for day in _days(local_start.date(), frequency):
        if until is not None and day > until:
            break
        if count is not None and len(dates) == count:
            break
        if day > last_allowed:
            raise RuleBroken(_("A series lasts at most a year."), code="series_too_long")
        occ_start = datetime.combine(day, opens.time(), LOCAL_TZ)
        occ_end = (occ_start.replace(tzinfo=None) + length).replace(tzinfo=LOCAL_TZ)
        dates.append((occ_start, occ_end))
    return dates


async def preview_series(
    user: User,
    resource_id: int,
    start: datetime,
    end: datetime,
    *,
    frequency: str,
    until: date | None,
    count: int | None,
    attendees: int = 1,
    now: datetime | None = None,
) -> list[Occurrence]:
    now = now or clock.utcnow()
    start, end = require_aware(start, "start"), require_aware(end, "end")
    resource = await spaces.get_resource(resource_id)
    dates = series_dates(start, end, frequency, until=until, count=count)
    hours, closures = await opening_context(resource, dates[0][0], dates[-1][1])
    result = []
    for occ_start, occ_end in dates:
        try:
            check_rules(
                resource,
                user,
                occ_start,
                occ_end,
                attendees,
                now=now,
                hours=hours,
                closures=closures,
            )
        except RuleBroken as exc:
            result.append(Occurrence(occ_start, occ_end, exc.code, exc.detail))
            continue
        occupied = occ_end + timedelta(minutes=resource.buffer_minutes)
        if await overlapping_exists(resource.id, occ_start, occupied):
            result.append(Occurrence(occ_start, occ_end, "slot_taken", slot_taken().detail))
        else:
            result.append(Occurrence(occ_start, occ_end))
    return result


def _series_refused(conflicts: list[Occurrence], *, all_dates: bool) -> Conflict:
    """The whole series refused, naming every date that cannot be booked and why."""
    details = {
        "conflicts": [
            {
                "start": o.start.isoformat(),
                "end": o.end.isoformat(),
                "code": o.code,
                "message": o.message,
            }
            for o in sorted(conflicts, key=lambda o: o.start)
        ]
    }
    if all_dates:
        message = _("None of the dates can be booked.")
    else:
        message = _("%(n)s of the dates cannot be booked.", n=len(conflicts))
    return Conflict(message, code="series_conflicts", extra=details)


async def create_series(
    user: User,
    resource_id: int,
    start: datetime,
    end: datetime,
    *,
    frequency: str,
    until: date | None,
    count: int | None,
    skip_conflicts: bool,
    purpose: str = "",
    attendees: int = 1,
    policy: Policy,
    now: datetime | None = None,
) -> SeriesResult:
    """Books every free occurrence, in one transaction. Without ``skip_conflicts`` any date
    that cannot be booked (found by the preview, or only by booking: the weekly quota, the
    unpaid holds, a request that took the time meanwhile) refuses the whole series."""
    now = now or clock.utcnow()
    preview = await preview_series(
        user,
        resource_id,
        start,
        end,
        frequency=frequency,
        until=until,
        count=count,
        attendees=attendees,
        now=now,
    )
    conflicts = [o for o in preview if o.code]
    if conflicts and not skip_conflicts:
        raise _series_refused(conflicts, all_dates=False)
    if len(conflicts) == len(preview):
        raise _series_refused(conflicts, all_dates=True)
    resource = await spaces.get_resource(resource_id)
    async with transaction():
        await lock_until_commit(MEMBER_LOCK, user.id)
        series = BookingSeries(
            user=user.id, resource=resource.id, frequency=frequency, occurrences=0, created_at=now
        )
        await series.save()
        booked: list[Booking] = []
        for occ in preview:
            if occ.code:
                continue
            made = await _book_occurrence(
                resource, user, occ, series.id, purpose, attendees, policy, now
            )
            if isinstance(made, Occurrence):
                conflicts.append(made)
            else:
                booked.append(made)
        # Raised inside the transaction, so that every occurrence booked so far rolls back.
        if conflicts and not skip_conflicts:
            raise _series_refused(conflicts, all_dates=not booked)
        if not booked:
            raise _series_refused(conflicts, all_dates=True)
        await _record_series(user, series, booked, len(conflicts), policy)
    return SeriesResult(series, booked, sorted(conflicts, key=lambda o: o.start))


async def _book_occurrence(
    resource: Resource,
    user: User,
    occ: Occurrence,
    series_id: int,
    purpose: str,
    attendees: int,
    policy: Policy,
    now: datetime,
) -> Booking | Occurrence:
    """One date of a series booked, or the date with the reason it could not be."""
    # On PostgreSQL a refused insert aborts the transaction; a savepoint keeps the rest.
    engine = get_engine()
    current = engine.current_transaction.get()
    savepoint = None
    if engine.engine_type == "postgres" and current is not None:
        savepoint = await current.savepoint()
    try:
        booking = await member_booking(
            resource,
            user,
            occ.start,
            occ.end,
            purpose=purpose,
            attendees=attendees,
            policy=policy,
            now=now,
            series=series_id,
        )
        await insert_checked(booking)
    except Exception as exc:
        if not (is_overlap_violation(exc) or isinstance(exc, (Conflict, RuleBroken))):
            raise
        if savepoint is not None:
            await savepoint.rollback_to()
        refusal = exc if isinstance(exc, (Conflict, RuleBroken)) else slot_taken()
        return Occurrence(occ.start, occ.end, refusal.code, refusal.detail)
    if savepoint is not None:
        await savepoint.release()
    return booking


async def _record_series(
    user: User, series: BookingSeries, booked: list[Booking], skipped: int, policy: Policy
) -> None:
    """The series' count and audit entry, and the member's one email for all its dates."""
    series.occurrences = len(booked)
    await series.save([BookingSeries.occurrences])
    await audit.record(
        actor_id=user.id,
        action="booking_series.created",
        record_type="booking_series",
        record_id=series.id,
        detail={"booked": len(booked), "skipped": skipped},
    )
    await notices.series_booked(booked, policy)


async def cancel_series(
    user: User,
    series_id: int,
    *,
    policy: Policy,
    now: datetime | None = None,
    from_booking_id: int | None = None,
) -> tuple[list[Booking], list[Booking]]:
    """Cancels every future occurrence that may still be cancelled, or, from a booking of the
    series, that one and the ones after it; returns (cancelled, kept)."""
    now = now or clock.utcnow()
    future = await series_future(user, series_id, now)
    if from_booking_id is not None:
        future = future[_position(future, from_booking_id) :]
    cancelled, kept = [], []
    for booking in future:
        try:
            cancelled.append(await cancel_booking(user, booking.id, policy=policy, now=now))
        except RuleBroken:
            kept.append(booking)
    return cancelled, kept


def _position(future: list[Booking], booking_id: int) -> int:
    for index, booking in enumerate(future):
        if booking.id == booking_id:
            return index
    raise RuleBroken(_("That date is not a future date of this series."), code="not_in_series")


# Held by a transaction that writes several dates onto a space (see move_following).
SPACE_LOCK = "innovation_hub.bookings.space"


async def move_following(
    staff: User,
    booking_id: int,
    *,
    start: datetime,
    end: datetime,
    resource_id: int | None,
    reason: str,
    policy: Policy,
) -> list[Booking]:
    """Moves a booking of a series and every later one by the same shift (and to the same
    space), all or none: if one of them cannot move, nothing does, and the error names it."""
    start, end = require_aware(start, "start"), require_aware(end, "end")
    moved: list[Booking] = []
    async with transaction():
        first = await get_booking(staff, booking_id)
        if first.series is None:
            raise RuleBroken(_("This booking is not part of a series."), code="not_in_series")
        future = await series_future(staff, first.series, clock.utcnow())
        shift = start - first.start_at
        length = end - start
        following = future[_position(future, first.id) :]
        # Many dates written in one transaction: racing moves onto the same spaces would wait
        # on each other's rows in the overlap constraint and deadlock; they queue here instead,
        # taking the spaces in one order.
        spaces_written = {resource_id} if resource_id else {b.resource for b in following}
        for space in sorted(spaces_written):
            await lock_until_commit(SPACE_LOCK, space)
        # Later dates first when moving later (earlier first when moving earlier), so that no
        # date lands on one of its own series' dates that has not moved yet.
        for booking in reversed(following) if shift > timedelta(0) else following:
            new_start = booking.start_at + shift
            try:
                moved.append(
                    await move_booking(
                        staff,
                        booking.id,
                        start=new_start,
                        end=new_start + length,
                        resource_id=resource_id,
                        reason=reason,
                        policy=policy,
                        notify=False,
                    )
                )
            except HubError as exc:
                when = new_start.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")
                exc.detail = _("%(when)s: %(problem)s", when=when, problem=exc.detail)
                raise
        moved.sort(key=lambda booking: booking.start_at)
        await notices.series_moved(moved, reason=reason, policy=policy)
    await offer_waitlist(policy=policy, now=clock.utcnow())
    return moved
