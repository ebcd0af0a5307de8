"""JSON API for reports: the period summary (staff only)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from litestar import get
from litestar.params import QueryParameter

from innovation_hub.core.auth import STAFF
from innovation_hub.core.errors import BadRequest, describe_problems
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.rows import to_struct
from innovation_hub.reports import services, waiting
from innovation_hub.reports.schemas import OccupancyOut, SummaryOut, WaitingItemOut, WaitingOut
from innovation_hub.reports.views import definitions

# Read by hand below for the 400 bad_date answer, but described as what it is.
DATE = {"format": "date"}
# A period reaching the first or last day of the calendar (any date is a valid `from` or `to`)
# is counted up to one day short of it: the local midnights around those days are not
# representable instants. Nothing was booked in year 1 or 9999.
EARLIEST, LATEST = date.min + timedelta(days=1), date.max - timedelta(days=1)


def parse_day(raw: str, name: str) -> date:
    """A local date YYYY-MM-DD; anything else is 400 bad_date. Not core.forms.parse_day:
    the API takes any calendar date (see above), not only 2000-2099."""
    try:
        return date.fromisoformat(raw)
    except (TypeError, ValueError):
        raise BadRequest(
            _("Give %(name)s as a date YYYY-MM-DD.", name=name), code="bad_date"
        ) from None


@get(
    "/reports/summary",
    access=STAFF,
    summary="Report figures for a period (local dates)",
    description="`from` and `to` are local dates, both included; `to` before `from`, or a "
    "period longer than three years, is 422 bad_period. `definitions` says what each figure "
    "counts (the report's footnotes), by field name.",
)
async def report_summary(
    date_from: Annotated[
        str, QueryParameter(name="from", description="First day, YYYY-MM-DD", schema_extra=DATE)
    ],
    date_to: Annotated[
        str, QueryParameter(name="to", description="Last day, YYYY-MM-DD", schema_extra=DATE)
    ],
) -> SummaryOut:
    first, last = parse_day(date_from, "from"), parse_day(date_to, "to")
    services.check_period(first, last)
    first, last = (min(max(day, EARLIEST), LATEST) for day in (first, last))
    summary = await services.summary(first, last)
    occupancy = [
        to_struct(u, OccupancyOut, occupancy_percent=round(u.utilisation * 100, 1))
        for u in summary.resources
    ]
    return to_struct(
        summary,
        SummaryOut,
        check_in_percent=summary.check_in_percent,
        occupancy=occupancy,
        definitions=definitions(),
    )


@get(
    "/staff/waiting",
    access=STAFF,
    summary="Everything waiting for staff, the longest waiting first",
    description="Bookings waiting for approval (any day), visit requests to answer, trademark "
    "documents to check and programme applications to screen; `url` is the staff page where "
    "each is handled.",
)
async def staff_waiting() -> WaitingOut:
    queue = await waiting.waiting()
    return WaitingOut(
        counts=queue.counts,
        total=queue.total,
        items=[to_struct(item, WaitingItemOut) for item in queue.oldest],
    )


API_ROUTES = describe_problems([report_summary, staff_waiting])
