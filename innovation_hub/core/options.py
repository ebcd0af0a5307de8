"""OPTIONS answers that list every method the path answers.

Litestar 2 (litestar-org/litestar#4169, fixed in Litestar 3): when a second handler function
joins a path (``GET /api/v1/bookings`` after ``POST /api/v1/bookings``), the route is rebuilt
with every handler but keeps the automatic OPTIONS handler made for the first one, whose
``Allow`` lists that handler's methods only ("OPTIONS, POST"). The rebuilt route itself knows
all of them; this middleware puts them in ``Allow``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar.datastructures import MutableScopeHeaders
from litestar.routes import HTTPRoute

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.types import ASGIApp, Message, Receive, Scope, Send


def allowed_methods(app: Litestar) -> dict[str, str]:
    """Path template (as routing reports it) → the ``Allow`` value of its route."""
    return {
        route.path_format: ", ".join(sorted(route.methods))
        for route in app.routes
        if isinstance(route, HTTPRoute)
    }


class AllowEveryMethodMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._allow: dict[str, str] | None = None  # read from the app on the first OPTIONS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "OPTIONS":
            await self.app(scope, receive, send)
            return
        if self._allow is None:
            self._allow = allowed_methods(scope["litestar_app"])
        allow = self._allow.get(scope.get("path_template", ""))
        if allow is None:
            await self.app(scope, receive, send)
            return

        async def send_with_allow(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                if "allow" in headers:
                    headers["allow"] = allow
            await send(message)

        await self.app(scope, receive, send_with_allow)
