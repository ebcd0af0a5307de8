"""The reviewer's pages: the applications assigned to them, and the review form. Staff may
review any application, from here or from the staff page."""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar import Controller, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from innovation_hub.core.auth import ANY_USER
from innovation_hub.core.errors import HubError, NotFound
from innovation_hub.core.forms import text
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.web import FormBody, form_errors, form_flow, form_values, page
from innovation_hub.programmes import forms, services
from innovation_hub.programmes.web.views import (
    Req,
    allowed,
    my_review_form,
    recommendations,
    shared_context,
    state_of,
)

REVIEWER = {"reviewer"}


async def save_review(user: Any, application_id: int, data: dict[str, Any]) -> None:
    application = await services.get_application_for(user, application_id)
    programme = await services.get_programme(application.programme)
    await services.submit_review(
        user,
        application_id,
        scores=forms.scores(data, programme),
        recommendation=text(data.get("recommendation")),
        comment=text(data.get("comment")),
    )


async def review_page(
    request: Req,
    application_id: int,
    data: dict[str, Any] | None = None,
    refusal: HubError | None = None,
) -> Template:
    """The review form; after a ``refusal``, again with what was typed and the errors (422)."""
    application = await services.get_application_for(request.user, application_id)
    if not (
        services.is_staff(request.user) or await services.is_assigned(request.user, application.id)
    ):
        raise NotFound(_("There is no such application."))
    context = await shared_context(application, everything=False)
    reviews = await services.reviews_of(application.id)
    done = request.query_params.get("done") == "reviewed"
    context.update(
        state=state_of(application),
        criteria=services.criteria_of(context["programme"]),
        recommendations=recommendations(),
        errors=form_errors(refusal) if refusal is not None else {},
        form=form_values(data) if refusal is not None else my_review_form(reviews, request.user.id),
        allowed=allowed(application.status, REVIEWER),
        notice=_("Your review is saved.") if done else "",
    )
    status_code = 200 if refusal is None else 422
    return page(request, "programmes/review.html", context, status_code=status_code)


class ReviewerController(Controller):
    path = "/reviews"
    opt = {"access": ANY_USER}

    @get("/")
    async def my_reviews(self, request: Req) -> Template:
        rows = await services.list_for(request.user, assigned_only=True)
        names = await services.programme_names({a.programme for a in rows})
        reviewed = set()
        for a in rows:
            if any(r.reviewer == request.user.id for r in await services.reviews_of(a.id)):
                reviewed.add(a.id)
        shown = [
            {
                "application": a,
                "programme_name": names.get(a.programme, ""),
                "state": state_of(a),
                "reviewed": a.id in reviewed,
            }
            for a in rows
        ]
        return page(request, "programmes/reviews.html", {"rows": shown})

    @get("/{application_id:int}")
    async def review_page(self, request: Req, application_id: FromPath[int]) -> Template:
        return await review_page(request, application_id)

    @post("/{application_id:int}")
    async def save_review(
        self, request: Req, application_id: FromPath[int], data: FormBody
    ) -> Template | Response[Any]:
        attempt = partial(save_review, request.user, application_id, data)
        done = f"/reviews/{application_id}?done=reviewed"
        refused = partial(review_page, request, application_id, data)
        return await form_flow(request, attempt, done=done, refused=refused)
