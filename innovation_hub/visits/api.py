"""JSON API for research visits: public requests, the requester's view, staff decisions."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from innovation_hub.core.auth import ANY_USER, PUBLIC, STAFF
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.errors import FormInvalid, TooManyRequests, describe_problems
from innovation_hub.core.i18n import current_locale
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.openapi import PathId, query_one_of
from innovation_hub.core.ratelimit import RateLimiter
from innovation_hub.core.sessions import RATE_LIMIT_STORE
from innovation_hub.core.web import settings_of
from innovation_hub.visits import services
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
# What ``services.parse_status_filter`` takes (empty is all; anything else is 400 invalid_status).
STATUS_FILTERS = ("", *services.STATUSES, *services.STATUS_GROUPS)


def _problems(**descriptions: str) -> dict[int, ResponseSpec]:
    return {
        int(status.removeprefix("s")): ResponseSpec(
            data_container=VisitProblem,
            description=text,
            media_type="application/problem+json",
            generate_examples=False,
        )
        for status, text in descriptions.items()
    }


def rules_of(request: Req) -> services.VisitRules:
    """The app may carry its own rules (settings); the documented defaults otherwise."""
    rules: services.VisitRules = request.app.state.get("visit_rules", services.DEFAULT_RULES)
    return rules


def request_limiter(request: Req) -> RateLimiter:
    store = request.app.stores.get(RATE_LIMIT_STORE)
    return RateLimiter(store, limit=rules_of(request).requests_per_hour, window_seconds=3600)


def client_key(request: Req) -> str:
    return "visit-request:" + (request.client.host if request.client else "unknown")


async def check_rate(request: Req) -> None:
    if wait := await request_limiter(request).retry_after(client_key(request)):
        raise TooManyRequests(
            _("Too many requests from this address. Try again later."), retry_after=wait
        )


def _fields(visit: Visit) -> dict[str, Any]:
    def local(value: Any) -> Any:
        return value.astimezone(LOCAL_TZ) if value is not None else None

    return {
        "id": visit.id,
        "status": visit.status,
        "school_name": visit.school_name,
        "contact_name": visit.contact_name,
        "contact_email": visit.contact_email,
        "contact_phone": visit.contact_phone,
        "level": visit.level,
        "grade": visit.grade,
        "student_count": visit.student_count,
        "supervisor_count": visit.supervisor_count,
        "topic": visit.topic,
        "goals": visit.goals,
        "mentors_equipment": visit.mentors_equipment,
        "preferred_date": visit.preferred_date,
        "alternate_dates": services.alternate_dates(visit),
        "preferred_time": visit.preferred_time,
        "notes": visit.notes,
        "email_confirmed": visit.email_confirmed_at is not None,
        "start": local(visit.start_at),
        "end": local(visit.end_at),
        "resource_id": visit.resource,
        "booking_id": visit.booking,
        "host_id": visit.host,
        "attended_students": visit.attended_students,
        "attended_supervisors": visit.attended_supervisors,
        "feedback_rating": visit.feedback_rating,
        "feedback_text": visit.feedback_text,
        "created_at": local(visit.created_at),
        "updated_at": local(visit.updated_at),
    }


def visit_out(visit: Visit) -> VisitOut:
    return VisitOut(**_fields(visit))


async def visit_detail(visit: Visit) -> VisitDetail:
    messages = [
        VisitMessageOut(
            author=m.author,
            kind=m.kind,
            body=m.body,
            proposed_date=m.proposed_date,
            at=m.created_at.astimezone(LOCAL_TZ),
        )
        for m in await services.messages_of(visit.id)
    ]
    return VisitDetail(**_fields(visit), messages=messages)


@post(
    "/visits",
    access=PUBLIC,
    security=[],
    status_code=HTTP_201_CREATED,
    tags=["visits"],
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
async def create_visit(request: Req, data: JSONBody[VisitIn]) -> VisitCreated:
    await check_rate(request)
    new = services.NewVisit(
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
        locale=current_locale(),
    )
    visit, _token = await services.submit_request(
        new,
        rules=rules_of(request),
        base_url=settings_of(request).base_url,
        user=request.scope.get("user"),
    )
    await request_limiter(request).hit(client_key(request))
    return VisitCreated(id=visit.id, status=visit.status)


@get(
    "/visits",
    access=STAFF,
    tags=["visits"],
    summary="Staff: visits by status and day",
    description=(
        "`status` is one of requested, more_info, approved, declined, cancelled, completed, "
        "no_show, or a group: open (requested, more_info), active (open and approved), all "
        "(the default). `from`/`to` are local dates (both included) of the approved day, or of "
        "the preferred day while not approved."
    ),
)
async def list_visits(
    status: Annotated[str | None, query_one_of(STATUS_FILTERS)] = None,
    date_from: Annotated[date | None, QueryParameter(name="from")] = None,
    date_to: Annotated[date | None, QueryParameter(name="to")] = None,
) -> VisitList:
    visits = await services.list_visits(
        statuses=services.parse_status_filter(status), first=date_from, last=date_to
    )
    return VisitList(items=[visit_out(v) for v in visits])


@get(
    "/visits/{visit_id:int}",
    access=ANY_USER,
    tags=["visits"],
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


@post(
    "/visits/{visit_id:int}/decision",
    access=STAFF,
    status_code=200,
    tags=["visits"],
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
async def decide(request: Req, visit_id: PathId, data: JSONBody[DecisionIn]) -> VisitDetail:
    settings = settings_of(request)
    if data.decision == "approve":
        visit = await services.approve(
            request.user,
            visit_id,
            services.Approval(
                start=data.start,
                end=data.end,
                resource_id=data.resource_id,
                host_id=data.host_id,
                message=data.message,
            ),
            rules=rules_of(request),
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


@post(
    "/visits/{visit_id:int}/more-info",
    access=STAFF,
    status_code=200,
    tags=["visits"],
    summary="Staff: ask the teacher for more information, or propose another day",
)
async def more_info(request: Req, visit_id: PathId, data: JSONBody[MoreInfoIn]) -> VisitDetail:
    visit = await services.ask_more_info(
        request.user,
        visit_id,
        message=data.message,
        proposed_date=data.proposed_date,
        rules=rules_of(request),
        base_url=settings_of(request).base_url,
    )
    return await visit_detail(visit)


@post(
    "/visits/{visit_id:int}/host",
    access=STAFF,
    status_code=200,
    tags=["visits"],
    summary="Staff: name the member of staff who hosts the visit",
)
async def host(request: Req, visit_id: PathId, data: JSONBody[HostIn]) -> VisitDetail:
    return await visit_detail(await services.assign_host(request.user, visit_id, data.host_id))


@post(
    "/visits/{visit_id:int}/attendance",
    access=STAFF,
    status_code=200,
    tags=["visits"],
    summary="Staff: record who came (status completed), or that the group did not (no_show)",
)
async def attendance(request: Req, visit_id: PathId, data: JSONBody[AttendanceIn]) -> VisitDetail:
    visit = await services.record_attendance(
        request.user,
        visit_id,
        outcome=data.outcome,
        students=data.students,
        supervisors=data.supervisors,
        base_url=settings_of(request).base_url,
    )
    return await visit_detail(visit)


@post(
    "/visits/{visit_id:int}/cancel",
    access=ANY_USER,
    status_code=200,
    tags=["visits"],
    summary="Cancel a visit (staff, with a reason; or the requester) and free its room",
)
async def cancel(
    request: Req, visit_id: PathId, data: JSONBody[CancelIn | None] = None
) -> VisitDetail:
    visit = await services.cancel_for(
        request.user,
        visit_id,
        reason=data.reason if data else "",
        base_url=settings_of(request).base_url,
    )
    return await visit_detail(visit)


API_ROUTES = describe_problems(
    [create_visit, list_visits, get_visit, decide, more_info, host, attendance, cancel]
)
