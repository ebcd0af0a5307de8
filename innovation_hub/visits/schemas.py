from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal, get_args

import msgspec

from innovation_hub.core.i18n import LOCALES
from innovation_hub.core.openapi import NOT_BLANK, Id, Int, one_of, rule
from innovation_hub.visits.services import (
    ATTENDANCE_OUTCOMES,
    LEVELS,
    MAX_MESSAGE,
    MAX_TEXT,
    STATUSES,
    TIMES_OF_DAY,
)

VisitStatus = Literal[
    "requested", "more_info", "approved", "declined", "cancelled", "completed", "no_show"
]
Level = Literal[
    "primary", "lower_secondary", "upper_secondary", "vocational", "university", "other"
]
TimeOfDay = Literal["any", "morning", "afternoon"]
MessageKind = Literal[
    "approved", "declined", "more_info", "proposed_date", "reply", "accepted_date", "cancelled"
]
# The document's enumerations are the declared ones (visits.workflow, services.rules).
assert get_args(VisitStatus) == STATUSES and get_args(Level) == LEVELS
assert get_args(TimeOfDay) == TIMES_OF_DAY

# What the services check (422 required_field, too_long, invalid_level, invalid_time,
# invalid_message, invalid_decision, invalid_attendance), declared in the document too. The
# numbers of students and adults are the centre's settings, so only their storage is declared.


def _text(name: str, *, required: bool = True) -> msgspec.Meta:
    return rule(maxLength=MAX_TEXT[name], **({"pattern": NOT_BLANK} if required else {}))


Message = Annotated[str, rule(maxLength=MAX_MESSAGE)]


class VisitIn(msgspec.Struct, kw_only=True):
    school_name: Annotated[str, _text("school_name")]
    contact_name: Annotated[str, _text("contact_name")]
    contact_email: Annotated[str, _text("contact_email")]
    contact_phone: Annotated[str, rule(pattern=NOT_BLANK)]
    grade: Annotated[str, _text("grade")]
    student_count: Int
    supervisor_count: Int
    topic: Annotated[str, _text("topic")]
    preferred_date: date
    alternate_dates: list[date] = []
    notes: Annotated[str, _text("notes", required=False)] = ""
    # Required to be true; false or missing is refused with 422 consent_required.
    consent: bool = False
    # Empty is "other".
    level: Annotated[str, one_of(["", *LEVELS])] = "other"
    goals: Annotated[str, _text("goals", required=False)] = ""
    mentors_equipment: Annotated[str, _text("mentors_equipment", required=False)] = ""
    # Empty is "any".
    preferred_time: Annotated[str, one_of(["", *TIMES_OF_DAY])] = "any"
    # The language of the visit's emails. Empty: the request's Accept-Language, else the
    # account's language, else Vietnamese.
    locale: Annotated[str, one_of(["", *LOCALES])] = ""


class VisitCreated(msgspec.Struct, kw_only=True):
    id: int
    status: VisitStatus


class VisitMessageOut(msgspec.Struct, kw_only=True):
    author: Literal["staff", "teacher"]
    kind: MessageKind
    body: str
    proposed_date: date | None
    at: datetime


class VisitOut(msgspec.Struct, kw_only=True):
    id: int
    status: VisitStatus
    school_name: str
    contact_name: str
    contact_email: str
    contact_phone: str
    level: Level
    grade: str
    student_count: int
    supervisor_count: int
    topic: str
    goals: str
    mentors_equipment: str
    preferred_date: date
    alternate_dates: list[date]
    preferred_time: TimeOfDay
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
    decision: Annotated[str, one_of(["approve", "decline"])]
    start: datetime | None = None
    end: datetime | None = None
    resource_id: Id | None = None
    message: Message = ""
    # The member of staff who receives the group (default: the one approving).
    host_id: Id | None = None


class MoreInfoIn(msgspec.Struct, kw_only=True):
    message: Annotated[str, rule(maxLength=MAX_MESSAGE, pattern=NOT_BLANK)]
    proposed_date: date | None = None


class HostIn(msgspec.Struct, kw_only=True):
    host_id: Id


class AttendanceIn(msgspec.Struct, kw_only=True):
    outcome: Annotated[str, one_of(ATTENDANCE_OUTCOMES)] = "completed"
    # Needed when the group came (completed): 1–1000 students, 0–1000 adults.
    students: Int | None = None
    supervisors: Int | None = None


class CancelIn(msgspec.Struct, kw_only=True):
    # Staff must give one.
    reason: Message = ""


class VisitProblem(msgspec.Struct, kw_only=True):
    """``application/problem+json``: ``code`` names the rule; ``errors`` maps fields to
    messages and ``codes`` fields to rule codes."""

    status: int
    title: str
    detail: str
    code: str
    errors: dict[str, str] | None = None
    codes: dict[str, str] | None = None
