"""JSON API for research visits: public requests, the requester's view, staff decisions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import partial
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED
from msgspec import structs

from innovation_hub.core.auth import ANY_USER, PUBLIC, STAFF
from innovation_hub.core.errors import FormInvalid, describe_problems, problem_spec
from innovation_hub.core.i18n import DEFAULT_LOCALE, accepted_locale, normalise_locale
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.openapi import PathId, query_one_of
from innovation_hub.core.rows import to_struct
from innovation_hub.core.web import client_ip
from innovation_hub.visits import services
from innovation_hub.visits.provided import AppSettings, RequestLimits, Rules
from innovation_hub.visits.schemas import (
    AttendanceIn,
    CancelIn,
    DecisionIn,
    HostIn,
    MoreInfoIn,
    VisitCreated,
    VisitDetail,
    VisitIn,
    VisitList,
    VisitMessageOut,
    VisitOut,
    VisitProblem,
)
from innovation_hub.visits.tables import Visit

Req = Request[Any, Any, Any]
TAGS = ["visits"]


def _problems(**descriptions: str) -> dict[int, ResponseSpec]:
    """The answers besides success, with the visit rules' ``codes`` member."""
    specs = {int(status.removeprefix("s")): text for status, text in descriptions.items()}
    return {
        status: replace(problem_spec(status, text), data_container=VisitProblem)
        for status, text in specs.items()
    }


staff_get = partial(get, access=STAFF, tags=TAGS)
member_get = partial(get, access=ANY_USER, tags=TAGS)
staff_post = partial(post, access=STAFF, status_code=200, tags=TAGS)


def _change(path: str, summary: str, *, access: frozenset[str] = STAFF) -> Any:
    """A POST that changes one visit and answers 200 with the visit."""
    return staff_post(path, access=access, summary=summary)


def _visit_fields(visit: Visit) -> dict[str, Any]:
    """The fields whose names or shapes differ from the row's."""
    return {
        "alternate_dates": services.alternate_dates(visit),
        "email_confirmed": visit.email_confirmed_at is not None,
        "start": visit.start_at,
        "end": visit.end_at,
        "resource_id": visit.resource,
        "booking_id": visit.booking,
        "host_id": visit.host,
    }


def visit_out(visit: Visit) -> VisitOut:
    return to_struct(visit, VisitOut, **_visit_fields(visit))


async def visit_detail(visit: Visit) -> VisitDetail:
    messages = [
        to_struct(m, VisitMessageOut, at=m.created_at) for m in await services.messages_of(visit.id)
    ]
    return to_struct(visit, VisitDetail, **_visit_fields(visit), messages=messages)


def _visit_locale(request: Req, data: VisitIn) -> str:
    """The language the requester reads: named in the request, else their page's or app's
    Accept-Language, else their account's; Vietnamese by default."""
    if data.locale and not normalise_locale(data.locale):
        raise FormInvalid({"locale": _("Choose one of the listed languages.")})
    user = request.scope.get("user")
    return (
        data.locale
        or accepted_locale(request.headers.get("accept-language"))
        or normalise_locale(getattr(user, "locale", None))
        or DEFAULT_LOCALE
    )


def _new_visit(data: VisitIn, locale: str) -> services.NewVisit:
    return services.NewVisit(
        school_name=data.school_name.strip(),
        contact_name=data.contact_name.strip(),
        contact_email=data.contact_email.strip(),
        contact_phone=data.contact_phone.strip(),
        grade=data.grade.strip(),
        student_count=data.student_count,
        supervisor_count=data.supervisor_count,
        topic=data.topic.strip(),
        preferred_date=data.preferred_date,
        alternate_dates=list(data.alternate_dates),
        consent=data.consent,
        level=data.level.strip() or "other",
        goals=data.goals.strip(),
        mentors_equipment=data.mentors_equipment.strip(),
        preferred_time=data.preferred_time.strip() or "any",
        notes=data.notes.strip(),
        locale=locale,
    )


@post(
    "/visits",
    access=PUBLIC,
    security=[],
    status_code=HTTP_201_CREATED,
    tags=TAGS,
    summary="Ask for a research visit (no account needed)",
    responses=_problems(
        s422="A visit rule refused the request; nothing was stored",
        s429="Too many requests from this address",
    ),
    description=(
        "Refused with 422 and a `code` naming the first broken rule (too_short_notice, "
        "not_enough_supervisors, too_many_students, too_few_students, consent_required, "
        "invalid_email, …); `errors` maps each field to its message and `codes` to its code."
    ),
)
async def create_visit(
    request: Req,
    data: JSONBody[VisitIn],
    settings: AppSettings,
    visit_rules: Rules,
    visit_request_limiter: RequestLimits,
) -> VisitCreated:
    await visit_request_limiter.check(client_ip(request))
    visit, _token = await services.submit_request(
        _new_visit(data, _visit_locale(request, data)),
        rules=visit_rules,
        base_url=settings.base_url,
        user=request.scope.get("user"),
    )
    await visit_request_limiter.hit(client_ip(request))
    return to_struct(visit, VisitCreated)


