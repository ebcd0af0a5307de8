"""The staff's pages: the queue of visits, one visit with its decisions (approve, ask for
more information, decline, cancel, name the host, record attendance)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import partial
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.response import Template

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services as bookings
from innovation_hub.core.auth import STAFF
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.errors import FormInvalid, HubError, RuleBroken
from innovation_hub.core.forms import parse_day, text
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.settings import Settings
from innovation_hub.core.web import FormBody, form_errors, form_flow, form_values, page
from innovation_hub.core.workflow import StateView
from innovation_hub.spaces import services as spaces
from innovation_hub.visits import forms, services
from innovation_hub.visits.provided import AppSettings, Rules
from innovation_hub.visits.services import VisitRules
from innovation_hub.visits.tables import Visit
from innovation_hub.visits.web.views import (
    STAFF_NOTICES,
    cancel_context,
    day_label,
    done_notice,
    hhmm,
    messages,
    status_view,
    summary,
)
from innovation_hub.visits.workflow import STATUSES, VISITS

Req = Request[Any, Any, Any]
Attempt = Callable[[], Awaitable[Any]]


# -- the queue ----------------------------------------------------------------------------


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
    state: StateView
    host: str
    group: str


def _row(visit: Visit, hosts: dict[int, str]) -> Row:
    if visit.start_at and visit.end_at:
        hours = f"{hhmm(visit.start_at)}–{hhmm(visit.end_at)}"
    else:
        hours = services.time_of_day_label(visit.preferred_time)
    return Row(
        visit=visit,
        day=day_label(services.visit_day(visit)),
        time=hours,
        state=status_view(visit.status, staff=True),
        host=hosts.get(visit.host, "") if visit.host else "",
        group=_(
            "%(students)s students, %(adults)s adults",
            students=visit.student_count,
            adults=visit.supervisor_count,
        ),
    )


def _queue_filters(params: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The queue's filters (statuses and days) and the errors of those not understood."""
    errors: dict[str, str] = {}
    chosen: dict[str, Any] = {}
    for name in ("from", "to"):
        chosen[name] = parse_day(params.get(name)) if params.get(name) else None
        if params.get(name) and chosen[name] is None:
            errors[name] = _("Choose a date.")
    chosen["status"] = params.get("status") or "active"
    try:
        chosen["statuses"] = services.parse_status_filter(chosen["status"])
    except HubError as exc:
        errors["status"] = exc.field_errors.get("status", exc.detail)
        chosen["statuses"], chosen["status"] = services.STATUS_GROUPS["active"], "active"
    return chosen, errors


# -- one visit ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FreeRoom:
    name: str
    capacity: int
    free: str


async def _free_rooms(visit: Visit, group: int) -> list[FreeRoom]:
    """A hint for choosing: rooms big enough and free on the day asked for."""
    start = datetime.combine(services.visit_day(visit), time(0), LOCAL_TZ)
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


