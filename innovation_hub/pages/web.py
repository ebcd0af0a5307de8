"""The public home page and the health probes."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.response import Template
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE

from innovation_hub.core.auth import PUBLIC
from innovation_hub.core.database import ping
from innovation_hub.core.web import page


@get("/", access=PUBLIC, name="home")
async def home(request: Request[Any, Any, Any]) -> Template:
    return page(request, "pages/home.html")


@get("/healthz", access=PUBLIC, include_in_schema=False, skip_session=True)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get("/readyz", access=PUBLIC, include_in_schema=False, skip_session=True)
async def readyz() -> Response[dict[str, str]]:
    if await ping():
        return Response({"status": "ok"})
    return Response({"status": "database unavailable"}, status_code=HTTP_503_SERVICE_UNAVAILABLE)


ROUTES = [home, healthz, readyz]
