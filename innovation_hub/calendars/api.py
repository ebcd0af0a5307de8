"""JSON API for the caller's private feeds."""

from __future__ import annotations

from functools import partial
from typing import Any, Literal

import msgspec
from litestar import Request, get, post
from litestar.di import NamedDependency

from innovation_hub.calendars import services
from innovation_hub.core.auth import ANY_USER
from innovation_hub.core.errors import describe_problems
from innovation_hub.core.rows import to_structs

Config = NamedDependency[services.CalendarConfig]


class FeedOut(msgspec.Struct, kw_only=True):
    kind: Literal["member", "staff"]
    name: str
    url: str
    webcal_url: str


class FeedList(msgspec.Struct):
    items: list[FeedOut]


def _out(links: list[services.FeedLink]) -> FeedList:
    return FeedList(items=to_structs(links, FeedOut))


# Both operations: any signed-in user's own feeds, tagged "calendars".
feeds_get = partial(get, access=ANY_USER, tags=["calendars"])
feeds_post = partial(post, access=ANY_USER, status_code=200, tags=["calendars"])


@feeds_get("/me/feeds", summary="The caller's private feeds")
async def my_feeds(request: Request[Any, Any, Any], calendar_config: Config) -> FeedList:
    return _out(await services.feed_links(request.user, calendar_config))


@feeds_post("/me/feeds/rotate", summary="New secret feed URLs; the old ones answer 404 from now on")
async def rotate_feeds(request: Request[Any, Any, Any], calendar_config: Config) -> FeedList:
    return _out(await services.rotate(request.user, calendar_config))


ROUTES = describe_problems([my_feeds, rotate_feeds])
