"""Staff pages for trademark guidance: the queue of cases and a case's actions (record a
step, assign, book or cancel a consultation)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from litestar import Controller, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from innovation_hub.core.auth import STAFF
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.errors import FormInvalid, HubError, NotFound
from innovation_hub.core.forms import Form, text
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.web import form_flow, go_to, page
from innovation_hub.trademarks import services, workflow
from innovation_hub.trademarks.web.case_page import case_page
from innovation_hub.trademarks.web.views import (
    AppSettings,
    Req,
    class_list,
    status_view,
    string_fields,
    when_text,
)
from innovation_hub.trademarks.workflow import TRADEMARKS


def _status_filter_options() -> list[tuple[str, str]]:
    return [
        ("open", _("Open cases")),
        ("closed", _("Closed cases")),
        ("all", _("All cases")),
        *[(s, TRADEMARKS.label(s)) for s in TRADEMARKS.statuses],
    ]


def _event(form: dict[str, str]) -> workflow.EventInput:
    """The step as staff chose it: ``type`` may carry the stage or the result after a colon."""
    reader = Form(form)
    day = reader.day("date", required=True, message=_("Enter the date of this step."))
    response_due = reader.day("response_due", message=_("Enter a date."))
    reader.check()
    assert day is not None
    kind, _sep, option = form.get("type", "").partition(":")
    return workflow.EventInput(
        type=kind,
        date=day,
        application_number=form.get("application_number", ""),
        certificate_number=form.get("certificate_number", ""),
        result=option if kind == "substantive_result" else "",
        stage=option if kind == "stage" else "",
        response_due=response_due,
        note=form.get("note", ""),
        opponent=form.get("opponent", ""),
    )


def _consultation(form: dict[str, str]) -> dict[str, Any]:
    """The consultation's room, times and staff member, read from the form."""
    reader = Form(form)
    day = reader.day("day", required=True, message=_("Enter the day."))
    start = reader.clock("start", required=True, message=_("Enter the start time."))
    end = reader.clock("end", required=True, message=_("Enter the end time."))
    resource_id = reader.id("resource_id", required=True, message=_("Choose a room."))
    staff_id = reader.id("staff_id")
    reader.check()
    assert day is not None and start is not None and end is not None
    return {
        "resource_id": resource_id,
        "start": datetime.combine(day, start, LOCAL_TZ),
        "end": datetime.combine(day, end, LOCAL_TZ),
        "staff_id": staff_id,
        "topic": form.get("topic", ""),
    }


async def _staff_flow(
    request: Req,
    case_id: int,
    form: dict[str, str],
    attempt: Callable[[], Awaitable[None]],
    *,
    done: str,
    field: str,
    whole: tuple[str, ...] = (),
) -> Response[Any] | Template:
    """Runs a staff form of the case page: back to the case with ``?done=`` once done, else the
    staff case page again with what was typed. A refusal that names no field, or names one of
    ``whole`` (errors about the form as a whole), goes beside ``field``."""

    async def refused(exc: HubError) -> Template:
        errors = exc.field_errors or {field: exc.detail}
        if any(name in errors for name in whole):
            errors = {field: exc.detail}
        return await case_page(
            request, case_id, staff=True, errors=errors, form=form, status_code=exc.status_code
        )

    return await form_flow(
        request, attempt, done=f"/staff/trademarks/{case_id}?done={done}", refused=refused
    )


class StaffTrademarks(Controller):
    """The queue and the case actions: staff and admins."""

    path = "/staff/trademarks"
    opt = {"access": STAFF}

    @get("/", name="trademark_queue")
    async def staff_queue(self, request: Req) -> Template:
        status = text(request.query_params.get("status")) or "open"
        assigned = text(request.query_params.get("assigned"))
        query = str(request.query_params.get("q") or "")[:100]
        rows = await services.list_cases(
            request.user,
            status=None if status == "all" else status,
            assigned=assigned or None,
            query=query,
        )
        soon = sum(1 for r in rows if r.next_deadline and r.next_deadline.days_left <= 14)
        return page(
            request,
            "trademarks/staff_queue.html",
            {
                "rows": [(r, status_view(r.case.status)) for r in rows],
                "filters": {"status": status, "assigned": assigned, "q": query},
                "status_options": _status_filter_options(),
                "assigned_options": [
                    ("", _("Anyone")),
                    ("me", _("Assigned to me")),
                    ("none", _("Not assigned")),
                ],
                "soon": soon,
                "when_text": when_text,
                "class_list": class_list,
            },
            fragment="trademarks/_staff_rows.html",
        )

    @get("/{case_id:int}", name="trademark_staff_case")
    async def staff_case(self, request: Req, case_id: FromPath[int]) -> Template:
        return await case_page(request, case_id, staff=True)

    @post("/{case_id:int}/events")
    async def staff_event(
        self, request: Req, case_id: FromPath[int], settings: AppSettings
    ) -> Response[Any] | Template:
        form = await string_fields(request)

        async def attempt() -> None:
            event = _event(form)
            await services.record_event(request.user, case_id, event, base_url=settings.base_url)

        return await _staff_flow(request, case_id, form, attempt, done="event", field="type")

    @post("/{case_id:int}/assign")
    async def staff_assign(self, request: Req, case_id: FromPath[int]) -> Response[Any] | Template:
        form = await string_fields(request)

        async def attempt() -> None:
            reader = Form(form)
            staff_id = reader.id("staff_id", required=True, message=_("Choose a member of staff."))
            reader.check()
            assert staff_id is not None
            await services.assign(request.user, case_id, staff_id)

        return await _staff_flow(request, case_id, form, attempt, done="assigned", field="staff_id")

    @post("/{case_id:int}/consultations")
    async def staff_consultation(
        self, request: Req, case_id: FromPath[int], settings: AppSettings
    ) -> Response[Any] | Template:
        form = await string_fields(request)

        async def attempt() -> None:
            values = _consultation(form)
            try:
                await services.book_consultation(
                    request.user, case_id, **values, base_url=settings.base_url
                )
            except NotFound as exc:
                if exc.code == "case_not_found":
                    raise
                raise FormInvalid({"resource_id": exc.detail}) from exc

        # The booking's own time and reason errors are about the consultation as a whole.
        return await _staff_flow(
            request,
            case_id,
            form,
            attempt,
            done="booked",
            field="consultation",
            whole=("end", "reason"),
        )

    @post("/{case_id:int}/consultations/{consultation_id:int}/cancel")
    async def staff_cancel_consultation(
        self, request: Req, case_id: FromPath[int], consultation_id: FromPath[int]
    ) -> Response[Any]:
        form = await string_fields(request)
        await services.cancel_consultation(
            request.user, case_id, consultation_id, reason=form.get("reason", "")
        )
        return go_to(request, f"/staff/trademarks/{case_id}?done=cancelled")
