from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from innovation_hub.core.openapi import NOT_BLANK, Id, Int, between, one_of, rule
from innovation_hub.trademarks import fees
from innovation_hub.trademarks.config import FIRST_CLASS, LAST_CLASS, MAX_ITEMS_PER_CLASS
from innovation_hub.trademarks.services import (
    CHECKLIST_STATES,
    MAX_ITEM_LENGTH,
    ORGANISATION_KINDS,
)
from innovation_hub.trademarks.workflow import EVENT_TYPES, MARK_TYPES, RESULTS, STAGES

# What the services check (422 with codes such as invalid_class, no_classes,
# invalid_mark_type, too_long, unknown_event_type), declared in the document too. A class
# listed twice (duplicate_class) and what an event needs for its type remain rules.
ClassNumber = Annotated[Int, between(FIRST_CLASS, LAST_CLASS)]
AtLeastOneClass = rule(minItems=1)
Party = Literal["office", "applicant", "owner"]
ChecklistState = Literal["missing", "draft", "ready"]


class NiceClassOut(msgspec.Struct, kw_only=True):
    number: int
    kind: Literal["goods", "services"]
    title_vi: str
    title_en: str


class NiceClassList(msgspec.Struct, kw_only=True):
    edition: str
    items: list[NiceClassOut]


class ClassCountIn(msgspec.Struct, kw_only=True):
    number: ClassNumber
    # Goods or services listed in the class.
    items: Annotated[Int, between(0, MAX_ITEMS_PER_CLASS)] = 1


class FeeEstimateIn(msgspec.Struct, kw_only=True):
    # Empty is 422 no_classes.
    classes: Annotated[list[ClassCountIn], AtLeastOneClass] = []
    # The day whose fee table and reduction apply; today when left out.
    date: dt.date | None = None
    # More than MAX_PRIORITY_CLAIMS is 422 invalid_priority_claims.
    priority_claims: Annotated[Int, between(0, fees.MAX_PRIORITY_CLAIMS)] = 0
    # The applicant leaves the classification to the IP Office (a classification fee).
    office_classifies: bool = False


class FeeLineOut(msgspec.Struct, kw_only=True):
    code: str
    label: str
    legal_basis: str
    quantity: int
    unit_vnd: int
    amount_vnd: int
    per: fees.Per
    stage: Literal["filing", "grant", "renewal"]  # when the fee is paid
    charge: Literal["le_phi", "phi"]  # lệ phí (section A of the schedule) or phí (section B)
    full_unit_vnd: int  # before any reduction


class FeeReductionOut(msgspec.Struct, kw_only=True):
    code: str
    percent: int  # taken off each lệ phí line
    valid_from: date
    valid_to: date
    legal_basis: str


class FeeEstimateOut(msgspec.Struct, kw_only=True):
    total_vnd: int  # filing and grant
    lines: list[FeeLineOut]
    on: date | None  # the day whose table and reduction were used
    reduction: FeeReductionOut | None  # none: the table's full rates
    renewal_total_vnd: int  # each 10-year renewal at the same rates, on time
    renewal_lines: list[FeeLineOut]
    fee_table: str  # the version of the dated fee table used
    valid_from: date
    legal_basis: str
    class_items: int  # items one class fee covers


class ClassIn(msgspec.Struct, kw_only=True):
    number: ClassNumber
    items: Annotated[list[str], rule(items={"type": "string", "maxLength": MAX_ITEM_LENGTH})] = []


class CaseIn(msgspec.Struct, kw_only=True):
    mark_name: Annotated[str, rule(pattern=NOT_BLANK, maxLength=200)]
    mark_type: Annotated[str, one_of(MARK_TYPES)]
    classes: Annotated[list[ClassIn], AtLeastOneClass]
    # Members: empty is the account's organisation.
    organisation_name: Annotated[str, rule(maxLength=200)] = ""
    notes: Annotated[str, rule(maxLength=5000)] = ""
    mark_description: Annotated[str, rule(maxLength=2000)] = ""
    # Empty: the member's own kind (startup or enterprise).
    organisation_kind: Annotated[str, one_of(["", *ORGANISATION_KINDS])] = ""
    through_representative: bool = False
    priority_claimed: bool = False
    # The mark contains a place name (collective, certification: a permission to add).
    geographical_name: bool = False
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
    party: Party  # who has to act by then


class FileOut(msgspec.Struct, kw_only=True):
    id: int
    name: str
    content_type: str
    size: int


class ChecklistFileOut(FileOut, kw_only=True):
    uploaded_at: datetime


class ChecklistItemOut(msgspec.Struct, kw_only=True):
    code: str
    label: str
    state: ChecklistState
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


class CaseOut(CaseCreated, kw_only=True):  # id and status first
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
    geographical_name: bool
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
    # office_action | substantive_result | response | opposition | opposition_settled |
    # granted | renewed | refused | withdrawn
    type: Annotated[str, one_of(EVENT_TYPES)]
    date: date
    application_number: Annotated[str, rule(maxLength=40)] = ""  # filed
    certificate_number: Annotated[str, rule(maxLength=40)] = ""  # granted
    # substantive_result; anything else is the service's 422 result_required.
    result: Annotated[str, one_of(["", *RESULTS])] = ""
    # stage; anything else is the service's 422 invalid_stage.
    stage: Annotated[str, one_of(["", *STAGES])] = ""
    # defect_notice, office_action, opposition: the date the notice gives
    response_due: dt.date | None = None
    note: Annotated[str, rule(maxLength=2000)] = ""
    # opposition: the third party that opposes (required for it)
    opponent: Annotated[str, rule(maxLength=200)] = ""


class AssignIn(msgspec.Struct, kw_only=True):
    staff_id: Id


class ConsultationIn(msgspec.Struct, kw_only=True):
    resource_id: Id
    start: datetime
    end: datetime
    staff_id: Id | None = None  # default: the case's staff member, else the caller
    topic: Annotated[str, rule(maxLength=300)] = ""


class ClassesIn(msgspec.Struct, kw_only=True):
    classes: Annotated[list[ClassIn], AtLeastOneClass]


class ChecklistIn(msgspec.Struct, kw_only=True):
    state: Annotated[str, one_of(CHECKLIST_STATES)]
    note: str | None = None
