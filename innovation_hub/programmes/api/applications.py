"""The applications: the enterprise starts, completes, submits and follows up its own;
an assigned reviewer (or staff) scores one. Every rule lives in ``programmes.services``."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from litestar import Request, get, patch, post
from litestar.params import FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED
from msgspec.structs import asdict

from innovation_hub.core.auth import ANY_USER, allow
from innovation_hub.core.i18n import current_locale
from innovation_hub.core.openapi import PathId, QueryId, query_one_of
from innovation_hub.core.rows import to_struct
from innovation_hub.programmes import services
from innovation_hub.programmes.api.out import (
    TAG,
    adds_to_application,
    application_out,
    current,
    given,
    on_application,
    review_out,
    summaries,
)
from innovation_hub.programmes.schemas import (
    ApplicationCreated,
    ApplicationIn,
    ApplicationList,
    ApplicationOut,
    ApplicationPatch,
    IndicatorsIn,
    MessageIn,
    MilestoneReportIn,
    ReviewIn,
    ReviewOut,
    WithdrawIn,
)

Req = Request[Any, Any, Any]
# What ``services.parse_status_filter`` takes (empty is all; anything else: 422 invalid_status).
STATUS_FILTERS = ("", *services.STATUSES, *services.STATUS_GROUPS)
ENTERPRISE = allow("enterprise")
# Anyone signed in; the services decide which applications each caller sees.
get_signed_in = partial(get, access=ANY_USER, tags=TAG)
patch_signed_in = partial(patch, access=ANY_USER, tags=TAG)


def _changes(data: ApplicationIn | ApplicationPatch) -> dict[str, Any]:
    changes = given(data, services.APPLICATION_FIELDS)
    if "support_items" in changes:
        changes["support_items"] = [asdict(i) for i in changes["support_items"]]
    return changes


@post(
    "/programmes/{programme_id:int}/applications",
    access=ENTERPRISE,
    status_code=HTTP_201_CREATED,
    tags=TAG,
    summary="Enterprise: start an application (a draft)",
    description=(
        "422 invalid_tax_code for anything that is not a valid mã số thuế (an enterprise's 10 "
        "digits, a branch's 10-3, a household business's 12-digit personal number); 422 "
        "call_closed after the call closes; 409 application_exists when the account already "
        "applied."
    ),
)
async def create_application(
    request: Req, programme_id: PathId, data: JSONBody[ApplicationIn]
) -> ApplicationCreated:
    application = await services.create_application(
        request.user, programme_id, _changes(data), locale=current_locale()
    )
    return to_struct(application, ApplicationCreated)


@get_signed_in(
    "/applications",
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
    return ApplicationList(items=await summaries(rows))


@get_signed_in(
    "/applications/{application_id:int}",
    summary="One application (its enterprise, staff, or an assigned reviewer; others 404)",
    description="Reviews and their average are shown to staff only; a reviewer sees their own.",
)
async def get_application(request: Req, application_id: PathId) -> ApplicationOut:
    return await current(request.user, application_id)


@patch_signed_in(
    "/applications/{application_id:int}",
    summary="Enterprise: add detail to a draft (or while more information is asked)",
)
async def update_application(
    request: Req, application_id: PathId, data: JSONBody[ApplicationPatch]
) -> ApplicationOut:
    application = await services.update_application(request.user, application_id, _changes(data))
    return await application_out(application, request.user)


@on_application("/submit", ANY_USER, "Enterprise: submit the application")
async def submit(request: Req, application_id: PathId) -> ApplicationOut:
    """422 call_closed once the call has closed; 422 incomplete or invalid_tax_code when
    something is missing."""
    application = await services.submit_application(request.user, application_id)
    return await application_out(application, request.user)


@on_application("/reply", ANY_USER, "Enterprise: answer a request for more information")
async def reply(request: Req, application_id: PathId, data: JSONBody[MessageIn]) -> ApplicationOut:
    application = await services.reply(request.user, application_id, data.message)
    return await application_out(application, request.user)


@on_application(
    "/withdraw",
    ANY_USER,
    "Enterprise: withdraw the application (an approved amount goes back to the call)",
)
async def withdraw(
    request: Req, application_id: PathId, data: JSONBody[WithdrawIn | None] = None
) -> ApplicationOut:
    application = await services.withdraw(request.user, application_id, data.reason if data else "")
    return await application_out(application, request.user)


@adds_to_application(
    "/reviews", ANY_USER, "Staff or an assigned reviewer: score each criterion 0–5 (null for n/a)"
)
async def review(request: Req, application_id: PathId, data: JSONBody[ReviewIn]) -> ReviewOut:
    """A second review by the same person replaces the first."""
    saved = await services.submit_review(request.user, application_id, **asdict(data))
    return review_out(saved)


@on_application(
    "/milestones/{milestone_id:int}/report",
    ANY_USER,
    "Enterprise: report a milestone done (evidence PDFs are uploaded on the page)",
)
async def report_milestone(
    request: Req,
    application_id: PathId,
    milestone_id: PathId,
    data: JSONBody[MilestoneReportIn],
) -> ApplicationOut:
    await services.report_milestone(request.user, application_id, milestone_id, data.report)
    return await current(request.user, application_id)


@adds_to_application(
    "/indicators", ANY_USER, "Enterprise: report indicators before and after the support"
)
async def report_indicators(
    request: Req, application_id: PathId, data: JSONBody[IndicatorsIn]
) -> ApplicationOut:
    """`before` values default to the baseline given in the application."""
    await services.report_indicators(
        request.user, application_id, services.Indicators(**asdict(data))
    )
    return await current(request.user, application_id)
