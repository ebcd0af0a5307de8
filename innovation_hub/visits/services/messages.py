"""What staff and the teacher tell each other: the visit's timeline, and the teacher's reply
to a question or a proposed day."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import FormInvalid, RuleBroken
from innovation_hub.core.i18n import gettext as _
from innovation_hub.visits.services.queries import get_visit, latest_proposal, visit_for_token
from innovation_hub.visits.services.rules import (
    DEFAULT_RULES,
    VisitRules,
    date_problem,
    message_problem,
    today_local,
)
from innovation_hub.visits.tables import Visit, VisitMessage
from innovation_hub.visits.workflow import VISITS


async def add_message(
    visit: Visit,
    *,
    author: str,
    author_id: int | None,
    kind: str,
    body: str,
    now: datetime,
    proposed_date: date | None = None,
) -> None:
    message = VisitMessage(
        {
            VisitMessage.visit: visit.id,
            VisitMessage.author: author,
            VisitMessage.author_id: author_id,
            VisitMessage.kind: kind,
            VisitMessage.body: body,
            VisitMessage.proposed_date: proposed_date,
            VisitMessage.created_at: now,
        }
    )
    await VisitMessage.insert(message).run()


async def reply(
    token: str,
    *,
    message: str,
    accept_proposal: bool = False,
    rules: VisitRules = DEFAULT_RULES,
    now: datetime | None = None,
) -> Visit:
    """The teacher answers staff's question (or takes the day they proposed); the request goes
    back to staff."""
    now = now or utcnow()
    visit = await visit_for_token(token, now=now)
    if not VISITS.can("reply", visit.status):
        raise RuleBroken(_("Staff are not waiting for a reply."), code="not_waiting_for_reply")
    problems = message_problem(message, required=not accept_proposal)
    proposal = await latest_proposal(visit.id) if accept_proposal else None
    if accept_proposal and (
        proposal is None or date_problem(rules, proposal, today_local(now), notice_days=1)
    ):
        problems["accept"] = _("That day can no longer be chosen. Write to staff instead.")
    if problems:
        raise FormInvalid(problems, code="invalid_message")
    async with transaction():
        changes: dict[Any, Any] = {} if proposal is None else {Visit.preferred_date: proposal}
        await VISITS.apply(
            visit,
            "reply",
            actor_id=None,
            values=changes,
            detail={"accepted_date": proposal.isoformat() if proposal else None},
            now=now,
        )
        await add_message(
            visit,
            author="teacher",
            author_id=None,
            kind="accepted_date" if proposal else "reply",
            body=message.strip(),
            proposed_date=proposal,
            now=now,
        )
    return await get_visit(visit.id)
