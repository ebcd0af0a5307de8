"""Bookings: the one place that reserves time on a resource.

Rules are checked here; overlaps are refused by the database too (see the 0002 migration), and
a refused insert becomes ``Conflict(code="slot_taken")``. Times are aware datetimes; rules
about days and hours are read in local time (Asia/Ho_Chi_Minh).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.bookings.tables import ACTIVE_STATUSES, Booking, BookingSeries, WaitlistEntry
from innovation_hub.core import audit, mail
from innovation_hub.core.auth import STAFF
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.database import (
    DataVersions,
    VersionedCache,
    data_versions,
    get_engine,
    lock_until_commit,
    transaction,
)
from innovation_hub.core.errors import BadRequest, Conflict, NotFound, RuleBroken
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.timestamps import require_aware
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import Resource

Interval = tuple[datetime, datetime]
logger = logging.getLogger("innovation_hub.bookings")

# Called after a booking is cancelled and committed (payments refunds by policy). Keyed by
# name so that building the app twice does not register a listener twice.
CancelListener = Callable[[Booking, User | None], Awaitable[None]]
_cancel_listeners: dict[str, CancelListener] = {}


def on_cancelled(name: str, listener: CancelListener) -> None:
    _cancel_listeners[name] = listener


async def _notify_cancelled(booking: Booking, actor: User | None) -> None:
    for name, listener in _cancel_listeners.items():
        try:
            await listener(booking, actor)
        except Exception:  # the cancellation stands; the listener retries on its own
            logger.exception("cancel listener %s failed for booking %s", name, booking.id)


MAX_AVAILABILITY_DAYS = 31
# No reservation is longer than a day, plus at most a 4-hour buffer. Overlap queries use it as
# a lower bound on start_at, so an index on (resource, start_at) reads only nearby rows.
MAX_RESERVATION = timedelta(hours=24)
MAX_OCCUPIED = MAX_RESERVATION + timedelta(hours=4)


def _check_length(start: datetime, end: datetime) -> None:
    if end <= start:
        raise RuleBroken(_("The end must be after the start."), code="end_before_start")
    if end - start > MAX_RESERVATION:
        raise RuleBroken(_("A reservation lasts at most 24 hours."), code="too_long")


MAX_SERIES_DAYS = 366


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


# -- rules -------------------------------------------------------------------------------


def _minutes(start: datetime, end: datetime) -> int:
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
    """Raises RuleBroken naming the first rule this request breaks."""
    if end <= start:
        raise RuleBroken(_("The end must be after the start."), code="end_before_start")
    if user.role not in spaces.allowed_roles(resource):
        raise RuleBroken(_("Your account type may not book this space."), code="role_not_allowed")
    if attendees < 1:
        raise RuleBroken(_("At least one person must attend."), code="invalid_attendees")
    if attendees > resource.capacity:
        raise RuleBroken(
            _("This space holds at most %(n)s people.", n=resource.capacity), code="over_capacity"
        )
    if (
        start.second
        or start.microsecond
        or end.second
        or end.microsecond
        or (
            _minute_of_day(start) % resource.slot_minutes
            or _minute_of_day(end) % resource.slot_minutes
        )
    ):
        raise RuleBroken(
            _("Start and end on a %(n)s-minute step (e.g. 09:00, 09:30).", n=resource.slot_minutes),
            code="slot_misaligned",
        )
    minutes = _minutes(start, end)
    if minutes < resource.min_minutes:
        raise RuleBroken(
            _("Book at least %(n)s minutes.", n=resource.min_minutes), code="too_short"
        )
    if minutes > resource.max_minutes:
        raise RuleBroken(
            _("Book at most %(n)s minutes at a time.", n=resource.max_minutes), code="too_long"
        )
    if start < now:
        raise RuleBroken(_("This time has already passed."), code="in_past")
    if start < now + timedelta(minutes=resource.min_notice_minutes):
        raise RuleBroken(
            _("Book at least %(n)s minutes ahead.", n=resource.min_notice_minutes), code="too_soon"
        )
    if start > now + timedelta(days=resource.max_days_ahead):
        raise RuleBroken(
            _("Book at most %(n)s days ahead.", n=resource.max_days_ahead), code="too_far_ahead"
        )
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


async def _context(
    resource: Resource, start: datetime, end: datetime, places: spaces.Places | None = None
) -> tuple[spaces.WeeklyHours, list[dict[str, Any]]]:
    places = places or await spaces.places()
    hours = places.weekly_hours(resource.location)
    closures = await places.closures_between(resource.location, start, end)
    return hours, closures


def _week_bounds(moment: datetime) -> Interval:
    local = moment.astimezone(LOCAL_TZ)
    monday = local.date() - timedelta(days=local.weekday())
    start = datetime.combine(monday, datetime.min.time(), LOCAL_TZ)
    return start, start + timedelta(days=7)


async def price_for(resource: Resource, user: User, start: datetime, end: datetime) -> int:
    """Whole VND. Staff pay nothing; a role's free weekly hours come first; a free resource
    refuses hours beyond the free allowance (the quota). Reads the member's bookings: see
    ``_price_and_status`` for the lock a booking needs around it."""
    if is_staff(user):
        return 0
    minutes = _minutes(start, end)
    free_hours = spaces.free_weekly_hours(resource).get(user.role)
    chargeable = minutes
    if free_hours is not None:
        week_start, week_end = _week_bounds(start)
        same_kind = Resource.select(Resource.id).where(
            (Resource.kind == resource.kind) & (Resource.location == resource.location)
        )
        rows = (
            await Booking.select(Booking.start_at, Booking.end_at)
            .where(
                (Booking.user == user.id)
                & Booking.status.is_in(list(ACTIVE_STATUSES))
                & Booking.resource.is_in(same_kind)
                & (Booking.start_at >= week_start)
                & (Booking.start_at < week_end)
            )
            .run()
        )
        used = sum(_minutes(r["start_at"], r["end_at"]) for r in rows)
        free_left = max(0, free_hours * 60 - used)
        chargeable = max(0, minutes - free_left)
        if chargeable and resource.price_per_hour_vnd == 0:
            raise RuleBroken(
                _(
                    "This goes past your %(n)s free hours this week (%(used)s used).",
                    n=free_hours,
                    used=round(used / 60, 1),
                ),
                code="quota_exceeded",
            )
    return resource.price_per_hour_vnd * chargeable // 60


async def _overlapping_exists(resource_id: int, start: datetime, occupied_until: datetime) -> bool:
    return (
        await Booking.exists()
        .where(
            (Booking.resource == resource_id)
            & Booking.status.is_in(list(ACTIVE_STATUSES))
            & (Booking.start_at < occupied_until)
            & (Booking.occupied_until > start)
            & (Booking.start_at > start - MAX_OCCUPIED)
        )
        .run()
    )


def _initial_status(
    resource: Resource, user: User, price: int, now: datetime, policy: Policy
) -> tuple[str, datetime | None]:
    if resource.requires_approval and not is_staff(user):
        return "pending_approval", None
    if price > 0:
        return "pending_payment", now + timedelta(minutes=policy.hold_minutes)
    return "confirmed", None


# Serialises, per member, the transactions that read the member's bookings to decide on a
# new one (the weekly quota, the unpaid holds): see lock_until_commit.
MEMBER_LOCK = "innovation_hub.bookings.member"


async def _check_unpaid_holds(user: User, now: datetime, policy: Policy) -> None:
    held = (
        await Booking.count()
        .where(
            (Booking.user == user.id)
            & (Booking.status == "pending_payment")
            & (Booking.hold_expires_at > now)
        )
        .run()
    )
    if held >= policy.max_unpaid_holds:
        raise RuleBroken(
            _(
                "You already have %(n)s bookings waiting for payment. Pay for or cancel one "
                "of them before you book another.",
                n=held,
            ),
            code="too_many_unpaid_holds",
        )


async def _price_and_status(
    resource: Resource, user: User, start: datetime, end: datetime, now: datetime, policy: Policy
) -> tuple[int, str, datetime | None]:
    """Price, status and hold of a new booking by the member's rules. Only inside a
    transaction that holds MEMBER_LOCK for the member until the booking is written:
    otherwise racing requests each see the quota and holds as they were before all of them."""
    price = await price_for(resource, user, start, end)
    status, hold = _initial_status(resource, user, price, now, policy)
    if status == "pending_payment":
        await _check_unpaid_holds(user, now, policy)
    return price, status, hold


async def _insert_checked(booking: Booking) -> None:
    """Insert after an explicit overlap check; the database constraint backs it up."""
    if await _overlapping_exists(booking.resource, booking.start_at, booking.occupied_until):
        raise slot_taken()
    await booking.save()


async def create_booking(
    user: User,
    resource_id: int,
    start: datetime,
    end: datetime,
    *,
    purpose: str = "",
    attendees: int = 1,
    policy: Policy,
    now: datetime | None = None,
) -> Booking:
    now = now or utcnow()
    start, end = require_aware(start, "start"), require_aware(end, "end")
    places = await spaces.places()
    resource = places.resource(resource_id)
    if len(purpose) > 300:
        raise RuleBroken(_("Use at most %(n)s characters.", n=300), code="purpose_too_long")
    hours, closures = await _context(resource, start, end, places)
    check_rules(resource, user, start, end, attendees, now=now, hours=hours, closures=closures)
    try:
        async with transaction():
            await lock_until_commit(MEMBER_LOCK, user.id)
            price, status, hold = await _price_and_status(resource, user, start, end, now, policy)
            booking = Booking(
                resource=resource.id,
                user=user.id,
                kind="booking",
                status=status,
                start_at=start,
                end_at=end,
                occupied_until=end + timedelta(minutes=resource.buffer_minutes),
                purpose=purpose.strip(),
                attendees=attendees,
                price_vnd=price,
                hold_expires_at=hold,
                created_by=user.id,
                created_at=now,
                updated_at=now,
            )
            # No separate overlap query inside the write lock: the database refuses an
            # overlapping insert itself (migration 0002, bounded in 0009).
            await booking.save()
            await audit.record(
                actor_id=user.id,
                action="booking.created",
                record_type="booking",
                record_id=booking.id,
                detail={"status": status, "price_vnd": price},
            )
    except Exception as exc:
        if is_overlap_violation(exc):
            raise slot_taken() from exc
        raise
    return booking


async def create_block(
    staff: User,
    resource_id: int,
    start: datetime,
    end: datetime,
    *,
    reason: str,
    public: bool = False,
    kind: str = "block",
    attendees: int = 0,
) -> Booking:
    """Staff take a resource out of use (maintenance, an event) or reserve it for centre work
    (``kind="visit"``, ``"consultation"``); only overlaps refuse it. Joins the caller's
    transaction when there is one, so the caller's own change commits with it or not at all."""
    start, end = require_aware(start, "start"), require_aware(end, "end")
    _check_length(start, end)
    if not reason.strip():
        raise RuleBroken(
            _("Say why the space is blocked."),
            code="reason_required",
            field_errors={"reason": _("Say why the space is blocked.")},
        )
    resource = await spaces.get_resource(resource_id)
    now = utcnow()
    try:
        async with transaction():
            booking = Booking(
                resource=resource.id,
                user=staff.id,
                kind=kind,
                is_public=public,
                status="confirmed",
                start_at=start,
                end_at=end,
                occupied_until=end,
                purpose=reason.strip(),
                attendees=attendees,
                price_vnd=0,
                created_by=staff.id,
                created_at=now,
                updated_at=now,
            )
            await _insert_checked(booking)
            await audit.record(
                actor_id=staff.id,
                action="booking.blocked",
                record_type="booking",
                record_id=booking.id,
                detail={"reason": reason},
            )
    except Exception as exc:
        if is_overlap_violation(exc):
            raise slot_taken() from exc
        raise
    return booking


