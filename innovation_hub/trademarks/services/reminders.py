"""Reminders by email, for the background jobs: a case's deadlines, and a consultation
shortly before it starts. Each reminder is claimed with a conditional UPDATE … RETURNING in
the same transaction as its emails, so two instances never send the same one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from innovation_hub.accounts.services import ReminderLinks
from innovation_hub.accounts.tables import User
from innovation_hub.bookings.tables import Booking
from innovation_hub.core import mail
from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import transaction
from innovation_hub.core.i18n import use_locale
from innovation_hub.trademarks import config
from innovation_hub.trademarks.deadlines import DEADLINE_PERIODS, reminder_after
from innovation_hub.trademarks.records import is_staff, log, today_local
from innovation_hub.trademarks.tables import (
    TrademarkCase,
    TrademarkConsultation,
    TrademarkDeadline,
)


async def _due_rows(today: date, batch: int) -> list[dict[str, Any]]:
    return (
        await TrademarkDeadline.select(
            TrademarkDeadline.id,
            TrademarkDeadline.trademark_case,
            TrademarkDeadline.name,
            TrademarkDeadline.due,
            TrademarkDeadline.party,
            TrademarkDeadline.remind_on,
        )
        .where(
            TrademarkDeadline.active.eq(True)
            & TrademarkDeadline.remind_on.is_not_null()
            & (TrademarkDeadline.remind_on <= today)
        )
        .order_by(TrademarkDeadline.remind_on)
        .limit(batch)
        .run()
    )


async def _claim(row: dict[str, Any], following: date | None) -> bool:
    """Moves the deadline's next reminder on, unless another instance did it first."""
    claimed = (
        await TrademarkDeadline.update(
            {
                TrademarkDeadline.remind_on: following,
                TrademarkDeadline.reminders_sent: TrademarkDeadline.reminders_sent + 1,
                TrademarkDeadline.updated_at: utcnow(),
            }
        )
        .where(
            (TrademarkDeadline.id == row["id"])
            & TrademarkDeadline.active.eq(True)
            & (TrademarkDeadline.remind_on == row["remind_on"])
        )
        .returning(TrademarkDeadline.id)
        .run()
    )
    return bool(claimed)


async def _reminder_recipients(case: TrademarkCase, party: str) -> list[User]:
    """The assigned staff member always; the organisation too when it has to act."""
    ids = [case.assigned_staff] if case.assigned_staff else []
    if party in ("applicant", "owner") and case.owner:
        ids.append(case.owner)
    if not ids:
        return []
    return await User.objects().where(User.id.is_in(ids) & User.is_active.eq(True)).run()


async def _send(
    case: TrademarkCase, row: dict[str, Any], period: config.Period, today: date, base_url: str
) -> int:
    """Queues the reminder to each recipient, in their language; returns how many."""
    recipients = await _reminder_recipients(case, row["party"])
    for user in recipients:
        with use_locale(user.locale):
            label, basis = period.label, period.basis
        path = f"/staff/trademarks/{case.id}" if is_staff(user) else f"/trademarks/cases/{case.id}"
        await mail.enqueue(
            to=user.email,
            template="trademark_deadline",
            context={
                "case": case,
                "name": user.name,
                "label": label,
                "basis": basis,
                "due": row["due"],
                "days_left": (row["due"] - today).days,
                "party": row["party"],
                "for_staff": is_staff(user),
                "link": base_url + path,
            },
            locale=user.locale,
        )
    return len(recipients)


async def _remind(row: dict[str, Any], today: date, base_url: str) -> bool:
    async with transaction():
        case = (
            await TrademarkCase.objects()
            .where(TrademarkCase.id == row["trademark_case"])
            .first()
            .run()
        )
        durations = config.durations_on(case.filing_date if case and case.filing_date else today)
        following = (
            reminder_after(row["due"], today, durations.reminder_days_before)
            if row["due"] >= today
            else None
        )
        if not await _claim(row, following) or case is None or row["due"] < today:
            return False  # another instance took it, or the day passed unnoticed
        period = durations.periods[DEADLINE_PERIODS[row["name"]]]
        sent_to = await _send(case, row, period, today, base_url)
        detail = {"deadline": row["name"], "due": row["due"].isoformat(), "recipients": sent_to}
        await log(None, case.id, "reminder", detail)
        return True


