"""The teacher's reminder the day before an approved visit (``HUB_VISIT_REMINDER_HOURS``
ahead), in the visit's language, with a fresh private link.

Claimed by a conditional UPDATE in the transaction that queues the email, so two instances
never send it twice; a visit moved to another day is reminded again of the new time. A visit
requested from an account whose member turned reminders off gets none, and a reminder to an
account carries its one-click unsubscribe link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from innovation_hub.accounts.services import ReminderLinks
from innovation_hub.accounts.tables import User
from innovation_hub.core import clock, mail
from innovation_hub.core.database import transaction
from innovation_hub.visits.services.notify import email_view, new_link, status_link
from innovation_hub.visits.services.queries import place_of, user_name
from innovation_hub.visits.tables import Visit

BATCH = 200


@dataclass(frozen=True)
class VisitReminders:
    hours_before: int
    base_url: str
    links: ReminderLinks


async def _requester(visit: Visit) -> User | None:
    if visit.requested_by is None:
        return None
    return await User.objects().where(User.id == visit.requested_by).first().run()


async def _claim(visit: Visit, since: datetime, now: datetime) -> bool:
    claimed = (
        await Visit.update({Visit.reminded_at: now})
        .where(
            (Visit.id == visit.id)
            & (Visit.status == "approved")
            & (Visit.start_at == visit.start_at)
            & (Visit.reminded_at.is_null() | (Visit.reminded_at < since))
        )
        .returning(Visit.id)
        .run()
    )
    return bool(claimed)


async def _remind(visit: Visit, since: datetime, rules: VisitReminders, now: datetime) -> bool:
    requester = await _requester(visit)
    if requester is not None and not requester.reminders_enabled:
        return False
    async with transaction():
        if not await _claim(visit, since, now):
            return False
        place = await place_of(visit)
        token = await new_link(visit.id, now)
        headers = rules.links.headers(requester.id) if requester else None
        await mail.enqueue(
            to=visit.contact_email,
            template="visit_reminder",
            locale=visit.locale,
            context={
                "visit": email_view(visit),
                "place": place.label() if place else "",
                "host": await user_name(visit.host),
                "link": status_link(rules.base_url, token),
                "unsubscribe": rules.links.unsubscribe_url(requester.id) if requester else "",
            },
            headers=headers,
        )
    return True


async def send_visit_reminders(*, rules: VisitReminders, now: datetime | None = None) -> int:
    """Queues the reminders that are due; returns how many were queued."""
    now = now or clock.utcnow()
    window = timedelta(hours=rules.hours_before)
    due = (
        await Visit.objects()
        .where(
            (Visit.status == "approved")
            & Visit.start_at.is_not_null()
            & (Visit.start_at > now)
            & (Visit.start_at <= now + window)
        )
        .order_by(Visit.start_at)
        .limit(BATCH)
        .run()
    )
    sent = 0
    for visit in due:
        assert visit.start_at is not None  # selected so
        since = visit.start_at - window
        if visit.reminded_at is not None and visit.reminded_at >= since:
            continue
        if await _remind(visit, since, rules, now):
            sent += 1
    return sent
