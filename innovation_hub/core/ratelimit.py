"""Limits kept in a Litestar store (a file store, or Redis when configured).

- ``RateLimiter``: events per key in a fixed window.
- ``Backoff``: per key, a few attempts free, then each one only after a delay that doubles.
- ``DistinctCap``: at most so many distinct members (say, accounts) per key in a window.

In Redis each check-and-count is one Lua script, so instances sharing the server count every
event exactly, however many arrive at once. Other stores have no atomic operations: a
read-modify-write under a lock keeps one process exact, which is the default single-process
set-up (several processes need Redis for exact counts).
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Awaitable, Callable
from typing import cast

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
# An attempt is let through unless the key waits out a delay; then it counts, and from the
# ``free``-th count on it starts a delay of first × 2^(count − free) ms, at most ``max``.
_BACKOFF_SCRIPT = b"""
local now = tonumber(ARGV[1])
local state = redis.call('HMGET', KEYS[1], 'count', 'until')
local count = tonumber(state[1]) or 0
local wait_until = tonumber(state[2]) or 0
if now < wait_until then
    return wait_until - now
end
count = count + 1
local free = tonumber(ARGV[2])
if count >= free then
    wait_until = now + math.min(tonumber(ARGV[3]) * 2 ^ (count - free), tonumber(ARGV[4]))
end
redis.call('HSET', KEYS[1], 'count', count, 'until', wait_until)
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 0
"""
# A member already in the set passes; a new one joins while the set has room.
_ADMIT_SCRIPT = b"""
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then
    return 0
end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then
    return math.max(1, redis.call('TTL', KEYS[1]))
end
redis.call('SADD', KEYS[1], ARGV[1])
if redis.call('TTL', KEYS[1]) < 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[3])
end
return 0
"""
# Distinct from the JSON values the generic path stores, so both formats never share a key.
_REDIS_KEY_PREFIX = "window:"
_BACKOFF_PREFIX = "backoff:"
_DISTINCT_PREFIX = "distinct:"


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
        self._backoff_script = self._redis.register_script(_BACKOFF_SCRIPT)
        self._admit_script = self._redis.register_script(_ADMIT_SCRIPT)

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

    async def backoff_attempt(
        self, key: str, *, now_ms: int, free: int, first_ms: int, max_ms: int, keep_seconds: int
    ) -> int:
        """Milliseconds ``key`` must still wait (the attempt is not counted), or 0 (counted)."""
        wait = await self._backoff_script(
            keys=[self._make_key(_BACKOFF_PREFIX + key)],
            args=[now_ms, free, first_ms, max_ms, keep_seconds],
        )
        return int(wait)

    async def backoff_reset(self, key: str) -> None:
        await self.delete(_BACKOFF_PREFIX + key)

    async def distinct_admit(self, key: str, member: str, *, cap: int, window_seconds: int) -> int:
        """0 when ``member`` is (now) one of ``key``'s members; else the window's seconds left."""
        wait = await self._admit_script(
            keys=[self._make_key(_DISTINCT_PREFIX + key)], args=[member, cap, window_seconds]
        )
        return int(wait)

    async def distinct_remove(self, key: str, member: str) -> None:
        # redis-py types SREM as "awaitable or not" for its sync and async clients alike.
        await cast(Awaitable[int], self._redis.srem(self._make_key(_DISTINCT_PREFIX + key), member))


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


class Backoff:
    """Per key, ``free`` attempts pass; after that each attempt must wait a delay that starts
    at ``first_delay`` seconds and doubles with every attempt, up to ``max_delay``. An
    attempt is counted when it is let through, before its outcome is known, so a burst of
    parallel attempts gets no more through than one after another. A key is forgotten
    ``window`` seconds after its last attempt has waited out its delay; ``reset`` forgets
    it at once (after a success)."""

    def __init__(
        self,
        store: Store,
        *,
        free: int,
        first_delay: float,
        max_delay: float,
        window_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.free = free
        self.first_ms = round(first_delay * 1000)
        self.max_ms = round(max_delay * 1000)
        self.keep_seconds = window_seconds + math.ceil(max_delay)
        self.clock = clock
        self._lock = asyncio.Lock()

    async def attempt(self, key: str) -> int:
        """0 when the attempt may go ahead (it is counted); else the seconds to wait."""
        now_ms = round(self.clock() * 1000)
        if isinstance(self.store, RedisCounterStore):
            wait_ms = await self.store.backoff_attempt(
                key,
                now_ms=now_ms,
                free=self.free,
                first_ms=self.first_ms,
                max_ms=self.max_ms,
                keep_seconds=self.keep_seconds,
            )
            return math.ceil(wait_ms / 1000)
        async with self._lock:
            raw = await self.store.get(key)
            state = json.loads(raw) if raw else {"count": 0, "until": 0}
            if now_ms < state["until"]:
                return math.ceil((state["until"] - now_ms) / 1000)
            state["count"] += 1
            if state["count"] >= self.free:
                delay = self.first_ms * 2 ** min(state["count"] - self.free, 62)
                state["until"] = now_ms + min(delay, self.max_ms)
            await self.store.set(key, json.dumps(state), expires_in=self.keep_seconds)
            return 0

    async def reset(self, key: str) -> None:
        if isinstance(self.store, RedisCounterStore):
            await self.store.backoff_reset(key)
            return
        async with self._lock:
            await self.store.delete(key)


class DistinctCap:
    """At most ``cap`` distinct members per key in a fixed window that opens with the first
    member: a member already counted passes again, a new one is refused once the window is
    full. ``remove`` takes a member out again (say, an account that then logged in)."""

    def __init__(
        self,
        store: Store,
        *,
        cap: int,
        window_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.cap = cap
        self.window_seconds = window_seconds
        self.clock = clock
        self._lock = asyncio.Lock()

    async def _read(self, key: str, now: float) -> tuple[list[str], float]:
        raw = await self.store.get(key)
        if raw is None:
            return [], now + self.window_seconds
        data = json.loads(raw)
        if data["reset_at"] <= now:
            return [], now + self.window_seconds
        return list(data["members"]), float(data["reset_at"])

    async def _write(self, key: str, members: list[str], reset_at: float, now: float) -> None:
        await self.store.set(
            key,
            json.dumps({"members": members, "reset_at": reset_at}),
            expires_in=max(1, math.ceil(reset_at - now)),
        )

    async def admit(self, key: str, member: str) -> int:
        """0 when ``member`` counts for ``key`` (now or already); else the seconds to wait."""
        if isinstance(self.store, RedisCounterStore):
            return await self.store.distinct_admit(
                key, member, cap=self.cap, window_seconds=self.window_seconds
            )
        async with self._lock:
            now = self.clock()
            members, reset_at = await self._read(key, now)
            if member in members:
                return 0
            if len(members) >= self.cap:
                return max(1, math.ceil(reset_at - now))
            await self._write(key, [*members, member], reset_at, now)
            return 0

    async def remove(self, key: str, member: str) -> None:
        if isinstance(self.store, RedisCounterStore):
            await self.store.distinct_remove(key, member)
            return
        async with self._lock:
            now = self.clock()
            members, reset_at = await self._read(key, now)
            if member in members:
                members.remove(member)
                await self._write(key, members, reset_at, now)
