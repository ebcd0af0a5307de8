"""Reports in the application: the staff dashboard, the "waiting for you" queue with its daily
digest, and the half-year report."""

from __future__ import annotations

from innovation_hub.core.domains import Domain, Values
from innovation_hub.core.jobs import Job
from innovation_hub.reports import api, digest, web


def background(values: Values) -> list[Job]:
    return digest.jobs(values["settings"])


DOMAIN = Domain("reports", web=web.WEB_ROUTES, api=api.API_ROUTES, jobs=background)
