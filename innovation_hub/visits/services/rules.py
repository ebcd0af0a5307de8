"""The centre's visit rules, as pure functions: who may come, how many adults, which days
and hours. Nothing here reads or writes the database (public holidays are a calendar)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from typing import Any

from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.errors import Problems, RuleBroken
from innovation_hub.core.i18n import N_
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.settings import Settings
from innovation_hub.spaces import services as spaces

# The codes a request may name, each with its label (translated where it is shown).
LEVEL_LABELS = {
    "primary": N_("Primary school"),
    "lower_secondary": N_("Lower secondary school"),
    "upper_secondary": N_("Upper secondary school"),
    "vocational": N_("Vocational school or college"),
    "university": N_("University"),
    "other": N_("Other"),
}
TIME_OF_DAY_LABELS = {
    "any": N_("Any time of day"),
    "morning": N_("Morning"),
    "afternoon": N_("Afternoon"),
}
LEVELS = tuple(LEVEL_LABELS)
TIMES_OF_DAY = tuple(TIME_OF_DAY_LABELS)
# Where a group can sit together: never a desk.
ROOM_KINDS = ("meeting_room", "event_hall", "lab")

MAX_TEXT = {
    "school_name": 200,
    "contact_name": 200,
    "contact_email": 254,
    "grade": 100,
    "topic": 300,
    "goals": 2000,
    "mentors_equipment": 1000,
    "notes": 2000,
}
MAX_MESSAGE = 2000
MAX_FEEDBACK = 1000


@dataclass(frozen=True)
class VisitRules:
    """The centre's visit rules: the HUB_VISIT_* settings, named without their prefix."""

    min_notice_days: int
    max_days_ahead: int
    min_students: int
    max_students: int
    # At least one adult per this many students; a level may set its own ratio.
    students_per_supervisor: int
    students_per_supervisor_by_level: tuple[tuple[str, int], ...]
    max_supervisors: int
    weekdays: tuple[int, ...]  # Python's weekdays: 0 is Monday
    day_starts: time
    day_ends: time
    max_alternates: int
    # Successful public requests one address may send an hour (the form sends email).
    requests_per_hour: int

    @classmethod
    def from_settings(cls, settings: Settings) -> VisitRules:
        return cls(**{f.name: getattr(settings, f"visit_{f.name}") for f in fields(cls)})

    def ratio_for(self, level: str) -> int:
        return dict(self.students_per_supervisor_by_level).get(level, self.students_per_supervisor)

    def supervisors_needed(self, students: int, level: str) -> int:
        return max(1, math.ceil(students / self.ratio_for(level)))


# The documented rules: the settings' defaults.
_SETTINGS_DEFAULTS: dict[str, Any] = {f.name: f.default for f in fields(Settings)}
DEFAULT_RULES = VisitRules(
    **{f.name: _SETTINGS_DEFAULTS[f"visit_{f.name}"] for f in fields(VisitRules)}
)


def level_label(level: str) -> str:
    return _(LEVEL_LABELS[level]) if level in LEVEL_LABELS else level


def time_of_day_label(value: str) -> str:
    return _(TIME_OF_DAY_LABELS[value]) if value in TIME_OF_DAY_LABELS else value


def looks_like_email(value: str) -> bool:
    local, at, domain = value.partition("@")
    return bool(
        at
        and local
        and "." in domain.strip(".")
        and "@" not in domain
        and not any(c.isspace() for c in value)
        and len(value) <= 254
    )


def phone_digits(value: str) -> str | None:
    """Digits of a phone number written with spaces, dots, dashes or a leading +."""
    text = value.strip()
    if text.startswith("+"):
        text = text[1:]
    for separator in " .-()":
        text = text.replace(separator, "")
    if not (text.isascii() and text.isdigit()) or not 9 <= len(text) <= 15:
        return None
    return text


def today_local(now: datetime) -> date:
    return now.astimezone(LOCAL_TZ).date()


