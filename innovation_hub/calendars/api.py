"""JSON API for the caller's private feeds."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get, post

from innovation_hub.calendars import services
from innovation_hub.calendars.web import config_of
from innovation_hub.core.auth import ANY_USER
from innovation_hub.core.errors import describe_problems


class FeedOut(msgspec.Struct, kw_only=True):
    kind: str
    name: str
    url: str
    webcal_url: str


class FeedList(msgspec.Struct):
    items: list[FeedOut]


def _out(links: list[services.FeedLink]) -> FeedList:
    return FeedList(
        items=[
            FeedOut(kind=link.kind, name=link.name, url=link.url, webcal_url=link.webcal_url)
            for link in links
        ]
    )


@get("/me/feeds", access=ANY_USER, tags=["calendars"], summary="The caller's private feeds")
async def my_feeds(request: Request[Any, Any, Any]) -> FeedList:
    return _out(await services.feed_links(request.user, config_of(request)))


@post(
    "/me/feeds/rotate",
    access=ANY_USER,
    status_code=200,
    tags=["calendars"],
    summary="New secret feed URLs; the old ones answer 404 from now on",
)
async def rotate_feeds(request: Request[Any, Any, Any]) -> FeedList:
    return _out(await services.rotate(request.user, config_of(request)))


ROUTES = describe_problems([my_feeds, rotate_feeds])
