"""How the member pages write times, lengths, prices and a booking's state."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

from babel.dates import format_date as babel_format_date

from innovation_hub.bookings.workflow import BOOKINGS
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.i18n import current_locale, format_duration, format_vnd
from innovation_hub.core.i18n import gettext as _
from innovation_hub.spaces.tables import Resource


def hhmm(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%H:%M")


def day_label(day: date) -> str:
    """e.g. "Thứ Hai, 07/12/2026" — the weekday helps people check they picked the right day."""
    return babel_format_date(day, "EEEE, dd/MM/yyyy", locale=current_locale())


def time_range(start: datetime, end: datetime) -> str:
    return f"{hhmm(start)}–{hhmm(end)}"


def when_label(start: datetime, end: datetime) -> str:
    return f"{day_label(start.astimezone(LOCAL_TZ).date())}, {time_range(start, end)}"


def duration_label(minutes: int) -> str:
    return format_duration(minutes)


def price_label(resource: Resource) -> str:
    if resource.price_per_hour_vnd <= 0:
        return _("Free of charge")
    return _("%(price)s/hour", price=format_vnd(resource.price_per_hour_vnd))


def money_label(amount: int) -> str:
    return format_vnd(amount) if amount > 0 else _("Free of charge")


def status_label(status: str) -> str:
    """A booking's state in words, as the workflow declares it (payments' pages use it)."""
    return BOOKINGS.label(status)


def booking_link(resource_id: int, start: datetime, end: datetime) -> str:
    query = urlencode(
        {
            "resource_id": resource_id,
            "start": start.astimezone(LOCAL_TZ).isoformat(),
            "end": end.astimezone(LOCAL_TZ).isoformat(),
        }
    )
    return f"/bookings/new?{query}"


def login_link(target: str) -> str:
    # The app's own login redirect keeps only the path; keep the chosen slot too.
    return "/login?" + urlencode({"next": target})
