"""The teacher's private pages, reached by the link in every email: the visit's status and
messages, a reply, a cancellation, feedback and the calendar file."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.response import Template

from innovation_hub.core.auth import PUBLIC
from innovation_hub.core.clock import utcnow
from innovation_hub.core.errors import HubError, NotFound
from innovation_hub.core.forms import text
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.web import FormBody, Refusal, form_flow, page
from innovation_hub.visits import forms, services
from innovation_hub.visits.provided import AppSettings, Rules
from innovation_hub.visits.tables import Visit
from innovation_hub.visits.web.views import (
    TEACHER_NOTICES,
    cancel_context,
    day_label,
    done_notice,
    messages,
    status_view,
    summary,
)
from innovation_hub.visits.workflow import VISITS

Req = Request[Any, Any, Any]
CALENDAR = "text/calendar"


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


def can_cancel(visit: Visit) -> bool:
    """Open requests, and approved visits that have not started yet."""
    if visit.status == "approved":
        return visit.start_at is not None and visit.start_at > utcnow()
    return VISITS.can("cancel", visit.status)


async def _teacher_page(
    request: Req,
    token: str,
    visit: Visit,
    *,
    again: Refusal | None = None,
    notice: str = "",
) -> Template:
    proposal = await services.latest_proposal(visit.id) if visit.status == "more_info" else None
    context = {
        **await summary(visit),
        "token": token,
        "base": f"/visits/status/{token}",
        "state": status_view(visit.status),
        "explanation": _explanation(visit),
        "messages": await messages(visit, staff_view=False),
        "proposal": proposal,
        "proposal_label": day_label(proposal) if proposal else "",
        "can_cancel": can_cancel(visit),
        "can_reply": VISITS.can("reply", visit.status),
        "can_feedback": visit.status == "completed",
        "has_ics": visit.start_at is not None and visit.status == "approved",
        "errors": again.errors if again else {},
        "form": again.form if again else {},
        "notice": notice,
    }
    return page(request, "visits/status.html", context, status_code=again.status if again else 200)


async def _cancel_page(
    request: Req, token: str, visit: Visit, exc: HubError | None = None, form: Any = None
) -> Template:
    base = f"/visits/status/{token}"
    context = {
        **await summary(visit),
        **cancel_context(visit, staff=False, back=base, action=f"{base}/cancel"),
        "base": base,
    }
    if exc is None:
        return page(request, "visits/cancel.html", context)
    context.update(errors=exc.field_errors, form=form, error="" if exc.field_errors else exc.detail)
    return page(request, "visits/cancel.html", context, status_code=exc.status_code)


def _refused_on_page(
    request: Req, token: str, data: dict[str, Any], general: str
) -> Callable[[HubError], Awaitable[Template]]:
    """The status page again, the errors beside the fields (or under ``general``)."""

    async def refused(exc: HubError) -> Template:
        visit = await services.visit_for_token(token)
        return await _teacher_page(request, token, visit, again=Refusal.of(exc, data, general))

    return refused


# Handlers below receive the visit the link's token opens, as ``visit``.
TokenVisit = NamedDependency[Visit]


async def _visit_of(token: FromPath[str]) -> Visit:
    return await services.visit_for_token(token)


class TeacherPages(Controller):
    """The link's token is the teacher's only key: each page finds its visit by it."""

    path = "/visits/status/{token:str}"
    opt = {"access": PUBLIC}
    dependencies = {"visit": Provide(_visit_of)}

    @get("/")
    async def teacher_page(self, request: Req, token: FromPath[str], visit: TokenVisit) -> Template:
        notice = done_notice(request, TEACHER_NOTICES)
        return await _teacher_page(request, token, visit, notice=notice)

    @get("/cancel")
    async def teacher_cancel_form(
        self, request: Req, token: FromPath[str], visit: TokenVisit
    ) -> Template:
        return await _cancel_page(request, token, visit)

    @post("/cancel")
    async def teacher_cancel(
        self, request: Req, token: FromPath[str], data: FormBody, settings: AppSettings
    ) -> Response[Any] | Template:
        async def attempt() -> None:
            reason = text(data.get("reason"))
            await services.cancel_by_teacher(token, reason=reason, base_url=settings.base_url)

        async def refused(exc: HubError) -> Template:
            visit = await services.visit_for_token(token)
            return await _cancel_page(request, token, visit, exc, data)

        done = f"/visits/status/{token}?done=cancelled"
        return await form_flow(request, attempt, done=done, refused=refused)

    @post("/reply")
    async def teacher_reply(
        self, request: Req, token: FromPath[str], data: FormBody, visit_rules: Rules
    ) -> Response[Any] | Template:
        async def attempt() -> None:
            await services.reply(
                token,
                message=text(data.get("message")),
                accept_proposal=text(data.get("accept")) == "yes",
                rules=visit_rules,
            )

        refused = _refused_on_page(request, token, data, "_reply")
        done = f"/visits/status/{token}?done=replied"
        return await form_flow(request, attempt, done=done, refused=refused)

    @post("/feedback")
    async def teacher_feedback(
        self, request: Req, token: FromPath[str], data: FormBody
    ) -> Response[Any] | Template:
        async def attempt() -> None:
            rating = forms.rating(data)
            await services.leave_feedback(token, rating=rating, text=text(data.get("feedback")))

        refused = _refused_on_page(request, token, data, "feedback")
        done = f"/visits/status/{token}?done=feedback"
        return await form_flow(request, attempt, done=done, refused=refused)

    @get("/visit.ics")
    async def teacher_ics(self, visit: TokenVisit, settings: AppSettings) -> Response[bytes]:
        if visit.start_at is None:
            raise NotFound(_("This visit has no time yet."), code="visit_not_scheduled")
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
