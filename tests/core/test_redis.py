"""With HUB_REDIS_URL, sessions and login limits live in Redis and are shared by instances.

Runs when HUB_TEST_REDIS_URL names a Redis server (``make test`` sets it under CI=true)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from innovation_hub.core.settings import Settings
from tests.helpers import PASSWORD, freeze_login_clock, log_in, make_user, post_form

REDIS_URL = os.environ.get("HUB_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="HUB_TEST_REDIS_URL is not set")


@pytest.fixture
async def two_instances(
    settings: Settings,
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    from redis.asyncio import Redis

    from innovation_hub.app import create_app

    redis = Redis.from_url(REDIS_URL or "")
    await redis.flushdb()
    shared = replace(settings, redis_url=REDIS_URL)
    first, second = create_app(shared), create_app(shared)
    freeze_login_clock(first, second)
    async with (
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=first), base_url="http://testserver"
        ) as a,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=second), base_url="http://testserver"
        ) as b,
    ):
        yield a, b
    await redis.flushdb()
    await redis.aclose()


async def test_a_session_made_on_one_instance_works_on_the_other(
    two_instances: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    first, second = two_instances
    await make_user("student")
    await log_in(first, "student@example.vn")
    second.cookies = first.cookies
    assert (await second.get("/profile")).status_code == 200


async def test_login_delays_are_shared_between_instances(
    two_instances: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    first, second = two_instances
    await make_user("student")
    for client in (first, second, first, second, first):
        await post_form(client, "/login", {"email": "student@example.vn", "password": "x" * 12})
    waiting = await post_form(
        second, "/login", {"email": "student@example.vn", "password": PASSWORD}
    )
    assert waiting.status_code == 429
    assert waiting.headers["retry-after"] == "1"
