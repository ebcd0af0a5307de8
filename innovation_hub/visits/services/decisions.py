"""Staff decisions on a request, and cancellations. An approved visit reserves its room through
``bookings.services.create_block`` in the same transaction as its status change, so two
approvals into one room and time give one visit and one ``slot_taken``; declining or
cancelling frees the room."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services as bookings
from innovation_hub.bookings.tables import Booking
from innovation_hub.core.auth import STAFF
from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import FormInvalid, NotFound, RuleBroken
from innovation_hub.core.i18n import N_
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.timestamps import require_aware
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import Resource
from innovation_hub.visits.services.messages import add_message
from innovation_hub.visits.services.notify import notify
from innovation_hub.visits.services.queries import (
    get_visit,
    get_visit_for,
    is_staff,
    list_hosts,
    staff_user,
    visit_for_token,
)
from innovation_hub.visits.services.rules import (
    DEFAULT_RULES,
    MAX_MESSAGE,
    ROOM_KINDS,
    VisitRules,
    check_visit_hours,
    date_problem,
    message_problem,
    today_local,
)
from innovation_hub.visits.tables import Visit
from innovation_hub.visits.workflow import VISITS, edit, log

NOT_OPEN = "not_decidable"


def _require(visit: Visit, action: str, message: str, code: str = NOT_OPEN) -> None:
    if not VISITS.can(action, visit.status):
        raise RuleBroken(message, code=code)


@dataclass(frozen=True)
class Approval:
    start: datetime | None
    end: datetime | None
    resource_id: int | None
    host_id: int | None = None
    message: str = ""


def _check_approval(approval: Approval) -> None:
    missing = {}
    if approval.start is None:
        missing["start"] = _("Choose when the visit starts.")
    if approval.end is None:
        missing["end"] = _("Choose when the visit ends.")
    if approval.resource_id is None:
        missing["resource_id"] = _("Choose a room.")
    if len(approval.message) > MAX_MESSAGE:
        missing["message"] = _("Use at most %(n)s characters.", n=MAX_MESSAGE)
    if missing:
        raise FormInvalid(missing, code="approval_incomplete")


def _room_problem(visit: Visit, resource: Resource) -> RuleBroken | None:
    if resource.kind not in ROOM_KINDS:
        message = _("Choose a meeting room, the event hall or a lab.")
        return RuleBroken(message, code="not_a_room", field_errors={"resource_id": message})
    group = visit.student_count + visit.supervisor_count
    if group > resource.capacity:
        message = _(
            "%(room)s holds %(capacity)s people; the group has %(group)s.",
            room=resource.name,
            capacity=resource.capacity,
            group=group,
        )
        return RuleBroken(message, code="room_too_small", field_errors={"resource_id": message})
    return None


async def check_visit_time(
    rules: VisitRules, visit: Visit, resource_id: int, start: datetime, end: datetime, now: datetime
) -> Resource:
    """The approved time and room must suit a school group. Returns the room."""
    start, end = require_aware(start, "start"), require_aware(end, "end")
    check_visit_hours(rules, start, end, now)
    try:
        resource = await spaces.get_resource(resource_id)
    except NotFound as exc:
        raise FormInvalid(
            {"resource_id": _("Choose one of the listed rooms.")}, code="resource_not_found"
        ) from exc
    if problem := _room_problem(visit, resource):
        raise problem
    for closure in await spaces.closures_between(resource.location, start, end):
        if closure["resource"] in (None, resource.id) and closure["starts_at"] < end:
            message = _("Closed at that time: %(reason)s.", reason=closure["reason"])
            raise RuleBroken(message, code="closed", field_errors={"start": message})
    return resource


def block_reason(visit: Visit) -> str:
    return f"Tham quan: {visit.school_name}"[:300]


async def _reserve(
    holder: User, visit: Visit, resource_id: int, start: datetime, end: datetime
) -> int:
    booking = await bookings.create_block(
        holder,
        resource_id,
        start,
        end,
        reason=block_reason(visit),
        kind="visit",
        attendees=visit.student_count + visit.supervisor_count,
    )
    return int(booking.id)


REFUSE_APPROVAL = N_("Only a request that is still open can be approved.")


async def _approvable(
    staff: User, visit_id: int, approval: Approval, rules: VisitRules, now: datetime
) -> tuple[datetime, datetime, Resource, User]:
    """Checks an approval before any change: its start, end, room and the reservation's
    holder (the host, or else the member of staff approving)."""
    _check_approval(approval)
    start, end, resource_id = approval.start, approval.end, approval.resource_id
    assert start and end and resource_id is not None
    visit = await get_visit(visit_id)
    _require(visit, "approve", _(REFUSE_APPROVAL))
    resource = await check_visit_time(rules, visit, resource_id, start, end, now)
    host = await staff_user(approval.host_id, "host_id") if approval.host_id else None
    return start, end, resource, host or staff


async def approve(
    staff: User,
    visit_id: int,
    approval: Approval,
    *,
    rules: VisitRules = DEFAULT_RULES,
    base_url: str,
    centre_name: str = "",
    now: datetime | None = None,
) -> Visit:
    now = now or utcnow()
    start, end, resource, holder = await _approvable(staff, visit_id, approval, rules, now)
    async with transaction():
        visit = await get_visit(visit_id)
        _require(visit, "approve", _(REFUSE_APPROVAL))
        booking_id = await _reserve(holder, visit, resource.id, start, end)
        await VISITS.apply(
            visit,
            "approve",
            actor_id=staff.id,
            now=now,
            values={
                Visit.start_at: start,
                Visit.end_at: end,
                Visit.resource: resource.id,
                Visit.booking: booking_id,
                Visit.host: holder.id,
                Visit.decided_by: staff.id,
                Visit.decided_at: now,
            },
            detail={
                "booking": booking_id,
                "resource": resource.id,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "host": holder.id,
            },
        )
        body = approval.message.strip()
        await add_message(
            visit, author="staff", author_id=staff.id, kind="approved", body=body, now=now
        )
        visit = await get_visit(visit.id)
        await notify(
            visit,
            "approved",
            base_url=base_url,
            now=now,
            message=body,
            attach_ics=True,
            centre_name=centre_name,
        )
    return visit


async def release_booking(visit: Visit, actor: User | None, reason: str) -> None:
    """Frees the visit's room. A teacher has no account: the reservation's holder releases it."""
    if visit.booking is None:
        return
    if actor is None:
        row = await Booking.select(Booking.user).where(Booking.id == visit.booking).first().run()
        holder_id = row["user"] if row else None
        actor = (
            await User.objects().where(User.id == holder_id).first().run() if holder_id else None
        )
        if actor is None or actor.role not in STAFF:
            hosts = await list_hosts()
            actor = hosts[0] if hosts else None
        if actor is None:  # no staff account left at all: nothing can hold the room either
            return
    await bookings.release(actor, visit.booking, reason=reason)


async def decline(
    staff: User,
    visit_id: int,
    *,
    message: str = "",
    base_url: str,
    now: datetime | None = None,
) -> Visit:
    """Refuses an open request, or withdraws an approved visit; its room is freed."""
    now = now or utcnow()
    if problem := message_problem(message, required=False):
        raise FormInvalid(problem, code="invalid_message")
    body = message.strip()
    async with transaction():
        visit = await get_visit(visit_id)
        action = "withdraw" if visit.status == "approved" else "decline"
        _require(visit, action, _("This visit has already been decided or has ended."))
        await release_booking(visit, staff, f"Từ chối tham quan: {visit.school_name}"[:300])
        await VISITS.apply(
            visit,
            action,
            actor_id=staff.id,
            now=now,
            values={Visit.decided_by: staff.id, Visit.decided_at: now},
            detail={"message": body, "released": visit.booking},
        )
        await add_message(
            visit, author="staff", author_id=staff.id, kind="declined", body=body, now=now
        )
        visit = await get_visit(visit.id)
        await notify(visit, "declined", base_url=base_url, now=now, message=body)
    return visit


async def ask_more_info(
    staff: User,
    visit_id: int,
    *,
    message: str,
    proposed_date: date | None = None,
    rules: VisitRules = DEFAULT_RULES,
    base_url: str,
    now: datetime | None = None,
) -> Visit:
    """Ask the teacher a question, or propose another day; the request waits for the reply."""
    now = now or utcnow()
    problems = message_problem(message, required=True)
    if proposed_date is not None and (
        problem := date_problem(rules, proposed_date, today_local(now), notice_days=1)
    ):
        problems["proposed_date"] = problem[0]
    if problems:
        raise FormInvalid(problems, code="invalid_message")
    body, kind = message.strip(), "proposed_date" if proposed_date else "more_info"
    async with transaction():
        visit = await get_visit(visit_id)
        refusal = _("Only a request that is still open can wait for more information.")
        _require(visit, "more_info", refusal)
        day = proposed_date.isoformat() if proposed_date else None
        await VISITS.apply(
            visit,
            "more_info",
            actor_id=staff.id,
            now=now,
            detail={"message": body, "proposed_date": day},
        )
        await add_message(
            visit,
            author="staff",
            author_id=staff.id,
            kind=kind,
            body=body,
            now=now,
            proposed_date=proposed_date,
        )
        visit = await get_visit(visit.id)
        await notify(
            visit, kind, base_url=base_url, now=now, message=body, proposed_date=proposed_date
        )
    return visit


async def assign_host(
    staff: User, visit_id: int, host_id: int, *, now: datetime | None = None
) -> Visit:
    """Names the member of staff who receives the group. An approved visit's reservation moves
    to the host, so the visit shows in the host's staff calendar."""
    now = now or utcnow()
    host = await staff_user(host_id, "host_id")
    async with transaction():
        visit = await get_visit(visit_id)
        if VISITS.is_final(visit.status):
            raise RuleBroken(_("This visit has ended."), code="visit_closed")
        changes: dict[object, object] = {Visit.host: host.id}
        if visit.status == "approved" and visit.booking is not None and visit.host != host.id:
            assert visit.start_at and visit.end_at and visit.resource is not None
            # Release and reserve again in one transaction: the room is never free in between.
            await bookings.release(staff, visit.booking, reason=f"Đổi người đón: {host.name}")
            booking_id = await _reserve(host, visit, visit.resource, visit.start_at, visit.end_at)
            changes[Visit.booking] = booking_id
        await edit(visit, changes, now=now)
        detail = {"host": host.id, "previous": visit.host}
        await log(visit, "visit.host_assigned", actor_id=staff.id, detail=detail)
    return await get_visit(visit_id)