async def send_due_reminders(*, base_url: str, today: date | None = None, batch: int = 50) -> int:
    """Emails the reminders that are due; returns how many deadlines were reminded."""
    today = today or today_local()
    sent = 0
    for row in await _due_rows(today, batch):
        if await _remind(row, today, base_url):
            sent += 1
    return sent


@dataclass(frozen=True)
class ConsultationReminders:
    """A reminder to the case's member ``minutes_before`` a consultation (HUB_REMINDER_MINUTES)."""

    minutes_before: int
    base_url: str
    links: ReminderLinks


async def _due_consultations(now: datetime, until: datetime) -> list[dict[str, Any]]:
    """Consultations still held on the calendar (not released) that start soon."""
    return (
        await TrademarkConsultation.select(
            TrademarkConsultation.id,
            TrademarkConsultation.reminded_at,
            TrademarkConsultation.trademark_case,
            TrademarkConsultation.topic,
            TrademarkConsultation.booking.start_at.as_alias("start_at"),
            TrademarkConsultation.booking.end_at.as_alias("end_at"),
            TrademarkConsultation.booking,
            TrademarkConsultation.staff.name.as_alias("staff_name"),
        )
        .where(
            TrademarkConsultation.booking.is_in(
                Booking.select(Booking.id).where(
                    (Booking.status == "confirmed")
                    & (Booking.start_at > now)
                    & (Booking.start_at <= until)
                )
            )
        )
        .limit(200)
        .run()
    )


async def _claim_consultation(consultation_id: int, since: datetime, now: datetime) -> bool:
    """Marks the reminder sent unless it was sent already for this start time."""
    reminded = TrademarkConsultation.reminded_at
    claimed = (
        await TrademarkConsultation.update({reminded: now})
        .where(
            (TrademarkConsultation.id == consultation_id)
            & (reminded.is_null() | (reminded < since))
        )
        .returning(TrademarkConsultation.id)
        .run()
    )
    return bool(claimed)


async def _remind_consultation(
    row: dict[str, Any], since: datetime, rules: ConsultationReminders, now: datetime
) -> bool:
    case = await TrademarkCase.objects().where(TrademarkCase.id == row["trademark_case"]).first()
    owner = None
    if case is not None and case.owner:
        owner = await User.objects().where(User.id == case.owner).first().run()
    if case is None or owner is None or not owner.is_active or not owner.reminders_enabled:
        return False
    place = (
        await Booking.select(Booking.resource.name.as_alias("name"))
        .where(Booking.id == row["booking"])
        .first()
        .run()
    )
    async with transaction():
        if not await _claim_consultation(row["id"], since, now):
            return False
        await mail.enqueue(
            to=owner.email,
            template="trademark_consultation_reminder",
            locale=owner.locale,
            context={
                **row,
                "place": place["name"] if place else "",
                "case": case,
                "name": owner.name,
                "link": f"{rules.base_url}/trademarks/cases/{case.id}",
                "unsubscribe": rules.links.unsubscribe_url(owner.id),
            },
            headers=rules.links.headers(owner.id),
            zalo_user_id=owner.zalo_user_id,
        )
    return True


async def send_consultation_reminders(
    *, rules: ConsultationReminders, now: datetime | None = None
) -> int:
    """Queues the consultation reminders that are due; returns how many were queued."""
    now = now or utcnow()
    window = timedelta(minutes=rules.minutes_before)
    sent = 0
    for row in await _due_consultations(now, now + window):
        since = row["start_at"] - window
        if row["reminded_at"] is not None and row["reminded_at"] >= since:
            continue
        if await _remind_consultation(row, since, rules, now):
            sent += 1
    return sent
