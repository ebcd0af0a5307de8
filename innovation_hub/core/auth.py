"""Who is calling, and whether a route lets them in.

Every route handler declares its audience with the ``access`` option::

    @get("/staff", access=STAFF)       # staff and admin
    @get("/", access=PUBLIC)           # anyone, logged in or not

A handler without ``access`` is refused to everyone (fail closed). Loading the user is
domain work, so the app factory passes the loaders in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from innovation_hub.core.i18n import gettext as _

PUBLIC: Final = "public"
ROLES: Final = ("student", "startup", "enterprise", "staff", "admin")
MEMBER_ROLES: Final = ("student", "startup", "enterprise")

ANY_USER: Final = frozenset(ROLES)
MEMBERS: Final = frozenset(MEMBER_ROLES)
STAFF: Final = frozenset({"staff", "admin"})
ADMIN: Final = frozenset({"admin"})

Access = str | frozenset[str]
SessionLoader = Callable[[dict[str, Any]], Awaitable[Any | None]]
TokenLoader = Callable[[str], Awaitable[Any | None]]

API_PREFIX: Final = "/api/"


def role_label(role: str) -> str:
    labels = {
        "student": _("Student"),
        "startup": _("Startup"),
        "enterprise": _("Enterprise"),
        "staff": _("Staff"),
        "admin": _("Administrator"),
    }
    return labels.get(role, role)


def allow(*roles: str) -> frozenset[str]:
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    return frozenset(roles)


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIX)


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class AuthenticationMiddleware:
    """Puts the caller's user (or None) in ``scope["user"]``.

    The JSON API is authenticated by the bearer token alone and never by the session
    cookie, so it needs no CSRF protection; pages use the session.
    """

    def __init__(
        self, app: ASGIApp, session_loader: SessionLoader, token_loader: TokenLoader
    ) -> None:
        self.app = app
        self.session_loader = session_loader
        self.token_loader = token_loader

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope["user"] = await self._load_user(scope)
            scope["auth"] = None
        await self.app(scope, receive, send)

    async def _load_user(self, scope: Scope) -> Any | None:
        if is_api_path(scope["path"]):
            headers = dict(scope["headers"])
            raw = headers.get(b"authorization")
            token = bearer_token(raw.decode("latin-1") if raw else None)
            return await self.token_loader(token) if token else None
        session = scope.get("session")
        if isinstance(session, dict) and session:
            return await self.session_loader(session)
        return None


def _is_litestar_options(handler: BaseRouteHandler) -> bool:
    """Litestar's own OPTIONS answer, which lists allowed methods and nothing else. It takes
    the ``opt`` of the controller it is made for, so its access rule cannot tell it apart."""
    qualname = getattr(getattr(handler, "fn", None), "__qualname__", "")
    return qualname.startswith("HTTPRoute.create_options_handler")


async def access_guard(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """The one guard on the app. Refuses routes that declare no audience. Async, because
    Litestar runs a plain function guard in a worker thread: a thread hop per request."""
    access = handler.opt.get("access")
    if access == PUBLIC or _is_litestar_options(handler):
        return
    if not isinstance(access, frozenset) or not access:
        raise PermissionDeniedException("This route declares no access rule")
    user = connection.scope.get("user")
    if user is None:
        raise NotAuthorizedException("Log in to continue")
    if getattr(user, "role", None) not in access:
        raise PermissionDeniedException("Your role may not use this page")
