"""The statutory timeline: staff record a step, the case's status and deadlines follow.

The status moves through the declared workflow (one conditional UPDATE), so of two staff
recording the same step at once exactly one succeeds; the other is told the case changed.
"""

from __future__ import annotations

from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import FormInvalid, RuleBroken
from innovation_hub.core.i18n import gettext as _
from innovation_hub.trademarks import workflow
from innovation_hub.trademarks.deadlines import (
    Deadline,
    deadlines,
    durations_for,
    first_reminder,
    opposition_open,
    protection_expiry,
)
from innovation_hub.trademarks.records import get_case_for, history_of, log, today_local
from innovation_hub.trademarks.services.notices import notify_owner
from innovation_hub.trademarks.tables import TrademarkCase, TrademarkDeadline, TrademarkEvent
from innovation_hub.trademarks.workflow import TRADEMARKS, EventInput, PastEvent


async def _sync_deadlines(case: TrademarkCase, history: list[PastEvent]) -> list[Deadline]:
    """Keeps the stored deadlines (what reminders run from) equal to the computed ones."""
    today = today_local()
    durations = durations_for(history, today)
    computed = deadlines(history, durations)
    stored = {
        row.name: row
        for row in await TrademarkDeadline.objects()
        .where(TrademarkDeadline.trademark_case == case.id)
        .run()
    }
    now = utcnow()
    for deadline in computed:
        row = stored.pop(deadline.name, None)
        if row is not None and row.active and row.due == deadline.due:
            continue
        if row is None:
            row = TrademarkDeadline(trademark_case=case.id, name=deadline.name)
        row.due = deadline.due
        row.party = deadline.party
        row.active = True
        row.remind_on = first_reminder(deadline.due, today, durations.reminder_days_before)
        row.reminders_sent = 0
        row.updated_at = now
        await row.save()
    closed = [row.id for row in stored.values() if row.active]
    if closed:
        await (
            TrademarkDeadline.update(
                {
                    TrademarkDeadline.active: False,
                    TrademarkDeadline.remind_on: None,
                    TrademarkDeadline.updated_at: now,
                }
            )
            .where(TrademarkDeadline.id.is_in(closed))
            .run()
        )
    return computed


def _check_history(event: EventInput, history: list[PastEvent]) -> None:
    """Rules beyond the state table: what the history must already hold."""
    types = [e.type for e in history]
    if event.type == "published" and "formality_accepted" not in types:
        raise RuleBroken(
            _("Record the acceptance as a valid application before the publication."),
            code="formality_not_accepted",
        )
    if event.type in ("formality_accepted", "defect_notice") and "formality_accepted" in types:
        raise RuleBroken(
            _("The application was already accepted as valid."), code="already_accepted"
        )
    if event.type == "response":
        pending = {d.name for d in deadlines(history, durations_for(history, today_local()))}
        if not pending & {"defect_response", "office_action_response", "opposition_response"}:
            raise RuleBroken(
                _("There is no notice waiting for an answer."), code="nothing_to_answer"
            )
    _check_opposition(event, history)
    if event.type == "renewed":
        _check_renewal(event, history)


def _check_opposition(event: EventInput, history: list[PastEvent]) -> None:
    """One opposition at a time is followed; none may be open when the mark is granted."""
    open_now = opposition_open(history) is not None
    if event.type == "opposition" and open_now:
        message = _("An opposition is already open: record its settlement first.")
        raise RuleBroken(message, code="opposition_open")
    if event.type == "opposition_settled" and not open_now:
        raise RuleBroken(_("No opposition is open."), code="no_opposition")
    if event.type == "granted" and open_now:
        message = _("An opposition is open: the IP Office settles it before granting.")
        raise RuleBroken(message, code="opposition_open")


