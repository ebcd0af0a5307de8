"""The staff's side of the workflow: screening, reviewers, the decision, milestones,
acceptance and closing the file."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.params import JSONBody
from msgspec.structs import asdict

from innovation_hub.core.auth import STAFF
from innovation_hub.core.openapi import PathId
from innovation_hub.programmes import services
from innovation_hub.programmes.api.out import (
    adds_to_application,
    application_out,
    current,
    on_application,
)
from innovation_hub.programmes.schemas import (
    AcceptanceIn,
    ApplicationOut,
    CloseIn,
    DecisionIn,
    MessageIn,
    MilestoneIn,
    ReviewerIn,
    ScreeningIn,
)

Req = Request[Any, Any, Any]


@on_application(
    "/screening", STAFF, "Staff: screen (eligible → in_review, more_info, ineligible → rejected)"
)
async def screening(
    request: Req, application_id: PathId, data: JSONBody[ScreeningIn]
) -> ApplicationOut:
    application = await services.screen(request.user, application_id, data.result, data.note)
    return await application_out(application, request.user)


@on_application("/more-info", STAFF, "Staff: ask the enterprise for more information")
async def more_info(
    request: Req, application_id: PathId, data: JSONBody[MessageIn]
) -> ApplicationOut:
    application = await services.ask_more_info(request.user, application_id, data.message)
    return await application_out(application, request.user)


@on_application("/reviewers", STAFF, "Staff: assign a reviewer (by account id or email)")
async def assign(
    request: Req, application_id: PathId, data: JSONBody[ReviewerIn]
) -> ApplicationOut:
    """A reviewer who is not staff sees only the applications assigned to them. Enterprise
    accounts and the applicant cannot review (422 invalid_reviewer)."""
    application = await services.assign_reviewer(request.user, application_id, **asdict(data))
    return await application_out(application, request.user)


@on_application("/reviewers/{reviewer_id:int}/remove", STAFF, "Staff: remove a reviewer")
async def unassign(request: Req, application_id: PathId, reviewer_id: PathId) -> ApplicationOut:
    application = await services.unassign_reviewer(request.user, application_id, reviewer_id)
    return await application_out(application, request.user)


@on_application("/decision", STAFF, "Staff: approve (with an amount) or reject")
async def decision(
    request: Req, application_id: PathId, data: JSONBody[DecisionIn]
) -> ApplicationOut:
    """Needs a submitted application with at least one review (422 review_required). The amount
    defaults to Σ min(cost × cost share, cap); more is 422 amount_above_cost_share or
    amount_above_cap, and more than the call's remaining budget 422 budget_exceeded (`limit` and
    `limit_vnd` name the limit). A letter goes to the enterprise."""
    decision = services.Decision(**asdict(data))
    application = await services.decide(request.user, application_id, decision)
    return await application_out(application, request.user)


@adds_to_application(
    "/milestones", STAFF, "Staff: set a milestone (the first one starts implementation)"
)
async def add_milestone(
    request: Req, application_id: PathId, data: JSONBody[MilestoneIn]
) -> ApplicationOut:
    await services.add_milestone(request.user, application_id, **asdict(data))
    return await current(request.user, application_id)


@on_application("/milestones/{milestone_id:int}/confirm", STAFF, "Staff: confirm a milestone")
async def confirm_milestone(
    request: Req, application_id: PathId, milestone_id: PathId
) -> ApplicationOut:
    await services.confirm_milestone(request.user, application_id, milestone_id)
    return await current(request.user, application_id)


@on_application(
    "/acceptance",
    STAFF,
    "Staff: accept the results (nghiệm thu) and settle the amount",
)
async def acceptance(
    request: Req, application_id: PathId, data: JSONBody[AcceptanceIn]
) -> ApplicationOut:
    """Needs every milestone confirmed (422 milestones_open) and an indicator report (422
    indicators_missing); the amount settled is at most the amount approved, and what is not
    settled goes back to the call's budget."""
    application = await services.accept(request.user, application_id, **asdict(data))
    return await application_out(application, request.user)


@on_application(
    "/close", STAFF, "Staff: close the file (ending an approved project early needs a note)"
)
async def close(
    request: Req, application_id: PathId, data: JSONBody[CloseIn | None] = None
) -> ApplicationOut:
    application = await services.close(request.user, application_id, data.note if data else "")
    return await application_out(application, request.user)