def _check_cancellable(visit: Visit, now: datetime) -> None:
    _require(visit, "cancel", _("This visit can no longer be cancelled."), "not_cancellable")
    if visit.status == "approved" and visit.start_at is not None and visit.start_at <= now:
        raise RuleBroken(_("This visit has already started."), code="not_cancellable")


async def _cancel(
    visit_id: int,
    *,
    staff: User | None,
    author_id: int | None,
    reason: str,
    base_url: str,
    now: datetime,
) -> Visit:
    """Cancels the visit and frees its room; by staff (``staff`` given) or by the teacher."""
    by_staff = staff is not None
    if problem := message_problem(reason, required=by_staff):
        raise FormInvalid(problem, code="reason_required" if by_staff else "invalid_message")
    body, who = reason.strip(), "staff" if by_staff else "teacher"
    async with transaction():
        visit = await get_visit(visit_id)
        _check_cancellable(visit, now)
        await release_booking(visit, staff, f"Hủy tham quan: {visit.school_name}"[:300])
        await VISITS.apply(
            visit,
            "cancel",
            actor_id=author_id,
            now=now,
            values={Visit.cancelled_at: now},
            detail={"by": who, "reason": body, "released": visit.booking},
        )
        await add_message(
            visit, author=who, author_id=author_id, kind="cancelled", body=body, now=now
        )
        visit = await get_visit(visit.id)
        kind = "cancelled" if by_staff else "cancelled_by_teacher"
        await notify(visit, kind, base_url=base_url, now=now, message=body if by_staff else "")
    return visit


async def cancel_by_staff(
    staff: User, visit_id: int, *, reason: str, base_url: str, now: datetime | None = None
) -> Visit:
    return await _cancel(
        visit_id,
        staff=staff,
        author_id=staff.id,
        reason=reason,
        base_url=base_url,
        now=now or utcnow(),
    )


async def cancel_by_teacher(
    token: str, *, reason: str = "", base_url: str, now: datetime | None = None
) -> Visit:
    now = now or utcnow()
    visit = await visit_for_token(token, now=now)
    return await _cancel(
        visit.id, staff=None, author_id=None, reason=reason, base_url=base_url, now=now
    )


async def cancel_for(
    user: User, visit_id: int, *, reason: str, base_url: str, now: datetime | None = None
) -> Visit:
    """The API's cancel: staff cancel any visit (with a reason), the requester their own."""
    if is_staff(user):
        return await cancel_by_staff(user, visit_id, reason=reason, base_url=base_url, now=now)
    visit = await get_visit_for(user, visit_id)
    return await _cancel(
        visit.id,
        staff=None,
        author_id=user.id,
        reason=reason,
        base_url=base_url,
        now=now or utcnow(),
    )
