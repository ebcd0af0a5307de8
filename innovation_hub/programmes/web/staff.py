"""The staff's pages: the queue of applications, one application with every step of the
workflow (screening, reviewers, reviews, decision, milestones, acceptance, closing), and a
new call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from litestar import Controller, get, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.response import Template

from innovation_hub.core.auth import STAFF
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.errors import HubError
from innovation_hub.core.forms import parse_day, parse_id, text
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.web import FormBody, form_errors, form_flow, form_values, page
from innovation_hub.programmes import forms, services
from innovation_hub.programmes.catalogue import (
    SHARE_SIZES,
    SUPPORT_TYPES,
    decision_authority_label,
    group_label,
    size_class_label,
)
from innovation_hub.programmes.web.reviewer import REVIEWER, save_review
from innovation_hub.programmes.web.views import (
    Page,
    Req,
    allowed,
    call_state,
    choices,
    money_text,
    my_review_form,
    notice,
    recommendations,
    scores_of,
    shared_context,
    state_of,
    user_names,
)
from innovation_hub.programmes.workflow import APPLICATIONS

# The support types a new call offers ticked.
COMMON_TYPES = (
    "iso_9001",
    "iso_22000",
    "haccp",
    "vietgap",
    "5s",
    "kaizen",
    "barcode",
    "traceability",
)
STAFF_NOTICES = {
    "screened": lambda: _("The screening is recorded."),
    "asked": lambda: _("The request for more information is sent to the enterprise."),
    "assigned": lambda: _("The reviewer is assigned."),
    "unassigned": lambda: _("The reviewer is removed."),
    "reviewed": lambda: _("Your review is saved."),
    "decided": lambda: _("The decision is recorded and the letter is queued for the enterprise."),
    "milestone": lambda: _("The milestone is set."),
    "confirmed": lambda: _("The milestone is confirmed."),
    "accepted": lambda: _("The acceptance is recorded."),
    "closed": lambda: _("The application is closed."),
}


def status_filter_options() -> list[tuple[str, str]]:
    return [
        ("open", _("Waiting for the centre")),
        ("follow_up", _("Approved, being implemented")),
        ("done", _("Finished")),
        ("all", _("All")),
        *[(s, APPLICATIONS.label(s)) for s in APPLICATIONS.statuses],
    ]


async def reviews_context(application_id: int, user_id: int) -> dict[str, Any]:
    """The reviewers, the candidates to add, and every review with its reviewer's name."""
    reviewers = await services.reviewers_of(application_id)
    reviews = await services.reviews_of(application_id)
    names = {u.id: u.name for u in reviewers}
    names.update(await user_names(r.reviewer for r in reviews if r.reviewer not in names))
    candidates = [u for u in await services.reviewer_candidates() if u.id not in names]
    return {
        "reviewers": reviewers,
        "candidates": candidates,
        "reviews": [
            {
                "review": r,
                "who": names.get(r.reviewer or 0, ""),
                "scores": scores_of(r),
                "recommendation": services.recommendation_label(r.recommendation),
            }
            for r in reviews
        ],
        "average": services.average_of(reviews),
        "has_review": bool(reviews),
        "my_review_form": my_review_form(reviews, user_id),
    }


async def staff_page(
    request: Req,
    application_id: int,
    refusal: HubError | None = None,
    *,
    section: str = "",
    form: dict[str, Any] | None = None,
) -> Template:
    """The application with every step staff may take; after a ``refusal`` of a form, that
    ``section`` shows its errors (422; a conflict keeps its 409)."""
    application = await services.get_application_for(request.user, application_id)
    context = await shared_context(application, everything=True)
    programme = context["programme"]
    forms_shown = {
        "decision": {
            "outcome": "approved",
            "amount_vnd": money_text(context["limits"].max_support_vnd),
            "authority": "department",
        },
        "acceptance": {"settled_vnd": money_text(application.approved_vnd)},
    }
    if form is not None:
        forms_shown[section] = form
    context.update(
        await reviews_context(application.id, request.user.id),
        state=state_of(application),
        notice=notice(STAFF_NOTICES, request),
        errors={section: form_errors(refusal)} if refusal is not None else {},
        forms=forms_shown,
        # Staff may review any application, as an assigned reviewer does.
        allowed=allowed(application.status, {request.user.role, *REVIEWER}),
        criteria=services.criteria_of(programme),
        remaining=services.remaining_budget(programme),
        recommendations=recommendations(),
        screening_results=choices(services.SCREENING_RESULTS, services.screening_label),
        authorities=decision_authority_label.choices(),
    )
    status_code = 200 if refusal is None else refusal.status_code
    if status_code == 400:
        status_code = 422
    return page(request, "programmes/staff_detail.html", context, status_code=status_code)


