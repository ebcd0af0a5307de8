from __future__ import annotations

import datetime as dt
from datetime import date, datetime

import msgspec


class NiceClassOut(msgspec.Struct, kw_only=True):
    number: int
    kind: str  # goods | services
    title_vi: str
    title_en: str


class NiceClassList(msgspec.Struct, kw_only=True):
    edition: str
    items: list[NiceClassOut]


class ClassCountIn(msgspec.Struct, kw_only=True):
    number: int
    items: int = 1  # goods or services listed in the class


class FeeEstimateIn(msgspec.Struct, kw_only=True):
    classes: list[ClassCountIn] = []


class FeeLineOut(msgspec.Struct, kw_only=True):
    code: str
    label: str
    legal_basis: str
    quantity: int
    unit_vnd: int
    amount_vnd: int
    per: str  # application | class | extra_item
    stage: str  # filing | grant: when the fee is paid


class FeeEstimateOut(msgspec.Struct, kw_only=True):
    total_vnd: int
    lines: list[FeeLineOut]
    fee_table: str  # the version of the dated fee table used
    valid_from: date
    legal_basis: str
    class_items: int  # items one class fee covers


class ClassIn(msgspec.Struct, kw_only=True):
    number: int
    items: list[str] = []


class CaseIn(msgspec.Struct, kw_only=True):
    mark_name: str
    mark_type: (
        str  # word | figurative | combined | three_dimensional | sound | collective | certification
    )
    classes: list[ClassIn]
    organisation_name: str = ""
    notes: str = ""
    mark_description: str = ""
    # startup | enterprise | cooperative | household_business | other
    organisation_kind: str = ""
    through_representative: bool = False
    priority_claimed: bool = False
    # Staff only: the startup or enterprise account the case belongs to.
    member_email: str = ""


class CaseCreated(msgspec.Struct, kw_only=True):
    id: int
    status: str


class DeadlineOut(msgspec.Struct, kw_only=True):
    name: str
    due: date
    label: str
    legal_basis: str
    party: str  # office | applicant | owner: who has to act by then


class ChecklistFileOut(msgspec.Struct, kw_only=True):
    id: int
    name: str
    content_type: str
    size: int
    uploaded_at: datetime


class ChecklistItemOut(msgspec.Struct, kw_only=True):
    code: str
    label: str
    state: str  # missing | draft | ready
    required: bool
    files: list[ChecklistFileOut]


class ConsultationOut(msgspec.Struct, kw_only=True):
    id: int
    booking_id: int | None
    start: datetime | None
    end: datetime | None
    status: str
    place: str
    staff_name: str
    topic: str


class EventOut(msgspec.Struct, kw_only=True):
    type: str
    date: date
    detail: dict[str, object]
    status_before: str
    status_after: str
    recorded_at: datetime


class TimelineOut(msgspec.Struct, kw_only=True):
    at: datetime
    action: str
    by: str
    detail: dict[str, object]


class StaffOut(msgspec.Struct, kw_only=True):
    id: int
    name: str


class CaseOut(msgspec.Struct, kw_only=True):
    id: int
    status: str
    status_label: str
    mark_name: str
    mark_type: str
    mark_description: str
    organisation_name: str
    organisation_kind: str
    owner_id: int | None
    assigned_staff: StaffOut | None
    classes: list[ClassIn]
    notes: str
    through_representative: bool
    priority_claimed: bool
    has_image: bool
    application_number: str
    filing_date: date | None
    certificate_number: str
    grant_date: date | None
    expiry_date: date | None
    deadlines: list[DeadlineOut]
    fee_estimate: FeeEstimateOut
    checklist: list[ChecklistItemOut]
    consultations: list[ConsultationOut]
    events: list[EventOut]
    timeline: list[TimelineOut]
    created_at: datetime
    updated_at: datetime


class CaseSummary(msgspec.Struct, kw_only=True):
    id: int
    status: str
    mark_name: str
    mark_type: str
    organisation_name: str
    classes: list[int]
    next_deadline: DeadlineOut | None
    assigned_staff_name: str
    application_number: str
    created_at: datetime


class CaseList(msgspec.Struct, kw_only=True):
    items: list[CaseSummary]


class EventIn(msgspec.Struct, kw_only=True):
    # stage | guidance_only | filed | defect_notice | formality_accepted | published |
    # office_action | substantive_result | response | granted | refused | withdrawn
    type: str
    date: date
    application_number: str = ""  # filed
    certificate_number: str = ""  # granted
    result: str = ""  # substantive_result: favourable | objection
    stage: str = ""  # stage: consultation | classification | dossier
    response_due: dt.date | None = None  # defect_notice, office_action: the date the notice gives
    note: str = ""


class AssignIn(msgspec.Struct, kw_only=True):
    staff_id: int


class ConsultationIn(msgspec.Struct, kw_only=True):
    resource_id: int
    start: datetime
    end: datetime
    staff_id: int | None = None  # default: the case's staff member, else the caller
    topic: str = ""


class ClassesIn(msgspec.Struct, kw_only=True):
    classes: list[ClassIn]


class ChecklistIn(msgspec.Struct, kw_only=True):
    state: str  # missing | draft | ready
    note: str | None = None


class FileOut(msgspec.Struct, kw_only=True):
    id: int
    name: str
    content_type: str
    size: int