def _check_renewal(event: EventInput, history: list[PastEvent]) -> None:
    """A renewal is asked for from 6 months before the term ends to 6 months after it."""
    open_ = {d.name: d.due for d in deadlines(history, durations_for(history, today_local()))}
    opens, closes = open_.get("renewal_window_opens"), open_.get("renewal_grace_ends")
    if opens is None or closes is None or not opens <= event.date <= closes:
        message = _(
            "A renewal can be recorded from %(first)s to %(last)s.",
            first=opens.strftime("%d/%m/%Y") if opens else "–",
            last=closes.strftime("%d/%m/%Y") if closes else "–",
        )
        raise FormInvalid({"date": message}, code="renewal_outside_window")


def _trimmed(event: EventInput) -> EventInput:
    return EventInput(
        type=event.type.strip(),
        date=event.date,
        application_number=event.application_number.strip(),
        certificate_number=event.certificate_number.strip(),
        result=event.result.strip(),
        stage=event.stage.strip(),
        response_due=event.response_due,
        note=event.note.strip(),
        opponent=" ".join(event.opponent.split()),
    )


def _case_changes(event: EventInput, after: str) -> dict[Any, Any]:
    """What the step writes on the case besides its status."""
    changes: dict[Any, Any] = {}
    if event.type == "filed":
        changes[TrademarkCase.application_number] = event.application_number
        changes[TrademarkCase.filing_date] = event.date
    if event.type == "granted":
        changes[TrademarkCase.certificate_number] = event.certificate_number
        changes[TrademarkCase.grant_date] = event.date
    if TRADEMARKS.is_final(after) and event.type != "renewed":
        changes[TrademarkCase.closed_at] = utcnow()
    return changes


async def record_event(
    actor: User, case_id: int, event: EventInput, *, base_url: str = ""
) -> TrademarkCase:
    """Staff record a step of the timeline; the status and the deadlines follow from it.
    A step that cannot follow the current status is a 422 with a code; a step someone else
    recorded meanwhile is a 409 ``case_changed``."""
    event = _trimmed(event)
    async with transaction():
        case = await get_case_for(actor, case_id)
        history = await history_of(case.id)
        before = case.status
        after = workflow.check_event(before, event, history, filing_date=case.filing_date)
        _check_history(event, history)
        detail = event.detail()
        await TRADEMARKS.apply(
            case,
            event.type,
            actor_id=actor.id,
            to=after,
            values=_case_changes(event, after),
            detail={"event_date": event.date.isoformat()},
        )
        await TrademarkEvent(
            trademark_case=case.id,
            event_type=event.type,
            event_date=event.date,
            detail=detail,
            status_before=before,
            status_after=after,
            recorded_by=actor.id,
            recorded_at=case.updated_at,
        ).save()
        history.append(PastEvent(event.type, event.date, detail))
        await _follow_up(actor, case, event, history, before, base_url=base_url)
    return await get_case_for(actor, case_id)


async def _follow_up(
    actor: User,
    case: TrademarkCase,
    event: EventInput,
    history: list[PastEvent],
    before: str,
    *,
    base_url: str,
) -> None:
    """After a step: the deadlines, the expiry, the timeline entry, the organisation's email."""
    open_deadlines = await _sync_deadlines(case, history)
    durations = durations_for(history, today_local())
    expiry = protection_expiry(history, durations)
    if expiry is not None:
        await (
            TrademarkCase.update({TrademarkCase.expiry_date: expiry})
            .where(TrademarkCase.id == case.id)
            .run()
        )
    detail = event.detail()
    after = case.status
    entry = {
        "type": event.type,
        "date": event.date.isoformat(),
        "status_before": before,
        "status_after": after,
        **detail,
    }
    await log(actor.id, case.id, "event", entry)
    if event.type == "stage":
        return

    def update_context() -> dict[str, Any]:
        return {
            "event_text": workflow.event_label(event.type, detail),
            "event_date": event.date,
            "event_detail": detail,
            "status_text": TRADEMARKS.label(after),
            "deadlines": [(d.label(durations), d.due) for d in open_deadlines],
        }

    await notify_owner(case, "trademark_update", update_context, base_url=base_url)