async def staff_step(
    request: Req,
    application_id: int,
    section: str,
    data: dict[str, Any],
    attempt: Callable[[], Awaitable[Any]],
    done: str,
) -> Page:
    """One step of the workflow from the staff page: done, or the page again with the
    section's errors."""
    form = form_values(data)
    refused = partial(staff_page, request, application_id, section=section, form=form)
    path = f"/staff/applications/{application_id}?done={done}#{section}"
    return await form_flow(request, attempt, done=path, refused=refused)


Act = Callable[[Any, int, dict[str, Any]], Awaitable[Any]]
ItemAct = Callable[[Any, int, int], Awaitable[Any]]


def step(path: str, section: str, done: str, act: Act) -> HTTPRouteHandler:
    """The page handling a form of the staff page: ``act(user, application_id, form)``
    takes the step, ``section`` is where the form is, ``done`` the notice after it."""

    @post(f"/applications/{{application_id:int}}/{path}", name=f"programme_staff_{path}")
    async def take_step(
        self: Any, request: Req, application_id: FromPath[int], data: FormBody
    ) -> Page:
        attempt = partial(act, request.user, application_id, data)
        return await staff_step(request, application_id, section, data, attempt, done)

    return take_step


def item_step(section: str, item: str, verb: str, done: str, act: ItemAct) -> HTTPRouteHandler:
    """A button on one item of a section of the staff page (a reviewer, a milestone):
    ``POST …/<section>/{<item>}/<verb>`` does ``act(user, application_id, item_id)``."""

    @post(
        f"/applications/{{application_id:int}}/{section}/{{{item}:int}}/{verb}",
        name=f"programme_staff_{done}",
    )
    async def take_step(self: Any, request: Req, application_id: FromPath[int]) -> Page:
        attempt = partial(act, request.user, application_id, request.path_params[item])
        return await staff_step(request, application_id, section, {}, attempt, done)

    return take_step


async def screen(user: Any, application_id: int, data: dict[str, Any]) -> None:
    result, note = text(data.get("result")), text(data.get("note"))
    await services.screen(user, application_id, result, note)


async def ask_more_info(user: Any, application_id: int, data: dict[str, Any]) -> None:
    await services.ask_more_info(user, application_id, text(data.get("message")))


async def assign(user: Any, application_id: int, data: dict[str, Any]) -> None:
    reviewer_id, email = forms.reviewer(data)
    await services.assign_reviewer(user, application_id, reviewer_id=reviewer_id, email=email)


async def decide(user: Any, application_id: int, data: dict[str, Any]) -> None:
    await services.decide(user, application_id, forms.decision(data))


async def add_milestone(user: Any, application_id: int, data: dict[str, Any]) -> None:
    await services.add_milestone(
        user,
        application_id,
        title=text(data.get("title")),
        due_on=parse_day(data.get("due_on")),
        description=text(data.get("description")),
    )


async def accept(user: Any, application_id: int, data: dict[str, Any]) -> None:
    settled = forms.settled_amount(data)
    await services.accept(user, application_id, settled_vnd=settled, note=text(data.get("note")))


async def close(user: Any, application_id: int, data: dict[str, Any]) -> None:
    await services.close(user, application_id, text(data.get("note")))


