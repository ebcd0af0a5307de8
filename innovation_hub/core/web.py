"""Small helpers every HTML controller uses: form bodies, page-or-fragment, redirects."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from litestar import Request, Response
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template
from litestar.utils import url_quote

from innovation_hub.core.errors import HubError, NotFound
from innovation_hub.core.security import has_control_character
from innovation_hub.core.settings import Settings

FormBody = URLEncodedBody[dict[str, Any]]
T = TypeVar("T")


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


def form_errors(exc: HubError) -> dict[str, str]:
    """The errors to show beside the fields; a refusal that names no field goes on top."""
    return dict(exc.field_errors) or {"_form": exc.detail}


@dataclass(frozen=True)
class Refusal:
    """A refused form to show again: the errors beside the fields, what was typed, the
    status to answer with."""

    errors: dict[str, str]
    form: dict[str, Any]
    status: int

    @classmethod
    def of(cls, exc: HubError, data: Mapping[str, Any] | None, general: str = "_form") -> Refusal:
        """``general`` is where a refusal that names no field is shown."""
        errors = dict(exc.field_errors) or {general: exc.detail}
        return cls(errors, form_values(data), exc.status_code)


def form_values(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """What the member typed, to fill the form again (never the CSRF token)."""
    return {k: v for k, v in (data or {}).items() if k != "_csrf_token"}


async def form_flow(
    request: Request[Any, Any, Any],
    attempt: Callable[[], Awaitable[T]],
    *,
    done: str | Callable[[T], str],
    refused: Callable[[HubError], Awaitable[Response[Any] | Template]],
) -> Response[Any] | Template:
    """The one flow of every HTML form: try the service call; when it refuses, show the form
    again with the errors beside the fields (``refused``); else go on to ``done``. A missing
    record stays a 404 page."""
    try:
        result = await attempt()
    except NotFound:
        raise
    except HubError as exc:
        return await refused(exc)
    return go_to(request, done(result) if callable(done) else done)
