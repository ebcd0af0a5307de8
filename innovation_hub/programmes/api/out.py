"""The API's shared pieces: the operations on one application, and the programme's rows
as the API shows them (``core.rows.to_struct``: each Struct field
from the attribute of the same name, in local time; only what differs is named here)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import msgspec
from litestar import post
from litestar.handlers import HTTPRouteHandler
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from litestar.types import AnyCallable

from innovation_hub.accounts.tables import User
from innovation_hub.core.auth import Access
from innovation_hub.core.rows import local, to_struct, to_structs
from innovation_hub.core.taxcode import classify_tax_code
from innovation_hub.programmes import services
from innovation_hub.programmes.catalogue import SUPPORT_TYPES
from innovation_hub.programmes.schemas import (
    ApplicationOut,
    ApplicationSummary,
    DocumentOut,
    EventOut,
    IndicatorReportOut,
    ProgrammeOut,
    ReviewerOut,
    ReviewOut,
    SupportTermOut,
)
from innovation_hub.programmes.tables import Application, Programme, ProgrammeEvent, Review

TAG = ["programme"]


def on_application(
    path: str, access: Access, summary: str, *, status_code: int = HTTP_200_OK
) -> Callable[[AnyCallable], HTTPRouteHandler]:
    """An operation on one application: ``POST /applications/{application_id}<path>``. The
    handler's docstring, if it has one, is the operation's description."""

    def declare(handler: AnyCallable) -> HTTPRouteHandler:
        return post(
            f"/applications/{{application_id:int}}{path}",
            access=access,
            status_code=status_code,
            tags=TAG,
            summary=summary,
            description=" ".join(handler.__doc__.split()) if handler.__doc__ else None,
        )(handler)

    return declare


# An operation that adds to the application (a review, indicators, a milestone): 201.
adds_to_application = partial(on_application, status_code=HTTP_201_CREATED)


def given(data: msgspec.Struct, names: Iterable[str]) -> dict[str, Any]:
    """The fields of a request body that were sent (the others are UNSET)."""
    values = {name: getattr(data, name) for name in names}
    return {name: value for name, value in values.items() if value is not msgspec.UNSET}


def term_out(term: dict[str, Any]) -> SupportTermOut:
    known = SUPPORT_TYPES.get(term["type"])
    return to_struct(
        term,
        SupportTermOut,
        label_vi=known.label_vi if known else "",
        label_en=known.label_en if known else "",
    )


def event_out(event: ProgrammeEvent) -> EventOut:
    return to_struct(event, EventOut, start=event.start_at, end=event.end_at)


async def programme_out(programme: Programme, *, with_events: bool = False) -> ProgrammeOut:
    events = await services.events_of(programme.id) if with_events else []
    return to_struct(
        programme,
        ProgrammeOut,
        status=services.programme_status(programme),
        remaining_vnd=services.remaining_budget(programme),
        support_types=[term_out(t) for t in services.support_terms(programme)],
        criteria=services.criteria_of(programme),
        required_documents=services.documents_required(programme),
        events=[event_out(e) for e in events],
    )


def review_out(review: Review) -> ReviewOut:
    scores = review.scores
    if isinstance(scores, str):  # a JSON column reads as text
        scores = msgspec.json.decode(scores or "{}")
    # Built by hand: to_struct reads a dict as a row, so it cannot fill a dict field.
    return ReviewOut(
        id=review.id,
        reviewer_id=review.reviewer,
        scores=scores or {},
        average=review.average,
        recommendation=review.recommendation,  # type: ignore[arg-type]  # checked on entry
        comment=review.comment,
        updated_at=local(review.updated_at),
    )


async def application_out(application: Application, user: User) -> ApplicationOut:
    """The application as ``user`` may see it: staff see every review, an assigned reviewer
    their own, the enterprise neither (nor staff's internal notes)."""
    programme = await services.get_programme(application.programme)
    viewer = services.viewer_kind(user, application)
    limits = services.support_limits(programme, services.items_of(application))
    documents = await services.documents_of(application.id)
    reports = await services.indicator_reports_of(application.id)
    out = to_struct(
        application,
        ApplicationOut,
        programme_id=application.programme,
        tax_code_kind=classify_tax_code(application.tax_code),
        support_items=limits.items,
        max_support_vnd=limits.max_support_vnd,
        timeline=await services.timeline_of(application.id, everything=viewer != "applicant"),
        documents=[to_struct(d, DocumentOut, uploaded_at=d.created_at) for d in documents],
        milestones=await services.milestones_of(application.id),
        indicator_reports=[
            to_struct(r, IndicatorReportOut, reported_at=r.created_at) for r in reports
        ],
    )
    if viewer == "staff":
        reviews = await services.reviews_of(application.id)
        out.reviewers = to_structs(await services.reviewers_of(application.id), ReviewerOut)
        out.reviews = [review_out(r) for r in reviews]
        out.average_score = services.average_of(reviews)
    elif viewer == "reviewer":
        mine = [r for r in await services.reviews_of(application.id) if r.reviewer == user.id]
        out.my_review = review_out(mine[0]) if mine else None
    return out


async def current(user: User, application_id: int) -> ApplicationOut:
    """The application as it stands now, as ``user`` may see it."""
    return await application_out(await services.get_application_for(user, application_id), user)


async def summaries(rows: list[Application]) -> list[ApplicationSummary]:
    programmes = {i: await services.get_programme(i) for i in {a.programme for a in rows}}

    def summary(a: Application) -> ApplicationSummary:
        programme = programmes[a.programme]
        limits = services.support_limits(programme, services.items_of(a))
        return to_struct(
            a,
            ApplicationSummary,
            programme_id=a.programme,
            programme_name=programme.name,
            max_support_vnd=limits.max_support_vnd,
        )

    return [summary(a) for a in rows]
