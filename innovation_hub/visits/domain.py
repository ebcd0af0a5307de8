"""Research visits in the application: public requests, the teacher's pages, staff decisions."""

from __future__ import annotations

from innovation_hub.core.domains import Domain, Values
from innovation_hub.core.jobs import Job
from innovation_hub.visits import api, web
from innovation_hub.visits.provided import provides
from innovation_hub.visits.services.reminders import VisitReminders, send_visit_reminders


def jobs(values: Values) -> list[Job]:
    settings = values["settings"]
    rules = VisitReminders(
        settings.visit_reminder_hours, settings.base_url, values["reminder_links"]
    )

    async def send_reminders() -> int:
        return await send_visit_reminders(rules=rules)

    return [Job("visit-reminders", 300, send_reminders)]


DOMAIN = Domain("visits", web=web.WEB_ROUTES, api=api.API_ROUTES, provides=provides, jobs=jobs)