@staff_get(
    "/visits",
    summary="Staff: visits by status and day",
    description=(
        "`status` is one of requested, more_info, approved, declined, cancelled, completed, "
        "no_show, or a group: open (requested, more_info), active (open and approved), all "
        "(the default). `from`/`to` are local dates (both included) of the approved day, or of "
        "the preferred day while not approved."
    ),
)
async def list_visits(
    status: Annotated[str | None, query_one_of(services.STATUS_FILTERS)] = None,
    date_from: Annotated[date | None, QueryParameter(name="from")] = None,
    date_to: Annotated[date | None, QueryParameter(name="to")] = None,
) -> VisitList:
    visits = await services.list_visits(
        statuses=services.parse_status_filter(status), first=date_from, last=date_to
    )
    return VisitList(items=[visit_out(v) for v in visits])


@member_get(
    "/visits/{visit_id:int}",
    summary="One visit (staff, or the requester)",
    responses=_problems(s404="No such visit, or not the caller's"),
    description=(
        "The requester is the account that sent the request, or an account whose verified "
        "email is the contact email; an account whose address is not verified yet gets 404 "
        "like anyone else."
    ),
)
async def get_visit(request: Req, visit_id: PathId) -> VisitDetail:
    return await visit_detail(await services.get_visit_for(request.user, visit_id))


@staff_post(
    "/visits/{visit_id:int}/decision",
    summary="Staff: approve (with start, end and room) or decline a visit",
    responses=_problems(
        s404="No such visit",
        s409="slot_taken: the room is taken at that time; visit_changed: decided meanwhile",
        s422="A rule refused the decision (room_too_small, outside_visit_hours, …)",
    ),
    description=(
        "Approving reserves the room (a booking of kind visit) in the same transaction: a "
        "taken room answers 409 slot_taken and changes nothing. Declining frees the room."
    ),
)
async def decide(
    request: Req,
    visit_id: PathId,
    data: JSONBody[DecisionIn],
    settings: AppSettings,
    visit_rules: Rules,
) -> VisitDetail:
    if data.decision == "approve":
        approval = services.Approval(
            start=data.start,
            end=data.end,
            resource_id=data.resource_id,
            host_id=data.host_id,
            message=data.message,
        )
        visit = await services.approve(
            request.user,
            visit_id,
            approval,
            rules=visit_rules,
            base_url=settings.base_url,
            centre_name=settings.centre_name,
        )
    elif data.decision == "decline":
        visit = await services.decline(
            request.user, visit_id, message=data.message, base_url=settings.base_url
        )
    else:
        raise FormInvalid({"decision": _("Answer approve or decline.")}, code="invalid_decision")
    return await visit_detail(visit)


@_change(
    "/visits/{visit_id:int}/more-info",
    "Staff: ask the teacher for more information, or propose another day",
)
async def more_info(
    request: Req,
    visit_id: PathId,
    data: JSONBody[MoreInfoIn],
    settings: AppSettings,
    visit_rules: Rules,
) -> VisitDetail:
    asked = structs.asdict(data)  # message and proposed_date, as the service names them
    visit = await services.ask_more_info(
        request.user, visit_id, **asked, rules=visit_rules, base_url=settings.base_url
    )
    return await visit_detail(visit)


@_change(
    "/visits/{visit_id:int}/host",
    "Staff: name the member of staff who hosts the visit",
)
async def host(request: Req, visit_id: PathId, data: JSONBody[HostIn]) -> VisitDetail:
    return await visit_detail(await services.assign_host(request.user, visit_id, data.host_id))


@_change(
    "/visits/{visit_id:int}/attendance",
    "Staff: record who came (status completed), or that the group did not (no_show)",
)
async def attendance(
    request: Req, visit_id: PathId, data: JSONBody[AttendanceIn], settings: AppSettings
) -> VisitDetail:
    came = structs.asdict(data)  # outcome, students and supervisors, as the service names them
    visit = await services.record_attendance(
        request.user, visit_id, **came, base_url=settings.base_url
    )
    return await visit_detail(visit)


@_change(
    "/visits/{visit_id:int}/cancel",
    "Cancel a visit (staff, with a reason; or the requester) and free its room",
    access=ANY_USER,
)
async def cancel(
    request: Req, visit_id: PathId, settings: AppSettings, data: JSONBody[CancelIn | None] = None
) -> VisitDetail:
    reason = data.reason if data else ""
    visit = await services.cancel_for(
        request.user, visit_id, reason=reason, base_url=settings.base_url
    )
    return await visit_detail(visit)


API_ROUTES = describe_problems(
    [create_visit, list_visits, get_visit, decide, more_info, host, attendance, cancel]
)
