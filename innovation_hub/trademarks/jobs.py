"""Background work of trademark guidance, for the app factory to run with the others."""

from __future__ import annotations

from innovation_hub.accounts.services import ReminderLinks
from innovation_hub.core.jobs import Job
from innovation_hub.core.settings import Settings
from innovation_hub.trademarks import services

REMINDER_INTERVAL_SECONDS = 15 * 60


def jobs(settings: Settings, links: ReminderLinks) -> list[Job]:
    """Deadline and consultation reminders through the outbox. Each reminder is claimed with
    a conditional UPDATE … RETURNING, so several instances may run the jobs at once."""
    consultations = services.ConsultationReminders(
        settings.reminder_minutes, settings.base_url, links
    )

    async def send_reminders() -> int:
        return await services.send_due_reminders(base_url=settings.base_url)

    async def send_consultation_reminders() -> int:
        return await services.send_consultation_reminders(rules=consultations)

    return [
        Job("trademark-deadline-reminders", REMINDER_INTERVAL_SECONDS, send_reminders),
        Job("trademark-consultation-reminders", 60, send_consultation_reminders),
    ]
