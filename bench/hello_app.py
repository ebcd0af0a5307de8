"""A minimal Litestar app: the baseline ``http_rps.py`` compares the real app against.

It has the same two paths the benchmark hits on the real app, with no middleware,
no database and no authentication, so the difference is what the real app adds.
Serve it with ``uvicorn --app-dir bench hello_app:app``.
"""

from __future__ import annotations

from litestar import Litestar, MediaType, get

PAGE = "<!doctype html><html><head><title>Hello</title></head><body><h1>Hello</h1></body></html>"


@get("/", media_type=MediaType.HTML)
async def index() -> str:
    return PAGE


@get("/api/v1/me")
async def me() -> dict[str, object]:
    return {"id": 1, "email": "hello@example.com", "name": "Hello", "role": "student"}


app = Litestar(route_handlers=[index, me])
