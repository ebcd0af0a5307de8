"""A teacher's request: checked against the rules, stored as ``requested``, and answered by
email with the private link (no account needed)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from innovation_hub.accounts.tables import User
from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import transaction
from innovation_hub.visits.services.notify import send_received
from innovation_hub.visits.services.rules import (
    DEFAULT_RULES,
    NewVisit,
    VisitRules,
    check_request,
    today_local,
)
from innovation_hub.visits.tables import Visit
from innovation_hub.visits.workflow import log

# The request's fields the row does not take as they are (the others are its columns' names).
_NOT_COPIED = ("contact_email", "contact_phone", "alternate_dates", "locale", "consent")


def _new_row(new: NewVisit, user: User | None, now: datetime) -> Visit:
    assert new.preferred_date is not None and new.student_count is not None
    assert new.supervisor_count is not None
    alternates = sorted(
        {d for d in new.alternate_dates if d is not None and d != new.preferred_date}
    )
    copied = {name: value for name, value in asdict(new).items() if name not in _NOT_COPIED}
    return Visit(
        **copied,
        status="requested",
        contact_email=new.contact_email.strip(),
        contact_phone=new.contact_phone.strip(),
        alternate_dates=[d.isoformat() for d in alternates],
        locale=new.locale if new.locale in ("vi", "en") else "vi",
        consent_at=now,
        requested_by=user.id if user is not None else None,
        created_at=now,
        updated_at=now,
    )


async def submit_request(
    new: NewVisit,
    *,
    rules: VisitRules = DEFAULT_RULES,
    base_url: str,
    user: User | None = None,
    now: datetime | None = None,
) -> tuple[Visit, str]:
    """Stores a valid request as ``requested`` and queues the email with its private link.
    Returns the visit and the link's token (the caller shows it to nobody but the teacher)."""
    now = now or utcnow()
    check_request(new, rules, today=today_local(now))
    async with transaction():
        visit = _new_row(new, user, now)
        await visit.save()
        actor_id = user.id if user is not None else None
        detail = {
            "school": visit.school_name,
            "students": visit.student_count,
            "supervisors": visit.supervisor_count,
        }
        await log(visit, "visit.requested", actor_id=actor_id, detail=detail)
        token = await send_received(
            visit, base_url=base_url, notice_days=rules.min_notice_days, now=now
        )
    return visit, token
