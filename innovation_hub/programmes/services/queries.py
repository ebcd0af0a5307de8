"""Read models: the lists and the parts of an application its page shows."""

from __future__ import annotations

from datetime import datetime

from innovation_hub.accounts.tables import User
from innovation_hub.core.clock import utcnow
from innovation_hub.programmes.services.access import is_staff
from innovation_hub.programmes.services.calls import programme_status
from innovation_hub.programmes.tables import (
    STATUSES,
    Application,
    Assignment,
    Document,
    IndicatorReport,
    Milestone,
    Programme,
    ProgrammeEvent,
    Review,
)


async def list_programmes(now: datetime | None = None) -> list[Programme]:
    """Open calls first (closing soonest first), then upcoming, then past calls."""
    now = now or utcnow()
    rows = await Programme.objects().order_by(Programme.closes_at, ascending=False)
    order = {"open": 0, "upcoming": 1, "closed": 2}

    def key(p: Programme) -> tuple[int, float]:
        status = programme_status(p, now)
        stamp = p.closes_at.timestamp()
        return order[status], (stamp if status != "closed" else -stamp)

    return sorted(rows, key=key)


async def list_for(
    user: User,
    *,
    statuses: tuple[str, ...] = STATUSES,
    programme_id: int | None = None,
    assigned_only: bool = False,
) -> list[Application]:
    """Staff: every application; an enterprise: its own; anyone else: those assigned to them."""
    query = Application.objects().where(Application.status.is_in(list(statuses)))
    if programme_id is not None:
        query = query.where(Application.programme == programme_id)
    if assigned_only or not (is_staff(user) or user.role == "enterprise"):
        ids = await Assignment.select(Assignment.application).where(Assignment.reviewer == user.id)
        wanted = [row["application"] for row in ids]
        if not wanted:
            return []
        query = query.where(Application.id.is_in(wanted))
    elif not is_staff(user):
        query = query.where(Application.applicant == user.id)
    rows = await query.order_by(Application.updated_at, ascending=False)
    return list(rows)


async def programme_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await Programme.select(Programme.id, Programme.name).where(Programme.id.is_in(list(ids)))
    return {row["id"]: row["name"] for row in rows}


async def reviewers_of(application_id: int) -> list[User]:
    ids = await Assignment.select(Assignment.reviewer).where(
        Assignment.application == application_id
    )
    wanted = [row["reviewer"] for row in ids]
    if not wanted:
        return []
    return list(await User.objects().where(User.id.is_in(wanted)).order_by(User.name))


async def reviews_of(application_id: int) -> list[Review]:
    return list(
        await Review.objects().where(Review.application == application_id).order_by(Review.id)
    )


def average_of(reviews: list[Review]) -> float | None:
    values = [r.average for r in reviews if r.average is not None]
    return round(sum(values) / len(values), 2) if values else None


async def milestones_of(application_id: int) -> list[Milestone]:
    return list(
        await Milestone.objects()
        .where(Milestone.application == application_id)
        .order_by(Milestone.due_on)
        .order_by(Milestone.id)
    )


async def indicator_reports_of(application_id: int) -> list[IndicatorReport]:
    return list(
        await IndicatorReport.objects()
        .where(IndicatorReport.application == application_id)
        .order_by(IndicatorReport.id)
    )


async def documents_of(application_id: int) -> list[Document]:
    return list(
        await Document.objects().where(Document.application == application_id).order_by(Document.id)
    )


async def events_of(programme_id: int) -> list[ProgrammeEvent]:
    return list(
        await ProgrammeEvent.objects()
        .where(ProgrammeEvent.programme == programme_id)
        .order_by(ProgrammeEvent.start_at)
    )
