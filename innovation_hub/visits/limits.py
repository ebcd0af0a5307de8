"""How many public visit requests one address may send an hour (each one sends an email)."""

from __future__ import annotations

from litestar.stores.base import Store

from innovation_hub.core.errors import TooManyRequests
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.ratelimit import RateLimiter


class RequestLimiter:
    """Only successful requests count: a refused form may be corrected and sent again."""

    def __init__(self, store: Store, *, per_hour: int) -> None:
        self.limiter = RateLimiter(store, limit=per_hour, window_seconds=3600)

    @staticmethod
    def _key(address: str) -> str:
        return f"visit-request:{address}"

    async def check(self, address: str) -> None:
        if wait := await self.limiter.retry_after(self._key(address)):
            raise TooManyRequests(
                _("Too many requests from this address. Try again later."), retry_after=wait
            )

    async def hit(self, address: str) -> None:
        await self.limiter.hit(self._key(address))
