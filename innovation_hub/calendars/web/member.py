"""A logged-in member's calendar pages: their feed links, a booking's .ics file."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from innovation_hub.calendars import services
from innovation_hub.calendars.web.ics import CALENDAR, numbered
from innovation_hub.core.auth import ANY_USER
from innovation_hub.core.errors import NotFound
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.web import go_to, page

Req = Request[Any, Any, Any]
Config = NamedDependency[services.CalendarConfig]


class MemberCalendars(Controller):
    path = "/"
    # The audience is on each handler, not in the controller's ``opt``: Litestar gives a
    # path's OPTIONS handler the controller's ``opt``, and the guard would refuse OPTIONS.
    include_in_schema = False

    @get("/bookings/{name:str}", access=ANY_USER)
    async def booking_file(
        self, request: Req, name: FromPath[str], calendar_config: Config
    ) -> Response[bytes]:
        booking_id = numbered(name, NotFound(_("No such booking."), code="booking_not_found"))
        filename, body = await services.booking_ics(request.user, booking_id, calendar_config)
        return Response(
            body,
            media_type=CALENDAR,
            headers={"content-disposition": f'attachment; filename="{filename}"'},
        )

    @get("/feeds", name="feeds", access=ANY_USER)
    async def feeds_page(self, request: Req, calendar_config: Config) -> Template:
        links = await services.feed_links(request.user, calendar_config)
        context = {
            "links": links,
            "rotated": bool(request.query_params.get("rotated")),
            "base_url": calendar_config.base_url,
        }
        return page(request, "calendars/feeds.html", context)

    @post("/feeds/rotate", access=ANY_USER)
    async def rotate(self, request: Req, calendar_config: Config) -> Response[Any]:
        await services.rotate(request.user, calendar_config)
        return go_to(request, "/feeds?rotated=1")
