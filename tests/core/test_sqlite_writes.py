"""SQLite on the app's connection pool: write transactions' statements and quick reads run
on the event loop's thread; a write lock held by another process (a CLI command, a
restore) is waited for on a worker thread, never turned into an error or a frozen app."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from innovation_hub.accounts.services import user_for_token
from innovation_hub.accounts.tables import User
from innovation_hub.core import audit
from innovation_hub.core.audit import AuditEntry
from innovation_hub.core.database import (
    close_pool,
    data_versions,
    is_sqlite,
    open_pool,
    sqlite_path,
    transaction,
)
from tests.conftest import DATABASE_URL
from tests.helpers import api_token, make_user

pytestmark = pytest.mark.skipif(not is_sqlite(), reason="SQLite's write lock only")

OTHER_PROCESS_HOLDS_SECONDS = 0.3


@pytest.fixture(autouse=True)
async def pooled() -> AsyncIterator[None]:
    await open_pool()
    try:
        yield
    finally:
        await close_pool()


async def entry(action: str) -> None:
    await audit.record(actor_id=None, action=action, record_type="test", record_id=1)


async def actions() -> list[str]:
    rows = await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id).run()
    return [row["action"] for row in rows]


async def while_another_process_writes(write: asyncio.Future[None]) -> float:
    """Holds the write lock from a connection of its own, as another process would, and
    lets it go after a moment; the seconds the app's write waited."""
    other = sqlite3.connect(sqlite_path(DATABASE_URL), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute(
            "INSERT INTO audit_log (at, action, record_type, record_id, detail) "
            "VALUES ('2026-01-01T00:00:00+00:00', 'other process', 'test', '1', '{}')"
        )
        loop = asyncio.get_running_loop()
        started = loop.time()
        await asyncio.sleep(OTHER_PROCESS_HOLDS_SECONDS)
        assert not write.done(), "the app wrote while another process held the lock"
        other.execute("COMMIT")
        await write
        return loop.time() - started
    finally:
        other.close()


async def test_a_write_transaction_waits_for_another_process() -> None:
    async def write() -> None:
        async with transaction():
            await entry("app")

    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.ensure_future(tick())
    waited = await while_another_process_writes(asyncio.ensure_future(write()))
    ticker.cancel()
    assert waited >= OTHER_PROCESS_HOLDS_SECONDS
    assert await actions() == ["other process", "app"]
    # The app went on with other work while the write waited.
    assert ticks >= OTHER_PROCESS_HOLDS_SECONDS / 0.01 / 2


async def test_quick_reads_answer_while_another_process_writes(
    client: httpx.AsyncClient,
) -> None:
    await make_user("startup")
    token = await api_token(client, "startup@example.vn")
    other = sqlite3.connect(sqlite_path(DATABASE_URL), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE hub_user SET name = 'not yet committed'")
        started = time.monotonic()
        await data_versions()
        user = await user_for_token(token)
        assert time.monotonic() - started < OTHER_PROCESS_HOLDS_SECONDS
        assert user is not None and user.name != "not yet committed"
    finally:
        other.close()
    async with transaction():  # a quick read inside a write transaction sees its writes
        await User.update({User.name: "Đặng Quốc Bảo"}).where(User.id == user.id).run()
        changed = await user_for_token(token)
        assert changed is not None and changed.name == "Đặng Quốc Bảo"


async def test_a_write_after_a_transaction_still_waits_for_another_process() -> None:
    # The transaction takes the lock without waiting; the connection must go back to
    # waiting afterwards, or this write (on the same pooled connection) would fail.
    async with transaction():
        await entry("first")
    waited = await while_another_process_writes(asyncio.ensure_future(entry("second")))
    assert waited >= OTHER_PROCESS_HOLDS_SECONDS
    assert await actions() == ["first", "other process", "second"]


async def test_a_failed_write_transaction_leaves_nothing() -> None:
    with pytest.raises(RuntimeError):
        async with transaction():
            await entry("half")
            assert await actions() == ["half"]  # seen inside the transaction
            raise RuntimeError("refused after the first statement")
    assert await actions() == []
    async with transaction():  # and the connection is fit for the next writer
        await entry("whole")
    assert await actions() == ["whole"]


async def test_writers_in_one_process_take_turns() -> None:
    async def write(number: int) -> None:
        async with transaction():
            await entry(f"start {number}")
            await asyncio.sleep(0)  # let the others run while the lock is held
            await entry(f"end {number}")

    await asyncio.gather(*(write(number) for number in range(20)))
    written = await actions()
    assert len(written) == 40
    # Each transaction's two rows are next to each other: none ran inside another.
    assert all(
        written[i].split()[1] == written[i + 1].split()[1] for i in range(0, len(written), 2)
    )
