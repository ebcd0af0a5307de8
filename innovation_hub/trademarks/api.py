"""JSON API for trademark guidance: Nice classes, the fee estimator, cases and their timeline."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from innovation_hub.core.auth import ANY_USER, PUBLIC, STAFF, allow
from innovation_hub.core.errors import describe_problems
from innovation_hub.core.openapi import PathId
from innovation_hub.core.rows import local, to_struct
from innovation_hub.core.settings import Settings
from innovation_hub.trademarks import config, fees, services, workflow
from innovation_hub.trademarks.schemas import (
    AssignIn,
    CaseCreated,
    CaseIn,
    CaseList,
    CaseOut,
    CaseSummary,
    ChecklistIn,
    ClassesIn,
    ConsultationIn,
    ConsultationOut,
    DeadlineOut,
    EventIn,
    EventOut,
    FeeEstimateIn,
    FeeEstimateOut,
    FileOut,
    NiceClassList,
    TimelineOut,
)
from innovation_hub.trademarks.tables import TrademarkFile
from innovation_hub.trademarks.workflow import TRADEMARKS

Req = Request[Any, Any, Any]
CASE_ROLES = allow(*services.CASE_ROLES)
TAGS = ["trademarks"]
AppSettings = NamedDependency[Settings]
CASE = "/trademark-cases/{case_id:int}"
# The options each audience's operations share; a creating operation gives its own 201.
public_get = partial(get, access=PUBLIC, security=[], tags=TAGS)
public_post = partial(post, access=PUBLIC, security=[], status_code=HTTP_200_OK, tags=TAGS)
member_get = partial(get, access=CASE_ROLES, tags=TAGS)
member_post = partial(post, access=CASE_ROLES, status_code=HTTP_200_OK, tags=TAGS)
staff_post = partial(post, access=STAFF, status_code=HTTP_200_OK, tags=TAGS)


def estimate_out(estimate: fees.Estimate) -> FeeEstimateOut:
    return to_struct(estimate, FeeEstimateOut, fee_table=estimate.version)


def deadline_out(d: services.DeadlineView) -> DeadlineOut:
    return to_struct(d, DeadlineOut, legal_basis=d.basis)


def file_out(row: TrademarkFile) -> FileOut:
    return to_struct(row, FileOut, name=row.original_name)


def event_out(e: dict[str, Any]) -> EventOut:
    return EventOut(
        type=e["event_type"],
        date=e["event_date"],
        detail=e["detail"] or {},
        status_before=e["status_before"],
        status_after=e["status_after"],
        recorded_at=local(e["recorded_at"]),
    )


def timeline_out(t: services.TimelineEntry) -> TimelineOut:
    return TimelineOut(at=local(t.at), action=t.action, by=t.actor_name, detail=t.detail)


def case_out(view: services.CaseView) -> CaseOut:
    case = view.case
    out = to_struct(
        case,
        CaseOut,
        status_label=TRADEMARKS.label(case.status),
        owner_id=case.owner,
        assigned_staff=view.staff,
        classes=view.classes,
        has_image=view.image is not None,
        expiry_date=view.expiry,
        deadlines=[deadline_out(d) for d in view.deadlines],
        fee_estimate=estimate_out(view.estimate),
        checklist=view.checklist,
        consultations=[
            to_struct(c, ConsultationOut, place=c.resource_name) for c in view.consultations
        ],
        # core.rows wraps a nested dict as a row, so the entries with a free-form
        # ``detail`` are built here and put in afterwards.
        events=[],
        timeline=[],
    )
    return msgspec.structs.replace(
        out,
        events=[event_out(e) for e in view.events],
        timeline=[timeline_out(t) for t in view.timeline],
    )


async def case_detail(user: Any, case_id: int) -> CaseOut:
    return case_out(await services.case_view(await services.get_case_for(user, case_id)))


@public_get(
    "/nice-classes",
    summary="The 45 Nice classes (1–34 goods, 35–45 services) with their edition",
)
async def nice_classes() -> NiceClassList:
    data = config.nice()
    return to_struct(data, NiceClassList, items=list(data.classes))


@public_post(
    "/trademarks/fee-estimate",
    summary="Estimate the official fees for a trademark application",
    description=(
        "Uses the fee table in force on `date` (today when left out; dated data, Circular "
        "263/2016/TT-BTC) and the lệ phí reduction recorded for that day, if any (Circular "
        "43/2024/TT-BTC: 50 % from 1 July to 31 December 2024), named in `reduction`. "
        "Each line has amount_vnd = quantity × unit_vnd; per-class fees have the number of "
        "classes as their quantity; items from the seventh in a class are charged on their "
        "own lines; renewal_lines are apart from the total. An empty list (no_classes), a "
        "class outside 1–45 (invalid_class), a repeated class "
        "(duplicate_class) or a negative count (invalid_item_count) is 422."
    ),
)
async def fee_estimate(data: JSONBody[FeeEstimateIn]) -> FeeEstimateOut:
    counts = [fees.ClassCount(number=c.number, items=c.items) for c in data.classes]
    day = data.date or services.today_local()
    options = fees.Options(
        priority_claims=data.priority_claims, office_classifies=data.office_classifies
    )
    return estimate_out(fees.estimate(counts, fees.fee_table_on(day), on=day, options=options))


@member_post(
    "/trademark-cases",
    status_code=HTTP_201_CREATED,
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
    fields = msgspec.structs.asdict(data)
    fields.update(
        mark_type=data.mark_type.strip(),
        classes=[services.ClassEntry(c.number, list(c.items)) for c in data.classes],
    )
    case = await services.create_case(request.user, services.NewCase(**fields))
    return CaseCreated(id=case.id, status=case.status)


@member_get(
    "/trademark-cases",
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
            to_struct(
                r.case,
                CaseSummary,
                classes=[c.number for c in services.case_classes(r.case)],
                next_deadline=deadline_out(r.next_deadline) if r.next_deadline else None,
                assigned_staff_name=r.staff_name,
            )
            for r in rows
        ]
    )


@get(
    CASE,
    access=ANY_USER,
    tags=TAGS,
    summary="One case with its status, deadlines, fee estimate, checklist and timeline",
    description="Another organisation's case is 404.",
)
async def get_case(request: Req, case_id: PathId) -> CaseOut:
    return await case_detail(request.user, case_id)


@staff_post(
    f"{CASE}/events",
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
async def record_event(
    request: Req, case_id: PathId, data: JSONBody[EventIn], settings: AppSettings
) -> CaseOut:
    event = workflow.EventInput(**msgspec.structs.asdict(data))
    await services.record_event(request.user, case_id, event, base_url=settings.base_url)
    return await case_detail(request.user, case_id)


@staff_post(f"{CASE}/assign", summary="Staff: assign the case to a member of staff")
async def assign(request: Req, case_id: PathId, data: JSONBody[AssignIn]) -> CaseOut:
    await services.assign(request.user, case_id, data.staff_id)
    return await case_detail(request.user, case_id)


@staff_post(
    f"{CASE}/consultations",
    status_code=HTTP_201_CREATED,
    summary="Staff: book a consultation on the staff member's calendar",
    description=(
        "Reserves the room as a booking of kind consultation held by the staff member (it shows "
        "in their staff feed). A room taken at that time is 409 slot_taken."
    ),
)
async def book_consultation(
    request: Req, case_id: PathId, data: JSONBody[ConsultationIn], settings: AppSettings
) -> CaseOut:
    await services.book_consultation(
        request.user, case_id, **msgspec.structs.asdict(data), base_url=settings.base_url
    )
    return await case_detail(request.user, case_id)


@member_post(
    f"{CASE}/classes", summary="Change the goods and services (until the application is filed)"
)
async def update_classes(request: Req, case_id: PathId, data: JSONBody[ClassesIn]) -> CaseOut:
    await services.update_classes(
        request.user, case_id, [services.ClassEntry(c.number, list(c.items)) for c in data.classes]
    )
    return await case_detail(request.user, case_id)


@member_post(
    CASE + "/checklist/{code:str}",
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


async def _upload(file: UploadFile) -> services.Upload:
    return services.Upload(await file.read(), file.filename or "")


@member_post(
    f"{CASE}/image",
    status_code=HTTP_201_CREATED,
    summary="Upload the mark's sample image (multipart field `image`)",
    description=(
        "A PNG or JPEG of at most 2 MB, checked by content, not by name: anything else is 422 "
        "file_type or file_too_large."
    ),
)
async def upload_image(
    request: Req, case_id: PathId, data: Annotated[ImageForm, Multipart], settings: AppSettings
) -> FileOut:
    upload = await _upload(data.image)
    row = await services.set_image(request.user, case_id, upload, var_dir=settings.var_dir)
    return file_out(row)


@member_post(
    CASE + "/checklist/{code:str}/files",
    status_code=HTTP_201_CREATED,
    summary="Upload a document for a checklist item (multipart field `file`)",
    description="A PDF, PNG or JPEG of at most 5 MB, checked by content; the item becomes draft.",
)
async def upload_dossier_file(
    request: Req,
    case_id: PathId,
    code: FromPath[str],
    data: Annotated[DossierFileForm, Multipart],
    settings: AppSettings,
) -> FileOut:
    upload = await _upload(data.file)
    row = await services.add_dossier_file(
        request.user, case_id, code, upload, var_dir=settings.var_dir
    )
    return file_out(row)


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
