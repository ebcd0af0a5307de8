"""The HTML forms of research visits read into the typed values the services take."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.forms import Form, parse_day, parse_id, parse_int, text
from innovation_hub.core.i18n import gettext as _
from innovation_hub.visits.services import Approval, NewVisit, VisitRules

Data = dict[str, Any]


def new_visit(data: Data, rules: VisitRules, locale: str) -> NewVisit:
    """The public request form; a number or date that cannot be read stays None, and the
    services' rules name it."""
    alternates = [
        parse_day(data.get(f"alternate_date_{n}"))
        for n in range(1, rules.max_alternates + 1)
        if text(data.get(f"alternate_date_{n}"))
    ]
    return NewVisit(
        school_name=text(data.get("school_name")),
        contact_name=text(data.get("contact_name")),
        contact_email=text(data.get("contact_email")),
        contact_phone=text(data.get("contact_phone")),
        grade=text(data.get("grade")),
        student_count=parse_int(data.get("student_count")),
        supervisor_count=parse_int(data.get("supervisor_count")),
        topic=text(data.get("topic")),
        preferred_date=parse_day(data.get("preferred_date")),
        alternate_dates=alternates,
        consent=Form(data).flag("consent"),
        level=text(data.get("level")) or "other",
        goals=text(data.get("goals")),
        mentors_equipment=text(data.get("mentors_equipment")),
        preferred_time=text(data.get("preferred_time")) or "any",
        notes=text(data.get("notes")),
        locale=locale,
    )


def approval(data: Data) -> Approval:
    """The staff's approval: a day, a start and an end (local time), a room, maybe a host."""
    form = Form(data)
    day = form.day("date", required=True, message=_("Choose a date."))
    starts = form.clock("start", required=True, message=_("Give a time like 08:30."))
    ends = form.clock("end", required=True, message=_("Give a time like 11:00."))
    resource_id = form.id("resource_id", required=True, message=_("Choose a room."))
    form.check()
    assert day and starts and ends
    return Approval(
        start=datetime.combine(day, starts, LOCAL_TZ),
        end=datetime.combine(day, ends, LOCAL_TZ),
        resource_id=resource_id,
        host_id=parse_id(data.get("host_id")),
        message=text(data.get("message")),
    )


def proposed_day(data: Data) -> date | None:
    form = Form(data)
    day = form.day("proposed_date", message=_("Choose a date."))
    form.check()
    return day


def host_id(data: Data) -> int:
    form = Form(data)
    chosen = form.id("host_id", required=True, message=_("Choose a member of staff."))
    form.check()
    assert chosen is not None
    return chosen


def rating(data: Data) -> int | None:
    """Stars from 1 to 5, or none given (the services check the range)."""
    form = Form(data)
    stars = form.number("rating", message=_("Choose from 1 to 5 stars."))
    form.check()
    return stars


def counts(data: Data) -> tuple[int | None, int | None]:
    """Students and adults who came; the services say which are missing."""
    return parse_int(data.get("students")), parse_int(data.get("supervisors"))
