"""The productivity-and-quality support programme in the application."""

from innovation_hub.core.domains import Domain, Values
from innovation_hub.core.jobs import Job
from innovation_hub.programmes import api, web
from innovation_hub.programmes.services.reminders import (
    ProgrammeReminders,
    send_programme_reminders,
)


def jobs(values: Values) -> list[Job]:
    settings = values["settings"]
    rules = ProgrammeReminders(
        settings.programme_reminder_days, settings.base_url, values["reminder_links"]
    )

    async def send_reminders() -> int:
        return await send_programme_reminders(rules=rules)

    return [Job("programme-reminders", 15 * 60, send_reminders)]


DOMAIN = Domain("programmes", web=web.WEB_ROUTES, api=api.API_ROUTES, jobs=jobs)
