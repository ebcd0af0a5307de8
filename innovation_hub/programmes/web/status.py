"""The enterprise's side once it has applied: its applications, the status page and what it
does from there (answer staff, report milestones and indicators, withdraw)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from innovation_hub.core.auth import ANY_USER
from innovation_hub.core.errors import HubError
from innovation_hub.core.forms import text
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.settings import Settings
from innovation_hub.core.uploads import StoredFile
from innovation_hub.core.web import FormBody, form_errors, form_flow, form_values, page
from innovation_hub.programmes import forms, services
from innovation_hub.programmes.tables import Application
from innovation_hub.programmes.web.enterprise import owned, with_upload
from innovation_hub.programmes.web.views import (
    ENTERPRISE,
    MAX_MB,
    MultipartBody,
    Page,
    Req,
    allowed,
    notice,
    shared_context,
    state_of,
    typed_values,
)
from innovation_hub.programmes.workflow import APPLICATIONS

OWNER = {"owner"}
NOTICES = {
    "submitted": lambda: _("Your application is submitted. The centre will check it and tell you."),
    "answered": lambda: _("Your answer is sent."),
    "reported": lambda: _("Your report is sent to the centre."),
    "indicators": lambda: _("Your indicators are recorded."),
    "withdrawn": lambda: _("Your application is withdrawn."),
}


async def status_page(
    request: Req,
    application: Application,
    refusal: HubError | None = None,
    *,
    section: str = "",
    form: dict[str, Any] | None = None,
) -> Template:
    """The status page; after a ``refusal`` of a form, that ``section`` shows its errors
    (422)."""
    context = await shared_context(application, everything=False)
    questions = [t["entry"].body for t in context["timeline"] if t["entry"].kind == "more_info"]
    context.update(
        state=state_of(application, applicant=True),
        explanation=APPLICATIONS.explain(application.status),
        notice=notice(NOTICES, request),
        question=questions[-1] if questions else "",
        errors={section: form_errors(refusal)} if refusal is not None else {},
        forms={section: form} if form is not None else {},
        allowed=allowed(application.status, OWNER),
        max_mb=MAX_MB,
    )
    status_code = 200 if refusal is None else 422
    return page(request, "programmes/status.html", context, status_code=status_code)


async def status_flow(
    request: Req,
    application: Application,
    section: str,
    form: dict[str, Any],
    attempt: Callable[[], Awaitable[Any]],
    done: str,
) -> Page:
    """A form of the status page: the change, or the page again with the section's errors."""
    refused = partial(status_page, request, application, section=section, form=form)
    path = f"/applications/{application.id}?done={done}"
    return await form_flow(request, attempt, done=path, refused=refused)


class ApplicantController(Controller):
    path = "/applications"
    opt = {"access": ANY_USER}

    @get("/", access=ENTERPRISE)
    async def my_applications(self, request: Req) -> Template:
        rows = await services.list_for(request.user)
        names = await services.programme_names({a.programme for a in rows})
        shown = [
            {
                "application": a,
                "programme_name": names.get(a.programme, ""),
                "state": state_of(a, applicant=True),
            }
            for a in rows
        ]
        return page(request, "programmes/mine.html", {"rows": shown})

    @get("/{application_id:int}")
    async def application_page(self, request: Req, application_id: FromPath[int]) -> Page:
        application = await services.get_application_for(request.user, application_id)
        viewer = services.viewer_kind(request.user, application)
        if viewer == "staff":
            return Redirect(path=f"/staff/applications/{application.id}", status_code=303)
        if viewer == "reviewer":
            return Redirect(path=f"/reviews/{application.id}", status_code=303)
        return await status_page(request, application)

    @post("/{application_id:int}/reply")
    async def reply(self, request: Req, application_id: FromPath[int], data: FormBody) -> Page:
        application = await owned(request, application_id)
        message = text(data.get("message"))
        return await status_flow(
            request,
            application,
            "reply",
            form_values(data),
            lambda: services.reply(request.user, application.id, message),
            "answered",
        )

    @get("/{application_id:int}/withdraw")
    async def withdraw_form(self, request: Req, application_id: FromPath[int]) -> Template:
        application = await owned(request, application_id)
        return await withdraw_page(request, application)

    @post("/{application_id:int}/withdraw")
    async def withdraw(self, request: Req, application_id: FromPath[int], data: FormBody) -> Page:
        application = await owned(request, application_id)
        reason = text(data.get("reason"))
        attempt = partial(services.withdraw, request.user, application.id, reason)
        done = f"/applications/{application.id}?done=withdrawn"
        refused = partial(withdraw_page, request, application, data)
        return await form_flow(request, attempt, done=done, refused=refused)

    @post("/{application_id:int}/milestones/{milestone_id:int}/report")
    async def report_milestone(
        self,
        request: Req,
        application_id: FromPath[int],
        milestone_id: FromPath[int],
        data: MultipartBody,
        settings: NamedDependency[Settings],
    ) -> Page:
        application = await owned(request, application_id)

        async def record(stored: StoredFile | None, filename: str) -> None:
            report = text(data.get("report"))
            await services.report_milestone(request.user, application.id, milestone_id, report)
            if stored is not None:
                await services.add_document(
                    request.user,
                    application.id,
                    kind="evidence",
                    filename=filename,
                    stored=stored,
                    milestone_id=milestone_id,
                )

        return await status_flow(
            request,
            application,
            f"milestone_{milestone_id}",
            typed_values(data),
            lambda: with_upload(settings, data, "evidence", record, optional=True),
            "reported",
        )

    @post("/{application_id:int}/indicators")
    async def report_indicators(
        self, request: Req, application_id: FromPath[int], data: FormBody
    ) -> Page:
        application = await owned(request, application_id)

        async def attempt() -> None:
            await services.report_indicators(request.user, application.id, forms.indicators(data))

        form = form_values(data)
        return await status_flow(request, application, "indicators", form, attempt, "indicators")


async def withdraw_page(
    request: Req,
    application: Application,
    data: dict[str, Any] | None = None,
    refusal: HubError | None = None,
) -> Template:
    """The withdraw form; after a ``refusal``, again with what was typed and the errors (422)."""
    programme = await services.get_programme(application.programme)
    errors = form_errors(refusal) if refusal is not None else {}
    form = form_values(data)
    context = {"application": application, "programme": programme, "errors": errors, "form": form}
    status_code = 200 if refusal is None else 422
    return page(request, "programmes/withdraw.html", context, status_code=status_code)
