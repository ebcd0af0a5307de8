"""The application's plumbing, the same for every domain: middleware, the API document, the
static files. Domain knowledge (loading the logged-in user) is passed in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Router
from litestar.config.csrf import CSRFConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router

from innovation_hub.core.auth import PUBLIC, AuthenticationMiddleware
from innovation_hub.core.csrf import SessionBoundCSRF
from innovation_hub.core.i18n import LocaleMiddleware
from innovation_hub.core.options import AllowEveryMethodMiddleware
from innovation_hub.core.security import ControlCharacterGuard, SecurityHeadersMiddleware
from innovation_hub.core.sessions import RenewingSessionConfig
from innovation_hub.core.settings import Settings
from innovation_hub.core.templating import STATIC_DIR, STATIC_FILES, StaticCacheMiddleware

Loader = Callable[..., Awaitable[Any]]


def middleware(
    settings: Settings,
    sessions: RenewingSessionConfig,
    *,
    session_loader: Loader,
    token_loader: Loader,
) -> list[Any]:
    return [
        DefineMiddleware(SecurityHeadersMiddleware),
        DefineMiddleware(ControlCharacterGuard),
        # Litestar 2 lists only one handler's methods in OPTIONS (litestar#4169).
        DefineMiddleware(AllowEveryMethodMiddleware),
        sessions.middleware,
        DefineMiddleware(
            AuthenticationMiddleware, session_loader=session_loader, token_loader=token_loader
        ),
        DefineMiddleware(LocaleMiddleware, default_locale=settings.default_locale),
        # Inside the session middleware: a token is valid only with its session.
        SessionBoundCSRF(
            CSRFConfig(
                secret=settings.secret_key,
                cookie_name="hub_csrf",
                cookie_secure=settings.secure_cookies,
                cookie_httponly=True,
                cookie_samesite="lax",
                header_name="x-csrftoken",
                exclude=["^/api/", "^/stripe/webhook$"],
            ),
            session_cookie=sessions.key,
        ),
    ]


def openapi_config(version: str) -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Innovation Hub API",
        version=version,
        path="/schema",
        openapi_router=Router(
            "/schema", route_handlers=[], opt={"access": PUBLIC}, include_in_schema=False
        ),
        # JSON only: the browsable UIs load scripts from CDNs the CSP forbids.
        render_plugins=[JsonRenderPlugin()],
        components=Components(
            security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")}
        ),
    )


def static_files() -> Router:
    return create_static_files_router(
        path="/static",
        directories=[STATIC_DIR],
        opt={"access": PUBLIC},
        include_in_schema=False,
        middleware=[DefineMiddleware(StaticCacheMiddleware, files=STATIC_FILES)],
        name="static",
    )
