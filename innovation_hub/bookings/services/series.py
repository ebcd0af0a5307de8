"""Repeating bookings: the dates of a series, a preview of which are free, booking them all
in one transaction, and cancelling what is left of a series."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from innovation_hub.accounts.tables import User
from innovation_hub.bookings.services import notices
from innovation_hub.bookings.services.lifecycle import cancel_booking
from innovation_hub.bookings.services.queries import (
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
from innovation_hub.bookings.tables import Booking, BookingSeries
from innovation_hub.core import audit, clock
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.database import get_engine, lock_until_commit, transaction
from innovation_hub.core.errors import Conflict, RuleBroken
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
    if frequency not in {"daily", "weekly"}:
        raise RuleBroken(_("Repeat daily or weekly."), code="invalid_frequency")
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


def series_dates(
    start: datetime, end: datetime, frequency: str, *, until: date | None, count: int | None
) -> list[Interval]:
    local_start, local_end = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
    last_allowed = _check_repeat(local_start, frequency, until, count)
    step = timedelta(days=1 if frequency == "daily" else 7)
    dates: list[Interval] = []
    current_start, current_end = local_start, local_end
    while True:
        if until is not None and current_start.date() > until:
            break
        if count is not None and len(dates) == count:
            break
        if current_start.date() > last_allowed:
            raise RuleBroken(_("A series lasts at most a year."), code="series_too_long")
        dates.append((current_start, current_end))
        # Step in local wall time: Vietnam has no DST today, but the rule should not rely on it.
        current_start = (current_start.replace(tzinfo=None) + step).replace(tzinfo=LOCAL_TZ)
        current_end = (current_end.replace(tzinfo=None) + step).replace(tzinfo=LOCAL_TZ)
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
    user: User, series_id: int, *, policy: Policy, now: datetime | None = None
) -> tuple[list[Booking], list[Booking]]:
    """Cancels every future occurrence that may still be cancelled; returns (cancelled, kept)."""
    now = now or clock.utcnow()
    cancelled, kept = [], []
    for booking in await series_future(user, series_id, now):
        try:
            cancelled.append(await cancel_booking(user, booking.id, policy=policy, now=now))
        except RuleBroken:
            kept.append(booking)
    return cancelled, kept
