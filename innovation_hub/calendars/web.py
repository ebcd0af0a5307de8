"""Feed URLs calendar apps poll, the feeds page, and single-booking downloads."""

from __future__ import annotations

import re
from email.utils import format_datetime as http_date
from typing import Any

from litestar import Request, Response, get, post, route
from litestar.enums import HttpMethod
from litestar.params import FromPath
from litestar.response import Template

from innovation_hub.calendars import services
from innovation_hub.core.auth import ANY_USER, PUBLIC
from innovation_hub.core.errors import NotFound, TooManyRequests
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.ratelimit import RateLimiter
from innovation_hub.core.web import go_to, page

Req = Request[Any, Any, Any]
CALENDAR = "text/calendar"  # Litestar adds "; charset=utf-8"
_ICS_NAME = re.compile(r"([A-Za-z0-9_-]{1,100})\.ics")


def config_of(request: Req) -> services.CalendarConfig:
    config: services.CalendarConfig = request.app.state.calendar_config
    return config


def _stem(name: str) -> str:
    match = _ICS_NAME.fullmatch(name)
    if match is None:
        raise NotFound(_("No such calendar."), code="feed_not_found")
    return match.group(1)


def _matches(request: Req, etag: str) -> bool:
    wanted = request.headers.get("if-none-match", "")
    return any(tag.strip() in {etag, "*", f"W/{etag}"} for tag in wanted.split(","))


async def _serve(request: Req, feed: services.Feed) -> Response[bytes]:
    headers = {
        "etag": feed.etag,
        "cache-control": "private, max-age=0, must-revalidate"
        if feed.private
        else "public, max-age=300",
    }
    if feed.last_modified is not None:
        headers["last-modified"] = http_date(feed.last_modified, usegmt=True)
    if _matches(request, feed.etag):
        return Response(b"", status_code=304, headers=headers)
    body = b"" if request.method == HttpMethod.HEAD else await feed.render()
    if request.method == HttpMethod.HEAD:
        # HEAD promises the same length GET would send.
        headers["content-length"] = str(len(await feed.render()))
    return Response(body, media_type=CALENDAR, headers=headers)


@route(
    "/feeds/private/{name:str}",
    http_method=[HttpMethod.GET, HttpMethod.HEAD],
    access=PUBLIC,
    include_in_schema=False,
    skip_session=True,
)
async def private_feed(request: Req, name: FromPath[str]) -> Response[bytes]:
    """Guessing is throttled per address: misses are counted and, past the limit, refused.
    A valid URL is always served, even from an address that has missed too often (a school
    or office behind one address must not lose everyone's calendars to one bad client)."""
    stem = _ICS_NAME.fullmatch(name)
    resolved = await services.resolve(stem.group(1)) if stem else None
    if resolved is None:
        limiter: RateLimiter = request.app.state.feed_miss_limiter
        ip = request.client.host if request.client else "unknown"
        if wait := await limiter.retry_after(ip):
            raise TooManyRequests(_("Too many requests"), retry_after=wait)
        await limiter.hit(ip)
        raise NotFound(_("No such calendar."), code="feed_not_found")
    user, kind = resolved
    source = f"{config_of(request).base_url}/feeds/private/{name}"
    return await _serve(request, await services.member_feed(user, kind, config_of(request), source))


@route(
    "/feeds/resources/{name:str}",
    http_method=[HttpMethod.GET, HttpMethod.HEAD],
    access=PUBLIC,
    include_in_schema=False,
    skip_session=True,
)
async def resource_feed(request: Req, name: FromPath[str]) -> Response[bytes]:
    stem = _stem(name)
    if not stem.isdigit():
        raise NotFound(_("No such calendar."), code="feed_not_found")
    source = f"{config_of(request).base_url}/feeds/resources/{name}"
    return await _serve(
        request, await services.resource_feed(int(stem), config_of(request), source)
    )


@route(
    "/feeds/events.ics",
    http_method=[HttpMethod.GET, HttpMethod.HEAD],
    access=PUBLIC,
    include_in_schema=False,
    skip_session=True,
)
async def events_feed(request: Req) -> Response[bytes]:
    source = f"{config_of(request).base_url}/feeds/events.ics"
    return await _serve(request, await services.public_events_feed(config_of(request), source))


@get("/bookings/{name:str}", access=ANY_USER, include_in_schema=False)
async def booking_file(request: Req, name: FromPath[str]) -> Response[bytes]:
    stem = _stem(name)
    if not stem.isdigit():
        raise NotFound(_("No such booking."), code="booking_not_found")
    filename, body = await services.booking_ics(request.user, int(stem), config_of(request))
    return Response(
        body,
        media_type=CALENDAR,
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


@get("/feeds", access=ANY_USER, name="feeds")
async def feeds_page(request: Req) -> Template:
    links = await services.feed_links(request.user, config_of(request))
    return page(
        request,
        "calendars/feeds.html",
        {
            "links": links,
            "rotated": bool(request.query_params.get("rotated")),
            "base_url": config_of(request).base_url,
        },
    )


@post("/feeds/rotate", access=ANY_USER)
async def rotate(request: Req) -> Response[Any]:
    await services.rotate(request.user, config_of(request))
    return go_to(request, "/feeds?rotated=1")


ROUTES = [private_feed, resource_feed, events_feed, booking_file, feeds_page, rotate]
