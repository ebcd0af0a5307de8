"""CSRF tokens that are valid only with the session they were issued for.

Litestar's own CSRF middleware is a double-submit cookie: any token that matches the
``hub_csrf`` cookie passes, so a token and cookie taken from one browser work in any other,
and the token a visitor had before logging in still works after. Here the cookie is only a
random secret per browser, and the token that pages carry is an HMAC of that secret and the
session id (for a visitor without a session, of the secret alone). With another session the
token is refused, and logging in, which renews the session id, voids the tokens from before.
The session id lives in an HttpOnly cookie, so neither a script nor a planted ``hub_csrf``
cookie can make a token for someone else's session.

The token travels as Litestar's does (the ``x-csrftoken`` header, or the ``_csrf_token`` form
field) and templates get it the same way (``csrf_token()``, ``csrf_input``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any

from litestar.config.csrf import CSRFConfig
from litestar.connection import Request
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

_FORM_TYPES = {RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART}
_SECRET = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


class SessionBoundCSRF(ASGIMiddleware):
    """Checks the token of every unsafe request outside ``config.exclude``. It must run
    inside the session middleware, which has loaded ``scope["session"]`` by then."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, config: CSRFConfig, *, session_cookie: str) -> None:
        self.config = config
        self.session_cookie = session_cookie
        self.exclude_opt_key = config.exclude_from_csrf_key
        if exclude := config.exclude:
            # Searched in the request path, as Litestar's CSRF middleware does.
            excluded = re.compile(exclude if isinstance(exclude, str) else "|".join(exclude))
            self.should_bypass_for_scope = lambda scope: bool(excluded.search(scope["path"]))

    def _token(self, secret: str, request: Request[Any, Any, Any]) -> str:
        # A session counts once it holds data: the id of an empty or expired one is dropped
        # at the end of the response, and the tokens on that page must outlive it.
        session = request.scope.get("session")
        session_id = request.cookies.get(self.session_cookie, "") if session else ""
        message = f"{secret}\x00{session_id}".encode()
        return hmac.new(self.config.secret.encode(), message, hashlib.sha256).hexdigest()

    async def _sent_token(self, request: Request[Any, Any, Any]) -> str:
        token = request.headers.get(self.config.header_name)
        if not token and request.content_type[0] in _FORM_TYPES:
            value = (await request.form()).get("_csrf_token")
            token = value if isinstance(value, str) else None
        return token or ""

    def _set_cookie(self, send: Send, secret: str) -> Send:
        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = Cookie(
                    key=self.config.cookie_name,
                    value=secret,
                    path=self.config.cookie_path,
                    secure=self.config.cookie_secure,
                    httponly=self.config.cookie_httponly,
                    samesite=self.config.cookie_samesite,
                    domain=self.config.cookie_domain,
                )
                MutableScopeHeaders.from_message(message).add(
                    "set-cookie", cookie.to_header(header="")
                )
            await send(message)

        return send_with_cookie

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        request: Request[Any, Any, Any] = scope["litestar_app"].request_class(scope, receive)
        secret = request.cookies.get(self.config.cookie_name, "")
        if not _SECRET.fullmatch(secret):
            secret = ""
        state = ScopeState.from_scope(scope)
        if request.method in self.config.safe_methods:
            if not secret:
                secret = secrets.token_urlsafe(32)
                send = self._set_cookie(send, secret)
            state.csrf_token = self._token(secret, request)
            await next_app(scope, receive, send)
            return
        sent = await self._sent_token(request)
        expected = self._token(secret, request)
        if not secret or not hmac.compare_digest(sent.encode(), expected.encode()):
            raise PermissionDeniedException("CSRF token verification failed")
        state.csrf_token = sent
        await next_app(scope, receive, send)