def earliest_day(rules: VisitRules, today: date, notice_days: int | None = None) -> date:
    """The first day a group may come: after the notice, on a visit weekday, not a holiday."""
    day = today + timedelta(days=rules.min_notice_days if notice_days is None else notice_days)
    for _step in range(60):
        if day.weekday() in rules.weekdays and spaces.holiday_name(day) is None:
            break
        day += timedelta(days=1)
    return day


def date_problem(
    rules: VisitRules, day: date, today: date, *, notice_days: int
) -> tuple[str, str] | None:
    """Why a group cannot come on ``day`` (message, code), or None."""
    earliest = today + timedelta(days=notice_days)
    if day < earliest:
        if notice_days <= 1:
            return _("Choose a day after today."), "date_in_past"
        return (
            _(
                "Ask at least %(n)s days ahead: the earliest day is %(day)s.",
                n=notice_days,
                day=earliest_day(rules, today, notice_days).strftime("%d/%m/%Y"),
            ),
            "too_short_notice",
        )
    if day > today + timedelta(days=rules.max_days_ahead):
        return _("Ask at most %(n)s days ahead.", n=rules.max_days_ahead), "too_far_ahead"
    if day.weekday() not in rules.weekdays:
        return _("Visits take place from Monday to Friday."), "day_not_allowed"
    if name := spaces.holiday_name(day):
        return _("The centre is closed for a public holiday: %(name)s.", name=name), "holiday"
    return None


def message_problem(message: str, *, required: bool) -> dict[str, str]:
    if required and not message.strip():
        return {"message": _("Write a message to the teacher.")}
    if len(message) > MAX_MESSAGE:
        return {"message": _("Use at most %(n)s characters.", n=MAX_MESSAGE)}
    return {}


# -- the hours staff approve ---------------------------------------------------------------


def _refuse(message: str, code: str, field: str) -> RuleBroken:
    return RuleBroken(message, code=code, field_errors={field: message})


def check_visit_hours(rules: VisitRules, start: datetime, end: datetime, now: datetime) -> None:
    """An approved time suits a school group: later than now, one visit day, visit hours."""
    if end <= start:
        raise _refuse(_("The end must be after the start."), "end_before_start", "end")
    if start <= now:
        raise _refuse(_("This time has already passed."), "in_past", "start")
    local_start, local_end = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
    day = local_start.date()
    if local_end.date() != day and local_end.time() != time(0):
        raise _refuse(_("A visit starts and ends on the same day."), "outside_visit_hours", "end")
    if day.weekday() not in rules.weekdays:
        raise _refuse(_("Visits take place from Monday to Friday."), "day_not_allowed", "date")
    if name := spaces.holiday_name(day):
        message = _("The centre is closed for a public holiday: %(name)s.", name=name)
        raise _refuse(message, "holiday", "date")
    if (
        local_start.time() < rules.day_starts
        or local_end.date() != day
        or local_end.time() > rules.day_ends
    ):
        message = _(
            "Visits take place between %(start)s and %(end)s.",
            start=rules.day_starts.strftime("%H:%M"),
            end=rules.day_ends.strftime("%H:%M"),
        )
        raise _refuse(message, "outside_visit_hours", "start")


# -- a new request -------------------------------------------------------------------------


@dataclass
class NewVisit:
    """A request as the form or the API gave it; ``None`` is a number or date not readable."""

    school_name: str
    contact_name: str
    contact_email: str
    contact_phone: str
    grade: str
    student_count: int | None
    supervisor_count: int | None
    topic: str
    preferred_date: date | None
    alternate_dates: list[date | None] = field(default_factory=list)
    consent: bool = False
    level: str = "other"
    goals: str = ""
    mentors_equipment: str = ""
    preferred_time: str = "any"
    notes: str = ""
    locale: str = "vi"


class _Problems(Problems):
    def require(self, name: str, value: str) -> bool:
        if not value.strip():
            self.add(name, _("Fill in this field."), "required_field")
        return bool(value.strip())


