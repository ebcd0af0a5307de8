"""Small helpers every HTML controller uses: form bodies, page-or-fragment, redirects."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import Request, Response
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template
from litestar.utils import url_quote

from innovation_hub.core.security import has_control_character
from innovation_hub.core.settings import Settings

FormBody = URLEncodedBody[dict[str, Any]]


def settings_of(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def client_ip(request: Request[Any, Any, Any]) -> str:
    """The caller's address (the proxy's client with ``serve --proxy-headers``)."""
    return request.client.host if request.client else "unknown"


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


def page(
    request: Request[Any, Any, Any],
    template: str,
    context: dict[str, Any] | None = None,
    *,
    fragment: str | None = None,
    status_code: int = 200,
) -> Template:
    """The whole page, or only ``fragment`` when htmx asked for it."""
    name = fragment if fragment and is_htmx(request) else template
    context = {"user": request.scope.get("user"), **(context or {})}
    return Template(template_name=name, context=context, status_code=status_code)


def go_to(request: Request[Any, Any, Any], path: str) -> Response[Any]:
    """After a successful form: a 303 for plain forms, HX-Redirect for htmx. The header is
    percent-encoded as Litestar encodes Location, so a Vietnamese path fits in it."""
    if is_htmx(request):
        return Response(content=b"", status_code=200, headers={"hx-redirect": url_quote(path)})
    return Redirect(path=path, status_code=303)


def safe_next(value: object, default: str = "/") -> str:
    """Only local paths, so a login link cannot send people to another site. A control
    character is refused too: CR/LF would split the redirect header, and browsers drop tabs
    and newlines from URLs, so "/", a tab, "/x.vn" becomes "//x.vn"."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//"):
        return default
    if has_control_character(value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or "\\" in value:
        return default
    return value
