"""Reading visits: one visit for its reader (staff, the requester, a private link), the staff
queue, the rooms and hosts to choose from, and the numbers reports count."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.core.auth import STAFF
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import BadRequest, FormInvalid, NotFound
from innovation_hub.core.forms import FIRST_DAY, LAST_DAY
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.security import token_digest
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import Resource
from innovation_hub.visits.services.rules import ROOM_KINDS
from innovation_hub.visits.tables import Visit, VisitLink, VisitMessage
from innovation_hub.visits.workflow import OPEN_STATUSES, STATUSES, log

# Filters of the staff queue besides the single statuses.
STATUS_GROUPS = {
    "active": ("requested", "more_info", "approved"),
    "open": OPEN_STATUSES,
    "all": STATUSES,
}
# What ``parse_status_filter`` takes (empty is all; anything else is 400 invalid_status).
STATUS_FILTERS = ("", *STATUSES, *STATUS_GROUPS)


def alternate_dates(visit: Visit) -> list[date]:
    value: Any = visit.alternate_dates
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return [date.fromisoformat(d) for d in value or []]


async def get_visit(visit_id: int) -> Visit:
    visit = await Visit.objects().where(Visit.id == visit_id).first().run()
    if visit is None:
        raise NotFound(_("No such visit."), code="visit_not_found")
    return visit


def is_staff(user: User | None) -> bool:
    return user is not None and user.role in STAFF


def is_requester(user: User | None, visit: Visit) -> bool:
    """The account that sent the request owns it, and so does an account whose email is the
    contact email once that address is verified: registering with a teacher's address proves
    nothing about owning it (the teacher's private link needs no account at all)."""
    if user is None:
        return False
    if visit.requested_by is not None and visit.requested_by == user.id:
        return True
    return (
        user.email_verified_at is not None
        and user.email.strip().lower() == visit.contact_email.strip().lower()
    )


async def get_visit_for(user: User, visit_id: int) -> Visit:
    """Staff see every visit, the requester (see ``is_requester``) theirs; others get 404."""
    visit = await get_visit(visit_id)
    if not (is_staff(user) or is_requester(user, visit)):
        raise NotFound(_("No such visit."), code="visit_not_found")
    return visit


async def visit_for_token(token: str, *, now: datetime | None = None) -> Visit:
    """The visit a private link opens. The first opening confirms the contact email."""
    if not token or len(token) > 128:
        raise NotFound(_("This link is not valid."), code="visit_not_found")
    link = (
        await VisitLink.objects().where(VisitLink.token_digest == token_digest(token)).first().run()
    )
    if link is None:
        raise NotFound(_("This link is not valid."), code="visit_not_found")
    visit = await get_visit(link.visit)
    if visit.email_confirmed_at is None or link.last_used_at is None:
        await _confirm_email(visit, link, now or utcnow())
        visit = await get_visit(visit.id)
    return visit


async def _confirm_email(visit: Visit, link: VisitLink, now: datetime) -> None:
    async with transaction():
        await (
            VisitLink.update({VisitLink.last_used_at: now})
            .where((VisitLink.id == link.id) & VisitLink.last_used_at.is_null())
            .run()
        )
        confirmed = (
            await Visit.update({Visit.email_confirmed_at: now})
            .where((Visit.id == visit.id) & Visit.email_confirmed_at.is_null())
            .returning(Visit.id)
            .run()
        )
        if confirmed:
            await log(visit, "visit.email_confirmed", actor_id=None)


def parse_status_filter(value: str | None) -> tuple[str, ...]:
    if not value:
        return STATUS_GROUPS["all"]
    if value in STATUS_GROUPS:
        return STATUS_GROUPS[value]
    if value in STATUSES:
        return (value,)
    raise BadRequest(
        _("Unknown status: %(status)s.", status=value),
        code="invalid_status",
        field_errors={"status": _("Choose one of the listed statuses.")},
    )


def visit_day(visit: Visit) -> date:
    """The day the group comes: the approved day, or else the one they asked for."""
    if visit.start_at is not None:
        return visit.start_at.astimezone(LOCAL_TZ).date()
    day: date = visit.preferred_date
    return day


def _local_days(first: date, last: date) -> tuple[datetime, datetime]:
    """[first, last] as instants: from the first day's midnight to the one after the last."""
    since = datetime.combine(first, time(0), LOCAL_TZ)
    return since, datetime.combine(last + timedelta(days=1), time(0), LOCAL_TZ)


async def list_visits(
    *, statuses: tuple[str, ...], first: date | None = None, last: date | None = None
) -> list[Visit]:
    """Visits in these statuses whose day falls in [first, last], soonest first."""
    query = Visit.objects().where(Visit.status.is_in(list(statuses)))
    if first is not None or last is not None:
        low, high = first or FIRST_DAY, last or LAST_DAY
        since, until = _local_days(low, high)
        query = query.where(
            (Visit.start_at.is_not_null() & (Visit.start_at >= since) & (Visit.start_at < until))
            | (
                Visit.start_at.is_null()
                & (Visit.preferred_date >= low)
                & (Visit.preferred_date <= high)
            )
        )
    visits = await query.order_by(Visit.id).limit(1000).run()
    return sorted(
        visits,
        key=lambda v: (visit_day(v), v.start_at or datetime.max.replace(tzinfo=LOCAL_TZ), v.id),
    )


async def messages_of(visit_id: int) -> list[VisitMessage]:
    return (
        await VisitMessage.objects()
        .where(VisitMessage.visit == visit_id)
        .order_by(VisitMessage.created_at)
        .order_by(VisitMessage.id)
        .run()
    )


async def latest_proposal(visit_id: int) -> date | None:
    message = (
        await VisitMessage.objects()
        .where(
            (VisitMessage.visit == visit_id)
            & (VisitMessage.author == "staff")
            & VisitMessage.proposed_date.is_not_null()
        )
        .order_by(VisitMessage.id, ascending=False)
        .first()
        .run()
    )
    day: date | None = message.proposed_date if message is not None else None
    return day


def _active_staff() -> Any:
    return User.role.is_in(list(STAFF)) & User.is_active.eq(True)


async def list_hosts() -> list[User]:
    """Staff who can host a visit."""
    return await User.objects().where(_active_staff()).order_by(User.name).run()


async def staff_user(user_id: int, field_name: str) -> User:
    """The active member of staff chosen in ``field_name``, or the field's error."""
    user = await User.objects().where((User.id == user_id) & _active_staff()).first().run()
    if user is None:
        raise FormInvalid({field_name: _("Choose a member of staff.")}, code="invalid_host")
    return user


async def list_rooms() -> list[Resource]:
    rooms = await spaces.list_resources()
    return [r for r in rooms if r.kind in ROOM_KINDS]


async def user_name(user_id: int | None) -> str:
    if user_id is None:
        return ""
    row = await User.select(User.name).where(User.id == user_id).first().run()
    return str(row["name"]) if row else ""


@dataclass(frozen=True)
class Place:
    room: str
    location: str
    address: str

    def label(self) -> str:
        return ", ".join(part for part in (self.room, self.location, self.address) if part)


async def place_of(visit: Visit) -> Place | None:
    if visit.resource is None:
        return None
    row = (
        await Resource.select(
            Resource.name,
            Resource.location.name.as_alias("location_name"),
            Resource.location.address.as_alias("address"),
        )
        .where(Resource.id == visit.resource)
        .first()
        .run()
    )
    if row is None:
        return None
    return Place(row["name"], row["location_name"] or "", row["address"] or "")


async def visit_counts(first: date, last: date) -> dict[str, int]:
    """For reports: visits that took place in [first, last] (local days) and their students
    (those counted at the door, or else those announced)."""
    since, until = _local_days(first, last)
    rows = (
        await Visit.select(Visit.student_count, Visit.attended_students)
        .where((Visit.status == "completed") & (Visit.start_at >= since) & (Visit.start_at < until))
        .run()
    )
    students = sum(
        r["attended_students"] if r["attended_students"] is not None else r["student_count"]
        for r in rows
    )
    return {"visits": len(rows), "visit_students": students}
