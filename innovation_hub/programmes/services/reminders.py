"""Reminders to the enterprise that applied, ``HUB_PROGRAMME_REMINDER_DAYS`` ahead: a call
about to close while its application is still a draft, and a follow-up report (a milestone
of an approved project) coming due.

Each is claimed by a conditional UPDATE (``… WHERE reminded_at IS NULL``) in the transaction
that queues its email, so two instances never send it twice. A member who turned reminders
off gets none; each reminder carries the one-click link that turns them off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from innovation_hub.accounts.services import ReminderLinks
from innovation_hub.accounts.tables import User
from innovation_hub.core import clock, mail
from innovation_hub.core.database import transaction
from innovation_hub.programmes.tables import Application, Milestone, Programme

BATCH = 200
# A project's follow-up reports are due while it is being carried out.
REPORTING_STATUSES = ("approved", "implementing")


@dataclass(frozen=True)
class ProgrammeReminders:
    days_before: int
    base_url: str
    links: ReminderLinks


async def _applicant(application_id: int) -> tuple[Application, User] | None:
    """The application and its member's account, while the member wants reminders."""
    application = await Application.objects().where(Application.id == application_id).first()
    if application is None or application.applicant is None:
        return None
    owner = await User.objects().where(User.id == application.applicant).first().run()
    if owner is None or not owner.is_active or not owner.reminders_enabled:
        return None
    return application, owner


async def _queue(
    application: Application, owner: User, kind: str, rules: ProgrammeReminders, **context: Any
) -> None:
    programme = await Programme.objects().where(Programme.id == application.programme).first()
    await mail.enqueue(
        to=owner.email,
        template="programme_reminder",
        locale=owner.locale or application.locale,
        context={
            "kind": kind,
            "application": application,
            "programme": programme,
            "link": f"{rules.base_url}/applications/{application.id}",
            "unsubscribe": rules.links.unsubscribe_url(owner.id),
            **context,
        },
        headers=rules.links.headers(owner.id),
        zalo_user_id=owner.zalo_user_id,
    )


async def _remind_draft(row: dict[str, Any], rules: ProgrammeReminders, now: datetime) -> bool:
    found = await _applicant(row["id"])
    if found is None:
        return False
    async with transaction():
        claimed = (
            await Application.update({Application.deadline_reminded_at: now})
            .where(
                (Application.id == row["id"])
                & (Application.status == "draft")
                & Application.deadline_reminded_at.is_null()
            )
            .returning(Application.id)
            .run()
        )
        if not claimed:
            return False
        await _queue(*found, "deadline", rules, closes_at=row["closes_at"])
    return True


async def _remind_milestone(row: dict[str, Any], rules: ProgrammeReminders, now: datetime) -> bool:
    found = await _applicant(row["application"])
    if found is None:
        return False
    async with transaction():
        claimed = (
            await Milestone.update({Milestone.reminded_at: now})
            .where(
                (Milestone.id == row["id"])
                & (Milestone.status == "pending")
                & Milestone.reminded_at.is_null()
            )
            .returning(Milestone.id)
            .run()
        )
        if not claimed:
            return False
        await _queue(*found, "milestone", rules, title=row["title"], due_on=row["due_on"])
    return True


async def _due_drafts(now: datetime, until: datetime) -> list[dict[str, Any]]:
    closing = Programme.select(Programme.id).where(
        (Programme.closes_at > now) & (Programme.closes_at <= until)
    )
    return (
        await Application.select(
            Application.id, Application.programme.closes_at.as_alias("closes_at")
        )
        .where(
            (Application.status == "draft")
            & Application.deadline_reminded_at.is_null()
            & Application.programme.is_in(closing)
        )
        .limit(BATCH)
        .run()
    )


async def _due_milestones(today: date, until: date) -> list[dict[str, Any]]:
    reporting = Application.select(Application.id).where(
        Application.status.is_in(list(REPORTING_STATUSES))
    )
    return (
        await Milestone.select(
            Milestone.id, Milestone.application, Milestone.title, Milestone.due_on
        )
        .where(
            (Milestone.status == "pending")
            & Milestone.reminded_at.is_null()
            & (Milestone.due_on >= today)
            & (Milestone.due_on <= until)
            & Milestone.application.is_in(reporting)
        )
        .order_by(Milestone.due_on)
        .limit(BATCH)
        .run()
    )


async def send_programme_reminders(
    *, rules: ProgrammeReminders, now: datetime | None = None
) -> int:
    """Queues the reminders that are due; returns how many were queued."""
    now = now or clock.utcnow()
    ahead = timedelta(days=rules.days_before)
    sent = 0
    for row in await _due_drafts(now, now + ahead):
        sent += await _remind_draft(row, rules, now)
    today = now.astimezone(clock.LOCAL_TZ).date()
    for row in await _due_milestones(today, today + ahead):
        sent += await _remind_milestone(row, rules, now)
    return sent
