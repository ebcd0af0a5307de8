"""Pages for research visits: the public request form, the teacher's private page (reached by
the emailed link) and the staff queue with its decisions. Every change goes through
``visits.services``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from babel.dates import format_date as babel_format_date
from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services as bookings
from innovation_hub.core.auth import PUBLIC, STAFF
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.errors import (
    FormInvalid,
    HubError,
    NotFound,
    RuleBroken,
    TooManyRequests,
)
from innovation_hub.core.i18n import current_locale
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.web import FormBody, go_to, page, settings_of
from innovation_hub.spaces import services as spaces
from innovation_hub.visits import services
from innovation_hub.visits.api import check_rate, client_key, request_limiter, rules_of
from innovation_hub.visits.tables import OPEN_STATUSES, STATUSES, Visit

Req = Request[Any, Any, Any]
CALENDAR = "text/calendar"


# -- formatting ---------------------------------------------------------------------------


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


def parse_clock(raw: object) -> time | None:
    text = str(raw or "").strip()
    if len(text) not in (5, 8):
        return None
    try:
        return time.fromisoformat(text).replace(second=0, microsecond=0)
    except ValueError:
        return None


def text_of(form: dict[str, Any], name: str) -> str:
    return str(form.get(name) or "").strip()


@dataclass(frozen=True)
class StatusView:
    status: str
    text: str
    icon: str


def status_view(status: str, *, staff: bool = False) -> StatusView:
    label = services.staff_status_label(status) if staff else services.status_label(status)
    return StatusView(status, label, services.STATUS_ICONS.get(status, "•"))


# -- the public request form --------------------------------------------------------------


def _form_context(request: Req, form: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    rules = rules_of(request)
    today = utcnow().astimezone(LOCAL_TZ).date()
    earliest = services.earliest_day(rules, today)
    return {
        "form": form,
        "errors": errors,
        "rules": rules,
        "levels": [(code, services.level_label(code)) for code in services.LEVELS],
        "times": [(code, services.time_of_day_label(code)) for code in services.TIMES_OF_DAY],
        "ratios": [
            (services.level_label(code), rules.ratio_for(code))
            for code in services.LEVELS
            if code != "other"
        ],
        "earliest": earliest,
        "earliest_label": day_label(earliest),
        "latest": today + timedelta(days=rules.max_days_ahead),
        "alternates": range(1, rules.max_alternates + 1),
        "day_starts": rules.day_starts.strftime("%H:%M"),
        "day_ends": rules.day_ends.strftime("%H:%M"),
    }


def _request_page(
    request: Req, form: dict[str, Any], errors: dict[str, str], status: int = 200
) -> Template:
    return page(
        request,
        "visits/request.html",
        _form_context(request, form, errors),
        fragment="visits/_request_form.html",
        status_code=status,
    )


@get("/visits", access=PUBLIC, name="visit_request")
async def request_form(request: Req) -> Template:
    user: User | None = request.scope.get("user")
    form: dict[str, Any] = {"level": "upper_secondary", "preferred_time": "any"}
    if user is not None and not services.is_staff(user):
        # A logged-in teacher or student lead: start from what the account knows.
        form.update(
            contact_name=user.name,
            contact_email=user.email,
            contact_phone=user.phone,
            school_name=user.school,
        )
    return _request_page(request, form, {})


@post("/visits", access=PUBLIC)
async def submit(request: Req, data: FormBody) -> Response[Any] | Template:
    form = {k: v for k, v in data.items() if k != "_csrf_token"}
    try:
        await check_rate(request)
    except TooManyRequests as exc:
        response = _request_page(request, form, {"_form": exc.detail}, status=429)
        response.headers["retry-after"] = str(exc.retry_after)
        return response
    new = services.NewVisit.from_form(data, current_locale())
    user: User | None = request.scope.get("user")
    try:
        await services.submit_request(
            new, rules=rules_of(request), base_url=settings_of(request).base_url, user=user
        )
    except FormInvalid as exc:
        return _request_page(request, form, exc.field_errors, status=422)
    await request_limiter(request).hit(client_key(request))
    return go_to(request, "/visits/sent")


@get("/visits/sent", access=PUBLIC)
async def sent(request: Req) -> Template:
    return page(request, "visits/sent.html", {"rules": rules_of(request)})


# -- the teacher's private page -----------------------------------------------------------


def _explanation(visit: Visit) -> str:
    return {
        "requested": _(
            "Your request has reached the centre. Staff will answer by email; a request is "
            "not yet a confirmation."
        ),
        "more_info": _("Staff need an answer from you before they can decide. See below."),
        "approved": _("Your visit is confirmed. We look forward to welcoming your group."),
        "declined": _("The centre cannot receive your group this time."),
        "cancelled": _("This visit has been cancelled. You are welcome to ask again."),
        "completed": _("Thank you for visiting. We would be glad to hear how it went."),
        "no_show": _("The group did not come on the day of the visit."),
    }.get(visit.status, "")


@dataclass(frozen=True)
class MessageView:
    author: str
    who: str
    kind_text: str
    body: str
    proposed: str
    at: datetime


def _kind_text(kind: str) -> str:
    return {
        "approved": _("Approved"),
        "declined": _("Declined"),
        "more_info": _("Question"),
        "proposed_date": _("Another day proposed"),
        "reply": _("Reply"),
        "accepted_date": _("Proposed day accepted"),
        "cancelled": _("Cancelled"),
    }.get(kind, kind)


async def _messages(visit: Visit, *, staff_view: bool) -> list[MessageView]:
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


async def _summary(visit: Visit) -> dict[str, Any]:
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


async def _teacher_page(
    request: Req,
    token: str,
    visit: Visit,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    notice: str = "",
    status: int = 200,
) -> Template:
    now = utcnow()
    proposal = await services.latest_proposal(visit.id) if visit.status == "more_info" else None
    can_cancel = visit.status in OPEN_STATUSES or (
        visit.status == "approved" and visit.start_at is not None and visit.start_at > now
    )
    context = {
        **await _summary(visit),
        "token": token,
        "base": f"/visits/status/{token}",
        "state": status_view(visit.status),
        "explanation": _explanation(visit),
        "messages": await _messages(visit, staff_view=False),
        "proposal": proposal,
        "proposal_label": day_label(proposal) if proposal else "",
        "can_cancel": can_cancel,
        "can_reply": visit.status == "more_info",
        "can_feedback": visit.status == "completed",
        "has_ics": visit.start_at is not None and visit.status == "approved",
        "errors": errors or {},
        "form": form or {},
        "notice": notice,
    }
    return page(request, "visits/status.html", context, status_code=status)


NOTICES = {
    "replied": lambda: _("Your reply was sent to the centre."),
    "cancelled": lambda: _("The visit is cancelled. A confirmation is on its way by email."),
    "feedback": lambda: _("Thank you for your feedback."),
}


@get("/visits/status/{token:str}", access=PUBLIC)
async def teacher_page(request: Req, token: FromPath[str]) -> Template:
    visit = await services.visit_for_token(token)
    notice_key = request.query_params.get("done", "")
    notice = NOTICES[notice_key]() if notice_key in NOTICES else ""
    return await _teacher_page(request, token, visit, notice=notice)


@get("/visits/status/{token:str}/cancel", access=PUBLIC)
async def teacher_cancel_form(request: Req, token: FromPath[str]) -> Template:
    visit = await services.visit_for_token(token)
    return page(
        request,
        "visits/cancel.html",
        {
            **await _summary(visit),
            "state": status_view(visit.status),
            "base": f"/visits/status/{token}",
            "action": f"/visits/status/{token}/cancel",
            "back": f"/visits/status/{token}",
            "staff": False,
            "errors": {},
            "form": {},
            "error": "",
        },
    )


@post("/visits/status/{token:str}/cancel", access=PUBLIC)
async def teacher_cancel(
    request: Req, token: FromPath[str], data: FormBody
) -> Response[Any] | Template:
    try:
        await services.cancel_by_teacher(
            token, reason=text_of(data, "reason"), base_url=settings_of(request).base_url
        )
    except NotFound:
        raise
    except HubError as exc:
        visit = await services.visit_for_token(token)
        return page(
            request,
            "visits/cancel.html",
            {
                **await _summary(visit),
                "state": status_view(visit.status),
                "base": f"/visits/status/{token}",
                "action": f"/visits/status/{token}/cancel",
                "back": f"/visits/status/{token}",
                "staff": False,
                "errors": exc.field_errors,
                "form": data,
                "error": "" if exc.field_errors else exc.detail,
            },
            status_code=exc.status_code,
        )
    return go_to(request, f"/visits/status/{token}?done=cancelled")


@post("/visits/status/{token:str}/reply", access=PUBLIC)
async def teacher_reply(
    request: Req, token: FromPath[str], data: FormBody
) -> Response[Any] | Template:
    try:
        await services.reply(
            token,
            message=text_of(data, "message"),
            accept_proposal=text_of(data, "accept") == "yes",
            rules=rules_of(request),
        )
    except NotFound:
        raise
    except HubError as exc:
        visit = await services.visit_for_token(token)
        errors = exc.field_errors or {"_reply": exc.detail}
        return await _teacher_page(
            request, token, visit, errors=errors, form=data, status=exc.status_code
        )
    return go_to(request, f"/visits/status/{token}?done=replied")


@post("/visits/status/{token:str}/feedback", access=PUBLIC)
async def teacher_feedback(
    request: Req, token: FromPath[str], data: FormBody
) -> Response[Any] | Template:
    raw_rating = text_of(data, "rating")
    rating = services.parse_count(raw_rating) if raw_rating else None
    try:
        if raw_rating and rating is None:
            raise FormInvalid({"rating": _("Choose from 1 to 5 stars.")})
        await services.leave_feedback(token, rating=rating, text=text_of(data, "feedback"))
    except NotFound:
        raise
    except HubError as exc:
        visit = await services.visit_for_token(token)
        errors = exc.field_errors or {"feedback": exc.detail}
        return await _teacher_page(
            request, token, visit, errors=errors, form=data, status=exc.status_code
        )
    return go_to(request, f"/visits/status/{token}?done=feedback")


@get("/visits/status/{token:str}/visit.ics", access=PUBLIC)
async def teacher_ics(request: Req, token: FromPath[str]) -> Response[bytes]:
    visit = await services.visit_for_token(token)
    if visit.start_at is None:
        raise NotFound(_("This visit has no time yet."), code="visit_not_scheduled")
    settings = settings_of(request)
    body = await services.visit_ics(
        visit, base_url=settings.base_url, centre_name=settings.centre_name
    )
    return Response(
        body,
        media_type=CALENDAR,
        headers={
            "content-disposition": f'attachment; filename="visit-{visit.id}.ics"',
            "cache-control": "private, no-store",
        },
    )


# -- staff: the queue ---------------------------------------------------------------------


def _status_options() -> list[tuple[str, str]]:
    return [
        ("active", _("Open and approved")),
        ("open", _("Waiting for a decision or a reply")),
        *[(s, services.staff_status_label(s)) for s in STATUSES],
        ("all", _("All")),
    ]


@dataclass(frozen=True)
class Row:
    visit: Visit
    day: str
    time: str
    state: StatusView
    host: str
    group: str


@get("/staff/visits", access=STAFF, name="staff_visits")
async def queue(request: Req) -> Template:
    params = request.query_params
    status = params.get("status") or "active"
    errors: dict[str, str] = {}
    first = services.parse_day(params.get("from")) if params.get("from") else None
    last = services.parse_day(params.get("to")) if params.get("to") else None
    if params.get("from") and first is None:
        errors["from"] = _("Choose a date.")
    if params.get("to") and last is None:
        errors["to"] = _("Choose a date.")
    try:
        statuses = services.parse_status_filter(status)
    except HubError as exc:
        errors["status"] = exc.field_errors.get("status", exc.detail)
        statuses, status = services.STATUS_GROUPS["active"], "active"
    visits = await services.list_visits(statuses=statuses, first=first, last=last)
    hosts = {u.id: u.name for u in await services.list_hosts()}
    rows = [
        Row(
            visit=v,
            day=day_label(services.visit_day(v)),
            time=f"{hhmm(v.start_at)}–{hhmm(v.end_at)}"
            if v.start_at and v.end_at
            else services.time_of_day_label(v.preferred_time),
            state=status_view(v.status, staff=True),
            host=hosts.get(v.host, "") if v.host else "",
            group=_(
                "%(students)s students, %(adults)s adults",
                students=v.student_count,
                adults=v.supervisor_count,
            ),
        )
        for v in visits
    ]
    waiting = await services.list_visits(statuses=("requested",))
    return page(
        request,
        "visits/staff_queue.html",
        {
            "rows": rows,
            "filters": {
                "status": status,
                "from": params.get("from", ""),
                "to": params.get("to", ""),
            },
            "errors": errors,
            "status_options": _status_options(),
            "waiting": len(waiting),
        },
        status_code=422 if errors else 200,
    )


# -- staff: one visit ---------------------------------------------------------------------


@dataclass(frozen=True)
class FreeRoom:
    name: str
    capacity: int
    free: str


async def _free_rooms(visit: Visit, group: int) -> list[FreeRoom]:
    """A hint for choosing: rooms big enough and free on the day asked for."""
    day = services.visit_day(visit)
    start = datetime.combine(day, time(0), LOCAL_TZ)
    try:
        found = await bookings.availability(start, start + timedelta(days=1), min_capacity=group)
    except HubError:
        return []
    rooms = []
    for item in found:
        if item.resource.kind not in services.ROOM_KINDS or not item.free:
            continue
        spans = ", ".join(f"{hhmm(a)}–{hhmm(b)}" for a, b in item.free)
        rooms.append(FreeRoom(item.resource.name, item.resource.capacity, spans))
    return rooms


async def _staff_page(
    request: Req,
    visit: Visit,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    forms: dict[str, dict[str, Any]] | None = None,
    notice: str = "",
    status: int = 200,
) -> Template:
    now = utcnow()
    group = visit.student_count + visit.supervisor_count
    rooms = await services.list_rooms()
    hosts = await services.list_hosts()
    user: User = request.user
    day = services.visit_day(visit)
    approve_defaults = {
        "date": day.isoformat(),
        "start": "13:30" if visit.preferred_time == "afternoon" else "08:30",
        "end": "16:00" if visit.preferred_time == "afternoon" else "11:00",
        "resource_id": "",
        "host_id": str(visit.host or user.id),
        "message": "",
    }
    forms = forms or {}
    context = {
        **await _summary(visit),
        "state": status_view(visit.status, staff=True),
        "messages": await _messages(visit, staff_view=True),
        "group": group,
        "room_options": [
            (
                r.id,
                _(
                    "%(room)s (%(kind)s, %(n)s people)",
                    room=r.name,
                    kind=spaces.kind_label(r.kind),
                    n=r.capacity,
                )
                + ("" if r.capacity >= group else " – " + _("too small")),
            )
            for r in rooms
        ],
        "host_options": [(h.id, h.name) for h in hosts],
        "free_rooms": await _free_rooms(visit, group) if visit.status in OPEN_STATUSES else [],
        "errors": errors or {},
        "forms": {
            "approve": forms.get("approve", approve_defaults),
            "more_info": forms.get("more_info", {}),
            "decline": forms.get("decline", {}),
            "host": forms.get("host", {"host_id": str(visit.host or "")}),
            "attendance": forms.get(
                "attendance",
                {
                    "outcome": "completed",
                    "students": str(visit.student_count),
                    "supervisors": str(visit.supervisor_count),
                },
            ),
            "cancel": forms.get("cancel", {}),
        },
        "can_decide": visit.status in OPEN_STATUSES,
        "can_cancel": visit.status == "approved"
        and visit.start_at is not None
        and visit.start_at > now,
        "can_decline": visit.status in (*OPEN_STATUSES,),
        "can_attend": visit.status == "approved"
        and visit.start_at is not None
        and visit.start_at <= now,
        "can_host": visit.status == "approved",
        "email_confirmed": visit.email_confirmed_at is not None,
        "notice": notice,
    }
    return page(request, "visits/staff_detail.html", context, status_code=status)


STAFF_NOTICES = {
    "approved": lambda: _("Approved. The room is reserved and the teacher has been emailed."),
    "declined": lambda: _("Declined. The teacher has been emailed."),
    "more_info": lambda: _("Sent. The request waits for the teacher's reply."),
    "host": lambda: _("The host is saved."),
    "attendance": lambda: _("Attendance is recorded."),
    "cancelled": lambda: _("Cancelled. The room is free again and the teacher has been emailed."),
}


@get("/staff/visits/{visit_id:int}", access=STAFF)
async def staff_detail(request: Req, visit_id: FromPath[int]) -> Template:
    visit = await services.get_visit(visit_id)
    key = request.query_params.get("done", "")
    notice = STAFF_NOTICES[key]() if key in STAFF_NOTICES else ""
    return await _staff_page(request, visit, notice=notice)


async def _refused(
    request: Req, visit_id: int, form_name: str, data: dict[str, Any], exc: HubError
) -> Template:
    visit = await services.get_visit(visit_id)
    errors = dict(exc.field_errors)
    if not errors:
        errors["_form"] = exc.detail
    clean = {k: v for k, v in data.items() if k != "_csrf_token"}
    return await _staff_page(
        request,
        visit,
        errors={form_name: errors},
        forms={form_name: clean},
        status=exc.status_code,
    )


def _id_or_none(raw: object) -> int | None:
    return services.parse_count(raw) if str(raw or "").strip() else None


@post("/staff/visits/{visit_id:int}/approve", access=STAFF)
async def staff_approve(
    request: Req, visit_id: FromPath[int], data: FormBody
) -> Response[Any] | Template:
    settings = settings_of(request)
    try:
        problems: dict[str, str] = {}
        day = services.parse_day(data.get("date"))
        starts, ends = parse_clock(data.get("start")), parse_clock(data.get("end"))
        if day is None:
            problems["date"] = _("Choose a date.")
        if starts is None:
            problems["start"] = _("Give a time like 08:30.")
        if ends is None:
            problems["end"] = _("Give a time like 11:00.")
        resource_id = _id_or_none(data.get("resource_id"))
        if resource_id is None:
            problems["resource_id"] = _("Choose a room.")
        if problems:
            raise FormInvalid(problems)
        assert day and starts and ends
        await services.approve(
            request.user,
            visit_id,
            services.Approval(
                start=datetime.combine(day, starts, LOCAL_TZ),
                end=datetime.combine(day, ends, LOCAL_TZ),
                resource_id=resource_id,
                host_id=_id_or_none(data.get("host_id")),
                message=text_of(data, "message"),
            ),
            rules=rules_of(request),
            base_url=settings.base_url,
            centre_name=settings.centre_name,
        )
    except NotFound as exc:
        if exc.code == "visit_not_found":
            raise
        return await _refused(request, visit_id, "approve", data, exc)
    except HubError as exc:
        return await _refused(request, visit_id, "approve", data, exc)
    return go_to(request, f"/staff/visits/{visit_id}?done=approved")


@post("/staff/visits/{visit_id:int}/more-info", access=STAFF)
async def staff_more_info(
    request: Req, visit_id: FromPath[int], data: FormBody
) -> Response[Any] | Template:
    try:
        raw_day = text_of(data, "proposed_date")
        proposed = services.parse_day(raw_day) if raw_day else None
        if raw_day and proposed is None:
            raise FormInvalid({"proposed_date": _("Choose a date.")})
        await services.ask_more_info(
            request.user,
            visit_id,
            message=text_of(data, "message"),
            proposed_date=proposed,
            rules=rules_of(request),
            base_url=settings_of(request).base_url,
        )
    except HubError as exc:
        if exc.code == "visit_not_found":
            raise
        return await _refused(request, visit_id, "more_info", data, exc)
    return go_to(request, f"/staff/visits/{visit_id}?done=more_info")


async def _confirm_page(
    request: Req, visit: Visit, *, action: str, message: str, kind: str
) -> Template:
    return page(
        request,
        "visits/cancel.html",
        {
            **await _summary(visit),
            "state": status_view(visit.status, staff=True),
            "action": action,
            "back": f"/staff/visits/{visit.id}",
            "staff": True,
            "kind": kind,
            "errors": {},
            "form": {"reason": message},
            "error": "",
        },
    )


@post("/staff/visits/{visit_id:int}/decline", access=STAFF)
async def staff_decline(
    request: Req, visit_id: FromPath[int], data: FormBody
) -> Response[Any] | Template:
    message = text_of(data, "message") or text_of(data, "reason")
    try:
        if not message:
            raise FormInvalid({"message": _("Tell the teacher why.")})
        if text_of(data, "confirm") != "yes":
            visit = await services.get_visit(visit_id)
            if visit.status not in OPEN_STATUSES:
                raise RuleBroken(
                    _("This visit has already been decided or has ended."), code="not_decidable"
                )
            return await _confirm_page(
                request,
                visit,
                action=f"/staff/visits/{visit_id}/decline",
                message=message,
                kind="decline",
            )
        await services.decline(
            request.user, visit_id, message=message, base_url=settings_of(request).base_url
        )
    except HubError as exc:
        if exc.code == "visit_not_found":
            raise
        return await _refused(request, visit_id, "decline", {"message": message}, exc)
    return go_to(request, f"/staff/visits/{visit_id}?done=declined")


@post("/staff/visits/{visit_id:int}/cancel", access=STAFF)
async def staff_cancel(
    request: Req, visit_id: FromPath[int], data: FormBody
) -> Response[Any] | Template:
    reason = text_of(data, "reason")
    try:
        if not reason:
            raise FormInvalid({"reason": _("Tell the teacher why.")})
        if text_of(data, "confirm") != "yes":
            visit = await services.get_visit(visit_id)
            return await _confirm_page(
                request,
                visit,
                action=f"/staff/visits/{visit_id}/cancel",
                message=reason,
                kind="cancel",
            )
        await services.cancel_by_staff(
            request.user, visit_id, reason=reason, base_url=settings_of(request).base_url
        )
    except HubError as exc:
        if exc.code == "visit_not_found":
            raise
        return await _refused(request, visit_id, "cancel", {"reason": reason}, exc)
    return go_to(request, f"/staff/visits/{visit_id}?done=cancelled")


@post("/staff/visits/{visit_id:int}/host", access=STAFF)
async def staff_host(
    request: Req, visit_id: FromPath[int], data: FormBody
) -> Response[Any] | Template:
    try:
        host_id = _id_or_none(data.get("host_id"))
        if host_id is None:
            raise FormInvalid({"host_id": _("Choose a member of staff.")})
        await services.assign_host(request.user, visit_id, host_id)
    except HubError as exc:
        if exc.code == "visit_not_found":
            raise
        return await _refused(request, visit_id, "host", data, exc)
    return go_to(request, f"/staff/visits/{visit_id}?done=host")


@post("/staff/visits/{visit_id:int}/attendance", access=STAFF)
async def staff_attendance(
    request: Req, visit_id: FromPath[int], data: FormBody
) -> Response[Any] | Template:
    outcome = text_of(data, "outcome")
    try:
        await services.record_attendance(
            request.user,
            visit_id,
            outcome=outcome,
            students=services.parse_count(data.get("students")),
            supervisors=services.parse_count(data.get("supervisors")),
            base_url=settings_of(request).base_url,
        )
    except HubError as exc:
        if exc.code == "visit_not_found":
            raise
        return await _refused(request, visit_id, "attendance", data, exc)
    return go_to(request, f"/staff/visits/{visit_id}?done=attendance")


WEB_ROUTES = [
    request_form,
    submit,
    sent,
    teacher_page,
    teacher_cancel_form,
    teacher_cancel,
    teacher_reply,
    teacher_feedback,
    teacher_ics,
    queue,
    staff_detail,
    staff_approve,
    staff_more_info,
    staff_decline,
    staff_cancel,
    staff_host,
    staff_attendance,
]
