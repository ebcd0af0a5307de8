"""The public home page and the health probes."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.response import Template
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE as UNAVAILABLE
from redis.exceptions import RedisError

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
async def readyz(request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
    if not await ping():
        return Response({"status": "database unavailable"}, status_code=UNAVAILABLE)
    try:
        # Sessions and rate limits live in this store (Redis when HUB_REDIS_URL is set).
        await request.app.stores.get("readyz").exists("probe")
    except (OSError, RedisError):
        return Response({"status": "store unavailable"}, status_code=UNAVAILABLE)
    return Response({"status": "ok"})


ROUTES = [home, healthz, readyz]
