"""One place to read the time, so tests and jobs agree on "now"."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# Set only by ``frozen`` (the tests' frozen-clock fixture); the server never freezes time.
_frozen_at: datetime | None = None


def utcnow() -> datetime:
    return _frozen_at if _frozen_at is not None else datetime.now(UTC)


@contextmanager
def frozen(moment: datetime) -> Iterator[None]:
    """Every ``utcnow()`` in this process answers ``moment`` until the block ends."""
    global _frozen_at
    if moment.tzinfo is None:
        raise ValueError("a frozen moment needs its time zone")
    before, _frozen_at = _frozen_at, moment.astimezone(UTC)
    try:
        yield
    finally:
        _frozen_at = before
