"""JSON shapes of the support programme's API."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Literal, TypeAlias, TypeVar

import msgspec

from innovation_hub.core.openapi import NOT_BLANK, Id, Int, Vnd, between, one_of, rule
from innovation_hub.programmes.catalogue import SECTORS, SIZE_CLASSES, SUPPORT_TYPES
from innovation_hub.programmes.services import (
    MAX_BUDGET_VND,
    MAX_COST_VND,
    RECOMMENDATIONS,
    SCREENING_RESULTS,
    TEXT_LIMITS,
)
from innovation_hub.programmes.workflow import APPLICATIONS

if TYPE_CHECKING:
    ApplicationStatus = str
else:  # the states declared in programmes.workflow, an enum in the OpenAPI document
    ApplicationStatus = Literal[APPLICATIONS.statuses]
ProgrammeStatus = Literal["open", "upcoming", "closed"]
MilestoneStatus = Literal["pending", "reported", "done"]
Recommendation = Literal["yes", "maybe", "no"]
ScreeningResult = Literal["", "eligible", "more_info", "ineligible"]  # "": not screened yet

UNSET = msgspec.UNSET
UnsetType = msgspec.UnsetType
T = TypeVar("T")
Maybe: TypeAlias = T | UnsetType  # a field a PATCH may leave out (UNSET: not sent)

# What the services check (422 invalid_support_type, invalid_cost_share, invalid_cap,
# invalid_budget, required_field, too_long, invalid_size_class, invalid_sector, invalid_number,
# invalid_percent, invalid_outcome, invalid_recommendation, invalid_screening,
# message_required, report_required, title), declared in the document too. Which support types
# a call funds, its criteria, tax codes and what a state allows remain rules.
SupportType = Annotated[str, one_of(SUPPORT_TYPES)]
Budget = Annotated[Vnd, between(1, MAX_BUDGET_VND)]
Cost = Annotated[Vnd, between(1, MAX_COST_VND)]
Amount = Annotated[Vnd, between(0, MAX_COST_VND)]
Percent = Annotated[float, rule(minimum=0, maximum=100)]
Message = Annotated[str, rule(pattern=NOT_BLANK, maxLength=5000)]
Long = Annotated[str, rule(maxLength=5000)]


def _text(name: str) -> msgspec.Meta:
    return rule(maxLength=TEXT_LIMITS[name])


# "" leaves it unset.
SizeClass = Annotated[str, one_of(["", *SIZE_CLASSES])]
Sector = Annotated[str, one_of(["", *SECTORS])]
EnterpriseName = Annotated[str, rule(pattern=NOT_BLANK, maxLength=TEXT_LIMITS["enterprise_name"])]
MainProducts = Annotated[str, _text("main_products")]
Address = Annotated[str, _text("address")]
ContactName = Annotated[str, _text("contact_name")]
ContactPhone = Annotated[str, _text("contact_phone")]
ConsultantName = Annotated[str, _text("consultant_name")]
ConsultantContact = Annotated[str, _text("consultant_contact")]
CertificatesHeld = Annotated[str, _text("certificates_held")]
Plan = Annotated[str, _text("plan")]
Employees = Annotated[Int, between(1, 1_000_000)]


class SupportTermIn(msgspec.Struct, kw_only=True):
    type: SupportType
    cost_share_percent: Annotated[Int, between(1, 100)]
    cap_vnd: Cost


class CodeLabel(msgspec.Struct, kw_only=True):
    code: str
    label: str = ""


class ProgrammeIn(msgspec.Struct, kw_only=True):
    name: Annotated[str, rule(pattern=NOT_BLANK, maxLength=300)]
    opens_at: datetime
    closes_at: datetime
    budget_vnd: Budget
    support_types: Annotated[list[SupportTermIn], rule(minItems=1)]
    # Default: the year the call opens.
    year: Annotated[int, msgspec.Meta(ge=2000, le=2100)] | None = None
    legal_basis: str = ""  # default: Decision 1322/QĐ-TTg
    provincial_decision: str = ""
    description: str = ""
    eligibility: str = ""
    criteria: list[CodeLabel] | None = None  # default: the built-in criteria
    required_documents: list[CodeLabel] | None = None


class ProgrammePatch(msgspec.Struct, kw_only=True):
    # Stored in columns of 300 characters.
    name: Maybe[Annotated[str, msgspec.Meta(max_length=300), rule(pattern=NOT_BLANK)]] = UNSET
    opens_at: Maybe[datetime] = UNSET
    closes_at: Maybe[datetime] = UNSET
    budget_vnd: Maybe[Budget] = UNSET
    support_types: Maybe[Annotated[list[SupportTermIn], rule(minItems=1)]] = UNSET
    legal_basis: Maybe[str] = UNSET
    provincial_decision: Maybe[Annotated[str, msgspec.Meta(max_length=300)]] = UNSET
    description: Maybe[str] = UNSET
    eligibility: Maybe[str] = UNSET


class SupportTermOut(msgspec.Struct, kw_only=True):
    type: str
    cost_share_percent: int
    cap_vnd: int
    label_vi: str
    label_en: str


class EventOut(msgspec.Struct, kw_only=True):
    id: int
    title: str
    start: datetime
    end: datetime
    resource_id: int | None
    booking_id: int | None


class ProgrammeOut(msgspec.Struct, kw_only=True):
    id: int
    name: str
    year: int
    opens_at: datetime
    closes_at: datetime
    status: ProgrammeStatus
    budget_vnd: int
    committed_vnd: int
    remaining_vnd: int
    support_types: list[SupportTermOut]
    legal_basis: str
    provincial_decision: str
    description: str
    eligibility: str
    criteria: list[CodeLabel]
    required_documents: list[CodeLabel]
    events: list[EventOut] = []


class ProgrammeList(msgspec.Struct):
    items: list[ProgrammeOut]


class SupportItemIn(msgspec.Struct, kw_only=True):
    # One of the types the call funds (422 invalid_support_type otherwise).
    type: SupportType
    cost_vnd: Cost


class ApplicationIn(msgspec.Struct, kw_only=True):
    enterprise_name: EnterpriseName
    # An enterprise's 10 digits, a branch's 10 + "-" + 3 (or 13 digits, given the hyphen), or
    # a household business's 12-digit personal identification number (422 invalid_tax_code,
    # also for a wrong check digit or an unknown province code).
    tax_code: str
    support_items: list[SupportItemIn] = []
    size_class: SizeClass = ""
    sector: Sector = ""
    main_products: MainProducts = ""
    address: Address = ""
    contact_name: ContactName = ""
    contact_phone: ContactPhone = ""
    employees: Employees | None = None
    consultant_name: ConsultantName = ""
    consultant_contact: ConsultantContact = ""
    output_per_worker_vnd: Amount | None = None
    defect_rate_percent: Percent | None = None
    certificates_held: CertificatesHeld = ""
    plan: Plan = ""


class ApplicationPatch(msgspec.Struct, kw_only=True):
    enterprise_name: Maybe[EnterpriseName] = UNSET
    tax_code: Maybe[str] = UNSET
    support_items: Maybe[list[SupportItemIn]] = UNSET
    size_class: Maybe[SizeClass] = UNSET
    sector: Maybe[Sector] = UNSET
    main_products: Maybe[MainProducts] = UNSET
    address: Maybe[Address] = UNSET
    contact_name: Maybe[ContactName] = UNSET
    contact_phone: Maybe[ContactPhone] = UNSET
    employees: Maybe[Employees] | None = UNSET
    consultant_name: Maybe[ConsultantName] = UNSET
    consultant_contact: Maybe[ConsultantContact] = UNSET
    output_per_worker_vnd: Maybe[Amount] | None = UNSET
    defect_rate_percent: Maybe[Percent] | None = UNSET
    certificates_held: Maybe[CertificatesHeld] = UNSET
    plan: Maybe[Plan] = UNSET


class ApplicationCreated(msgspec.Struct, kw_only=True):
    id: int
    status: ApplicationStatus


class SupportItemOut(msgspec.Struct, kw_only=True):
    type: str
    cost_vnd: int
    cost_share_percent: int
    cap_vnd: int
    support_vnd: int  # min(cost × cost share, cap)


class TimelineOut(msgspec.Struct, kw_only=True):
    at: datetime
    kind: str
    status: ApplicationStatus  # after the event
    body: str


class DocumentOut(msgspec.Struct, kw_only=True):
    id: int
    kind: str
    filename: str
    size: int
    milestone_id: int | None
    uploaded_at: datetime


class MilestoneOut(msgspec.Struct, kw_only=True):
    id: int
    title: str
    description: str
    due_on: date
    status: MilestoneStatus
    report: str
    reported_at: datetime | None
    confirmed_at: datetime | None


class IndicatorReportOut(msgspec.Struct, kw_only=True):
    id: int
    output_per_worker_before_vnd: int | None
    output_per_worker_after_vnd: int | None
    defect_rate_before_percent: float | None
    defect_rate_after_percent: float | None
    certificates_obtained: str
    note: str
    reported_at: datetime


class ReviewerOut(msgspec.Struct, kw_only=True):
    id: int
    name: str
    email: str


class ReviewOut(msgspec.Struct, kw_only=True):
    id: int
    reviewer_id: int | None
    scores: dict[str, int | None]
    average: float | None
    recommendation: Recommendation
    comment: str
    updated_at: datetime


class ApplicationOut(msgspec.Struct, kw_only=True):
    id: int
    programme_id: int
    status: ApplicationStatus
    enterprise_name: str
    tax_code: str
    # Which of the three kinds the tax code is; null while a draft has no valid one.
    tax_code_kind: Literal["enterprise", "branch", "personal"] | None
    size_class: str
    sector: str
    main_products: str
    address: str
    contact_name: str
    contact_phone: str
    employees: int | None
    consultant_name: str
    consultant_contact: str
    output_per_worker_vnd: int | None
    defect_rate_percent: float | None
    certificates_held: str
    plan: str
    support_items: list[SupportItemOut]
    max_support_vnd: int
    screening_result: ScreeningResult
    approved_vnd: int | None
    conditions: str
    settled_vnd: int | None
    submitted_at: datetime | None
    decided_at: datetime | None
    accepted_at: datetime | None
    created_at: datetime
    updated_at: datetime
    timeline: list[TimelineOut]
    documents: list[DocumentOut]
    milestones: list[MilestoneOut]
    indicator_reports: list[IndicatorReportOut]
    # Staff only: every reviewer, every review and their average.
    reviewers: list[ReviewerOut] | UnsetType = UNSET
    reviews: list[ReviewOut] | UnsetType = UNSET
    average_score: float | UnsetType | None = UNSET
    # A reviewer sees their own review only.
    my_review: ReviewOut | UnsetType | None = UNSET


class ApplicationSummary(msgspec.Struct, kw_only=True):
    id: int
    programme_id: int
    programme_name: str
    status: ApplicationStatus
    enterprise_name: str
    tax_code: str
    max_support_vnd: int
    approved_vnd: int | None
    submitted_at: datetime | None
    updated_at: datetime


class ApplicationList(msgspec.Struct):
    items: list[ApplicationSummary]


class ScreeningIn(msgspec.Struct, kw_only=True):
    result: Annotated[str, one_of(SCREENING_RESULTS)]
    # Needed for more_info and ineligible (422 message_required).
    note: str = ""


class MessageIn(msgspec.Struct, kw_only=True):
    message: Message


class WithdrawIn(msgspec.Struct, kw_only=True):
    reason: str = ""


class ReviewerIn(msgspec.Struct, kw_only=True):
    reviewer_id: Id | None = None
    email: str = ""


class ReviewIn(msgspec.Struct, kw_only=True):
    # Criterion code -> 0 to 5, or null for n/a; only the call's criteria.
    scores: Annotated[
        dict[str, Int | None],
        rule(
            additionalProperties={
                "oneOf": [{"type": "integer", "minimum": 0, "maximum": 5}, {"type": "null"}]
            }
        ),
    ]
    recommendation: Annotated[str, one_of(RECOMMENDATIONS)]
    comment: Long = ""


class DecisionIn(msgspec.Struct, kw_only=True):
    outcome: Annotated[str, one_of(["approved", "rejected"])]
    amount_vnd: Vnd | None = None  # default: the most the cost shares and caps allow
    conditions: Long = ""
    note: Long = ""


class MilestoneIn(msgspec.Struct, kw_only=True):
    title: Annotated[str, rule(pattern=NOT_BLANK, maxLength=300)]
    due_on: date
    description: str = ""


class MilestoneReportIn(msgspec.Struct, kw_only=True):
    report: Annotated[str, rule(pattern=NOT_BLANK)]


class IndicatorsIn(msgspec.Struct, kw_only=True):
    """At least one "after" figure (422 indicators_required)."""

    output_per_worker_before_vnd: Amount | None = None
    output_per_worker_after_vnd: Amount | None = None
    defect_rate_before_percent: Percent | None = None
    defect_rate_after_percent: Percent | None = None
    certificates_obtained: str = ""
    note: str = ""


class AcceptanceIn(msgspec.Struct, kw_only=True):
    # At most the amount approved (422 settled_above_approved).
    settled_vnd: Vnd | None = None  # default: the amount approved
    note: str = ""


class CloseIn(msgspec.Struct, kw_only=True):
    note: str = ""


class EventIn(msgspec.Struct, kw_only=True):
    title: Annotated[str, rule(pattern=NOT_BLANK, maxLength=200)]
    resource_id: Id
    start: datetime
    end: datetime
