"""The decision: approve within the cost shares, the caps and the call's remaining budget,
or reject; a letter goes to the enterprise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import FormInvalid, RuleBroken
from innovation_hub.core.i18n import gettext as _
from innovation_hub.programmes.services.access import ready_for
from innovation_hub.programmes.services.calls import get_programme, reserve
from innovation_hub.programmes.services.notify import tell_applicant
from innovation_hub.programmes.services.support import check_amount, items_of, support_limits
from innovation_hub.programmes.services.timeline import add_to_timeline
from innovation_hub.programmes.tables import Application, Review
from innovation_hub.programmes.workflow import APPLICATIONS


@dataclass(frozen=True)
class Decision:
    """Staff's decision: "approved" (with no amount, the most the cost shares and caps
    allow) or "rejected", with the conditions and a note for the enterprise."""

    outcome: str
    amount_vnd: int | None = None
    conditions: str = ""
    note: str = ""


async def decide(staff: User, application_id: int, decision: Decision) -> Application:
    """Approve (with an amount within the cost shares, the caps and the call's remaining
    budget) or reject; a letter goes to the enterprise."""
    outcome, amount_vnd = decision.outcome, decision.amount_vnd
    if outcome not in ("approved", "rejected"):
        raise FormInvalid({"outcome": _("Choose approve or reject.")}, code="invalid_outcome")
    conditions, note = decision.conditions.strip(), decision.note.strip()
    if len(conditions) > 5000 or len(note) > 5000:
        raise FormInvalid(
            {"conditions": _("Use at most %(n)s characters.", n=5000)}, code="too_long"
        )
    async with transaction():
        application = await ready_for(staff, application_id, "decide")
        if not await Review.exists().where(Review.application == application.id):
            raise RuleBroken(
                _("At least one review is needed before a decision."),
                code="review_required",
            )
        programme = await get_programme(application.programme)
        now = utcnow()
        values: dict[Any, Any] = {
            Application.decided_at: now,
            Application.decided_by: staff.id,
            Application.decision_note: note,
            Application.conditions: conditions if outcome == "approved" else "",
        }
        if outcome == "approved":
            limits = support_limits(programme, items_of(application))
            amount = limits.max_support_vnd if amount_vnd is None else amount_vnd
            check_amount(amount, limits)
            await reserve(programme, amount)
            values[Application.approved_vnd] = amount
        await APPLICATIONS.apply(
            application, "decide", to=outcome, values=values, actor_id=staff.id, now=now
        )
        await add_to_timeline(
            application,
            staff,
            outcome,
            note,
            amount_vnd=values.get(Application.approved_vnd),
            conditions=conditions,
        )
        await tell_applicant(
            application,
            "programme_decision",
            outcome=outcome,
            note=note,
            conditions=conditions,
            amount_vnd=values.get(Application.approved_vnd),
        )
    return application
