"""What the reminder tests of every domain share: the links, reading the outbox, racing jobs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from email import policy as email_policy
from email.parser import BytesParser
from typing import Any

from innovation_hub.accounts.services import ReminderLinks
from innovation_hub.core.mail import OutboxMessage, build_message

SECRET = "test-secret-key-that-is-long-enough-0123456789"  # as tests/conftest.py sets it
LINKS = ReminderLinks("http://testserver", SECRET)


async def outbox() -> list[dict[str, Any]]:
    return await OutboxMessage.select().order_by(OutboxMessage.id).run()


async def empty_outbox() -> None:
    """Forget the emails the set-up sent (confirmations), so only reminders are counted."""
    await OutboxMessage.delete(force=True).run()


def parsed(row: dict[str, Any]) -> Any:
    raw = bytes(build_message(row, "Hub <no-reply@hub.vn>"))
    return BytesParser(policy=email_policy.default).parsebytes(raw)


async def race(job: Callable[[], Awaitable[int]], runners: int = 24) -> int:
    """The job run by ``runners`` instances at the same moment; how many reminders in all."""
    return sum(await asyncio.gather(*[job() for _ in range(runners)]))
