"""The places every booking reads (resources, hours, closures), loaded once per change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import DataVersions, VersionedCache, data_versions
from innovation_hub.core.errors import NotFound
from innovation_hub.core.i18n import gettext as _
from innovation_hub.spaces.services.hours import WeeklyHours
from innovation_hub.spaces.tables import Closure, OpeningHours, Resource


async def closures_between(
    location_id: int, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Closures of the location or any of its resources that touch [start, end)."""
    resource_ids = Resource.select(Resource.id).where(Resource.location == location_id)
    return (
        await Closure.select()
        .where(
            ((Closure.location == location_id) | Closure.resource.is_in(resource_ids))
            & (Closure.starts_at < end)
            & (Closure.ends_at > start)
        )
        .order_by(Closure.starts_at)
        .run()
    )


# Closures that ended this long before a snapshot was loaded are left out of it.
SNAPSHOT_CLOSURES_BEFORE = timedelta(days=40)


@dataclass(frozen=True)
class Places:
    """What every booking and availability request reads about the places: active
    resources, opening hours and closures, loaded together and shared while the ``spaces``
    data version stays the same (see ``places``). Read-only: never change these objects."""

    resources: list[Resource]  # active ones, ordered by location, kind and id
    by_id: dict[int, Resource]
    location_of: dict[int, int]  # every resource's location, inactive ones too
    hours: dict[int, WeeklyHours]
    closures: list[dict[str, Any]]  # ordered by start; those ending after closures_from
    closures_from: datetime

    def resource(self, resource_id: int) -> Resource:
        """An active resource, as ``get_resource`` finds it."""
        resource = self.by_id.get(resource_id)
        if resource is None:
            raise NotFound(_("No such space."), code="resource_not_found")
        return resource

    def weekly_hours(self, location_id: int) -> WeeklyHours:
        return self.hours.get(location_id, WeeklyHours({}))

    async def closures_between(
        self, location_id: int, start: datetime, end: datetime
    ) -> list[dict[str, Any]]:
        """As the module's ``closures_between``; older ranges are read from the database."""
        if start < self.closures_from:
            return await closures_between(location_id, start, end)
        return [
            c
            for c in self.closures
            if c["starts_at"] < end
            and c["ends_at"] > start
            and (
                c["location"] == location_id
                or (
                    c["resource"] is not None and self.location_of.get(c["resource"]) == location_id
                )
            )
        ]


_places: VersionedCache[str, Places] = VersionedCache(size=1)


async def places(versions: DataVersions | None = None) -> Places:
    """The current ``Places``: four queries when the places changed since they were last
    loaded, none otherwise. ``versions``, read just before, saves reading them again."""

    async def spaces_token() -> int | None:
        current = versions or await data_versions()
        return dict(current).get("spaces") if current else None

    async def load(_version: object, _previous: Places | None) -> Places:
        return await _load_places()

    return await _places.get("all", spaces_token, load)


async def _load_places() -> Places:
    closures_from = utcnow() - SNAPSHOT_CLOSURES_BEFORE
    resources = (
        await Resource.objects()
        .where(Resource.is_active.eq(True))
        .output(load_json=True)
        .order_by(Resource.location)
        .order_by(Resource.kind)
        .order_by(Resource.id)
        .run()
    )
    locations = await Resource.select(Resource.id, Resource.location).run()
    hours: dict[int, dict[int, list[tuple[time, time]]]] = {}
    for row in await OpeningHours.select().order_by(OpeningHours.opens).run():
        hours.setdefault(row["location"], {}).setdefault(row["weekday"], []).append(
            (row["opens"], row["closes"])
        )
    closures = (
        await Closure.select()
        .where(Closure.ends_at > closures_from)
        .order_by(Closure.starts_at)
        .run()
    )
    return Places(
        resources=resources,
        by_id={r.id: r for r in resources},
        location_of={row["id"]: row["location"] for row in locations},
        hours={location: WeeklyHours(days) for location, days in hours.items()},
        closures=closures,
        closures_from=closures_from,
    )