def call_form_context(form: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    groups: dict[str, list[Any]] = {}
    for t in SUPPORT_TYPES.values():
        groups.setdefault(group_label(t.group), []).append(t)
    shares = [(size, size_class_label(size)) for size in SHARE_SIZES]
    return {"form": form, "errors": errors, "groups": groups, "share_sizes": shares}


def new_call_form() -> dict[str, Any]:
    """Today's call as a common provincial pattern: half the cost, up to 50 million đồng an
    item, for the usual support types."""
    today = utcnow().astimezone(LOCAL_TZ).date()
    form: dict[str, Any] = {
        "year": str(today.year),
        "opens_on": today.isoformat(),
        "opens_time": "08:00",
        "closes_time": "17:00",
    }
    for code in SUPPORT_TYPES:
        form[f"share_{code}"] = "50"
        form[f"cap_{code}"] = "50.000.000"
    for code in COMMON_TYPES:
        form[f"use_{code}"] = "on"
    return form


class StaffController(Controller):
    path = "/staff"
    opt = {"access": STAFF}

    @get("/programmes")
    async def staff_queue(self, request: Req) -> Template:
        status = request.query_params.get("status") or "open"
        try:
            statuses = services.parse_status_filter(status)
        except HubError:
            status, statuses = "open", services.STATUS_GROUPS["open"]
        programme_id = parse_id(request.query_params.get("programme_id"))
        rows = await services.list_for(request.user, statuses=statuses, programme_id=programme_id)
        programmes = await services.list_programmes()
        by_id = {p.id: p for p in programmes}

        def max_support(a: Any) -> int:
            programme = by_id.get(a.programme)
            if programme is None:
                return 0
            return services.limits_of(programme, a).max_support_vnd

        context = {
            "rows": [
                {
                    "application": a,
                    "programme": by_id.get(a.programme),
                    "state": state_of(a),
                    "max_support": max_support(a),
                }
                for a in rows
            ],
            "status": status,
            "status_options": status_filter_options(),
            "programme_id": programme_id,
            "calls": [
                {"programme": p, "state": call_state(p), "remaining": services.remaining_budget(p)}
                for p in programmes
            ],
        }
        return page(request, "programmes/staff_queue.html", context)

    @get("/applications/{application_id:int}")
    async def staff_application(self, request: Req, application_id: FromPath[int]) -> Template:
        return await staff_page(request, application_id)

    staff_screening = step("screening", "screening", "screened", screen)
    staff_more_info = step("more-info", "more_info", "asked", ask_more_info)
    staff_assign = step("reviewers", "reviewers", "assigned", assign)
    staff_review = step("review", "review", "reviewed", save_review)
    staff_decision = step("decision", "decision", "decided", decide)
    staff_milestone = step("milestones", "milestone", "milestone", add_milestone)
    staff_acceptance = step("acceptance", "acceptance", "accepted", accept)
    staff_close = step("close", "close", "closed", close)

    staff_unassign = item_step(
        "reviewers", "reviewer_id", "remove", "unassigned", services.unassign_reviewer
    )
    staff_confirm_milestone = item_step(
        "milestones", "milestone_id", "confirm", "confirmed", services.confirm_milestone
    )

    @get("/programmes/new")
    async def new_call(self, request: Req) -> Template:
        return page(
            request, "programmes/staff_new_call.html", call_form_context(new_call_form(), {})
        )

    @post("/programmes/new")
    async def create_call(self, request: Req, data: FormBody) -> Page:
        async def attempt() -> Any:
            return await services.create_programme(request.user, forms.new_programme(data))

        async def refused(exc: HubError) -> Template:
            shown = form_errors(exc)
            if "closes_at" in shown:
                shown["closes_on"] = shown.pop("closes_at")
            context = call_form_context(form_values(data), shown)
            return page(request, "programmes/staff_new_call.html", context, status_code=422)

        return await form_flow(
            request, attempt, done=lambda programme: f"/programmes/{programme.id}", refused=refused
        )
