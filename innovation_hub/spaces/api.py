"""JSON API for locations, resources and closures."""

from __future__ import annotations

from typing import Any, cast

import msgspec
from litestar import Request, get, patch, post
from litestar.params import FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from innovation_hub.core.auth import PUBLIC, STAFF
from innovation_hub.core.errors import describe_problems
from innovation_hub.core.openapi import PathId, QueryId
from innovation_hub.core.rows import to_struct
from innovation_hub.core.timestamps import require_aware
from innovation_hub.spaces import services
from innovation_hub.spaces.schemas import (
    ClosureIn,
    ClosureOut,
    KindName,
    LocationList,
    LocationOut,
    OpeningIntervalOut,
    ResourceIn,
    ResourceList,
    ResourceOut,
    ResourcePatch,
)
from innovation_hub.spaces.tables import Closure, OpeningHours, Resource


def resource_out(resource: Resource) -> ResourceOut:
    # Field by field: core.rows.to_struct turns a dict value (free_weekly_hours) into an
    # object msgspec refuses for a dict field.
    return ResourceOut(
        id=resource.id,
        name=resource.name,
        kind=cast(KindName, resource.kind),
        capacity=resource.capacity,
        price_per_hour_vnd=resource.price_per_hour_vnd,
        requires_approval=resource.requires_approval,
        location_id=resource.location,
        description=resource.description,
        amenities=services.amenities(resource),
        slot_minutes=resource.slot_minutes,
        min_minutes=resource.min_minutes,
        max_minutes=resource.max_minutes,
        max_days_ahead=resource.max_days_ahead,
        min_notice_minutes=resource.min_notice_minutes,
        buffer_minutes=resource.buffer_minutes,
        cancel_notice_hours=resource.cancel_notice_hours,
        allowed_roles=services.allowed_roles(resource),
        free_weekly_hours=services.free_weekly_hours(resource),
        photo_url=f"/spaces/photos/{resource.photo_path}" if resource.photo_path else None,
        is_active=resource.is_active,
    )


@get("/resources", access=PUBLIC, tags=["spaces"], summary="Bookable spaces", security=[])
async def list_resources(
    kind: FromQuery[str | None] = None, location_id: QueryId = None
) -> ResourceList:
    resources = await services.list_resources(kind=kind, location_id=location_id)
    return ResourceList(items=[resource_out(r) for r in resources])


@post(
    "/resources",
    access=STAFF,
    status_code=HTTP_201_CREATED,
    tags=["spaces"],
    summary="Add a bookable space",
)
async def create_resource(
    request: Request[Any, Any, Any], data: JSONBody[ResourceIn]
) -> ResourceOut:
    fields = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not None}
    resource = await services.create_resource(fields, actor_id=request.user.id)
    return resource_out(resource)


@patch(
    "/resources/{resource_id:int}",
    access=STAFF,
    tags=["spaces"],
    summary="Staff: change a space and its booking rules",
    description="Send only the fields to change. The result must pass the same rules as a new "
    "space (422 invalid_input with `errors` per field, e.g. the shortest booking longer than "
    "the longest, or durations that are not whole time steps). Changed rules apply to "
    "bookings made from then on; existing bookings stay. `is_active: false` stops new "
    "bookings. Works on inactive spaces too; 404 resource_not_found for an unknown id.",
)
async def update_resource(
    request: Request[Any, Any, Any], resource_id: PathId, data: JSONBody[ResourcePatch]
) -> ResourceOut:
    changes = {
        name: value
        for name in ResourcePatch.__struct_fields__
        if (value := getattr(data, name)) is not msgspec.UNSET
    }
    resource = await services.update_resource(resource_id, changes, actor_id=request.user.id)
    return resource_out(resource)


@get(
    "/locations", access=PUBLIC, tags=["spaces"], summary="Locations and opening hours", security=[]
)
async def list_locations() -> LocationList:
    await services.default_location()
    locations = await services.list_locations()
    hours = (
        await OpeningHours.select()
        .order_by(OpeningHours.weekday)
        .order_by(OpeningHours.opens)
        .run()
    )
    return LocationList(
        items=[
            to_struct(
                location,
                LocationOut,
                opening_hours=[
                    OpeningIntervalOut(
                        weekday=h["weekday"],
                        opens=h["opens"].strftime("%H:%M"),
                        closes=h["closes"].strftime("%H:%M"),
                    )
                    for h in hours
                    if h["location"] == location.id
                ],
            )
            for location in locations
        ]
    )


def closure_out(closure: Closure) -> ClosureOut:
    return to_struct(
        closure,
        ClosureOut,
        start=closure.starts_at,
        end=closure.ends_at,
        resource_id=closure.resource,
        location_id=closure.location,
    )


@post(
    "/closures",
    access=STAFF,
    status_code=HTTP_201_CREATED,
    tags=["spaces"],
    summary="Close a location or one space for a time",
)
async def create_closure(request: Request[Any, Any, Any], data: JSONBody[ClosureIn]) -> ClosureOut:
    closure = await services.create_closure(
        starts_at=require_aware(data.start, "start"),
        ends_at=require_aware(data.end, "end"),
        reason=data.reason,
        actor_id=request.user.id,
        location_id=data.location_id,
        resource_id=data.resource_id,
    )
    return closure_out(closure)


ROUTES = describe_problems(
    [list_resources, create_resource, update_resource, list_locations, create_closure]
)
