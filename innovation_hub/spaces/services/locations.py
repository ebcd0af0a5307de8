"""Locations: the centre's sites, each with its opening hours."""

from __future__ import annotations

from innovation_hub.core.database import transaction
from innovation_hub.core.errors import NotFound
from innovation_hub.core.i18n import gettext as _
from innovation_hub.spaces.services.hours import DEFAULT_HOURS
from innovation_hub.spaces.services.rules import MAX_ID
from innovation_hub.spaces.tables import Location, OpeningHours


async def default_location() -> Location:
    """The location new resources go to; made (open Monday–Friday 08–17) if missing."""
    location = await Location.objects().where(Location.is_default.eq(True)).first().run()
    if location is not None:
        return location
    async with transaction():
        location = await Location.objects().where(Location.is_default.eq(True)).first().run()
        if location is None:
            location = Location(name="Cơ sở chính", is_default=True)
            await location.save()
            await OpeningHours.insert(
                *[
                    OpeningHours(
                        location=location.id,
                        weekday=day,
                        opens=DEFAULT_HOURS[0],
                        closes=DEFAULT_HOURS[1],
                    )
                    for day in range(5)
                ]
            ).run()
    return location


async def get_location(location_id: int) -> Location:
    if not 0 < location_id <= MAX_ID:
        raise NotFound(_("No such location."), code="location_not_found")
    location = await Location.objects().where(Location.id == location_id).first().run()
    if location is None:
        raise NotFound(_("No such location."), code="location_not_found")
    return location


async def list_locations() -> list[Location]:
    return await Location.objects().order_by(Location.id).run()
