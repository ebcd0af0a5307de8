"""The staff's daily digest: once per local day, from a set hour, each active staff member is
emailed what waits for them (counts, the oldest items, the link to the queue), in their
language; nobody is emailed when nothing waits.

Each digest is claimed by inserting its (staff member, local day) row, unique in the database,
in the same transaction as its email: of several instances running the job at once exactly one
inserts the row and sends, the others insert nothing and send nothing.
"""

from __future__ import annotations

from datetime import date, datetime

from innovation_hub.accounts.tables import User
from innovation_hub.core import mail
from innovation_hub.core.auth import STAFF
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.database import transaction
from innovation_hub.core.i18n import use_locale
from innovation_hub.core.jobs import Job
from innovation_hub.core.settings import Settings
from innovation_hub.reports.tables import StaffDigest
from innovation_hub.reports.waiting import Waiting, waiting

DIGEST_INTERVAL_SECONDS = 10 * 60
OLDEST_SHOWN = 5


async def _claim(staff_id: int, day: date, items: int, now: datetime) -> bool:
    """Inserts the day's row unless it exists; True when this call inserted it."""
    rows = (
        await StaffDigest.insert(
            StaffDigest(staff=staff_id, local_date=day, items=items, sent_at=now)
        )
        .on_conflict(target=(StaffDigest.staff, StaffDigest.local_date), action="DO NOTHING")
        .returning(StaffDigest.id)
        .run()
    )
    return bool(rows)


async def _send(user: User, queue: Waiting, day: date, base_url: str) -> None:
    await mail.enqueue(
        to=user.email,
        template="staff_digest",
        context={
            "name": user.name,
            "day": day,
            "total": queue.total,
            "counts": queue.counts,
            "headings": queue.headings(),
            "oldest": queue.oldest[:OLDEST_SHOWN],
            "base_url": base_url,
            "link": f"{base_url}/staff/waiting",
        },
        locale=user.locale,
    )


async def digest_for(user: User, day: date, *, base_url: str, now: datetime) -> bool:
    """The day's digest of one staff member; True when this call sent it."""
    with use_locale(user.locale):
        queue = await waiting(for_staff=user.id)
        async with transaction():
            if not await _claim(user.id, day, queue.total, now):
                return False  # decided already, here or by another instance
            if queue.total:
                await _send(user, queue, day, base_url)
    return bool(queue.total)


async def send_due_digests(settings: Settings, now: datetime | None = None) -> int:
    """From the set local hour on, each active staff member's digest of the day that has not
    been decided yet; returns how many were sent."""
    now = now or utcnow()
    local_now = now.astimezone(LOCAL_TZ)
    if local_now.hour < settings.staff_digest_hour:
        return 0
    day = local_now.date()
    done = StaffDigest.select(StaffDigest.staff).where(StaffDigest.local_date == day)
    staff = (
        await User.objects()
        .where(User.role.is_in(list(STAFF)) & User.is_active.eq(True) & User.id.not_in(done))
        .order_by(User.id)
        .run()
    )
    sent = 0
    for user in staff:
        sent += await digest_for(user, day, base_url=settings.base_url, now=now)
    return sent


def jobs(settings: Settings) -> list[Job]:
    async def send_digests() -> int:
        return await send_due_digests(settings)

    return [Job("staff-daily-digest", DIGEST_INTERVAL_SECONDS, send_digests)]
