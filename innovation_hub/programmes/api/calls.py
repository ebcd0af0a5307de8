"""The calls of the support programme: anyone reads them, staff open and change them."""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar import Request, get, patch, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED
from msgspec.structs import asdict

from innovation_hub.core.auth import PUBLIC, STAFF
from innovation_hub.core.openapi import PathId
from innovation_hub.programmes import services
from innovation_hub.programmes.api.out import TAG, event_out, given, programme_out
from innovation_hub.programmes.catalogue import SUPPORT_TYPES
from innovation_hub.programmes.schemas import (
    EventIn,
    EventOut,
    ProgrammeIn,
    ProgrammeList,
    ProgrammeOut,
    ProgrammePatch,
    SupportTermIn,
)

Req = Request[Any, Any, Any]
get_public = partial(get, access=PUBLIC, security=[], tags=TAG)


def _terms(terms: list[SupportTermIn]) -> list[services.SupportTerm]:
    return [services.SupportTerm(t.type, t.cost_share_percent, t.cap_vnd) for t in terms]


@get_public(
    "/programmes",
    summary="Calls of the support programme: open, upcoming and past",
)
async def list_programmes() -> ProgrammeList:
    return ProgrammeList(items=[await programme_out(p) for p in await services.list_programmes()])


@get_public(
    "/programmes/{programme_id:int}",
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
        support_types=_terms(data.support_types),
        year=data.year,
        legal_basis=data.legal_basis,
        provincial_decision=data.provincial_decision,
        description=data.description,
        eligibility=data.eligibility,
        finance_basis=data.finance_basis,
        max_approvals_per_enterprise=data.max_approvals_per_enterprise,
        max_support_per_enterprise_vnd=data.max_support_per_enterprise_vnd,
        size_shares=data.size_shares.given() if data.size_shares is not None else None,
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
    changes = given(data, ProgrammePatch.__struct_fields__)
    if "support_types" in changes:
        changes["support_types"] = _terms(changes["support_types"])
    if "size_shares" in changes:
        changes["size_shares"] = changes["size_shares"].given()
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
    return event_out(await services.add_event(request.user, programme_id, **asdict(data)))
