"""What the teacher's and the staff's pages show of a visit: days, times, the state, the
messages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel.dates import format_date as babel_format_date
from litestar import Request

from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.i18n import N_, Labels, current_locale
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.workflow import StateView
from innovation_hub.visits import services
from innovation_hub.visits.tables import Visit
from innovation_hub.visits.workflow import VISITS

# What a page says after a form went through, named by ``?done=`` in the address.
STAFF_NOTICES = {
    "approved": N_("Approved. The room is reserved and the teacher has been emailed."),
    "declined": N_("Declined. The teacher has been emailed."),
    "more_info": N_("Sent. The request waits for the teacher's reply."),
    "host": N_("The host is saved."),
    "attendance": N_("Attendance is recorded."),
    "cancelled": N_("Cancelled. The room is free again and the teacher has been emailed."),
}
TEACHER_NOTICES = {
    "replied": N_("Your reply was sent to the centre."),
    "cancelled": N_("The visit is cancelled. A confirmation is on its way by email."),
    "feedback": N_("Thank you for your feedback."),
}


def done_notice(request: Request[Any, Any, Any], notices: Mapping[str, str]) -> str:
    key = request.query_params.get("done", "")
    return _(notices[key]) if key in notices else ""


def day_label(day: date) -> str:
    """e.g. "Thứ Ba, 15/12/2026": the weekday helps a teacher check the day."""
    return babel_format_date(day, "EEEE, dd/MM/yyyy", locale=current_locale())


def hhmm(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%H:%M")


def when_label(visit: Visit) -> str:
    if visit.start_at is None or visit.end_at is None:
        return ""
    day = visit.start_at.astimezone(LOCAL_TZ).date()
    return f"{day_label(day)}, {hhmm(visit.start_at)}–{hhmm(visit.end_at)}"


def status_view(status: str, *, staff: bool = False) -> StateView:
    """The badge: staff read "waiting for the teacher" where the teacher reads "for you"."""
    return VISITS.view(status, member=not staff)


@dataclass(frozen=True)
class MessageView:
    author: str
    who: str
    kind_text: str
    body: str
    proposed: str
    at: datetime


_kind_text = Labels(
    {
        "approved": N_("Approved"),
        "declined": N_("Declined"),
        "more_info": N_("Question"),
        "proposed_date": N_("Another day proposed"),
        "reply": N_("Reply"),
        "accepted_date": N_("Proposed day accepted"),
        "cancelled": N_("Cancelled"),
    }
)


async def messages(visit: Visit, *, staff_view: bool) -> list[MessageView]:
    views = []
    for m in await services.messages_of(visit.id):
        if not m.body and m.proposed_date is None:
            continue  # a bare state change: the status already says it
        if m.author == "staff":
            who = await services.user_name(m.author_id) if staff_view else ""
            who = who or _("Centre staff")
        else:
            who = visit.contact_name
        views.append(
            MessageView(
                author=m.author,
                who=who,
                kind_text=_kind_text(m.kind),
                body=m.body,
                proposed=day_label(m.proposed_date) if m.proposed_date else "",
                at=m.created_at,
            )
        )
    return views


async def summary(visit: Visit) -> dict[str, Any]:
    place = await services.place_of(visit)
    return {
        "visit": visit,
        "when": when_label(visit),
        "place": place.label() if place else "",
        "host": await services.user_name(visit.host),
        "level": services.level_label(visit.level),
        "preferred": day_label(visit.preferred_date),
        "alternates": [day_label(d) for d in services.alternate_dates(visit)],
        "time_of_day": services.time_of_day_label(visit.preferred_time),
    }


def cancel_context(visit: Visit, *, staff: bool, back: str, action: str) -> dict[str, Any]:
    """The cancel (or decline) confirmation page, for the teacher or for staff."""
    return {
        "state": status_view(visit.status, staff=staff),
        "action": action,
        "back": back,
        "staff": staff,
        "errors": {},
        "form": {},
        "error": "",
    }
