"""JSON shapes of the support programme's API."""

from __future__ import annotations

from datetime import date, datetime

import msgspec

UNSET = msgspec.UNSET
UnsetType = msgspec.UnsetType


class SupportTermIn(msgspec.Struct, kw_only=True):
    type: str
    cost_share_percent: int
    cap_vnd: int


class CodeLabel(msgspec.Struct, kw_only=True):
    code: str
    label: str = ""


class ProgrammeIn(msgspec.Struct, kw_only=True):
    name: str
    opens_at: datetime
    closes_at: datetime
    budget_vnd: int
    support_types: list[SupportTermIn]
    year: int | None = None
    legal_basis: str = ""  # default: Decision 1322/QĐ-TTg
    provincial_decision: str = ""
    description: str = ""
    eligibility: str = ""
    criteria: list[CodeLabel] | None = None  # default: the built-in criteria
    required_documents: list[CodeLabel] | None = None


class ProgrammePatch(msgspec.Struct, kw_only=True):
    name: str | UnsetType = UNSET
    opens_at: datetime | UnsetType = UNSET
    closes_at: datetime | UnsetType = UNSET
    budget_vnd: int | UnsetType = UNSET
    support_types: list[SupportTermIn] | UnsetType = UNSET
    legal_basis: str | UnsetType = UNSET
    provincial_decision: str | UnsetType = UNSET
    description: str | UnsetType = UNSET
    eligibility: str | UnsetType = UNSET


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
    status: str  # open | upcoming | closed
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
    type: str
    cost_vnd: int


class ApplicationIn(msgspec.Struct, kw_only=True):
    enterprise_name: str
    tax_code: str
    support_items: list[SupportItemIn] = []
    size_class: str = ""  # micro | small | medium | large
    sector: str = ""  # agriculture | industry_construction | trade_services
    main_products: str = ""
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    employees: int | None = None
    consultant_name: str = ""
    consultant_contact: str = ""
    output_per_worker_vnd: int | None = None
    defect_rate_percent: float | None = None
    certificates_held: str = ""
    plan: str = ""


class ApplicationPatch(msgspec.Struct, kw_only=True):
    enterprise_name: str | UnsetType = UNSET
    tax_code: str | UnsetType = UNSET
    support_items: list[SupportItemIn] | UnsetType = UNSET
    size_class: str | UnsetType = UNSET
    sector: str | UnsetType = UNSET
    main_products: str | UnsetType = UNSET
    address: str | UnsetType = UNSET
    contact_name: str | UnsetType = UNSET
    contact_phone: str | UnsetType = UNSET
    employees: int | UnsetType | None = UNSET
    consultant_name: str | UnsetType = UNSET
    consultant_contact: str | UnsetType = UNSET
    output_per_worker_vnd: int | UnsetType | None = UNSET
    defect_rate_percent: float | UnsetType | None = UNSET
    certificates_held: str | UnsetType = UNSET
    plan: str | UnsetType = UNSET


class ApplicationCreated(msgspec.Struct, kw_only=True):
    id: int
    status: str


class SupportItemOut(msgspec.Struct, kw_only=True):
    type: str
    cost_vnd: int
    cost_share_percent: int
    cap_vnd: int
    support_vnd: int  # min(cost × cost share, cap)


class TimelineOut(msgspec.Struct, kw_only=True):
    at: datetime
    kind: str
    status: str
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
    status: str  # pending | reported | done
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
    recommendation: str
    comment: str
    updated_at: datetime


class ApplicationOut(msgspec.Struct, kw_only=True):
    id: int
    programme_id: int
    status: str
    enterprise_name: str
    tax_code: str
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
    screening_result: str
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
    status: str
    enterprise_name: str
    tax_code: str
    max_support_vnd: int
    approved_vnd: int | None
    submitted_at: datetime | None
    updated_at: datetime


class ApplicationList(msgspec.Struct):
    items: list[ApplicationSummary]


class ScreeningIn(msgspec.Struct, kw_only=True):
    result: str  # eligible | more_info | ineligible
    note: str = ""


class MessageIn(msgspec.Struct, kw_only=True):
    message: str


class WithdrawIn(msgspec.Struct, kw_only=True):
    reason: str = ""


class ReviewerIn(msgspec.Struct, kw_only=True):
    reviewer_id: int | None = None
    email: str = ""


class ReviewIn(msgspec.Struct, kw_only=True):
    scores: dict[str, int | None]
    recommendation: str  # yes | maybe | no
    comment: str = ""


class DecisionIn(msgspec.Struct, kw_only=True):
    outcome: str  # approved | rejected
    amount_vnd: int | None = None  # default: the most the cost shares and caps allow
    conditions: str = ""
    note: str = ""


class StatusOut(msgspec.Struct, kw_only=True):
    id: int
    status: str
    approved_vnd: int | None = None
    settled_vnd: int | None = None


class MilestoneIn(msgspec.Struct, kw_only=True):
    title: str
    due_on: date
    description: str = ""


class MilestoneReportIn(msgspec.Struct, kw_only=True):
    report: str


class IndicatorsIn(msgspec.Struct, kw_only=True):
    output_per_worker_before_vnd: int | None = None
    output_per_worker_after_vnd: int | None = None
    defect_rate_before_percent: float | None = None
    defect_rate_after_percent: float | None = None
    certificates_obtained: str = ""
    note: str = ""


class AcceptanceIn(msgspec.Struct, kw_only=True):
    settled_vnd: int | None = None  # default: the amount approved
    note: str = ""


class CloseIn(msgspec.Struct, kw_only=True):
    note: str = ""


class EventIn(msgspec.Struct, kw_only=True):
    title: str
    resource_id: int
    start: datetime
    end: datetime