# -- reading -----------------------------------------------------------------------------


async def release(actor: User, booking_id: int, *, reason: str) -> None:
    """Frees a reservation made with ``create_block`` (a declined or cancelled visit)."""
    async with transaction():
        booking = await get_booking(actor, booking_id)
        if booking.status in ACTIVE_STATUSES:
            # False when a racing request released it first: released either way.
            await _set_status(
                booking,
                "cancelled",
                actor_id=actor.id,
                reason=reason,
                now=utcnow(),
                cancelled_at=utcnow(),
            )


async def get_booking(user: User, booking_id: int) -> Booking:
    """The caller's booking (staff: any); someone else's is NotFound, never Forbidden."""
    query = Booking.objects().where(Booking.id == booking_id)
    if not is_staff(user):
        query = query.where(Booking.user == user.id)
    booking = await query.first().run()
    if booking is None:
        raise NotFound(_("No such booking."), code="booking_not_found")
    return booking


async def list_bookings(
    user: User,
    *,
    everyone: bool = False,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[Booking]:
    query = Booking.objects().where(Booking.kind == "booking")
    if not (everyone and is_staff(user)):
        query = query.where(Booking.user == user.id)
    if start is not None:
        query = query.where(Booking.end_at > start)
    if end is not None:
        query = query.where(Booking.start_at < end)
    return await query.order_by(Booking.start_at).limit(1000).run()


def _subtract(intervals: list[Interval], taken: Iterable[Interval]) -> list[Interval]:
    result = intervals
    for cut_start, cut_end in taken:
        next_result: list[Interval] = []
        for start, end in result:
            if cut_end <= start or end <= cut_start:
                next_result.append((start, end))
                continue
            if start < cut_start:
                next_result.append((start, cut_start))
            if cut_end < end:
                next_result.append((cut_end, end))
        result = next_result
    return result


# Compared and hashed by identity: an unchanged resource's item is the same object from one
# answer to the next, so a caller may keep what it derives from one (e.g. its JSON form).
@dataclass(frozen=True, eq=False)
class ResourceAvailability:
    resource: Resource
    free: list[Interval]
    taken: list[dict[str, Any]]  # active bookings: id, resource, start_at, occupied_until


INT32_LIMIT = 2**31  # ids and capacities are 32-bit integer columns


@dataclass(frozen=True)
class _Answer:
    items: list[ResourceAvailability]  # free time not cut at "now"
    longest_notice: timedelta  # the longest min_notice_minutes among the resources
    places: spaces.Places  # what it was worked out from


AvailabilityKey = tuple[datetime, datetime, str | None, int | None, int | None, int | None]
# Answers for the ranges and filters asked most recently, each kept while no booking and no
# place changed (data versions), whichever process or instance made the change.
_answers: VersionedCache[AvailabilityKey, _Answer] = VersionedCache(size=64)


async def availability(
    start: datetime,
    end: datetime,
    *,
    kind: str | None = None,
    resource_id: int | None = None,
    min_capacity: int | None = None,
    location_id: int | None = None,
    now: datetime | None = None,
) -> list[ResourceAvailability]:
    """Free intervals per resource: opening hours, less holidays, closures, bookings (with
    their buffers) and the past. The result is shared with other requests: read-only."""
    now = now or utcnow()
    start, end = require_aware(start, "start"), require_aware(end, "end")
    if end <= start:
        raise RuleBroken(_("The end must be after the start."), code="end_before_start")
    if end - start > timedelta(days=MAX_AVAILABILITY_DAYS):
        raise RuleBroken(
            _("Ask for at most %(n)s days at once.", n=MAX_AVAILABILITY_DAYS), code="range_too_long"
        )
    if any(
        n is not None and not -INT32_LIMIT <= n < INT32_LIMIT
        for n in (resource_id, min_capacity, location_id)
    ):
        # As the database answers for these columns (a 400 on both engines).
        raise BadRequest(_("A value in the request is out of range."), code="number_too_large")

    async def compute(versions: DataVersions | None, previous: _Answer | None) -> _Answer:
        places = await spaces.places(versions)
        resources = [
            r
            for r in places.resources
            if (kind is None or r.kind == kind)
            and (resource_id is None or r.id == resource_id)
            and (min_capacity is None or r.capacity >= min_capacity)
            and (location_id is None or r.location == location_id)
        ]
        return await _free_and_taken(places, resources, start, end, previous)

    key = (start, end, kind, resource_id, min_capacity, location_id)
    return _from_now(await _answers.get(key, data_versions, compute), start, now)


async def _free_and_taken(
    places: spaces.Places,
    resources: list[Resource],
    start: datetime,
    end: datetime,
    previous: _Answer | None,
) -> _Answer:
    """Availability without the cut at "now" (``_from_now`` makes it), so that it can be
    kept for as long as the data does not change. Resources whose bookings are the same as
    in the ``previous`` answer over the same places keep their part of it: after a booking
    only its resource is worked out again."""
    if not resources:
        return _Answer([], timedelta(0), places)
    # One query for the range across every resource; reservations last at most
    # MAX_OCCUPIED, so (status, start_at) bounds it on both sides.
    query = Booking.select(
        Booking.id, Booking.resource, Booking.start_at, Booking.occupied_until
    ).where(
        Booking.status.is_in(list(ACTIVE_STATUSES))
        & (Booking.start_at < end)
        & (Booking.start_at > start - MAX_OCCUPIED)
        & (Booking.occupied_until > start)
    )
    if len(resources) == 1:
        query = query.where(Booking.resource == resources[0].id)
    taken_by_resource: dict[int, list[dict[str, Any]]] = {}
    for row in await query.order_by(Booking.start_at).run():
        taken_by_resource.setdefault(row["resource"], []).append(row)

    before = {}
    if previous is not None and previous.places is places:
        before = {item.resource.id: item for item in previous.items}
    days = spaces.local_days(start, end)
    opening_by_location: dict[int, list[Interval]] = {}
    closures_by_location: dict[int, list[dict[str, Any]]] = {}
    result = []
    for resource in resources:
        taken = taken_by_resource.get(resource.id, [])
        unchanged = before.get(resource.id)
        if unchanged is not None and unchanged.taken == taken:
            result.append(unchanged)
            continue
        location = resource.location
        if location not in opening_by_location:
            hours = places.weekly_hours(location)
            opening = [iv for day in days for iv in hours.intervals_on(day)]
            clipped = [(max(a, start), min(b, end)) for a, b in opening]
            opening_by_location[location] = [(a, b) for a, b in clipped if a < b]
            closures_by_location[location] = await places.closures_between(location, start, end)
        free = _subtract(
            opening_by_location[location],
            [
                (c["starts_at"], c["ends_at"])
                for c in closures_by_location[location]
                if c["resource"] in (None, resource.id)
            ],
        )
        buffer = timedelta(minutes=resource.buffer_minutes)
        free = _subtract(free, [(t["start_at"] - buffer, t["occupied_until"]) for t in taken])
        min_length = timedelta(minutes=resource.min_minutes)
        # In local time, as every caller shows them (astimezone to the same zone is free).
        free = [
            (a.astimezone(LOCAL_TZ), b.astimezone(LOCAL_TZ)) for a, b in free if b - a >= min_length
        ]
        result.append(ResourceAvailability(resource, free, taken))
    notice = max(r.min_notice_minutes for r in resources)
    return _Answer(result, timedelta(minutes=notice), places)


def _from_now(answer: _Answer, start: datetime, now: datetime) -> list[ResourceAvailability]:
    """Cuts each resource's free time at the earliest start its notice rule allows now."""
    if now + answer.longest_notice <= start:
        return list(answer.items)
    result = []
    for item in answer.items:
        earliest = now + timedelta(minutes=item.resource.min_notice_minutes)
        if earliest <= start:
            result.append(item)
            continue
        min_length = timedelta(minutes=item.resource.min_minutes)
        free = [(max(a, earliest), b) for a, b in item.free if b - max(a, earliest) >= min_length]
        result.append(ResourceAvailability(item.resource, free, item.taken))
    return result


# -- changes -----------------------------------------------------------------------------


async def _set_status(
    booking: Booking,
    status: str,
    *,
    actor_id: int | None,
    reason: str = "",
    now: datetime,
    **changes: Any,
) -> bool:
    """Moves the booking from the status it was read with to ``status``, in one conditional
    update: of racing requests (two cancels, a check-in and the no-show job) exactly one
    moves it. False, and nothing changed, when another request moved it first."""
    values: dict[Any, Any] = {
        Booking.status: status,
        Booking.status_reason: reason,
        Booking.updated_at: now,
        Booking.sequence: Booking.sequence + 1,
    }
    for key, value in changes.items():
        values[Booking._meta.get_column_by_name(key)] = value
    moved = (
        await Booking.update(values)
        .where((Booking.id == booking.id) & (Booking.status == booking.status))
        .returning(Booking.sequence)
        .run()
    )
    if not moved:
        return False
    booking.status, booking.status_reason, booking.updated_at = status, reason, now
    booking.sequence = moved[0]["sequence"]
    for key, value in changes.items():
        setattr(booking, key, value)
    await audit.record(
        actor_id=actor_id,
        action=f"booking.{status}",
        record_type="booking",
        record_id=booking.id,
        detail={"reason": reason} if reason else None,
    )
    return True


def cancellation_deadline(booking: Booking, notice_hours: int) -> datetime:
    """The last moment a member may cancel a confirmed booking themselves."""
    return booking.start_at - timedelta(hours=notice_hours)


def check_in_opens(booking: Booking, policy: Policy) -> datetime:
    return booking.start_at - timedelta(minutes=policy.check_in_early_minutes)


async def cancel_booking(
    actor: User, booking_id: int, *, reason: str = "", policy: Policy, now: datetime | None = None
) -> Booking:
    now = now or utcnow()
    async with transaction():
        booking = await get_booking(actor, booking_id)
        if booking.status == "cancelled":
            return booking
        if booking.status not in ACTIVE_STATUSES or (
            booking.status == "checked_in" and not is_staff(actor)
        ):
            raise RuleBroken(_("This booking can no longer be cancelled."), code="not_cancellable")
        if not is_staff(actor) and booking.status == "confirmed":
            resource = await Resource.objects().where(Resource.id == booking.resource).first().run()
            hours = resource.cancel_notice_hours if resource else 0
            if now > cancellation_deadline(booking, hours):
                raise RuleBroken(
                    _("Cancel at least %(n)s hours before the start.", n=hours),
                    code="cancellation_too_late",
                )
        if is_staff(actor) and booking.user != actor.id and not reason.strip():
            raise RuleBroken(
                _("Give the member a reason."),
                code="reason_required",
                field_errors={"reason": _("Give the member a reason.")},
            )
        cancelled = await _set_status(
            booking,
            "cancelled",
            actor_id=actor.id,
            reason=reason.strip(),
            now=now,
            cancelled_at=now,
        )
        if not cancelled:  # another request moved it first; only that one refunds
            current = await get_booking(actor, booking_id)
            if current.status == "cancelled":
                return current
            raise RuleBroken(_("This booking can no longer be cancelled."), code="not_cancellable")
    await _notify_cancelled(booking, actor)
    await offer_waitlist(policy=policy, now=now)
    return booking


async def decide(
    staff: User,
    booking_id: int,
    *,
    approve: bool,
    reason: str = "",
    policy: Policy,
    now: datetime | None = None,
) -> Booking:
    now = now or utcnow()
    async with transaction():
        booking = await get_booking(staff, booking_id)
        if not approve and not reason.strip():
            raise RuleBroken(
                _("Give the member a reason."),
                code="reason_required",
                field_errors={"reason": _("Give the member a reason.")},
            )
        if booking.status != "pending_approval":
            raise RuleBroken(
                _("Only bookings waiting for approval can be decided."), code="not_pending_approval"
            )
        if approve:
            if booking.price_vnd > 0:
                decided = await _set_status(
                    booking,
                    "pending_payment",
                    actor_id=staff.id,
                    now=now,
                    hold_expires_at=now + timedelta(minutes=policy.hold_minutes),
                )
            else:
                decided = await _set_status(booking, "confirmed", actor_id=staff.id, now=now)
        else:
            decided = await _set_status(
                booking, "declined", actor_id=staff.id, reason=reason.strip(), now=now
            )
        if not decided:  # another member of staff decided (or the member cancelled) first
            raise RuleBroken(
                _("Only bookings waiting for approval can be decided."), code="not_pending_approval"
            )
    if not approve:
        await offer_waitlist(policy=policy, now=now)
    return booking


async def move_booking(
    staff: User,
    booking_id: int,
    *,
    start: datetime,
    end: datetime,
    resource_id: int | None,
    reason: str,
    policy: Policy,
) -> Booking:
    """Staff move any active booking; only overlaps refuse it."""
    start, end = require_aware(start, "start"), require_aware(end, "end")
    _check_length(start, end)
    now = utcnow()
    try:
        async with transaction():
            booking = await get_booking(staff, booking_id)
            if booking.status not in ACTIVE_STATUSES:
                raise RuleBroken(_("Only active bookings can be moved."), code="not_movable")
            resource = await spaces.get_resource(resource_id or booking.resource)
            occupied_until = end + timedelta(minutes=resource.buffer_minutes)
            clash = (
                await Booking.exists()
                .where(
                    (Booking.resource == resource.id)
                    & (Booking.id != booking.id)
                    & Booking.status.is_in(list(ACTIVE_STATUSES))
                    & (Booking.start_at < occupied_until)
                    & (Booking.occupied_until > start)
                    & (Booking.start_at > start - MAX_OCCUPIED)
                )
                .run()
            )
            if clash:
                raise slot_taken()
            old = {"start": booking.start_at.isoformat(), "resource": booking.resource}
            # Only the moved columns, and only while the booking is still active: a cancel
            # committed since it was read is not undone.
            moved = (
                await Booking.update(
                    {
                        Booking.resource: resource.id,
                        Booking.start_at: start,
                        Booking.end_at: end,
                        Booking.occupied_until: occupied_until,
                        Booking.status_reason: reason.strip(),
                        Booking.updated_at: now,
                        Booking.sequence: Booking.sequence + 1,
                    }
                )
                .where((Booking.id == booking.id) & Booking.status.is_in(list(ACTIVE_STATUSES)))
                .returning(Booking.sequence)
                .run()
            )
            if not moved:
                raise RuleBroken(_("Only active bookings can be moved."), code="not_movable")
            booking.resource, booking.start_at, booking.end_at = resource.id, start, end
            booking.occupied_until = occupied_until
            booking.status_reason = reason.strip()
            booking.sequence = moved[0]["sequence"]
            booking.updated_at = now
            await audit.record(
                actor_id=staff.id,
                action="booking.moved",
                record_type="booking",
                record_id=booking.id,
                detail={"from": old, "reason": reason},
            )
    except Exception as exc:
        if is_overlap_violation(exc):
            raise slot_taken() from exc
        raise
    await offer_waitlist(policy=policy, now=now)
    return booking


async def check_in(
    user: User, booking_id: int, *, policy: Policy, now: datetime | None = None
) -> Booking:
    now = now or utcnow()
    async with transaction():
        booking = await get_booking(user, booking_id)
        if booking.status == "checked_in":
            return booking
        if booking.status != "confirmed" or booking.kind != "booking":
            raise RuleBroken(_("Only confirmed bookings can be checked in."), code="not_checkable")
        if now < check_in_opens(booking, policy):
            raise RuleBroken(
                _("Check in from %(n)s minutes before the start.", n=policy.check_in_early_minutes),
                code="too_early",
            )
        if now >= booking.end_at:
            raise RuleBroken(_("This booking has already ended."), code="too_late")
        if not await _set_status(
            booking, "checked_in", actor_id=user.id, now=now, checked_in_at=now
        ):
            current = await get_booking(user, booking_id)
            if current.status == "checked_in":
                return current
            raise RuleBroken(_("Only confirmed bookings can be checked in."), code="not_checkable")
    return booking


# -- recurring bookings ------------------------------------------------------------------


@dataclass(frozen=True)
class Occurrence:
    start: datetime
    end: datetime
    code: str | None = None
    message: str = ""


def series_dates(
    start: datetime, end: datetime, frequency: str, *, until: date | None, count: int | None
) -> list[Interval]:
    if frequency not in {"daily", "weekly"}:
        raise RuleBroken(_("Repeat daily or weekly."), code="invalid_frequency")
    if (until is None) == (count is None):
        raise RuleBroken(_("Give either an end date or a number of times."), code="invalid_repeat")
    step = timedelta(days=1 if frequency == "daily" else 7)
    local_start, local_end = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
    last_allowed = local_start.date() + timedelta(days=MAX_SERIES_DAYS - 1)
    if count is not None and not 1 <= count <= MAX_SERIES_DAYS:
        raise RuleBroken(
            _("Repeat from 1 to %(n)s times.", n=MAX_SERIES_DAYS), code="invalid_repeat"
        )
    if until is not None and until < local_start.date():
        raise RuleBroken(_("The last date must be on or after the first."), code="invalid_repeat")
    if until is not None and until > last_allowed:
        raise RuleBroken(_("A series lasts at most a year."), code="series_too_long")
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
    now = now or utcnow()
    start, end = require_aware(start, "start"), require_aware(end, "end")
    resource = await spaces.get_resource(resource_id)
    dates = series_dates(start, end, frequency, until=until, count=count)
    hours, closures = await _context(resource, dates[0][0], dates[-1][1])
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
        if await _overlapping_exists(resource.id, occ_start, occupied):
            result.append(Occurrence(occ_start, occ_end, "slot_taken", slot_taken().detail))
        else:
            result.append(Occurrence(occ_start, occ_end))
    return result


@dataclass(frozen=True)
class SeriesResult:
    series: BookingSeries
    booked: list[Booking]
    skipped: list[Occurrence]


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
        return Conflict(
            _("None of the dates can be booked."), code="series_conflicts", extra=details
        )
    return Conflict(
        _("%(n)s of the dates cannot be booked.", n=len(conflicts)),
        code="series_conflicts",
        extra=details,
    )


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
    that cannot be booked refuses the whole series, lists the conflicting dates and writes
    nothing — whether the preview finds it or only the booking does (the weekly quota, the
    unpaid holds, a request that took the time meanwhile)."""
    now = now or utcnow()
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
    engine = get_engine()
    booked: list[Booking] = []
    async with transaction():
        await lock_until_commit(MEMBER_LOCK, user.id)
        series = BookingSeries(
            user=user.id, resource=resource.id, frequency=frequency, occurrences=0, created_at=now
        )
        await series.save()
        for occ in preview:
            if occ.code:
                continue
            # On PostgreSQL a refused insert aborts the transaction; a savepoint keeps the rest.
            current = engine.current_transaction.get()
            savepoint = None
            if engine.engine_type == "postgres" and current is not None:
                savepoint = await current.savepoint()
            try:
                price, status, hold = await _price_and_status(
                    resource, user, occ.start, occ.end, now, policy
                )
                booking = Booking(
                    resource=resource.id,
                    user=user.id,
                    kind="booking",
                    status=status,
                    start_at=occ.start,
                    end_at=occ.end,
                    occupied_until=occ.end + timedelta(minutes=resource.buffer_minutes),
                    purpose=purpose.strip(),
                    attendees=attendees,
                    price_vnd=price,
                    hold_expires_at=hold,
                    series=series.id,
                    created_by=user.id,
                    created_at=now,
                    updated_at=now,
                )
                await _insert_checked(booking)
            except Exception as exc:
                if not (is_overlap_violation(exc) or isinstance(exc, (Conflict, RuleBroken))):
                    raise
                if savepoint is not None:
                    await savepoint.rollback_to()
                refusal = exc if isinstance(exc, (Conflict, RuleBroken)) else slot_taken()
                conflicts.append(Occurrence(occ.start, occ.end, refusal.code, refusal.detail))
                continue
            if savepoint is not None:
                await savepoint.release()
            booked.append(booking)
        # Raised inside the transaction, so that every occurrence booked so far rolls back.
        if conflicts and not skip_conflicts:
            raise _series_refused(conflicts, all_dates=not booked)
        if not booked:
            raise _series_refused(conflicts, all_dates=True)
        series.occurrences = len(booked)
        await series.save([BookingSeries.occurrences])
        await audit.record(
            actor_id=user.id,
            action="booking_series.created",
            record_type="booking_series",
            record_id=series.id,
            detail={"booked": len(booked), "skipped": len(conflicts)},
        )
    return SeriesResult(series, booked, sorted(conflicts, key=lambda o: o.start))


async def cancel_series(
    user: User, series_id: int, *, policy: Policy, now: datetime | None = None
) -> tuple[list[Booking], list[Booking]]:
    """Cancels every future occurrence that may still be cancelled; returns (cancelled, kept)."""
    now = now or utcnow()
    query = BookingSeries.objects().where(BookingSeries.id == series_id)
    if not is_staff(user):
        query = query.where(BookingSeries.user == user.id)
    if await query.first().run() is None:
        raise NotFound(_("No such series."), code="series_not_found")
    future = (
        await Booking.objects()
        .where(
            (Booking.series == series_id)
            & (Booking.start_at > now)
            & Booking.status.is_in(list(ACTIVE_STATUSES))
        )
        .order_by(Booking.start_at)
        .run()
    )
    cancelled, kept = [], []
    for booking in future:
        try:
            cancelled.append(await cancel_booking(user, booking.id, policy=policy, now=now))
        except RuleBroken:
            kept.append(booking)
    return cancelled, kept


# -- background jobs ---------------------------------------------------------------------


async def expire_holds(*, policy: Policy, now: datetime | None = None) -> int:
    """Unpaid holds past their time are released."""
    now = now or utcnow()
    expired = (
        await Booking.update(
            {
                Booking.status: "expired",
                Booking.status_reason: "payment not received in time",
                Booking.updated_at: now,
                Booking.sequence: Booking.sequence + 1,
            }
        )
        .where((Booking.status == "pending_payment") & (Booking.hold_expires_at < now))
        .returning(Booking.id)
        .run()
    )
    for row in expired:
        await audit.record(
            actor_id=None, action="booking.expired", record_type="booking", record_id=row["id"]
        )
    if expired:
        await offer_waitlist(policy=policy, now=now)
    return len(expired)


async def release_no_shows(*, policy: Policy, now: datetime | None = None) -> int:
    """Confirmed bookings not checked in within the grace time become no_show, freeing the slot."""
    now = now or utcnow()
    released = (
        await Booking.update(
            {
                Booking.status: "no_show",
                Booking.updated_at: now,
                Booking.sequence: Booking.sequence + 1,
            }
        )
        .where(
            (Booking.status == "confirmed")
            & (Booking.kind == "booking")
            & (Booking.start_at < now - timedelta(minutes=policy.no_show_grace_minutes))
        )
        .returning(Booking.id)
        .run()
    )
    for row in released:
        await audit.record(
            actor_id=None, action="booking.no_show", record_type="booking", record_id=row["id"]
        )
    if released:
        await offer_waitlist(policy=policy, now=now)
    return len(released)


# -- waitlist ----------------------------------------------------------------------------


async def join_waitlist(
    user: User, resource_id: int, start: datetime, end: datetime, *, now: datetime | None = None
) -> WaitlistEntry:
    now = now or utcnow()
    start, end = require_aware(start, "start"), require_aware(end, "end")
    resource = await spaces.get_resource(resource_id)
    hours, closures = await _context(resource, start, end)
    check_rules(resource, user, start, end, 1, now=now, hours=hours, closures=closures)
    occupied = end + timedelta(minutes=resource.buffer_minutes)
    async with transaction():
        if not await _overlapping_exists(resource.id, start, occupied):
            raise RuleBroken(_("This time is free: book it directly."), code="slot_free")
        own = (
            await Booking.exists()
            .where(
                (Booking.resource == resource.id)
                & (Booking.user == user.id)
                & Booking.status.is_in(list(ACTIVE_STATUSES))
                & (Booking.start_at < end)
                & (Booking.end_at > start)
            )
            .run()
        )
        if own:
            raise RuleBroken(_("You have already booked this time."), code="already_booked")
        duplicate = (
            await WaitlistEntry.exists()
            .where(
                (WaitlistEntry.user == user.id)
                & (WaitlistEntry.resource == resource.id)
                & (WaitlistEntry.start_at == start)
                & (WaitlistEntry.end_at == end)
                & WaitlistEntry.status.is_in(["waiting", "offered"])
            )
            .run()
        )
        if duplicate:
            raise Conflict(
                _("You are already on the waitlist for this time."), code="already_waiting"
            )
        entry = WaitlistEntry(
            resource=resource.id,
            user=user.id,
            start_at=start,
            end_at=end,
            status="waiting",
            created_at=now,
        )
        await entry.save()
        await audit.record(
            actor_id=user.id, action="waitlist.joined", record_type="waitlist", record_id=entry.id
        )
    return entry


async def offer_waitlist(*, policy: Policy, now: datetime | None = None) -> int:
    """Offers each freed slot to the first member waiting for it, one offer at a time."""
    now = now or utcnow()
    waiting = (
        await WaitlistEntry.objects()
        .where(WaitlistEntry.status == "waiting")
        .order_by(WaitlistEntry.created_at)
        .order_by(WaitlistEntry.id)
        .limit(500)
        .run()
    )
    offered = 0
    for entry in waiting:
        resource = await Resource.objects().where(Resource.id == entry.resource).first().run()
        if resource is None or entry.start_at <= now:
            continue
        occupied = entry.end_at + timedelta(minutes=resource.buffer_minutes)
        if await _overlapping_exists(resource.id, entry.start_at, occupied):
            continue
        outstanding = (
            await WaitlistEntry.exists()
            .where(
                (WaitlistEntry.resource == entry.resource)
                & (WaitlistEntry.status == "offered")
                & (WaitlistEntry.start_at < entry.end_at)
                & (WaitlistEntry.end_at > entry.start_at)
            )
            .run()
        )
        if outstanding:
            continue
        async with transaction():
            claimed = (
                await WaitlistEntry.update(
                    {
                        WaitlistEntry.status: "offered",
                        WaitlistEntry.offer_expires_at: now
                        + timedelta(minutes=policy.waitlist_offer_minutes),
                    }
                )
                .where((WaitlistEntry.id == entry.id) & (WaitlistEntry.status == "waiting"))
                .returning(WaitlistEntry.id)
                .run()
            )
            if not claimed:
                continue  # another instance offered it
            member = await User.objects().where(User.id == entry.user).first().run()
            if member is not None:
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
                )
            await audit.record(
                actor_id=None, action="waitlist.offered", record_type="waitlist", record_id=entry.id
            )
        offered += 1
    return offered


async def expire_offers(*, policy: Policy, now: datetime | None = None) -> int:
    now = now or utcnow()
    expired = (
        await WaitlistEntry.update({WaitlistEntry.status: "expired"})
        .where((WaitlistEntry.status == "offered") & (WaitlistEntry.offer_expires_at < now))
        .returning(WaitlistEntry.id)
        .run()
    )
    if expired:
        await offer_waitlist(policy=policy, now=now)
    return len(expired)


async def accept_offer(
    user: User, entry_id: int, *, policy: Policy, now: datetime | None = None
) -> Booking:
    now = now or utcnow()
    entry = (
        await WaitlistEntry.objects()
        .where((WaitlistEntry.id == entry_id) & (WaitlistEntry.user == user.id))
        .first()
        .run()
    )
    if entry is None:
        raise NotFound(_("No such waitlist entry."), code="waitlist_not_found")
    async with transaction():
        # Claimed in the same transaction as the booking, so the job expiring offers cannot
        # pass it on to the next member while it is being accepted (nor after).
        claimed = (
            await WaitlistEntry.update({WaitlistEntry.status: "booked"})
            .where(
                (WaitlistEntry.id == entry.id)
                & (WaitlistEntry.status == "offered")
                & (
                    WaitlistEntry.offer_expires_at.is_null()
                    | (WaitlistEntry.offer_expires_at >= now)
                )
            )
            .returning(WaitlistEntry.id)
            .run()
        )
        if not claimed:
            raise RuleBroken(_("This offer is no longer open."), code="offer_closed")
        booking = await create_booking(
            user, entry.resource, entry.start_at, entry.end_at, policy=policy, now=now
        )
        await (
            WaitlistEntry.update({WaitlistEntry.booking: booking.id})
            .where(WaitlistEntry.id == entry.id)
            .run()
        )
    return booking


async def leave_waitlist(user: User, entry_id: int) -> None:
    left = (
        await WaitlistEntry.update({WaitlistEntry.status: "left"})
        .where(
            (WaitlistEntry.id == entry_id)
            & (WaitlistEntry.user == user.id)
            & WaitlistEntry.status.is_in(["waiting", "offered"])
        )
        .returning(WaitlistEntry.id)
        .run()
    )
    if not left:
        raise NotFound(_("No such waitlist entry."), code="waitlist_not_found")


async def my_waitlist(user: User) -> list[WaitlistEntry]:
    return (
        await WaitlistEntry.objects()
        .where((WaitlistEntry.user == user.id) & WaitlistEntry.status.is_in(["waiting", "offered"]))
        .order_by(WaitlistEntry.start_at)
        .run()
    )
