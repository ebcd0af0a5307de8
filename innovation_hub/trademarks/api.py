"""JSON API for trademark guidance: Nice classes, the fee estimator, cases and their timeline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from innovation_hub.core.auth import ANY_USER, PUBLIC, STAFF, allow
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.errors import describe_problems
from innovation_hub.core.openapi import PathId
from innovation_hub.core.web import settings_of
from innovation_hub.trademarks import config, services, workflow
from innovation_hub.trademarks.schemas import (
    AssignIn,
    CaseCreated,
    CaseIn,
    CaseList,
    CaseOut,
    CaseSummary,
    ChecklistFileOut,
    ChecklistIn,
    ChecklistItemOut,
    ClassesIn,
    ClassIn,
    ConsultationIn,
    ConsultationOut,
    DeadlineOut,
    EventIn,
    EventOut,
    FeeEstimateIn,
    FeeEstimateOut,
    FeeLineOut,
    FileOut,
    NiceClassList,
    NiceClassOut,
    StaffOut,
    TimelineOut,
)

Req = Request[Any, Any, Any]
CASE_ROLES = allow(*services.CASE_ROLES)
TAGS = ["trademarks"]


def estimate_out(estimate: config.Estimate) -> FeeEstimateOut:
    return FeeEstimateOut(
        total_vnd=estimate.total_vnd,
        lines=[
            FeeLineOut(
                code=line.code,
                label=line.label,
                legal_basis=line.legal_basis,
                quantity=line.quantity,
                unit_vnd=line.unit_vnd,
                amount_vnd=line.amount_vnd,
                per=line.per,
                stage=line.stage,
            )
            for line in estimate.lines
        ],
        fee_table=estimate.version,
        valid_from=estimate.valid_from,
        legal_basis=estimate.legal_basis,
        class_items=estimate.class_items,
    )


def deadline_out(d: services.DeadlineView) -> DeadlineOut:
    return DeadlineOut(name=d.name, due=d.due, label=d.label, legal_basis=d.basis, party=d.party)


def case_out(view: services.CaseView) -> CaseOut:
    case = view.case

    def local(value: Any) -> Any:
        return value.astimezone(LOCAL_TZ) if value is not None else None

    return CaseOut(
        id=case.id,
        status=case.status,
        status_label=workflow.TRADEMARKS.label(case.status),
        mark_name=case.mark_name,
        mark_type=case.mark_type,
        mark_description=case.mark_description,
        organisation_name=case.organisation_name,
        organisation_kind=case.organisation_kind,
        owner_id=case.owner,
        assigned_staff=StaffOut(id=view.staff.id, name=view.staff.name) if view.staff else None,
        classes=[ClassIn(number=c.number, items=c.items) for c in view.classes],
        notes=case.notes,
        through_representative=case.through_representative,
        priority_claimed=case.priority_claimed,
        has_image=view.image is not None,
        application_number=case.application_number,
        filing_date=case.filing_date,
        certificate_number=case.certificate_number,
        grant_date=case.grant_date,
        expiry_date=view.expiry,
        deadlines=[deadline_out(d) for d in view.deadlines],
        fee_estimate=estimate_out(view.estimate),
        checklist=[
            ChecklistItemOut(
                code=row.code,
                label=row.label,
                state=row.state,
                required=row.required,
                files=[
                    ChecklistFileOut(
                        id=f.id,
                        name=f.name,
                        content_type=f.content_type,
                        size=f.size,
                        uploaded_at=local(f.uploaded_at),
                    )
                    for f in row.files
                ],
            )
            for row in view.checklist
        ],
        consultations=[
            ConsultationOut(
                id=c.id,
                booking_id=c.booking_id,
                start=local(c.start),
                end=local(c.end),
                status=c.status,
                place=c.resource_name,
                staff_name=c.staff_name,
                topic=c.topic,
            )
            for c in view.consultations
        ],
        events=[
            EventOut(
                type=e["event_type"],
                date=e["event_date"],
                detail=e["detail"] or {},
                status_before=e["status_before"],
                status_after=e["status_after"],
                recorded_at=local(e["recorded_at"]),
            )
            for e in view.events
        ],
        timeline=[
            TimelineOut(at=local(t.at), action=t.action, by=t.actor_name, detail=t.detail)
            for t in view.timeline
        ],
        created_at=local(case.created_at),
        updated_at=local(case.updated_at),
    )


async def case_detail(user: Any, case_id: int) -> CaseOut:
    return case_out(await services.case_view(await services.get_case_for(user, case_id)))


@get(
    "/nice-classes",
    access=PUBLIC,
    security=[],
    tags=TAGS,
    summary="The 45 Nice classes (1–34 goods, 35–45 services) with their edition",
)
async def nice_classes() -> NiceClassList:
    data = config.nice()
    return NiceClassList(
        edition=data.edition,
        items=[
            NiceClassOut(number=c.number, kind=c.kind, title_vi=c.title_vi, title_en=c.title_en)
            for c in data.classes
        ],
    )


@post(
    "/trademarks/fee-estimate",
    access=PUBLIC,
    security=[],
    status_code=HTTP_200_OK,
    tags=TAGS,
    summary="Estimate the official fees for a trademark application",
    description=(
        "Uses the fee table in force today (dated data, Circular 263/2016/TT-BTC). Each line has "
        "amount_vnd = quantity × unit_vnd; per-class fees have the number of classes as their "
        "quantity; items beyond the sixth in a class are charged on their own lines. An empty "
        "list (no_classes), a class outside 1–45 (invalid_class), a repeated class "
        "(duplicate_class) or a negative count (invalid_item_count) is 422."
    ),
)
async def fee_estimate(data: JSONBody[FeeEstimateIn]) -> FeeEstimateOut:
    counts = [config.ClassCount(number=c.number, items=c.items) for c in data.classes]
    table = config.fee_table_on(services.today_local())
    return estimate_out(config.estimate(counts, table))


@post(
    "/trademark-cases",
    access=CASE_ROLES,
    status_code=HTTP_201_CREATED,
    tags=TAGS,
    summary="Open a trademark guidance case (startups, enterprises; staff for an organisation)",
    description=(
        "Starts in status intake, with the fee estimate of the table in force today. Staff may "
        "give `member_email` to attach the case to a startup or enterprise account; without it "
        "only staff see the case. Refused with 422 and a code: mark_name_required, "
        "invalid_mark_type, organisation_required, no_classes, invalid_class, duplicate_class, "
        "member_not_found."
    ),
)
async def create_case(request: Req, data: JSONBody[CaseIn]) -> CaseCreated:
    case = await services.create_case(
        request.user,
        services.NewCase(
            mark_name=data.mark_name,
            mark_type=data.mark_type.strip(),
            classes=[services.ClassEntry(c.number, list(c.items)) for c in data.classes],
            organisation_name=data.organisation_name,
            notes=data.notes,
            mark_description=data.mark_description,
            organisation_kind=data.organisation_kind,
            through_representative=data.through_representative,
            priority_claimed=data.priority_claimed,
            member_email=data.member_email,
        ),
    )
    return CaseCreated(id=case.id, status=case.status)


@get(
    "/trademark-cases",
    access=CASE_ROLES,
    tags=TAGS,
    summary="Trademark cases: a member's own; staff see every case",
    description=(
        "Staff filters: `status` (a state, or open / closed), `assigned` (me, none), `q` (words "
        "of the mark, organisation or application number). Nearest deadline first."
    ),
)
async def list_cases(
    request: Req,
    status: FromQuery[str | None] = None,
    assigned: FromQuery[str | None] = None,
    q: FromQuery[str | None] = None,
) -> CaseList:
    rows = await services.list_cases(request.user, status=status, assigned=assigned, query=q)
    return CaseList(
        items=[
            CaseSummary(
                id=r.case.id,
                status=r.case.status,
                mark_name=r.case.mark_name,
                mark_type=r.case.mark_type,
                organisation_name=r.case.organisation_name,
                classes=[c.number for c in services.case_classes(r.case)],
                next_deadline=deadline_out(r.next_deadline) if r.next_deadline else None,
                assigned_staff_name=r.staff_name,
                application_number=r.case.application_number,
                created_at=r.case.created_at.astimezone(LOCAL_TZ),
            )
            for r in rows
        ]
    )


@get(
    "/trademark-cases/{case_id:int}",
    access=ANY_USER,
    tags=TAGS,
    summary="One case with its status, deadlines, fee estimate, checklist and timeline",
    description="Another organisation's case is 404.",
)
async def get_case(request: Req, case_id: PathId) -> CaseOut:
    return await case_detail(request.user, case_id)


@post(
    "/trademark-cases/{case_id:int}/events",
    access=STAFF,
    status_code=HTTP_200_OK,
    tags=TAGS,
    summary="Staff: record a step of the timeline; answers the new status and deadlines",
    description=(
        "Types: stage (with `stage` consultation | classification | dossier), guidance_only, "
        "filed (with `application_number`), defect_notice, formality_accepted, published, "
        "office_action, substantive_result (with `result` favourable | objection), response, "
        "granted (with `certificate_number`), refused, withdrawn. `date` is the local date of the "
        "step; `response_due` may give the answer date a notice states. Deadlines follow from "
        "the dated configuration (calendar months, clamped to the month's end). A step that "
        "cannot follow the current status is 422 invalid_transition."
    ),
)
async def record_event(request: Req, case_id: PathId, data: JSONBody[EventIn]) -> CaseOut:
    await services.record_event(
        request.user,
        case_id,
        workflow.EventInput(
            type=data.type,
            date=data.date,
            application_number=data.application_number,
            certificate_number=data.certificate_number,
            result=data.result,
            stage=data.stage,
            response_due=data.response_due,
            note=data.note,
        ),
        base_url=settings_of(request).base_url,
    )
    return await case_detail(request.user, case_id)


@post(
    "/trademark-cases/{case_id:int}/assign",
    access=STAFF,
    status_code=HTTP_200_OK,
    tags=TAGS,
    summary="Staff: assign the case to a member of staff",
)
async def assign(request: Req, case_id: PathId, data: JSONBody[AssignIn]) -> CaseOut:
    await services.assign(request.user, case_id, data.staff_id)
    return await case_detail(request.user, case_id)


@post(
    "/trademark-cases/{case_id:int}/consultations",
    access=STAFF,
    status_code=HTTP_201_CREATED,
    tags=TAGS,
    summary="Staff: book a consultation on the staff member's calendar",
    description=(
        "Reserves the room as a booking of kind consultation held by the staff member (it shows "
        "in their staff feed). A room taken at that time is 409 slot_taken."
    ),
)
async def book_consultation(
    request: Req, case_id: PathId, data: JSONBody[ConsultationIn]
) -> CaseOut:
    await services.book_consultation(
        request.user,
        case_id,
        resource_id=data.resource_id,
        start=data.start,
        end=data.end,
        staff_id=data.staff_id,
        topic=data.topic,
        base_url=settings_of(request).base_url,
    )
    return await case_detail(request.user, case_id)


@post(
    "/trademark-cases/{case_id:int}/classes",
    access=CASE_ROLES,
    status_code=HTTP_200_OK,
    tags=TAGS,
    summary="Change the goods and services (until the application is filed)",
)
async def update_classes(request: Req, case_id: PathId, data: JSONBody[ClassesIn]) -> CaseOut:
    await services.update_classes(
        request.user, case_id, [services.ClassEntry(c.number, list(c.items)) for c in data.classes]
    )
    return await case_detail(request.user, case_id)


@post(
    "/trademark-cases/{case_id:int}/checklist/{code:str}",
    access=CASE_ROLES,
    status_code=HTTP_200_OK,
    tags=TAGS,
    summary="Set a dossier checklist item to missing, draft or ready",
)
async def set_checklist(
    request: Req, case_id: PathId, code: FromPath[str], data: JSONBody[ChecklistIn]
) -> CaseOut:
    await services.set_checklist_state(request.user, case_id, code, data.state, note=data.note)
    return await case_detail(request.user, case_id)


@dataclass
class ImageForm:
    image: UploadFile


@dataclass
class DossierFileForm:
    file: UploadFile


Multipart = Body(media_type=RequestEncodingType.MULTI_PART)


@post(
    "/trademark-cases/{case_id:int}/image",
    access=CASE_ROLES,
    status_code=HTTP_201_CREATED,
    tags=TAGS,
    summary="Upload the mark's sample image (multipart field `image`)",
    description=(
        "A PNG or JPEG of at most 2 MB, checked by content, not by name: anything else is 422 "
        "file_type or file_too_large."
    ),
)
async def upload_image(
    request: Req, case_id: PathId, data: Annotated[ImageForm, Multipart]
) -> FileOut:
    row = await services.set_image(
        request.user,
        case_id,
        services.Upload(await data.image.read(), data.image.filename or ""),
        var_dir=settings_of(request).var_dir,
    )
    return FileOut(id=row.id, name=row.original_name, content_type=row.content_type, size=row.size)


@post(
    "/trademark-cases/{case_id:int}/checklist/{code:str}/files",
    access=CASE_ROLES,
    status_code=HTTP_201_CREATED,
    tags=TAGS,
    summary="Upload a document for a checklist item (multipart field `file`)",
    description="A PDF, PNG or JPEG of at most 5 MB, checked by content; the item becomes draft.",
)
async def upload_dossier_file(
    request: Req,
    case_id: PathId,
    code: FromPath[str],
    data: Annotated[DossierFileForm, Multipart],
) -> FileOut:
    row = await services.add_dossier_file(
        request.user,
        case_id,
        code,
        services.Upload(await data.file.read(), data.file.filename or ""),
        var_dir=settings_of(request).var_dir,
    )
    return FileOut(id=row.id, name=row.original_name, content_type=row.content_type, size=row.size)


API_ROUTES = describe_problems(
    [
        nice_classes,
        fee_estimate,
        create_case,
        list_cases,
        get_case,
        record_event,
        assign,
        book_consultation,
        update_classes,
        set_checklist,
        upload_image,
        upload_dossier_file,
    ]
)
