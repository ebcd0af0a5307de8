from __future__ import annotations

from datetime import date, datetime

import msgspec


class VisitIn(msgspec.Struct, kw_only=True):
    school_name: str
    contact_name: str
    contact_email: str
    contact_phone: str
    grade: str
    student_count: int
    supervisor_count: int
    topic: str
    preferred_date: date
    alternate_dates: list[date] = []
    notes: str = ""
    # Required to be true; false or missing is refused with 422 consent_required.
    consent: bool = False
    # primary | lower_secondary | upper_secondary | vocational | university | other
    level: str = "other"
    goals: str = ""
    mentors_equipment: str = ""
    preferred_time: str = "any"  # morning | afternoon | any


class VisitCreated(msgspec.Struct, kw_only=True):
    id: int
    status: str


class VisitMessageOut(msgspec.Struct, kw_only=True):
    author: str  # staff | teacher
    kind: str
    body: str
    proposed_date: date | None
    at: datetime


class VisitOut(msgspec.Struct, kw_only=True):
    id: int
    status: str
    school_name: str
    contact_name: str
    contact_email: str
    contact_phone: str
    level: str
    grade: str
    student_count: int
    supervisor_count: int
    topic: str
    goals: str
    mentors_equipment: str
    preferred_date: date
    alternate_dates: list[date]
    preferred_time: str
    notes: str
    email_confirmed: bool
    start: datetime | None
    end: datetime | None
    resource_id: int | None
    booking_id: int | None
    host_id: int | None
    attended_students: int | None
    attended_supervisors: int | None
    feedback_rating: int | None
    feedback_text: str
    created_at: datetime
    updated_at: datetime


class VisitDetail(VisitOut, kw_only=True):
    messages: list[VisitMessageOut]


class VisitList(msgspec.Struct):
    items: list[VisitOut]


class DecisionIn(msgspec.Struct, kw_only=True):
    decision: str  # approve | decline
    start: datetime | None = None
    end: datetime | None = None
    resource_id: int | None = None
    message: str = ""
    # The member of staff who receives the group (default: the one approving).
    host_id: int | None = None


class MoreInfoIn(msgspec.Struct, kw_only=True):
    message: str
    proposed_date: date | None = None


class HostIn(msgspec.Struct, kw_only=True):
    host_id: int


class AttendanceIn(msgspec.Struct, kw_only=True):
    outcome: str = "completed"  # completed | no_show
    students: int | None = None
    supervisors: int | None = None


class CancelIn(msgspec.Struct, kw_only=True):
    reason: str = ""


class VisitProblem(msgspec.Struct, kw_only=True):
    """``application/problem+json``: ``code`` names the rule; ``errors`` maps fields to
    messages and ``codes`` fields to rule codes."""

    status: int
    title: str
    detail: str
    code: str
    errors: dict[str, str] | None = None
    codes: dict[str, str] | None = None