def _forms(visit: Visit, user: User, given: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Each decision form's values: what staff typed, or else the usual choices."""
    afternoon = visit.preferred_time == "afternoon"
    defaults: dict[str, dict[str, Any]] = {
        "approve": {
            "date": services.visit_day(visit).isoformat(),
            "start": "13:30" if afternoon else "08:30",
            "end": "16:00" if afternoon else "11:00",
            "resource_id": "",
            "host_id": str(visit.host or user.id),
            "message": "",
        },
        "more_info": {},
        "decline": {},
        "host": {"host_id": str(visit.host or "")},
        "attendance": {
            "outcome": "completed",
            "students": str(visit.student_count),
            "supervisors": str(visit.supervisor_count),
        },
        "cancel": {},
    }
    return {name: given.get(name, values) for name, values in defaults.items()}


async def _room_options(group: int) -> list[tuple[int, str]]:
    return [
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
        for r in await services.list_rooms()
    ]


def _started(visit: Visit) -> bool | None:
    """Whether an approved visit has started (None: no time yet)."""
    return None if visit.start_at is None else visit.start_at <= utcnow()


async def _staff_page(
    request: Req,
    visit: Visit,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    forms_given: dict[str, dict[str, Any]] | None = None,
    notice: str = "",
    status: int = 200,
) -> Template:
    group = visit.student_count + visit.supervisor_count
    is_open = VISITS.can("approve", visit.status)
    approved, started = visit.status == "approved", _started(visit)
    context = {
        **await summary(visit),
        "state": status_view(visit.status, staff=True),
        "messages": await messages(visit, staff_view=True),
        "group": group,
        "room_options": await _room_options(group),
        "host_options": [(h.id, h.name) for h in await services.list_hosts()],
        "free_rooms": await _free_rooms(visit, group) if is_open else [],
        "errors": errors or {},
        "forms": _forms(visit, request.user, forms_given or {}),
        "can_decide": is_open,
        "can_cancel": approved and started is False,
        "can_decline": VISITS.can("decline", visit.status),
        "can_attend": approved and started is True,
        "can_host": approved,
        "email_confirmed": visit.email_confirmed_at is not None,
        "notice": notice,
    }
    return page(request, "visits/staff_detail.html", context, status_code=status)


async def _refused(
    request: Req, visit_id: int, form_name: str, data: dict[str, Any], exc: HubError
) -> Template:
    return await _staff_page(
        request,
        await services.get_visit(visit_id),
        errors={form_name: form_errors(exc)},
        forms_given={form_name: form_values(data)},
        status=exc.status_code,
    )


async def _decide(
    request: Req, visit_id: int, form_name: str, data: dict[str, Any], attempt: Attempt, done: str
) -> Response[Any] | Template:
    """The decision forms' one flow: try it, or the visit's page with the form's errors."""

    async def refused(exc: HubError) -> Template:
        return await _refused(request, visit_id, form_name, data, exc)

    return await form_flow(
        request, attempt, done=f"/staff/visits/{visit_id}?done={done}", refused=refused
    )


@dataclass(frozen=True)
class RuledDecisions:
    """The two decisions the visit rules check, with what they need from the running app."""

    rules: VisitRules
    settings: Settings

    @staticmethod
    def of(settings: AppSettings, visit_rules: Rules) -> RuledDecisions:
        return RuledDecisions(visit_rules, settings)

    async def approve(self, staff: User, visit_id: int, data: dict[str, Any]) -> None:
        await services.approve(
            staff,
            visit_id,
            forms.approval(data),
            rules=self.rules,
            base_url=self.settings.base_url,
            centre_name=self.settings.centre_name,
        )

    async def ask_more_info(self, staff: User, visit_id: int, data: dict[str, Any]) -> None:
        await services.ask_more_info(
            staff,
            visit_id,
            message=text(data.get("message")),
            proposed_date=forms.proposed_day(data),
            rules=self.rules,
            base_url=self.settings.base_url,
        )


Ruled = NamedDependency[RuledDecisions]  # the handlers' ``ruled`` parameter
Ruling = Callable[[User, int, dict[str, Any]], Awaitable[None]]


async def _ruled(
    request: Req, visit_id: int, data: dict[str, Any], ruling: Ruling, form_name: str, done: str
) -> Response[Any] | Template:
    attempt = partial(ruling, request.user, visit_id, data)
    return await _decide(request, visit_id, form_name, data, attempt, done)


async def _confirm_page(request: Req, visit: Visit, *, kind: str, message: str) -> Template:
    """The second step of a decline or a cancellation: the teacher reads the reason."""
    context = cancel_context(
        visit,
        staff=True,
        back=f"/staff/visits/{visit.id}",
        action=f"/staff/visits/{visit.id}/{kind}",
    )
    context.update(kind=kind, form={"reason": message})
    return page(request, "visits/cancel.html", {**await summary(visit), **context})


def _reason(message: str, name: str) -> None:
    if not message:
        raise FormInvalid({name: _("Tell the teacher why.")})


def _confirmed(data: dict[str, Any]) -> bool:
    return text(data.get("confirm")) == "yes"


class StaffVisitPages(Controller):
    path = "/staff/visits"
    opt = {"access": STAFF}
    dependencies = {"ruled": Provide(RuledDecisions.of, sync_to_thread=False)}

    @get("/", name="staff_visits")
    async def queue(self, request: Req) -> Template:
        params = request.query_params
        chosen, errors = _queue_filters(params)
        visits = await services.list_visits(
            statuses=chosen["statuses"], first=chosen["from"], last=chosen["to"]
        )
        hosts = {u.id: u.name for u in await services.list_hosts()}
        waiting = await services.list_visits(statuses=("requested",))
        filters = {
            "status": chosen["status"],
            "from": params.get("from", ""),
            "to": params.get("to", ""),
        }
        context = {
            "rows": [_row(v, hosts) for v in visits],
            "filters": filters,
            "errors": errors,
            "status_options": _status_options(),
            "waiting": len(waiting),
        }
        return page(request, "visits/staff_queue.html", context, status_code=422 if errors else 200)

    @get("/{visit_id:int}")
    async def staff_detail(self, request: Req, visit_id: FromPath[int]) -> Template:
        visit = await services.get_visit(visit_id)
        notice = done_notice(request, STAFF_NOTICES)
        return await _staff_page(request, visit, notice=notice)

    @post("/{visit_id:int}/approve")
    async def staff_approve(
        self, request: Req, visit_id: FromPath[int], data: FormBody, ruled: Ruled
    ) -> Response[Any] | Template:
        return await _ruled(request, visit_id, data, ruled.approve, "approve", "approved")

    @post("/{visit_id:int}/more-info")
    async def staff_more_info(
        self, request: Req, visit_id: FromPath[int], data: FormBody, ruled: Ruled
    ) -> Response[Any] | Template:
        return await _ruled(request, visit_id, data, ruled.ask_more_info, "more_info", "more_info")

    @post("/{visit_id:int}/decline")
    async def staff_decline(
        self, request: Req, visit_id: FromPath[int], data: FormBody, settings: AppSettings
    ) -> Response[Any] | Template:
        message = text(data.get("message")) or text(data.get("reason"))
        form = {"message": message}
        if message and not _confirmed(data):
            visit = await services.get_visit(visit_id)
            if VISITS.can("decline", visit.status):
                return await _confirm_page(request, visit, kind="decline", message=message)
            refusal = _("This visit has already been decided or has ended.")
            exc = RuleBroken(refusal, code="not_decidable")
            return await _refused(request, visit_id, "decline", form, exc)

        async def attempt() -> None:
            _reason(message, "message")
            await services.decline(
                request.user, visit_id, message=message, base_url=settings.base_url
            )

        return await _decide(request, visit_id, "decline", form, attempt, "declined")

    @post("/{visit_id:int}/cancel")
    async def staff_cancel(
        self, request: Req, visit_id: FromPath[int], data: FormBody, settings: AppSettings
    ) -> Response[Any] | Template:
        reason = text(data.get("reason"))
        if reason and not _confirmed(data):
            visit = await services.get_visit(visit_id)
            return await _confirm_page(request, visit, kind="cancel", message=reason)

        async def attempt() -> None:
            _reason(reason, "reason")
            await services.cancel_by_staff(
                request.user, visit_id, reason=reason, base_url=settings.base_url
            )

        return await _decide(request, visit_id, "cancel", {"reason": reason}, attempt, "cancelled")

    @post("/{visit_id:int}/host")
    async def staff_host(
        self, request: Req, visit_id: FromPath[int], data: FormBody
    ) -> Response[Any] | Template:
        async def attempt() -> None:
            await services.assign_host(request.user, visit_id, forms.host_id(data))

        return await _decide(request, visit_id, "host", data, attempt, "host")

    @post("/{visit_id:int}/attendance")
    async def staff_attendance(
        self, request: Req, visit_id: FromPath[int], data: FormBody, settings: AppSettings
    ) -> Response[Any] | Template:
        async def attempt() -> None:
            students, supervisors = forms.counts(data)
            await services.record_attendance(
                request.user,
                visit_id,
                outcome=text(data.get("outcome")),
                students=students,
                supervisors=supervisors,
                base_url=settings.base_url,
            )

        return await _decide(request, visit_id, "attendance", data, attempt, "attendance")
