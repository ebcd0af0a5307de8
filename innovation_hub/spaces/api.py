"""JSON API for locations, resources and closures."""

from __future__ import annotations

from functools import partial
from typing import Any, cast

import msgspec
from litestar import Request, get, patch, post, put
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
    PlacedResourceOut,
    PlanOut,
    PositionIn,
    ResourceIn,
    ResourceList,
    ResourceOut,
    ResourcePatch,
)
from innovation_hub.spaces.tables import Closure, OpeningHours, Resource


def resource_out(resource: Resource) -> ResourceOut:
    return to_struct(
        resource,
        ResourceOut,
        kind=cast(KindName, resource.kind),
        location_id=resource.location,
        amenities=services.amenities(resource),
        allowed_roles=services.allowed_roles(resource),
        free_weekly_hours=services.free_weekly_hours(resource),
        photo_url=f"/spaces/photos/{resource.photo_path}" if resource.photo_path else None,
    )


def plan_out(plan: services.Plan) -> PlanOut:
    return PlanOut(
        location_id=plan.location.id,
        name=plan.location.name,
        plan_url=plan.url,
        resources=[
            PlacedResourceOut(
                id=r.id,
                name=r.name,
                kind=cast(KindName, r.kind),
                amenities=services.amenities(r),
                x=r.plan_x,
                y=r.plan_y,
            )
            for r in plan.resources
        ],
    )


# Every operation here is tagged "spaces"; reading is public, writing is for staff.
public_get = partial(get, access=PUBLIC, tags=["spaces"], security=[])
staff_post = partial(post, access=STAFF, status_code=HTTP_201_CREATED, tags=["spaces"])


@public_get("/resources", summary="Bookable spaces")
async def list_resources(
    kind: FromQuery[str | None] = None, location_id: QueryId = None
) -> ResourceList:
    resources = await services.list_resources(kind=kind, location_id=location_id)
    return ResourceList(items=[resource_out(r) for r in resources])


@staff_post("/resources", summary="Add a bookable space")
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


@public_get("/locations", summary="Locations and opening hours")
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


@staff_post("/closures", summary="Close a location or one space for a time")
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


@public_get(
    "/locations/{location_id:int}/plan",
    summary="A location's floor plan and where its spaces sit on it",
    description="`plan_url` is the plan's image (SVG, PNG, JPEG or WebP) or null; each open "
    "space has `x` and `y` in percent of the plan's width and height from the top left "
    "corner, or null when staff have not placed it. 404 location_not_found.",
)
async def location_plan(location_id: PathId) -> PlanOut:
    return plan_out(await services.location_plan(location_id))


@put(
    "/staff/resources/{resource_id:int}/position",
    access=STAFF,
    tags=["spaces"],
    summary="Staff: place a space on its location's floor plan",
    description="`x` and `y` are percentages (0–100) of the plan's width and height; both "
    "null takes the space off the plan. 422 invalid_input with `errors` for `x` or `y` out "
    "of range; nothing is written then.",
)
async def place_resource(
    request: Request[Any, Any, Any], resource_id: PathId, data: JSONBody[PositionIn]
) -> ResourceOut:
    position = services.checked_position(data.x, data.y)
    resource = await services.get_any_resource(resource_id)
    await services.set_positions(
        resource.location, {resource.id: position}, actor_id=request.user.id
    )
    return resource_out(await services.get_any_resource(resource_id))


ROUTES = describe_problems(
    [
        list_resources,
        create_resource,
        update_resource,
        list_locations,
        create_closure,
        location_plan,
        place_resource,
    ]
)
