"""Test set-up: one database per run (SQLite, or PostgreSQL when HUB_TEST_POSTGRES_URL is
set), emptied before every test; each test gets a fresh app with its own stores."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

RUN_DIR = Path(tempfile.mkdtemp(prefix="hub-tests-"))
# Under pytest-xdist every worker is a process of its own: its own SQLite file (RUN_DIR) and
# PostgreSQL database (by pid), and its own Redis database, since Redis tests flush theirs.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if XDIST_WORKER and os.environ.get("HUB_TEST_REDIS_URL"):
    _redis = urlsplit(os.environ["HUB_TEST_REDIS_URL"])
    _database = int(_redis.path.strip("/") or 0) - int(XDIST_WORKER.removeprefix("gw"))
    os.environ["HUB_TEST_REDIS_URL"] = urlunsplit(_redis._replace(path=f"/{_database % 16}"))
POSTGRES_ADMIN_URL = os.environ.get("HUB_TEST_POSTGRES_URL")
TEST_DB_NAME = f"hub_test_{os.getpid()}"


def _postgres_url(database: str) -> str:
    assert POSTGRES_ADMIN_URL
    parts = urlsplit(POSTGRES_ADMIN_URL)
    return urlunsplit(parts._replace(path=f"/{database}"))


async def _postgres_admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


if POSTGRES_ADMIN_URL:
    asyncio.run(_postgres_admin(f'DROP DATABASE IF EXISTS "{TEST_DB_NAME}" WITH (FORCE)'))
    asyncio.run(_postgres_admin(f'CREATE DATABASE "{TEST_DB_NAME}"'))
    DATABASE_URL = _postgres_url(TEST_DB_NAME)
else:
    DATABASE_URL = f"sqlite:///{RUN_DIR / 'test.sqlite3'}"

# Set before the app package is imported: Piccolo reads the engine from these once.
os.environ.update(
    HUB_DATABASE_URL=DATABASE_URL,
    HUB_VAR_DIR=str(RUN_DIR / "var"),
    HUB_SECRET_KEY="test-secret-key-that-is-long-enough-0123456789",
    HUB_BASE_URL="http://testserver",
    HUB_RUN_JOBS="false",
)
os.environ.pop("HUB_REDIS_URL", None)
os.environ.pop("HUB_SMTP_URL", None)

import httpx  # noqa: E402

from innovation_hub.core.database import migrate_forwards  # noqa: E402
from innovation_hub.core.settings import Settings  # noqa: E402
from tests import helpers  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: starts servers or subprocesses")


@pytest.fixture(scope="session", autouse=True)
def quick_password_hashes() -> Iterator[None]:
    """Argon2 at its lowest cost: tests need accounts, not resistance to guessing (the app
    itself uses the library's default parameters; servers started as subprocesses do too)."""
    from argon2 import PasswordHasher

    from innovation_hub.core import security

    quick = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(security, "_hasher", quick)
        # Checked when no account matches: made at import time with the default cost.
        patch.setattr(security, "_UNUSABLE_HASH", quick.hash("no account has this password"))
        yield


@pytest.fixture(scope="session", autouse=True)
def migrated_database() -> Iterator[str]:
    asyncio.run(migrate_forwards())
    yield DATABASE_URL
    if POSTGRES_ADMIN_URL:
        asyncio.run(_postgres_admin(f'DROP DATABASE IF EXISTS "{TEST_DB_NAME}" WITH (FORCE)'))


async def _empty_tables() -> None:
    if POSTGRES_ADMIN_URL:
        import asyncpg

        connection = await asyncpg.connect(DATABASE_URL)
        try:
            names = await connection.fetch(
                "SELECT tablename FROM pg_tables "
                "WHERE schemaname = 'public' AND tablename <> 'migration'"
            )
            if names:
                tables = ", ".join(f'"{row["tablename"]}"' for row in names)
                await connection.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        finally:
            await connection.close()
        return
    connection = sqlite3.connect(DATABASE_URL.removeprefix("sqlite:///"))
    try:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT IN ('migration') AND name NOT LIKE 'sqlite_%'"
            )
        ]
        connection.execute("PRAGMA foreign_keys = OFF")
        for name in names:
            connection.execute(f'DELETE FROM "{name}"')
        connection.commit()
    finally:
        connection.close()


@pytest.fixture(autouse=True)
async def empty_database() -> None:
    await _empty_tables()


@pytest.fixture
async def pooled_connections() -> AsyncIterator[None]:
    """The connections the app keeps open while it runs (its lifespan opens them, which
    ASGITransport does not run): races of many requests then use them, as in production."""
    from innovation_hub.core.database import close_pool, open_pool

    await open_pool()
    yield
    await close_pool()


@pytest.fixture
def frozen_clock() -> Iterator[Callable[[datetime], None]]:
    """``frozen_clock(moment)`` stops every ``utcnow()`` of the app at ``moment`` (again to
    move it), until the test ends."""
    from innovation_hub.core import clock

    with contextlib.ExitStack() as stack:
        yield lambda moment: stack.enter_context(clock.frozen(moment))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    env = dict(os.environ)
    env["HUB_VAR_DIR"] = str(tmp_path / "var")
    return Settings.from_env(env)


@pytest.fixture
def app(settings: Settings):  # type: ignore[no-untyped-def]
    from innovation_hub.app import create_app

    return create_app(settings)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, client=("203.0.113.10", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def other_client(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, client=("203.0.113.20", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


# API tokens for the two roles most API tests need (a module may define its own instead).
@pytest.fixture
async def staff_token(client: httpx.AsyncClient) -> str:
    await helpers.make_user("staff", email="staff@hub.vn")
    return await helpers.api_token(client, "staff@hub.vn")


@pytest.fixture
async def student_token(client: httpx.AsyncClient) -> str:
    await helpers.make_user("student", email="khoa@hs.vn")
    return await helpers.api_token(client, "khoa@hs.vn")
