"""Server-side sessions: a file store by default, Redis when ``HUB_REDIS_URL`` is set."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.stores.base import Store
from litestar.stores.file import FileStore
from litestar.stores.registry import StoreRegistry
from litestar.types import Empty, Message, ScopeSession

from innovation_hub.core.ratelimit import RedisCounterStore
from innovation_hub.core.settings import Settings

SESSION_STORE = "sessions"
RATE_LIMIT_STORE = "rate_limits"
_RENEW_KEY = "_renew_id"


def renew_session_id(session: dict[str, Any]) -> None:
    """Ask for a fresh session id when this response is sent (used at login)."""
    session[_RENEW_KEY] = True


class RenewingSessionBackend(ServerSideSessionBackend):
    """Litestar's backend, plus dropping the old id and issuing a new one on request."""

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        session = connection.scope.get("session")
        if isinstance(session, dict) and session.pop(_RENEW_KEY, False):
            return self.generate_session_id()
        return super().get_session_id(connection)

    async def store_in_message(
        self,
        scope_session: ScopeSession,
        message: Message,
        connection: ASGIConnection[Any, Any, Any, Any],
    ) -> None:
        old_id = connection.cookies.get(self.config.key)
        if scope_session is Empty or scope_session == {}:
            # Anonymous visitors get no session file; an emptied session is deleted.
            if old_id and old_id != "null":
                await super().store_in_message(Empty, message, connection)
            return
        if isinstance(scope_session, dict) and scope_session.get(_RENEW_KEY) and old_id:
            await self.delete(old_id, store=self.config.get_store_from_app(connection.scope["app"]))
        await super().store_in_message(scope_session, message, connection)


@dataclass
class RenewingSessionConfig(ServerSideSessionConfig):
    _backend_class = RenewingSessionBackend


def session_config(settings: Settings) -> RenewingSessionConfig:
    return RenewingSessionConfig(
        key="hub_session",
        store=SESSION_STORE,
        max_age=settings.session_max_age_seconds,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        # The JSON API authenticates by bearer token only and never reads cookies.
        exclude=["^/api/", "^/static/", "^/healthz", "^/readyz", "^/schema", "^/stripe/"],
    )


def store_registry(settings: Settings) -> StoreRegistry:
    if settings.redis_url:
        # One client for every store; its counters make rate limits exact across instances.
        root = RedisCounterStore.with_client(url=settings.redis_url, namespace="innovation_hub")

        def redis_factory(name: str) -> Store:
            return root.with_namespace(name)

        return StoreRegistry(default_factory=redis_factory)

    def file_factory(name: str) -> Store:
        path = settings.var_dir / "stores" / name
        path.mkdir(parents=True, exist_ok=True)
        return FileStore(path=path)

    return StoreRegistry(default_factory=file_factory)
