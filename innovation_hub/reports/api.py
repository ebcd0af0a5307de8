"""JSON API for reports: the period summary (staff only)."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, get

from innovation_hub.core.auth import STAFF
from innovation_hub.core.errors import BadRequest, describe_problems
from innovation_hub.core.i18n import gettext as _
from innovation_hub.reports import services

Req = Request[Any, Any, Any]


def parse_period(request: Req) -> tuple[date, date]:
    """`from` and `to` as YYYY-MM-DD; missing or malformed → 400, reversed → 422."""
    values = []
    for key in ("from", "to"):
        raw = request.query_params.get(key, "")
        try:
            values.append(date.fromisoformat(raw))
        except (TypeError, ValueError):
            raise BadRequest(
                _("Give %(name)s as a date YYYY-MM-DD.", name=key), code="bad_date"
            ) from None
    first, last = values
    services.check_period(first, last)
    return first, last


@get("/reports/summary", access=STAFF, summary="Report figures for a period (local dates)")
async def report_summary(request: Req) -> dict[str, Any]:
    first, last = parse_period(request)
    return (await services.summary(first, last)).api()


API_ROUTES = describe_problems([report_summary])
