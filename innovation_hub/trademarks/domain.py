"""Trademark guidance in the application: cases, documents, consultations, reminders."""

from __future__ import annotations

from innovation_hub.core.domains import Domain, Values
from innovation_hub.core.jobs import Job
from innovation_hub.trademarks import api, jobs, web


def background(values: Values) -> list[Job]:
    return jobs.jobs(values["settings"], values["reminder_links"])


DOMAIN = Domain("trademarks", web=web.WEB_ROUTES, api=api.API_ROUTES, jobs=background)
