"""Fixed-window counters kept in a Litestar store (a file store, or Redis when configured)."""

from __future__ import annotations

import json
import math
import time

from litestar.stores.base import Store


class RateLimiter:
    def __init__(self, store: Store, *, limit: int, window_seconds: int) -> None:
        self.store = store
        self.limit = limit
        self.window_seconds = window_seconds

    async def _read(self, key: str) -> tuple[int, float]:
        raw = await self.store.get(key)
        if raw is None:
            return 0, 0.0
        data = json.loads(raw)
        return int(data["count"]), float(data["reset_at"])

    async def hit(self, key: str) -> int:
        """Count one event; returns the count in the current window."""
        count, reset_at = await self._read(key)
        now = time.time()
        if reset_at <= now:
            count, reset_at = 0, now + self.window_seconds
        count += 1
        await self.store.set(
            key,
            json.dumps({"count": count, "reset_at": reset_at}),
            expires_in=max(1, math.ceil(reset_at - now)),
        )
        return count

    async def retry_after(self, key: str) -> int:
        """Seconds until ``key`` may try again; 0 when it is not limited."""
        count, reset_at = await self._read(key)
        now = time.time()
        if count < self.limit or reset_at <= now:
            return 0
        return math.ceil(reset_at - now)

    async def reset(self, key: str) -> None:
        await self.store.delete(key)
