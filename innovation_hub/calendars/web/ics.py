"""Serving an iCal body: names in feed URLs, ETags and conditional requests, HEAD."""

from __future__ import annotations

import re
from email.utils import format_datetime as http_date
from typing import Any

from litestar import Request, Response
from litestar.enums import HttpMethod

from innovation_hub.calendars import services
from innovation_hub.core.errors import NotFound
from innovation_hub.core.forms import parse_id
from innovation_hub.core.i18n import gettext as _

CALENDAR = "text/calendar"  # Litestar adds "; charset=utf-8"
_ICS_NAME = re.compile(r"([A-Za-z0-9_-]{1,100})\.ics")


def stem(name: str) -> str | None:
    """``abc`` of ``abc.ics``, or None for any other name."""
    match = _ICS_NAME.fullmatch(name)
    return match.group(1) if match else None


def no_calendar() -> NotFound:
    return NotFound(_("No such calendar."), code="feed_not_found")


def numbered(name: str, missing: NotFound) -> int:
    """The number of ``12.ics``; ``missing`` for ``x.ics``, no calendar for other names."""
    found = stem(name)
    if found is None:
        raise no_calendar()
    number = parse_id(found)
    if number is None:
        raise missing
    return number


def _matches(request: Request[Any, Any, Any], etag: str) -> bool:
    wanted = request.headers.get("if-none-match", "")
    return any(tag.strip() in {etag, "*", f"W/{etag}"} for tag in wanted.split(","))


async def serve(request: Request[Any, Any, Any], feed: services.Feed) -> Response[bytes]:
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
