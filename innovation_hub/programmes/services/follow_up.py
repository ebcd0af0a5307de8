"""After approval: milestones set by staff and reported by the enterprise, the indicators
before and after, acceptance (nghiệm thu) and closing the file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from innovation_hub.accounts.tables import User
from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import FormInvalid, RuleBroken
from innovation_hub.core.i18n import gettext as _
from innovation_hub.programmes.services.access import (
    found,
    own_ready_for,
    ready_for,
)
from innovation_hub.programmes.services.calls import release
from innovation_hub.programmes.services.checks import Problems
from innovation_hub.programmes.services.notify import tell_applicant
from innovation_hub.programmes.services.queries import milestones_of
from innovation_hub.programmes.services.support import MAX_COST_VND, dotted
from innovation_hub.programmes.services.timeline import add_to_timeline
from innovation_hub.programmes.tables import Application, IndicatorReport, Milestone
from innovation_hub.programmes.workflow import APPLICATIONS, HOLDING_BUDGET


async def add_milestone(
    staff: User, application_id: int, *, title: str, due_on: date | None, description: str = ""
) -> Milestone:
    problems = Problems()
    title, description = title.strip(), description.strip()
    if not title:
        problems.add("title", _("Fill in this field."), "required_field")
    elif len(title) > 300:
        problems.add("title", _("Use at most %(n)s characters.", n=300), "too_long")
    if due_on is None:
        problems.add("due_on", _("Choose a date."), "required_field")
    problems.raise_if_any()
    assert due_on is not None
    async with transaction():
        application = await ready_for(staff, application_id, "milestone")
        milestone = Milestone(
            application=application.id,
            title=title,
            description=description[:5000],
            due_on=due_on,
            status="pending",
            created_at=utcnow(),
        )
        await milestone.save()
        if application.status == "approved":
            await APPLICATIONS.apply(application, "milestone", actor_id=staff.id)
        await add_to_timeline(
            application,
            staff,
            "milestone_added",
            f"{title} ({due_on.strftime('%d/%m/%Y')})",
            milestone_id=milestone.id,
        )
    return milestone


async def milestone_of(application: Application, milestone_id: int) -> Milestone:
    query = Milestone.objects().where(
        (Milestone.id == milestone_id) & (Milestone.application == application.id)
    )
    return await found(query.first(), _("There is no such milestone."), "milestone_not_found")


async def report_milestone(
    user: User, application_id: int, milestone_id: int, report: str
) -> Milestone:
    report = report.strip()
    if not report:
        raise FormInvalid({"report": _("Say what was done.")}, code="report_required")
    async with transaction():
        application = await own_ready_for(user, application_id, "report")
        milestone = await milestone_of(application, milestone_id)
        if milestone.status == "done":
            raise RuleBroken(_("This milestone is already confirmed."), code="milestone_done")
        milestone.status = "reported"
        milestone.report = report[:5000]
        milestone.reported_at = utcnow()
        await milestone.save()
        await add_to_timeline(
            application,
            user,
            "milestone_reported",
            f"{milestone.title}: {report[:500]}",
            milestone_id=milestone.id,
        )
    return milestone


async def confirm_milestone(staff: User, application_id: int, milestone_id: int) -> Milestone:
    async with transaction():
        application = await ready_for(staff, application_id, "confirm")
        milestone = await milestone_of(application, milestone_id)
        if milestone.status == "done":
            return milestone
        milestone.status = "done"
        milestone.confirmed_at = utcnow()
        milestone.confirmed_by = staff.id
        await milestone.save()
        await add_to_timeline(
            application, staff, "milestone_confirmed", milestone.title, milestone_id=milestone.id
        )
    return milestone


@dataclass
class Indicators:
    output_per_worker_before_vnd: int | None = None
    output_per_worker_after_vnd: int | None = None
    defect_rate_before_percent: float | None = None
    defect_rate_after_percent: float | None = None
    certificates_obtained: str = ""
    note: str = ""


async def report_indicators(user: User, application_id: int, values: Indicators) -> IndicatorReport:
    problems = Problems()
    for name in ("output_per_worker_before_vnd", "output_per_worker_after_vnd"):
        value = getattr(values, name)
        if value is not None and not 0 <= value <= MAX_COST_VND:
            problems.add(name, _("Enter an amount in đồng."), "invalid_number")
    for name in ("defect_rate_before_percent", "defect_rate_after_percent"):
        value = getattr(values, name)
        if value is not None and not 0 <= value <= 100:
            problems.add(name, _("Enter a percentage from 0 to 100."), "invalid_percent")
    if values.output_per_worker_after_vnd is None and values.defect_rate_after_percent is None:
        problems.add(
            "output_per_worker_after_vnd",
            _("Give at least one indicator after the support."),
            "indicators_required",
        )
    problems.raise_if_any()
    async with transaction():
        application = await own_ready_for(user, application_id, "report")
        report = IndicatorReport(
            application=application.id,
            output_per_worker_before_vnd=(
                values.output_per_worker_before_vnd
                if values.output_per_worker_before_vnd is not None
                else application.output_per_worker_vnd
            ),
            output_per_worker_after_vnd=values.output_per_worker_after_vnd,
            defect_rate_before_percent=(
                values.defect_rate_before_percent
                if values.defect_rate_before_percent is not None
                else application.defect_rate_percent
            ),
            defect_rate_after_percent=values.defect_rate_after_percent,
            certificates_obtained=values.certificates_obtained.strip()[:2000],
            note=values.note.strip()[:5000],
            reported_by=user.id,
            created_at=utcnow(),
        )
        await report.save()
        await add_to_timeline(application, user, "indicators_reported", report_id=report.id)
    return report


async def accept(
    staff: User, application_id: int, *, settled_vnd: int | None, note: str = ""
) -> Application:
    """Acceptance (nghiệm thu): every milestone confirmed and indicators reported; the amount
    settled is at most the amount approved, and the rest goes back to the call's budget."""
    async with transaction():
        application = await ready_for(staff, application_id, "accept")
        approved = int(application.approved_vnd or 0)
        settled = approved if settled_vnd is None else settled_vnd
        if isinstance(settled, bool) or not 0 <= settled <= approved:
            message = _(
                "The amount settled is at most the amount approved (%(limit)s đồng).",
                limit=dotted(approved),
            )
            raise RuleBroken(
                message,
                code="settled_above_approved",
                field_errors={"settled_vnd": message},
            )
        open_milestones = [m for m in await milestones_of(application.id) if m.status != "done"]
        if open_milestones:
            raise RuleBroken(
                _(
                    "Confirm every milestone first (%(n)s still open).",
                    n=len(open_milestones),
                ),
                code="milestones_open",
            )
        if not await IndicatorReport.exists().where(IndicatorReport.application == application.id):
            raise RuleBroken(
                _("The enterprise has not reported its indicators yet."),
                code="indicators_missing",
            )
        now = utcnow()
        accepted = {
            Application.settled_vnd: settled,
            Application.accepted_at: now,
            Application.accepted_by: staff.id,
        }
        await APPLICATIONS.apply(application, "accept", actor_id=staff.id, now=now, values=accepted)
        await release(application.programme, approved - settled)
        await add_to_timeline(
            application, staff, "accepted", note.strip()[:5000], settled_vnd=settled
        )
        await tell_applicant(
            application, "programme_update", kind="accepted", message=note, settled_vnd=settled
        )
    return application


async def close(staff: User, application_id: int, note: str = "") -> Application:
    """Files an accepted or rejected application; ending an approved one early gives its
    unspent amount back to the call."""
    note = note.strip()
    async with transaction():
        application = await ready_for(staff, application_id, "close")
        holding = application.status in HOLDING_BUDGET
        if holding and not note:
            raise FormInvalid(
                {"note": _("Say why the support ends before acceptance.")},
                code="message_required",
            )
        await APPLICATIONS.apply(
            application, "close", values={Application.closed_at: utcnow()}, actor_id=staff.id
        )
        if holding and application.approved_vnd:
            await release(application.programme, int(application.approved_vnd))
        await add_to_timeline(application, staff, "closed", note[:5000])
        if holding:
            await tell_applicant(application, "programme_update", kind="closed", message=note)
    return application
