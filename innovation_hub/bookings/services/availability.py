"""Free time per resource: opening hours, less holidays, closures, bookings (with their
buffers) and the past. Answers are kept while no booking and no place changed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from innovation_hub.bookings.services.rules import (
    INT32_LIMIT,
    MAX_AVAILABILITY_DAYS,
    MAX_OCCUPIED,
    Interval,
)
from innovation_hub.bookings.tables import ACTIVE_STATUSES, Booking
from innovation_hub.core import clock
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.database import DataVersions, VersionedCache, data_versions
from innovation_hub.core.errors import BadRequest, RuleBroken
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.timestamps import require_aware
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import Resource


def subtract(intervals: list[Interval], taken: Iterable[Interval]) -> list[Interval]:
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


@dataclass(frozen=True)
class _Answer:
    items: list[ResourceAvailability]  # free time not cut at "now"
    longest_notice: timedelta  # the longest min_notice_minutes among the resources
    places: spaces.Places  # what it was worked out from


AvailabilityKey = tuple[datetime, datetime, str | None, int | None, int | None, int | None]
# Answers for the ranges and filters asked most recently, each kept while no booking and no
# place changed (data versions), whichever process or instance made the change.
_answers: VersionedCache[AvailabilityKey, _Answer] = VersionedCache(size=64)


def _check_range(start: datetime, end: datetime, *numbers: int | None) -> None:
    if end <= start:
        raise RuleBroken(_("The end must be after the start."), code="end_before_start")
    if end - start > timedelta(days=MAX_AVAILABILITY_DAYS):
        raise RuleBroken(
            _("Ask for at most %(n)s days at once.", n=MAX_AVAILABILITY_DAYS), code="range_too_long"
        )
    if any(n is not None and not -INT32_LIMIT <= n < INT32_LIMIT for n in numbers):
        # As the database answers for these columns (a 400 on both engines).
        raise BadRequest(_("A value in the request is out of range."), code="number_too_large")


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
    """Free intervals per resource. The result is shared with other requests: read-only."""
    now = now or clock.utcnow()
    start, end = require_aware(start, "start"), require_aware(end, "end")
    _check_range(start, end, resource_id, min_capacity, location_id)

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


async def _taken_by_resource(
    resources: list[Resource], start: datetime, end: datetime
) -> dict[int, list[dict[str, Any]]]:
    """One query for the range across every resource; reservations last at most
    MAX_OCCUPIED, so (status, start_at) bounds it on both sides."""
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
    taken: dict[int, list[dict[str, Any]]] = {}
    for row in await query.order_by(Booking.start_at).run():
        taken.setdefault(row["resource"], []).append(row)
    return taken


class _Opening:
    """Each location's opening time and closures over the range, read once."""

    def __init__(self, places: spaces.Places, start: datetime, end: datetime) -> None:
        self.places, self.start, self.end = places, start, end
        self.days = spaces.local_days(start, end)
        self._open: dict[int, list[Interval]] = {}
        self._closures: dict[int, list[dict[str, Any]]] = {}

    async def free_of_closures(self, resource: Resource) -> list[Interval]:
        location = resource.location
        if location not in self._open:
            hours = self.places.weekly_hours(location)
            opening = [iv for day in self.days for iv in hours.intervals_on(day)]
            clipped = [(max(a, self.start), min(b, self.end)) for a, b in opening]
            self._open[location] = [(a, b) for a, b in clipped if a < b]
            self._closures[location] = await self.places.closures_between(
                location, self.start, self.end
            )
        closed = [
            (c["starts_at"], c["ends_at"])
            for c in self._closures[location]
            if c["resource"] in (None, resource.id)
        ]
        return subtract(self._open[location], closed)


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
    taken_by_resource = await _taken_by_resource(resources, start, end)
    before = {}
    if previous is not None and previous.places is places:
        before = {item.resource.id: item for item in previous.items}
    opening = _Opening(places, start, end)
    result = []
    for resource in resources:
        taken = taken_by_resource.get(resource.id, [])
        unchanged = before.get(resource.id)
        if unchanged is not None and unchanged.taken == taken:
            result.append(unchanged)
            continue
        buffer = timedelta(minutes=resource.buffer_minutes)
        free = subtract(
            await opening.free_of_closures(resource),
            [(t["start_at"] - buffer, t["occupied_until"]) for t in taken],
        )
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


def state_between(item: ResourceAvailability, start: datetime, end: datetime) -> str:
    """One resource over [start, end), as the floor plan shows it: "free" when one of its
    free intervals holds all of it, "taken" when a booking (or its buffer) takes part of it,
    otherwise "closed" (outside opening hours, a closure or holiday, the past, too soon)."""
    if any(a <= start and end <= b for a, b in item.free):
        return "free"
    buffer = timedelta(minutes=item.resource.buffer_minutes)
    if any(t["start_at"] - buffer < end and start < t["occupied_until"] for t in item.taken):
        return "taken"
    return "closed"
