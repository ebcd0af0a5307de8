"""The public request form: a teacher asks for a visit, no account needed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Template

from innovation_hub.accounts.tables import User
from innovation_hub.core.auth import PUBLIC
from innovation_hub.core.clock import utcnow
from innovation_hub.core.errors import HubError, TooManyRequests
from innovation_hub.core.i18n import current_locale
from innovation_hub.core.web import (
    FormBody,
    client_ip,
    form_errors,
    form_flow,
    form_values,
    page,
)
from innovation_hub.visits import forms, services
from innovation_hub.visits.provided import AppSettings, RequestLimits, Rules
from innovation_hub.visits.services import VisitRules
from innovation_hub.visits.web.views import day_label

Req = Request[Any, Any, Any]


def _form_context(
    rules: VisitRules, form: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    today = services.today_local(utcnow())
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
    request: Req,
    rules: VisitRules,
    form: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Template:
    return page(
        request,
        "visits/request.html",
        _form_context(rules, form, errors),
        fragment="visits/_request_form.html",
        status_code=status,
    )


class RequestPages(Controller):
    path = "/visits"
    opt = {"access": PUBLIC}

    @get("/", name="visit_request")
    async def request_form(self, request: Req, visit_rules: Rules) -> Template:
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
        return _request_page(request, visit_rules, form, {})

    @post("/")
    async def submit(
        self,
        request: Req,
        data: FormBody,
        settings: AppSettings,
        visit_rules: Rules,
        visit_request_limiter: RequestLimits,
    ) -> Response[Any] | Template:
        values = form_values(data)
        try:
            await visit_request_limiter.check(client_ip(request))
        except TooManyRequests as exc:
            response = _request_page(request, visit_rules, values, {"_form": exc.detail}, 429)
            response.headers["retry-after"] = str(exc.retry_after)
            return response

        async def attempt() -> None:
            await services.submit_request(
                forms.new_visit(data, visit_rules, current_locale()),
                rules=visit_rules,
                base_url=settings.base_url,
                user=request.scope.get("user"),
            )
            await visit_request_limiter.hit(client_ip(request))

        async def refused(exc: HubError) -> Template:
            return _request_page(request, visit_rules, values, form_errors(exc), exc.status_code)

        return await form_flow(request, attempt, done="/visits/sent", refused=refused)

    @get("/sent")
    async def sent(self, request: Req, visit_rules: Rules) -> Template:
        return page(request, "visits/sent.html", {"rules": visit_rules})
