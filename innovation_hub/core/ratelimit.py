"""Fixed-window counters kept in a Litestar store (a file store, or Redis when configured).

In Redis a window is one integer key counted with INCR and given its expiry in the same Lua
script, so instances sharing the server count every event exactly. Other stores have no
atomic increment: a read-modify-write under a lock keeps one process exact, which is the
default single-process set-up (several processes need Redis for exact counts).
"""

from __future__ import annotations

import asyncio
import json
import math
import time

from litestar.stores.base import Store
from litestar.stores.redis import RedisStore
from litestar.types import Empty, EmptyType
from redis.asyncio import Redis

# Count, then start the window's expiry if it has none yet (a new key), all in one step.
_HIT_SCRIPT = b"""
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
    ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""
_READ_SCRIPT = b"""
local count = redis.call('GET', KEYS[1])
if not count then
    return {0, 0}
end
return {tonumber(count), redis.call('TTL', KEYS[1])}
"""
# Distinct from the JSON values the generic path stores, so both formats never share a key.
_REDIS_KEY_PREFIX = "window:"


class RedisCounterStore(RedisStore):
    """Litestar's Redis store plus atomic fixed-window counters."""

    def __init__(
        self,
        redis: Redis,
        namespace: str | EmptyType | None = Empty,
        handle_client_shutdown: bool = False,
    ) -> None:
        super().__init__(redis, namespace, handle_client_shutdown)
        self._hit_script = self._redis.register_script(_HIT_SCRIPT)
        self._read_script = self._redis.register_script(_READ_SCRIPT)

    async def count_hit(self, key: str, window_seconds: int) -> tuple[int, int]:
        """Counts one event; returns the window's count and its seconds left."""
        count, ttl = await self._hit_script(
            keys=[self._make_key(_REDIS_KEY_PREFIX + key)], args=[window_seconds]
        )
        return int(count), int(ttl)

    async def read_window(self, key: str) -> tuple[int, int]:
        """The window's count and seconds left; (0, 0) when no window is open."""
        count, ttl = await self._read_script(keys=[self._make_key(_REDIS_KEY_PREFIX + key)])
        return int(count), int(ttl)

    async def delete_window(self, key: str) -> None:
        await self.delete(_REDIS_KEY_PREFIX + key)


class RateLimiter:
    def __init__(self, store: Store, *, limit: int, window_seconds: int) -> None:
        self.store = store
        self.limit = limit
        self.window_seconds = window_seconds
        self._lock = asyncio.Lock()

    @property
    def _redis(self) -> RedisCounterStore | None:
        return self.store if isinstance(self.store, RedisCounterStore) else None

    async def _read(self, key: str) -> tuple[int, float]:
        raw = await self.store.get(key)
        if raw is None:
            return 0, 0.0
        data = json.loads(raw)
        return int(data["count"]), float(data["reset_at"])

    async def hit(self, key: str) -> int:
        """Count one event; returns the count in the current window."""
        if redis := self._redis:
            count, _ = await redis.count_hit(key, self.window_seconds)
            return count
        async with self._lock:
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
        if redis := self._redis:
            count, seconds_left = await redis.read_window(key)
            return max(1, seconds_left) if count >= self.limit else 0
        count, reset_at = await self._read(key)
        now = time.time()
        if count < self.limit or reset_at <= now:
            return 0
        return math.ceil(reset_at - now)

    async def reset(self, key: str) -> None:
        if redis := self._redis:
            await redis.delete_window(key)
            return
        async with self._lock:
            await self.store.delete(key)