def _contact(new: NewVisit, problems: _Problems) -> None:
    problems.require("school_name", new.school_name)
    problems.require("contact_name", new.contact_name)
    if problems.require("contact_email", new.contact_email) and not looks_like_email(
        new.contact_email.strip()
    ):
        problems.add(
            "contact_email",
            _("Enter an email address like ten@truong.edu.vn; the status link is sent there."),
            "invalid_email",
        )
    if problems.require("contact_phone", new.contact_phone) and not phone_digits(new.contact_phone):
        problems.add(
            "contact_phone",
            _("Enter a phone number of 9 to 15 digits, e.g. 0276 3822 111."),
            "invalid_phone",
        )
    if new.level not in LEVELS:
        problems.add("level", _("Choose one of the listed levels."), "invalid_level")
    problems.require("grade", new.grade)


def _students(new: NewVisit, rules: VisitRules, problems: _Problems) -> None:
    students = new.student_count
    if students is None:
        problems.add("student_count", _("Enter the number of students."), "invalid_number")
    elif students < rules.min_students:
        message = _("A group has at least %(n)s student.", n=rules.min_students)
        problems.add("student_count", message, "too_few_students")
    elif students > rules.max_students:
        message = _(
            "A group has at most %(n)s students. Split a larger class into two visits.",
            n=rules.max_students,
        )
        problems.add("student_count", message, "too_many_students")


def _supervisors(new: NewVisit, rules: VisitRules, problems: _Problems) -> None:
    students, supervisors = new.student_count, new.supervisor_count
    if supervisors is None:
        message = _("Enter the number of accompanying adults.")
        problems.add("supervisor_count", message, "invalid_number")
    elif students is not None and students >= 1:
        level = new.level if new.level in LEVELS else "other"
        needed = rules.supervisors_needed(students, level)
        if supervisors < needed:
            message = _(
                "Bring at least %(n)s adults for %(students)s students (one per %(ratio)s).",
                ratio=rules.ratio_for(level),
                n=needed,
                students=students,
            )
            problems.add("supervisor_count", message, "not_enough_supervisors")
    if supervisors is not None and supervisors > rules.max_supervisors:
        message = _("At most %(n)s accompanying adults.", n=rules.max_supervisors)
        problems.add("supervisor_count", message, "too_many_supervisors")


def _dates(new: NewVisit, rules: VisitRules, today: date, problems: _Problems) -> None:
    notice = rules.min_notice_days
    if new.preferred_date is None:
        problems.add("preferred_date", _("Choose a date."), "required_field")
    elif problem := date_problem(rules, new.preferred_date, today, notice_days=notice):
        problems.add("preferred_date", *problem)
    if len(new.alternate_dates) > rules.max_alternates:
        message = _("Give at most %(n)s other dates.", n=rules.max_alternates)
        problems.add("alternate_dates", message, "too_many_alternates")
    for n, day in enumerate(new.alternate_dates[: rules.max_alternates], start=1):
        name = f"alternate_date_{n}"
        if day is None:
            problems.add(name, _("Choose a date."), "invalid_date")
        elif problem := date_problem(rules, day, today, notice_days=notice):
            problems.add(name, *problem)


def check_request(new: NewVisit, rules: VisitRules, *, today: date) -> None:
    """Raises FormInvalid naming every field that breaks a rule (the first one's code)."""
    problems = _Problems()
    _contact(new, problems)
    _students(new, rules, problems)
    _supervisors(new, rules, problems)
    if not new.topic:
        problems.add("topic", _("Fill in this field."), "required_field")
    _dates(new, rules, today, problems)
    if new.preferred_time not in TIMES_OF_DAY:
        problems.add("preferred_time", _("Choose morning, afternoon or any."), "invalid_time")
    for name, limit in MAX_TEXT.items():
        if len(getattr(new, name)) > limit:
            problems.add(name, _("Use at most %(n)s characters.", n=limit), "too_long")
    if not new.consent:
        message = _("Agree to the centre's visit rules to send the request.")
        problems.add("consent", message, "consent_required")
    problems.raise_if_any()
