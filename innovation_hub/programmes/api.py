"""JSON API of the support programme: calls, applications, the staff workflow and the
follow-up after approval. Every rule lives in ``programmes.services``."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, patch, post
from litestar.params import FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from innovation_hub.accounts.tables import User
from innovation_hub.core.auth import ANY_USER, PUBLIC, STAFF, allow
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.errors import describe_problems
from innovation_hub.core.i18n import current_locale
from innovation_hub.core.openapi import PathId, QueryId, query_one_of
from innovation_hub.programmes import services
from innovation_hub.programmes.catalogue import SUPPORT_TYPES
from innovation_hub.programmes.schemas import (
    UNSET,
    AcceptanceIn,
    ApplicationCreated,
    ApplicationIn,
    ApplicationList,
    ApplicationOut,
    ApplicationPatch,
    ApplicationSummary,
    CloseIn,
    CodeLabel,
    DecisionIn,
    DocumentOut,
    EventIn,
    EventOut,
    IndicatorReportOut,
    IndicatorsIn,
    MessageIn,
    MilestoneIn,
    MilestoneOut,
    MilestoneReportIn,
    ProgrammeIn,
    ProgrammeList,
    ProgrammeOut,
    ProgrammePatch,
    ReviewerIn,
    ReviewerOut,
    ReviewIn,
    ReviewOut,
    ScreeningIn,
    SupportItemOut,
    SupportTermOut,
    TimelineOut,
    WithdrawIn,
)
from innovation_hub.programmes.tables import Application, Programme, Review

Req = Request[Any, Any, Any]
# What ``services.parse_status_filter`` takes (empty is all; anything else: 422 invalid_status).
STATUS_FILTERS = ("", *services.STATUSES, *services.STATUS_GROUPS)
ENTERPRISE = allow("enterprise")
TAG = ["programme"]


def _local(value: Any) -> Any:
    return value.astimezone(LOCAL_TZ) if value is not None else None


async def programme_out(programme: Programme, *, with_events: bool = False) -> ProgrammeOut:
    terms = [
        SupportTermOut(
            type=t["type"],
            cost_share_percent=int(t["cost_share_percent"]),
            cap_vnd=int(t["cap_vnd"]),
            label_vi=SUPPORT_TYPES[t["type"]].label_vi if t["type"] in SUPPORT_TYPES else "",
            label_en=SUPPORT_TYPES[t["type"]].label_en if t["type"] in SUPPORT_TYPES else "",
        )
        for t in services.support_terms(programme)
    ]
    events = []
    if with_events:
        events = [
            EventOut(
                id=e.id,
                title=e.title,
                start=_local(e.start_at),
                end=_local(e.end_at),
                resource_id=e.resource_id,
                booking_id=e.booking_id,
            )
            for e in await services.events_of(programme.id)
        ]
    return ProgrammeOut(
        id=programme.id,
        name=programme.name,
        year=programme.year,
        opens_at=_local(programme.opens_at),
        closes_at=_local(programme.closes_at),
        status=services.programme_status(programme),
        budget_vnd=int(programme.budget_vnd),
        committed_vnd=int(programme.committed_vnd),
        remaining_vnd=services.remaining_budget(programme),
        support_types=terms,
        legal_basis=programme.legal_basis,
        provincial_decision=programme.provincial_decision,
        description=programme.description,
        eligibility=programme.eligibility,
        criteria=[CodeLabel(code=c.code, label=c.label) for c in services.criteria_of(programme)],
        required_documents=[
            CodeLabel(code=d.code, label=d.label) for d in services.documents_required(programme)
        ],
        events=events,
    )


def review_out(review: Review) -> ReviewOut:
    return ReviewOut(
        id=review.id,
        reviewer_id=review.reviewer,
        scores=dict(services._json(review.scores, {})),
        average=review.average,
        recommendation=review.recommendation,
        comment=review.comment,
        updated_at=_local(review.updated_at),
    )


async def application_out(application: Application, user: User) -> ApplicationOut:
    programme = await services.get_programme(application.programme)
    viewer = services.viewer_kind(user, application)
    limits = services.support_limits(programme, services.items_of(application))
    timeline = await services.timeline_of(application.id, everything=viewer != "applicant")
    out = ApplicationOut(
        id=application.id,
        programme_id=application.programme,
        status=application.status,
        enterprise_name=application.enterprise_name,
        tax_code=application.tax_code,
        size_class=application.size_class,
        sector=application.sector,
        main_products=application.main_products,
        address=application.address,
        contact_name=application.contact_name,
        contact_phone=application.contact_phone,
        employees=application.employees,
        consultant_name=application.consultant_name,
        consultant_contact=application.consultant_contact,
        output_per_worker_vnd=application.output_per_worker_vnd,
        defect_rate_percent=application.defect_rate_percent,
        certificates_held=application.certificates_held,
        plan=application.plan,
        support_items=[
            SupportItemOut(
                type=line.type,
                cost_vnd=line.cost_vnd,
                cost_share_percent=line.cost_share_percent,
                cap_vnd=line.cap_vnd,
                support_vnd=line.support_vnd,
            )
            for line in limits.items
        ],
        max_support_vnd=limits.max_support_vnd,
        screening_result=application.screening_result,
        approved_vnd=application.approved_vnd,
        conditions=application.conditions,
        settled_vnd=application.settled_vnd,
        submitted_at=_local(application.submitted_at),
        decided_at=_local(application.decided_at),
        accepted_at=_local(application.accepted_at),
        created_at=_local(application.created_at),
        updated_at=_local(application.updated_at),
        timeline=[
            TimelineOut(at=_local(t.at), kind=t.kind, status=t.status, body=t.body)
            for t in timeline
        ],
        documents=[
            DocumentOut(
                id=d.id,
                kind=d.kind,
                filename=d.filename,
                size=d.size,
                milestone_id=d.milestone_id,
                uploaded_at=_local(d.created_at),
            )
            for d in await services.documents_of(application.id)
        ],
        milestones=[
            MilestoneOut(
                id=m.id,
                title=m.title,
                description=m.description,
                due_on=m.due_on,
                status=m.status,
                report=m.report,
                reported_at=_local(m.reported_at),
                confirmed_at=_local(m.confirmed_at),
            )
            for m in await services.milestones_of(application.id)
        ],
        indicator_reports=[
            IndicatorReportOut(
                id=r.id,
                output_per_worker_before_vnd=r.output_per_worker_before_vnd,
                output_per_worker_after_vnd=r.output_per_worker_after_vnd,
                defect_rate_before_percent=r.defect_rate_before_percent,
                defect_rate_after_percent=r.defect_rate_after_percent,
                certificates_obtained=r.certificates_obtained,
                note=r.note,
                reported_at=_local(r.created_at),
            )
            for r in await services.indicator_reports_of(application.id)
        ],
    )
    if viewer == "staff":
        reviews = await services.reviews_of(application.id)
        out.reviewers = [
            ReviewerOut(id=u.id, name=u.name, email=u.email)
            for u in await services.reviewers_of(application.id)
        ]
        out.reviews = [review_out(r) for r in reviews]
        out.average_score = services.average_of(reviews)
    elif viewer == "reviewer":
        mine = [r for r in await services.reviews_of(application.id) if r.reviewer == user.id]
        out.my_review = review_out(mine[0]) if mine else None
    return out


def _changes(data: ApplicationIn | ApplicationPatch) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in services.APPLICATION_FIELDS:
        value = getattr(data, name)
        if value is UNSET:
            continue
        if name == "support_items":
            value = [{"type": i.type, "cost_vnd": i.cost_vnd} for i in value]
        changes[name] = value
    return changes


# -- calls --------------------------------------------------------------------------------


@get(
    "/programmes",
    access=PUBLIC,
    security=[],
    tags=TAG,
    summary="Calls of the support programme: open, upcoming and past",
)
async def list_programmes() -> ProgrammeList:
    return ProgrammeList(items=[await programme_out(p) for p in await services.list_programmes()])


@get(
    "/programmes/{programme_id:int}",
    access=PUBLIC,
    security=[],
    tags=TAG,
    summary="One call with its criteria, required documents and events",
)
async def get_programme(programme_id: PathId) -> ProgrammeOut:
    return await programme_out(await services.get_programme(programme_id), with_events=True)


@post(
    "/programmes",
    access=STAFF,
    status_code=HTTP_201_CREATED,
    tags=TAG,
    summary="Staff: open a call",
    description=(
        "`support_types[].type` is one of " + ", ".join(SUPPORT_TYPES) + ". Timestamps need an "
        "offset (400 otherwise). Without `criteria` or `required_documents` the built-in ones "
        "are used; without `legal_basis`, Decision 1322/QĐ-TTg."
    ),
)
async def create_programme(request: Req, data: JSONBody[ProgrammeIn]) -> ProgrammeOut:
    new = services.NewProgramme(
        name=data.name,
        opens_at=data.opens_at,
        closes_at=data.closes_at,
        budget_vnd=data.budget_vnd,
        support_types=[
            services.SupportTerm(t.type, t.cost_share_percent, t.cap_vnd)
            for t in data.support_types
        ],
        year=data.year,
        legal_basis=data.legal_basis,
        provincial_decision=data.provincial_decision,
        description=data.description,
        eligibility=data.eligibility,
        criteria=[(c.code, c.label) for c in data.criteria] if data.criteria is not None else None,
        required_documents=(
            [(d.code, d.label) for d in data.required_documents]
            if data.required_documents is not None
            else None
        ),
    )
    return await programme_out(await services.create_programme(request.user, new))


@patch(
    "/programmes/{programme_id:int}",
    access=STAFF,
    tags=TAG,
    summary="Staff: change a call (texts, dates, budget, support types)",
    description="The budget cannot go below the amounts already approved (422 "
    "budget_below_committed).",
)
async def update_programme(
    request: Req, programme_id: PathId, data: JSONBody[ProgrammePatch]
) -> ProgrammeOut:
    changes: dict[str, Any] = {}
    for name in ProgrammePatch.__struct_fields__:
        value = getattr(data, name)
        if value is UNSET:
            continue
        if name == "support_types":
            value = [services.SupportTerm(t.type, t.cost_share_percent, t.cap_vnd) for t in value]
        changes[name] = value
    programme = await services.update_programme(request.user, programme_id, changes)
    return await programme_out(programme, with_events=True)


@post(
    "/programmes/{programme_id:int}/events",
    access=STAFF,
    status_code=HTTP_201_CREATED,
    tags=TAG,
    summary="Staff: hold an information session or training (a public block of a space)",
    description="Appears in the public events feed; 409 slot_taken when the space is taken.",
)
async def add_event(request: Req, programme_id: PathId, data: JSONBody[EventIn]) -> EventOut:
    event = await services.add_event(
        request.user,
        programme_id,
        title=data.title,
        resource_id=data.resource_id,
        start=data.start,
        end=data.end,
    )
    return EventOut(
        id=event.id,
        title=event.title,
        start=_local(event.start_at),
        end=_local(event.end_at),
        resource_id=event.resource_id,
        booking_id=event.booking_id,
    )


# -- applications -------------------------------------------------------------------------


@post(
    "/programmes/{programme_id:int}/applications",
    access=ENTERPRISE,
    status_code=HTTP_201_CREATED,
    tags=TAG,
    summary="Enterprise: start an application (a draft)",
    description=(
        "422 invalid_tax_code for anything that is not a valid mã số thuế; 422 call_closed "
        "after the call closes; 409 application_exists when the account already applied."
    ),
)
async def create_application(
    request: Req, programme_id: PathId, data: JSONBody[ApplicationIn]
) -> ApplicationCreated:
    application = await services.create_application(
        request.user, programme_id, _changes(data), locale=current_locale()
    )
    return ApplicationCreated(id=application.id, status=application.status)


@get(
    "/applications",
    access=ANY_USER,
    tags=TAG,
    summary="Applications the caller may see",
    description=(
        "Staff: all (filter by `status` — a status or open, follow_up, done, all — and "
        "`programme_id`; `assigned=true` for their own reviews); an enterprise: its own; "
        "anyone else: the applications assigned to them for review."
    ),
)
async def list_applications(
    request: Req,
    status: Annotated[str | None, query_one_of(STATUS_FILTERS)] = None,
    programme_id: QueryId = None,
    assigned: FromQuery[bool] = False,
) -> ApplicationList:
    rows = await services.list_for(
        request.user,
        statuses=services.parse_status_filter(status),
        programme_id=programme_id,
        assigned_only=assigned,
    )
    names = await services.programme_names({a.programme for a in rows})
    items = []
    for a in rows:
        programme = await services.get_programme(a.programme)
        items.append(
            ApplicationSummary(
                id=a.id,
                programme_id=a.programme,
                programme_name=names.get(a.programme, ""),
                status=a.status,
                enterprise_name=a.enterprise_name,
                tax_code=a.tax_code,
                max_support_vnd=services.support_limits(
                    programme, services.items_of(a)
                ).max_support_vnd,
                approved_vnd=a.approved_vnd,
                submitted_at=_local(a.submitted_at),
                updated_at=_local(a.updated_at),
            )
        )
    return ApplicationList(items=items)


@get(
    "/applications/{application_id:int}",
    access=ANY_USER,
    tags=TAG,
    summary="One application (its enterprise, staff, or an assigned reviewer; others 404)",
    description="Reviews and their average are shown to staff only; a reviewer sees their own.",
)
async def get_application(request: Req, application_id: PathId) -> ApplicationOut:
    application = await services.get_application_for(request.user, application_id)
    return await application_out(application, request.user)


@patch(
    "/applications/{application_id:int}",
    access=ANY_USER,
    tags=TAG,
    summary="Enterprise: add detail to a draft (or while more information is asked)",
)
async def update_application(
    request: Req, application_id: PathId, data: JSONBody[ApplicationPatch]
) -> ApplicationOut:
    application = await services.update_application(request.user, application_id, _changes(data))
    return await application_out(application, request.user)


@post(
    "/applications/{application_id:int}/submit",
    access=ANY_USER,
    status_code=HTTP_200_OK,
    tags=TAG,
    summary="Enterprise: submit the application",
    description="422 call_closed once the call has closed; 422 incomplete or invalid_tax_code "
    "when something is missing.",
)
async def submit(request: Req, application_id: PathId) -> ApplicationOut:
    application = await services.submit_application(request.user, application_id)
    return await application_out(application, request.user)


@post(
    "/applications/{application_id:int}/reply",
    access=ANY_USER,
    status_code=HTTP_200_OK,
    tags=TAG,
    summary="Enterprise: answer a request for more information",
)
async def reply(request: Req, application_id: PathId, data: JSONBody[MessageIn]) -> ApplicationOut:
    application = await services.reply(request.user, application_id, data.message)
    return await application_out(application, request.user)


@post(
    "/applications/{application_id:int}/withdraw",
    access=ANY_USER,
    status_code=HTTP_200_OK,
    tags=TAG,
    summary="Enterprise: withdraw the application (an approved amount goes back to the call)",
)
async def withdraw(
    request: Req, application_id: PathId, data: JSONBody[WithdrawIn | None] = None
) -> ApplicationOut:
    application = await services.withdraw(request.user, application_id, data.reason if data else "")
    return await application_out(application, request.user)


# -- staff workflow -----------------------------------------------------------------------


@post(
    "/applications/{application_id:int}/screening",
    access=STAFF,
    status_code=HTTP_200_OK,
    tags=TAG,
    summary="Staff: screen (eligible → in_review, more_info, ineligible → rejected)",
)
async def screening(
    request: Req, application_id: PathId, data: JSONBody[ScreeningIn]
) -> ApplicationOut:
    application = await services.screen(request.user, application_id, data.result, data.note)
    return await application_out(application, request.user)


@post(
    "/applications/{application_id:int}/more-info",
    access=STAFF,
    status_code=HTTP_200_OK,
    tags=TAG,
    summary="Staff: ask the enterprise for more information",
)
async def more_info(
    request: Req, application_id: PathId, data: JSONBody[MessageIn]
) -> ApplicationOut:
    application = await services.ask_more_info(request.user, application_id, data.message)
    return await application_out(application, request.user)


@post(
    "/applications/{application_id:int}/reviewers",
    access=STAFF,
    status_code=HTTP_200_OK,
    tags=TAG,
    summary="Staff: assign a reviewer (by account id or email)",
    description="A reviewer who is not staff sees only the applications assigned to them. "
    "Enterprise accounts and the applicant cannot review (422 invalid_reviewer).",
)
async def assign(
    request: Req, application_id: PathId, data: JSONBody[ReviewerIn]
) -> ApplicationOut:
    application = await services.assign_reviewer(
        request.user, application_id, reviewer_id=data.reviewer_id, email=data.email
    )
    return await application_out(application, request.user)


@post(
    "/applications/{application_id:int}/reviewers/{reviewer_id:int}/remove",
    access=STAFF,
    status_code=HTTP_200_OK,
    tags=TAG,
    summary="Staff: remove a reviewer",
)
async def unassign(request: Req, application_id: PathId, reviewer_id: PathId) -> ApplicationOut:
    application = await services.unassign_reviewer(request.user, application_id, reviewer_id)
    return await application_out(application, request.user)


@post(
    "/applications/{application_id:int}/reviews",
    access=ANY_USER,
    status_code=HTTP_201_CREATED,
    tags=TAG,
    summary="Staff or an assigned reviewer: score each criterion 0–5 (null for n/a)",
    description="A second review by the same person replaces the first.",
)
async def review(request: Req, application_id: PathId, data: JSONBody[ReviewIn]) -> ReviewOut:
    saved = await services.submit_review(
        request.user,
        application_id,
        scores=dict(data.scores),
        recommendation=data.recommendation,
        comment=data.comment,
    )
    return review_out(saved)


@post(
    "/applications/{application_id:int}/decision",
    access=STAFF,
    status_code=HTTP_200_OK,
    tags=TAG,
    summary="Staff: approve (with an amount) or reject",
    description=(
        "Needs a submitted application with at least one review (422 review_required). The "
        "amount defaults to Σ min(cost × cost share, cap); more is 422 amount_above_cost_share "
        "or amount_above_cap, and more than the call's remaining budget 422 budget_exceeded "
        "(`limit` and `limit_vnd` name the limit). A letter goes to the enterprise."
    ),
)
async def decision(
    request: Req, application_id: PathId, data: JSONBody[DecisionIn]
) -> ApplicationOut:
    application = await services.decide(
        request.user,
        application_id,
        outcome=data.outcome,
        amount_vnd=data.amount_vnd,
        conditions=data.conditions,
        note=data.note,
    )
    return await application_out(application, request.user)


# -- after approval -----------------------------------------------------------------------


@post(
    "/applications/{application_id:int}/milestones",
    access=STAFF,
    status_code=HTTP_201_CREATED,
    tags=TAG,
    summary="Staff: set a milestone (the first one starts implementation)",
)
async def add_milestone(
    request: Req, application_id: PathId, data: JSONBody[MilestoneIn]
) -> ApplicationOut:
    await services.add_milestone(
        request.user,
        application_id,
        title=data.title,
        due_on=data.due_on,
        description=data.description,
    )
    application = await services.get_application_for(request.user, application_id)
    return await application_out(application, request.user)


@post(
    "/applications/{application_id:int}/milestones/{milestone_id:int}/report",
    access=ANY_USER,
    status_code=HTTP_200_OK,
    tags=TAG,
    summary="Enterprise: report a milestone done (evidence PDFs are uploaded on the page)",
)
async def report_milestone(
    request: Req,
    application_id: PathId,
    milestone_id: PathId,
    data: JSONBody[MilestoneReportIn],
) -> ApplicationOut:
    await services.report_milestone(request.user, application_id, milestone_id, data.report)
    application = await services.get_application_for(request.user, application_id)
    return await application_out(application, request.user)


@post(
    "/applications/{application_id:int}/milestones/{milestone_id:int}/confirm",
    access=STAFF,
    status_code=HTTP_200_OK,
    tags=TAG,
    summary="Staff: confirm a milestone",
)
async def confirm_milestone(
    request: Req, application_id: PathId, milestone_id: PathId
) -> ApplicationOut:
    await services.confirm_milestone(request.user, application_id, milestone_id)
    application = await services.get_application_for(request.user, application_id)
    return await application_out(application, request.user)


@post(
    "/applications/{application_id:int}/indicators",
    access=ANY_USER,
    status_code=HTTP_201_CREATED,
    tags=TAG,
    summary="Enterprise: report indicators before and after the support",
    description="`before` values default to the baseline given in the application.",
)
async def report_indicators(
    request: Req, application_id: PathId, data: JSONBody[IndicatorsIn]
) -> ApplicationOut:
    await services.report_indicators(
        request.user,
        application_id,
        services.Indicators(
            output_per_worker_before_vnd=data.output_per_worker_before_vnd,
            output_per_worker_after_vnd=data.output_per_worker_after_vnd,
            defect_rate_before_percent=data.defect_rate_before_percent,
            defect_rate_after_percent=data.defect_rate_after_percent,
            certificates_obtained=data.certificates_obtained,
            note=data.note,
        ),
    )
    application = await services.get_application_for(request.user, application_id)
    return await application_out(application, request.user)


@post(
    "/applications/{application_id:int}/acceptance",
    access=STAFF,
    status_code=HTTP_200_OK,
    tags=TAG,
    summary="Staff: accept the results (nghiệm thu) and settle the amount",
    description=(
        "Needs every milestone confirmed (422 milestones_open) and an indicator report (422 "
        "indicators_missing); the amount settled is at most the amount approved, and what is "
        "not settled goes back to the call's budget."
    ),
)
async def acceptance(
    request: Req, application_id: PathId, data: JSONBody[AcceptanceIn]
) -> ApplicationOut:
    application = await services.accept(
        request.user, application_id, settled_vnd=data.settled_vnd, note=data.note
    )
    return await application_out(application, request.user)


@post(
    "/applications/{application_id:int}/close",
    access=STAFF,
    status_code=HTTP_200_OK,
    tags=TAG,
    summary="Staff: close the file (ending an approved project early needs a note)",
)
async def close(
    request: Req, application_id: PathId, data: JSONBody[CloseIn | None] = None
) -> ApplicationOut:
    application = await services.close(request.user, application_id, data.note if data else "")
    return await application_out(application, request.user)


API_ROUTES = describe_problems(
    [
        list_programmes,
        get_programme,
        create_programme,
        update_programme,
        add_event,
        create_application,
        list_applications,
        get_application,
        update_application,
        submit,
        reply,
        withdraw,
        screening,
        more_info,
        assign,
        unassign,
        review,
        decision,
        add_milestone,
        report_milestone,
        confirm_milestone,
        report_indicators,
        acceptance,
        close,
    ]
)
