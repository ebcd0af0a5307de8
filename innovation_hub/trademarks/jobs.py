"""Background work of trademark guidance, for the app factory to run with the others."""

from __future__ import annotations

from innovation_hub.core.jobs import Job
from innovation_hub.core.settings import Settings
from innovation_hub.trademarks import services

REMINDER_INTERVAL_SECONDS = 15 * 60


def jobs(settings: Settings) -> list[Job]:
    """Deadline reminders through the outbox. Each deadline's reminder is claimed with a
    conditional UPDATE … RETURNING, so several instances may run the job at once."""

    async def send_reminders() -> int:
        return await services.send_due_reminders(base_url=settings.base_url)

    return [Job("trademark-deadline-reminders", REMINDER_INTERVAL_SECONDS, send_reminders)]
