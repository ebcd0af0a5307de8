"""After the visit: staff record who came, and the teacher may leave feedback."""

from __future__ import annotations

from datetime import datetime

from innovation_hub.accounts.tables import User
from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import FormInvalid, RuleBroken
from innovation_hub.core.i18n import gettext as _
from innovation_hub.visits.services.notify import notify
from innovation_hub.visits.services.queries import get_visit, visit_for_token
from innovation_hub.visits.services.rules import MAX_FEEDBACK
from innovation_hub.visits.tables import Visit
from innovation_hub.visits.workflow import VISITS, edit, log

ATTENDANCE_OUTCOMES = VISITS.transition("attendance").targets  # completed | no_show
MAX_ATTENDANCE = 1000


def _check_counts(outcome: str, students: int | None, supervisors: int | None) -> None:
    problems: dict[str, str] = {}
    if outcome not in ATTENDANCE_OUTCOMES:
        problems["outcome"] = _("Choose whether the group came.")
    if outcome == "completed":
        if students is None or not 1 <= students <= MAX_ATTENDANCE:
            problems["students"] = _("Enter how many students came (at least 1).")
        if supervisors is None or not 0 <= supervisors <= MAX_ATTENDANCE:
            problems["supervisors"] = _("Enter how many adults came.")
    if problems:
        raise FormInvalid(problems, code="invalid_attendance")


def _check_attendable(visit: Visit, now: datetime) -> None:
    if not VISITS.can("attendance", visit.status):
        raise RuleBroken(_("Attendance is recorded for approved visits."), code="not_attendable")
    if visit.start_at is None or visit.start_at > now:
        raise RuleBroken(
            _("Record attendance once the visit has started."), code="visit_not_started"
        )


async def record_attendance(
    staff: User,
    visit_id: int,
    *,
    outcome: str,
    students: int | None,
    supervisors: int | None,
    base_url: str,
    now: datetime | None = None,
) -> Visit:
    """After the visit: who came (status completed), or that nobody did (no_show)."""
    now = now or utcnow()
    _check_counts(outcome, students, supervisors)
    came = outcome == "completed"
    async with transaction():
        visit = await get_visit(visit_id)
        _check_attendable(visit, now)
        await VISITS.apply(
            visit,
            "attendance",
            to=outcome,
            actor_id=staff.id,
            now=now,
            values={
                Visit.attended_students: students if came else 0,
                Visit.attended_supervisors: supervisors if came else 0,
            },
            detail={"students": students, "supervisors": supervisors} if came else None,
        )
        if came:
            visit = await get_visit(visit.id)
            await notify(visit, "completed", base_url=base_url, now=now)
    return await get_visit(visit_id)


def _check_feedback(rating: int | None, text: str) -> None:
    problems: dict[str, str] = {}
    if rating is not None and not 1 <= rating <= 5:
        problems["rating"] = _("Choose from 1 to 5 stars.")
    if len(text) > MAX_FEEDBACK:
        problems["feedback"] = _("Use at most %(n)s characters.", n=MAX_FEEDBACK)
    if rating is None and not text.strip():
        problems["feedback"] = _("Give a rating or write a few words.")
    if problems:
        raise FormInvalid(problems, code="invalid_feedback")


async def leave_feedback(
    token: str, *, rating: int | None, text: str, now: datetime | None = None
) -> Visit:
    now = now or utcnow()
    visit = await visit_for_token(token, now=now)
    if visit.status != "completed":
        raise RuleBroken(
            _("Feedback can be left after the visit has taken place."), code="not_completed"
        )
    _check_feedback(rating, text)
    async with transaction():
        changes = {
            Visit.feedback_rating: rating,
            Visit.feedback_text: text.strip(),
            Visit.feedback_at: now,
        }
        await edit(visit, changes, now=now)
        await log(visit, "visit.feedback", actor_id=None, detail={"rating": rating})
    return await get_visit(visit.id)
