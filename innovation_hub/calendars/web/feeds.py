"""The feed URLs calendar apps poll: anyone holding the URL, no session."""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar import Controller, Request, Response, route
from litestar.di import NamedDependency
from litestar.enums import HttpMethod
from litestar.params import FromPath

from innovation_hub.calendars import services
from innovation_hub.calendars.web.ics import no_calendar, numbered, serve, stem
from innovation_hub.core.auth import PUBLIC
from innovation_hub.core.errors import TooManyRequests
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.ratelimit import RateLimiter
from innovation_hub.core.web import client_ip

Req = Request[Any, Any, Any]
Config = NamedDependency[services.CalendarConfig]
feed = partial(
    route, http_method=[HttpMethod.GET, HttpMethod.HEAD], access=PUBLIC, skip_session=True
)


class FeedFiles(Controller):
    path = "/feeds"
    # The audience is on each handler, not in the controller's ``opt``: Litestar gives a
    # path's OPTIONS handler the controller's ``opt``, and the guard would refuse OPTIONS.
    include_in_schema = False

    @feed("/private/{name:str}")
    async def private_feed(
        self,
        request: Req,
        name: FromPath[str],
        calendar_config: Config,
        feed_miss_limiter: NamedDependency[RateLimiter],
    ) -> Response[bytes]:
        """Guessing is throttled per address: misses are counted and, past the limit,
        refused. A valid URL is always served, even from an address that has missed too
        often (a school or office behind one address must not lose everyone's calendars to
        one bad client)."""
        token = stem(name)
        resolved = await services.resolve(token) if token else None
        if resolved is None:
            ip = client_ip(request)
            if wait := await feed_miss_limiter.retry_after(ip):
                raise TooManyRequests(_("Too many requests"), retry_after=wait)
            await feed_miss_limiter.hit(ip)
            raise no_calendar()
        user, kind = resolved
        source = f"{calendar_config.base_url}/feeds/private/{name}"
        return await serve(request, await services.member_feed(user, kind, calendar_config, source))

    @feed("/resources/{name:str}")
    async def resource_feed(
        self, request: Req, name: FromPath[str], calendar_config: Config
    ) -> Response[bytes]:
        resource_id = numbered(name, no_calendar())
        source = f"{calendar_config.base_url}/feeds/resources/{name}"
        return await serve(
            request, await services.resource_feed(resource_id, calendar_config, source)
        )

    @feed("/events.ics")
    async def events_feed(self, request: Req, calendar_config: Config) -> Response[bytes]:
        source = f"{calendar_config.base_url}/feeds/events.ics"
        return await serve(request, await services.public_events_feed(calendar_config, source))
