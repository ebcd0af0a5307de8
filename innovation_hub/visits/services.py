"""Research visits: every rule about a school group's visit lives here.

A teacher asks (no account needed) and gets a private link by email; staff approve, decline,
ask for more information or propose another date; an approved visit reserves its room through
``bookings.services.create_block`` inside the same transaction as its status change, so two
approvals into one room and time give one visit and one ``slot_taken``. Days and hours are
local time (Asia/Ho_Chi_Minh); instants are stored in UTC.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services as bookings
from innovation_hub.bookings.tables import Booking
from innovation_hub.core import audit, mail
from innovation_hub.core.auth import STAFF
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import BadRequest, Conflict, FormInvalid, NotFound, RuleBroken
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.i18n import use_locale
from innovation_hub.core.ical import FeedEvent, render
from innovation_hub.core.security import new_secret_token, token_digest
from innovation_hub.core.timestamps import require_aware
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import Resource
from innovation_hub.visits.tables import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    STATUSES,
    Visit,
    VisitLink,
    VisitMessage,
)

LEVELS = ("primary", "lower_secondary", "upper_secondary", "vocational", "university", "other")
TIMES_OF_DAY = ("any", "morning", "afternoon")
# Where a group can sit together: never a desk.
ROOM_KINDS = ("meeting_room", "event_hall", "lab")
UID_DOMAIN = "innovation-hub"
# Filters of the staff queue besides the single statuses.
STATUS_GROUPS = {
    "active": ("requested", "more_info", "approved"),
    "open": OPEN_STATUSES,
    "all": STATUSES,
}

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
    """The centre's visit rules (settings). The defaults are the documented ones."""

    min_notice_days: int = 14
    max_days_ahead: int = 365
    min_students: int = 1
    max_students: int = 60
    # At least one adult per this many students; a level may set its own ratio.
    students_per_supervisor: int = 10
    students_per_supervisor_by_level: tuple[tuple[str, int], ...] = (
        ("primary", 8),
        ("university", 20),
    )
    max_supervisors: int = 30
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday … Friday
    day_starts: time = time(8, 0)
    day_ends: time = time(17, 0)
    max_alternates: int = 3
    # Successful public requests one address may send an hour (the form sends email).
    requests_per_hour: int = 20

    def ratio_for(self, level: str) -> int:
        return dict(self.students_per_supervisor_by_level).get(level, self.students_per_supervisor)

    def supervisors_needed(self, students: int, level: str) -> int:
        return max(1, math.ceil(students / self.ratio_for(level)))


DEFAULT_RULES = VisitRules()


# -- labels shared by pages and emails ----------------------------------------------------


def status_label(status: str) -> str:
    return {
        "requested": _("Requested"),
        "more_info": _("Waiting for your reply"),
        "approved": _("Approved"),
        "declined": _("Declined"),
        "cancelled": _("Cancelled"),
        "completed": _("Completed"),
        "no_show": _("Did not come"),
    }.get(status, status)


def staff_status_label(status: str) -> str:
    """The same states as staff read them: "more_info" waits for the teacher."""
    if status == "more_info":
        return _("Waiting for the teacher")
    return status_label(status)


STATUS_ICONS = {
    "requested": "◷",
    "more_info": "?",
    "approved": "✓",
    "declined": "✕",
    "cancelled": "⊘",
    "completed": "★",
    "no_show": "–",
}


def level_label(level: str) -> str:
    return {
        "primary": _("Primary school"),
        "lower_secondary": _("Lower secondary school"),
        "upper_secondary": _("Upper secondary school"),
        "vocational": _("Vocational school or college"),
        "university": _("University"),
        "other": _("Other"),
    }.get(level, level)


def time_of_day_label(value: str) -> str:
    return {
        "any": _("Any time of day"),
        "morning": _("Morning"),
        "afternoon": _("Afternoon"),
    }.get(value, value)


# -- reading values at the edge -----------------------------------------------------------


def parse_count(raw: object) -> int | None:
    text = str(raw if raw is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        return None
    return int(text)


def parse_day(raw: object) -> date | None:
    text = str(raw or "").strip()
    if len(text) != 10:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if date(2000, 1, 1) <= day <= date(2099, 12, 31) else None


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


def _json_list(value: Any) -> list[Any]:
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return list(value or [])


def alternate_dates(visit: Visit) -> list[date]:
    return [date.fromisoformat(d) for d in _json_list(visit.alternate_dates)]


def today_local(now: datetime) -> date:
    return now.astimezone(LOCAL_TZ).date()


# -- a new request ------------------------------------------------------------------------


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

    @classmethod
    def from_form(cls, form: dict[str, Any], locale: str) -> NewVisit:
        def text(name: str) -> str:
            return str(form.get(name) or "").strip()

        alternates: list[date | None] = []
        for n in range(1, DEFAULT_RULES.max_alternates + 1):
            raw = text(f"alternate_date_{n}")
            if raw:
                alternates.append(parse_day(raw))
        return cls(
            school_name=text("school_name"),
            contact_name=text("contact_name"),
            contact_email=text("contact_email"),
            contact_phone=text("contact_phone"),
            grade=text("grade"),
            student_count=parse_count(form.get("student_count")),
            supervisor_count=parse_count(form.get("supervisor_count")),
            topic=text("topic"),
            preferred_date=parse_day(form.get("preferred_date")),
            alternate_dates=alternates,
            consent=text("consent") in {"yes", "on", "true", "1"},
            level=text("level") or "other",
            goals=text("goals"),
            mentors_equipment=text("mentors_equipment"),
            preferred_time=text("preferred_time") or "any",
            notes=text("notes"),
            locale=locale,
        )


class _Problems:
    """Field → message, and field → code; the first code names the whole refusal."""

    def __init__(self) -> None:
        self.messages: dict[str, str] = {}
        self.codes: dict[str, str] = {}

    def add(self, name: str, message: str, code: str) -> None:
        if name not in self.messages:
            self.messages[name] = message
            self.codes[name] = code

    def raise_if_any(self) -> None:
        if self.messages:
            exc = FormInvalid(self.messages, code=next(iter(self.codes.values())))
            exc.extra = {"codes": dict(self.codes)}
            raise exc


def earliest_day(rules: VisitRules, today: date, notice_days: int | None = None) -> date:
    """The first day a group may come: after the notice, on a visit weekday, not a holiday."""
    day = today + timedelta(days=rules.min_notice_days if notice_days is None else notice_days)
    for _step in range(60):
        if day.weekday() in rules.weekdays and spaces.holiday_name(day) is None:
            break
        day += timedelta(days=1)
    return day


def _date_problem(
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


def check_request(new: NewVisit, rules: VisitRules, *, today: date) -> None:
    """Raises FormInvalid naming every field that breaks a rule."""
    problems = _Problems()
    required = _("Fill in this field.")
    for name in ("school_name", "contact_name"):
        if not getattr(new, name):
            problems.add(name, required, "required_field")
    email = new.contact_email.strip()
    if not email:
        problems.add("contact_email", required, "required_field")
    elif not looks_like_email(email):
        problems.add(
            "contact_email",
            _("Enter an email address like ten@truong.edu.vn; the status link is sent there."),
            "invalid_email",
        )
    if not new.contact_phone.strip():
        problems.add("contact_phone", required, "required_field")
    elif phone_digits(new.contact_phone) is None:
        problems.add(
            "contact_phone",
            _("Enter a phone number of 9 to 15 digits, e.g. 0276 3822 111."),
            "invalid_phone",
        )
    if new.level not in LEVELS:
        problems.add("level", _("Choose one of the listed levels."), "invalid_level")
    if not new.grade:
        problems.add("grade", required, "required_field")
    students = new.student_count
    if students is None:
        problems.add("student_count", _("Enter the number of students."), "invalid_number")
    elif students < rules.min_students:
        problems.add(
            "student_count",
            _("A group has at least %(n)s student.", n=rules.min_students),
            "too_few_students",
        )
    elif students > rules.max_students:
        problems.add(
            "student_count",
            _(
                "A group has at most %(n)s students. Split a larger class into two visits.",
                n=rules.max_students,
            ),
            "too_many_students",
        )
    supervisors = new.supervisor_count
    if supervisors is None:
        problems.add(
            "supervisor_count", _("Enter the number of accompanying adults."), "invalid_number"
        )
    elif students is not None and students >= 1:
        level = new.level if new.level in LEVELS else "other"
        needed = rules.supervisors_needed(students, level)
        if supervisors < needed:
            problems.add(
                "supervisor_count",
                _(
                    "Bring at least %(n)s adults for %(students)s students (one per %(ratio)s).",
                    ratio=rules.ratio_for(level),
                    n=needed,
                    students=students,
                ),
                "not_enough_supervisors",
            )
    if supervisors is not None and supervisors > rules.max_supervisors:
        problems.add(
            "supervisor_count",
            _("At most %(n)s accompanying adults.", n=rules.max_supervisors),
            "too_many_supervisors",
        )
    if not new.topic:
        problems.add("topic", required, "required_field")
    if new.preferred_date is None:
        problems.add("preferred_date", _("Choose a date."), "required_field")
    elif problem := _date_problem(
        rules, new.preferred_date, today, notice_days=rules.min_notice_days
    ):
        problems.add("preferred_date", *problem)
    if len(new.alternate_dates) > rules.max_alternates:
        problems.add(
            "alternate_dates",
            _("Give at most %(n)s other dates.", n=rules.max_alternates),
            "too_many_alternates",
        )
    for n, day in enumerate(new.alternate_dates[: rules.max_alternates], start=1):
        name = f"alternate_date_{n}"
        if day is None:
            problems.add(name, _("Choose a date."), "invalid_date")
        elif problem := _date_problem(rules, day, today, notice_days=rules.min_notice_days):
            problems.add(name, *problem)
    if new.preferred_time not in TIMES_OF_DAY:
        problems.add("preferred_time", _("Choose morning, afternoon or any."), "invalid_time")
    for name, limit in MAX_TEXT.items():
        if len(getattr(new, name)) > limit:
            problems.add(name, _("Use at most %(n)s characters.", n=limit), "too_long")
    if not new.consent:
        problems.add(
            "consent",
            _("Agree to the centre's visit rules to send the request."),
            "consent_required",
        )
    problems.raise_if_any()


def status_link(base_url: str, token: str) -> str:
    return f"{base_url}/visits/status/{token}"


async def _new_link(visit_id: int, now: datetime) -> str:
    """A fresh private token for an email; only its digest is stored."""
    token = new_secret_token()
    await VisitLink.insert(
        VisitLink(visit=visit_id, token_digest=token_digest(token), created_at=now)
    ).run()
    return token


async def submit_request(
    new: NewVisit,
    *,
    rules: VisitRules = DEFAULT_RULES,
    base_url: str,
    user: User | None = None,
    now: datetime | None = None,
) -> tuple[Visit, str]:
    """Stores a valid request as ``requested`` and queues the email with its private link.
    Returns the visit and the link's token (the caller shows it to nobody but the teacher)."""
    now = now or utcnow()
    check_request(new, rules, today=today_local(now))
    assert new.preferred_date is not None and new.student_count is not None
    assert new.supervisor_count is not None
    alternates = sorted(
        {d for d in new.alternate_dates if d is not None and d != new.preferred_date}
    )
    async with transaction():
        visit = Visit(
            status="requested",
            school_name=new.school_name,
            contact_name=new.contact_name,
            contact_email=new.contact_email.strip(),
            contact_phone=new.contact_phone.strip(),
            level=new.level,
            grade=new.grade,
            student_count=new.student_count,
            supervisor_count=new.supervisor_count,
            topic=new.topic,
            goals=new.goals,
            mentors_equipment=new.mentors_equipment,
            preferred_date=new.preferred_date,
            alternate_dates=[d.isoformat() for d in alternates],
            preferred_time=new.preferred_time,
            notes=new.notes,
            locale=new.locale if new.locale in ("vi", "en") else "vi",
            consent_at=now,
            requested_by=user.id if user is not None else None,
            created_at=now,
            updated_at=now,
        )
        await visit.save()
        token = await _new_link(visit.id, now)
        await audit.record(
            actor_id=user.id if user is not None else None,
            action="visit.requested",
            record_type="visit",
            record_id=visit.id,
            detail={
                "school": visit.school_name,
                "students": visit.student_count,
                "supervisors": visit.supervisor_count,
            },
        )
        await mail.enqueue(
            to=visit.contact_email,
            template="visit_received",
            context={
                "visit": _email_view(visit),
                "link": status_link(base_url, token),
                "notice_days": rules.min_notice_days,
            },
            locale=visit.locale,
        )
    return visit, token


# -- reading ------------------------------------------------------------------------------


async def get_visit(visit_id: int) -> Visit:
    visit = await Visit.objects().where(Visit.id == visit_id).first().run()
    if visit is None:
        raise NotFound(_("No such visit."), code="visit_not_found")
    return visit


def is_staff(user: User | None) -> bool:
    return user is not None and user.role in STAFF


def is_requester(user: User | None, visit: Visit) -> bool:
    """The account that sent the request owns it, and so does an account whose email is the
    contact email once that address is verified: registering with a teacher's address proves
    nothing about owning it (the teacher's private link needs no account at all)."""
    if user is None:
        return False
    if visit.requested_by is not None and visit.requested_by == user.id:
        return True
    return (
        user.email_verified_at is not None
        and user.email.strip().lower() == visit.contact_email.strip().lower()
    )


async def get_visit_for(user: User, visit_id: int) -> Visit:
    """Staff see every visit, the requester (see ``is_requester``) theirs; others get 404."""
    visit = await get_visit(visit_id)
    if not (is_staff(user) or is_requester(user, visit)):
        raise NotFound(_("No such visit."), code="visit_not_found")
    return visit


async def visit_for_token(token: str, *, now: datetime | None = None) -> Visit:
    """The visit a private link opens. The first opening confirms the contact email."""
    if not token or len(token) > 128:
        raise NotFound(_("This link is not valid."), code="visit_not_found")
    link = (
        await VisitLink.objects().where(VisitLink.token_digest == token_digest(token)).first().run()
    )
    if link is None:
        raise NotFound(_("This link is not valid."), code="visit_not_found")
    visit = await get_visit(link.visit)
    if visit.email_confirmed_at is None or link.last_used_at is None:
        now = now or utcnow()
        async with transaction():
            await (
                VisitLink.update({VisitLink.last_used_at: now})
                .where((VisitLink.id == link.id) & VisitLink.last_used_at.is_null())
                .run()
            )
            confirmed = (
                await Visit.update({Visit.email_confirmed_at: now})
                .where((Visit.id == visit.id) & Visit.email_confirmed_at.is_null())
                .returning(Visit.id)
                .run()
            )
            if confirmed:
                await audit.record(
                    actor_id=None,
                    action="visit.email_confirmed",
                    record_type="visit",
                    record_id=visit.id,
                )
        visit = await get_visit(visit.id)
    return visit


def parse_status_filter(value: str | None) -> tuple[str, ...]:
    if not value:
        return STATUS_GROUPS["all"]
    if value in STATUS_GROUPS:
        return STATUS_GROUPS[value]
    if value in STATUSES:
        return (value,)
    raise BadRequest(
        _("Unknown status: %(status)s.", status=value),
        code="invalid_status",
        field_errors={"status": _("Choose one of the listed statuses.")},
    )


def visit_day(visit: Visit) -> date:
    """The day the group comes: the approved day, or else the one they asked for."""
    if visit.start_at is not None:
        return visit.start_at.astimezone(LOCAL_TZ).date()
    day: date = visit.preferred_date
    return day


async def list_visits(
    *, statuses: tuple[str, ...], first: date | None = None, last: date | None = None
) -> list[Visit]:
    """Visits in these statuses whose day falls in [first, last], soonest first."""
    query = Visit.objects().where(Visit.status.is_in(list(statuses)))
    if first is not None or last is not None:
        low = first or date(2000, 1, 1)
        high = last or date(2099, 12, 31)
        since = datetime.combine(low, time(0), LOCAL_TZ)
        until = datetime.combine(high + timedelta(days=1), time(0), LOCAL_TZ)
        query = query.where(
            (Visit.start_at.is_not_null() & (Visit.start_at >= since) & (Visit.start_at < until))
            | (
                Visit.start_at.is_null()
                & (Visit.preferred_date >= low)
                & (Visit.preferred_date <= high)
            )
        )
    visits = await query.order_by(Visit.id).limit(1000).run()
    return sorted(
        visits,
        key=lambda v: (visit_day(v), v.start_at or datetime.max.replace(tzinfo=LOCAL_TZ), v.id),
    )


async def messages_of(visit_id: int) -> list[VisitMessage]:
    return (
        await VisitMessage.objects()
        .where(VisitMessage.visit == visit_id)
        .order_by(VisitMessage.created_at)
        .order_by(VisitMessage.id)
        .run()
    )


async def latest_proposal(visit_id: int) -> date | None:
    message = (
        await VisitMessage.objects()
        .where(
            (VisitMessage.visit == visit_id)
            & (VisitMessage.author == "staff")
            & VisitMessage.proposed_date.is_not_null()
        )
        .order_by(VisitMessage.id, ascending=False)
        .first()
        .run()
    )
    day: date | None = message.proposed_date if message is not None else None
    return day


async def list_hosts() -> list[User]:
    """Staff who can host a visit."""
    return (
        await User.objects()
        .where(User.role.is_in(list(STAFF)) & User.is_active.eq(True))
        .order_by(User.name)
        .run()
    )


async def list_rooms() -> list[Resource]:
    rooms = await spaces.list_resources()
    return [r for r in rooms if r.kind in ROOM_KINDS]


async def user_name(user_id: int | None) -> str:
    if user_id is None:
        return ""
    row = await User.select(User.name).where(User.id == user_id).first().run()
    return str(row["name"]) if row else ""


@dataclass(frozen=True)
class Place:
    room: str
    location: str
    address: str

    def label(self) -> str:
        return ", ".join(part for part in (self.room, self.location, self.address) if part)


async def place_of(visit: Visit) -> Place | None:
    if visit.resource is None:
        return None
    row = (
        await Resource.select(
            Resource.name,
            Resource.location.name.as_alias("location_name"),
            Resource.location.address.as_alias("address"),
        )
        .where(Resource.id == visit.resource)
        .first()
        .run()
    )
    if row is None:
        return None
    return Place(row["name"], row["location_name"] or "", row["address"] or "")


async def visit_counts(first: date, last: date) -> dict[str, int]:
    """For reports: visits that took place in [first, last] (local days) and their students
    (those counted at the door, or else those announced)."""
    since = datetime.combine(first, time(0), LOCAL_TZ)
    until = datetime.combine(last + timedelta(days=1), time(0), LOCAL_TZ)
    rows = (
        await Visit.select(Visit.student_count, Visit.attended_students)
        .where((Visit.status == "completed") & (Visit.start_at >= since) & (Visit.start_at < until))
        .run()
    )
    students = sum(
        r["attended_students"] if r["attended_students"] is not None else r["student_count"]
        for r in rows
    )
    return {"visits": len(rows), "visit_students": students}


# -- changes ------------------------------------------------------------------------------


async def _update(
    visit: Visit, changes: dict[Any, Any], *, now: datetime, expect: tuple[str, ...]
) -> None:
    """Writes ``changes`` only if the visit is still in one of ``expect``: a decision taken
    from a stale page, or two at once, finds the row changed and is refused."""
    changes = {**changes, Visit.updated_at: now, Visit.sequence: visit.sequence + 1}
    rows = (
        await Visit.update(changes)
        .where((Visit.id == visit.id) & Visit.status.is_in(list(expect)))
        .returning(Visit.id)
        .run()
    )
    if not rows:
        raise Conflict(
            _("This visit was changed a moment ago. Reload the page and try again."),
            code="visit_changed",
        )


async def _message(
    visit: Visit,
    *,
    author: str,
    author_id: int | None,
    kind: str,
    body: str,
    now: datetime,
    proposed_date: date | None = None,
) -> None:
    await VisitMessage.insert(
        VisitMessage(
            visit=visit.id,
            author=author,
            author_id=author_id,
            kind=kind,
            body=body,
            proposed_date=proposed_date,
            created_at=now,
        )
    ).run()


def _email_view(visit: Visit) -> dict[str, Any]:
    return {
        "id": visit.id,
        "school_name": visit.school_name,
        "contact_name": visit.contact_name,
        "student_count": visit.student_count,
        "supervisor_count": visit.supervisor_count,
        "topic": visit.topic,
        "preferred_date": visit.preferred_date,
        "start_at": visit.start_at,
        "end_at": visit.end_at,
        "end_time": visit.end_at.astimezone(LOCAL_TZ).strftime("%H:%M") if visit.end_at else "",
    }


async def _notify(
    visit: Visit,
    kind: str,
    *,
    base_url: str,
    now: datetime,
    message: str = "",
    proposed_date: date | None = None,
    attach_ics: bool = False,
    centre_name: str = "",
) -> None:
    """Email the teacher about a change, with a fresh private link (in this transaction)."""
    token = await _new_link(visit.id, now)
    place = await place_of(visit)
    attachments: tuple[mail.Attachment, ...] = ()
    if attach_ics and visit.start_at is not None:
        attachments = (
            mail.Attachment(
                filename=f"visit-{visit.id}.ics",
                content_type="text/calendar",
                data=await visit_ics(visit, base_url=base_url, centre_name=centre_name),
            ),
        )
    await mail.enqueue(
        to=visit.contact_email,
        template="visit_update",
        context={
            "kind": kind,
            "visit": _email_view(visit),
            "link": status_link(base_url, token),
            "message": message,
            "proposed_date": proposed_date,
            "place": place.label() if place else "",
            "host": await user_name(visit.host),
        },
        locale=visit.locale,
        attachments=attachments,
    )


@dataclass(frozen=True)
class Approval:
    start: datetime | None
    end: datetime | None
    resource_id: int | None
    host_id: int | None = None
    message: str = ""


async def _staff_user(user_id: int, field_name: str) -> User:
    user = (
        await User.objects()
        .where((User.id == user_id) & User.role.is_in(list(STAFF)) & User.is_active.eq(True))
        .first()
        .run()
    )
    if user is None:
        raise FormInvalid({field_name: _("Choose a member of staff.")}, code="invalid_host")
    return user


async def check_visit_time(
    rules: VisitRules, visit: Visit, resource_id: int, start: datetime, end: datetime, now: datetime
) -> Resource:
    """The approved time and room must suit a school group. Returns the room."""
    start = require_aware(start, "start")
    end = require_aware(end, "end")
    if end <= start:
        raise RuleBroken(
            _("The end must be after the start."),
            code="end_before_start",
            field_errors={"end": _("The end must be after the start.")},
        )
    if start <= now:
        raise RuleBroken(
            _("This time has already passed."),
            code="in_past",
            field_errors={"start": _("This time has already passed.")},
        )
    local_start, local_end = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
    day = local_start.date()
    if local_end.date() != day and local_end.time() != time(0):
        raise RuleBroken(
            _("A visit starts and ends on the same day."),
            code="outside_visit_hours",
            field_errors={"end": _("A visit starts and ends on the same day.")},
        )
    if day.weekday() not in rules.weekdays:
        raise RuleBroken(
            _("Visits take place from Monday to Friday."),
            code="day_not_allowed",
            field_errors={"date": _("Visits take place from Monday to Friday.")},
        )
    if name := spaces.holiday_name(day):
        message = _("The centre is closed for a public holiday: %(name)s.", name=name)
        raise RuleBroken(message, code="holiday", field_errors={"date": message})
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
        raise RuleBroken(message, code="outside_visit_hours", field_errors={"start": message})
    try:
        resource = await spaces.get_resource(resource_id)
    except NotFound as exc:
        raise FormInvalid(
            {"resource_id": _("Choose one of the listed rooms.")}, code="resource_not_found"
        ) from exc
    if resource.kind not in ROOM_KINDS:
        message = _("Choose a meeting room, the event hall or a lab.")
        raise RuleBroken(message, code="not_a_room", field_errors={"resource_id": message})
    group = visit.student_count + visit.supervisor_count
    if group > resource.capacity:
        message = _(
            "%(room)s holds %(capacity)s people; the group has %(group)s.",
            room=resource.name,
            capacity=resource.capacity,
            group=group,
        )
        raise RuleBroken(message, code="room_too_small", field_errors={"resource_id": message})
    for closure in await spaces.closures_between(resource.location, start, end):
        if closure["resource"] in (None, resource.id) and closure["starts_at"] < end:
            message = _("Closed at that time: %(reason)s.", reason=closure["reason"])
            raise RuleBroken(message, code="closed", field_errors={"start": message})
    return resource


def block_reason(visit: Visit) -> str:
    return f"Tham quan: {visit.school_name}"[:300]


async def approve(
    staff: User,
    visit_id: int,
    approval: Approval,
    *,
    rules: VisitRules = DEFAULT_RULES,
    base_url: str,
    centre_name: str = "",
    now: datetime | None = None,
) -> Visit:
    now = now or utcnow()
    missing = {}
    if approval.start is None:
        missing["start"] = _("Choose when the visit starts.")
    if approval.end is None:
        missing["end"] = _("Choose when the visit ends.")
    if approval.resource_id is None:
        missing["resource_id"] = _("Choose a room.")
    if len(approval.message) > MAX_MESSAGE:
        missing["message"] = _("Use at most %(n)s characters.", n=MAX_MESSAGE)
    if missing:
        raise FormInvalid(missing, code="approval_incomplete")
    assert approval.start and approval.end and approval.resource_id is not None
    visit = await get_visit(visit_id)
    if visit.status not in OPEN_STATUSES:
        raise RuleBroken(
            _("Only a request that is still open can be approved."), code="not_decidable"
        )
    resource = await check_visit_time(
        rules, visit, approval.resource_id, approval.start, approval.end, now
    )
    host = await _staff_user(approval.host_id, "host_id") if approval.host_id else None
    holder = host or staff
    async with transaction():
        visit = await get_visit(visit_id)
        if visit.status not in OPEN_STATUSES:
            raise RuleBroken(
                _("Only a request that is still open can be approved."), code="not_decidable"
            )
        booking = await bookings.create_block(
            holder,
            resource.id,
            approval.start,
            approval.end,
            reason=block_reason(visit),
            kind="visit",
            attendees=visit.student_count + visit.supervisor_count,
        )
        await _update(
            visit,
            {
                Visit.status: "approved",
                Visit.start_at: approval.start,
                Visit.end_at: approval.end,
                Visit.resource: resource.id,
                Visit.booking: booking.id,
                Visit.host: holder.id,
                Visit.decided_by: staff.id,
                Visit.decided_at: now,
            },
            now=now,
            expect=OPEN_STATUSES,
        )
        await _message(
            visit,
            author="staff",
            author_id=staff.id,
            kind="approved",
            body=approval.message.strip(),
            now=now,
        )
        await audit.record(
            actor_id=staff.id,
            action="visit.approved",
            record_type="visit",
            record_id=visit.id,
            detail={
                "booking": booking.id,
                "resource": resource.id,
                "start": approval.start.isoformat(),
                "end": approval.end.isoformat(),
                "host": holder.id,
            },
        )
        visit = await get_visit(visit.id)
        await _notify(
            visit,
            "approved",
            base_url=base_url,
            now=now,
            message=approval.message.strip(),
            attach_ics=True,
            centre_name=centre_name,
        )
    return visit


async def _release_booking(visit: Visit, actor: User | None, reason: str) -> None:
    """Frees the visit's room. A teacher has no account: the reservation's holder releases it."""
    if visit.booking is None:
        return
    if actor is None:
        row = await Booking.select(Booking.user).where(Booking.id == visit.booking).first().run()
        holder_id = row["user"] if row else None
        actor = (
            await User.objects().where(User.id == holder_id).first().run() if holder_id else None
        )
        if actor is None or actor.role not in STAFF:
            hosts = await list_hosts()
            actor = hosts[0] if hosts else None
        if actor is None:  # no staff account left at all: nothing can hold the room either
            return
    await bookings.release(actor, visit.booking, reason=reason)


def _message_problem(message: str, *, required: bool) -> dict[str, str]:
    if required and not message.strip():
        return {"message": _("Write a message to the teacher.")}
    if len(message) > MAX_MESSAGE:
        return {"message": _("Use at most %(n)s characters.", n=MAX_MESSAGE)}
    return {}


async def decline(
    staff: User,
    visit_id: int,
    *,
    message: str = "",
    base_url: str,
    now: datetime | None = None,
) -> Visit:
    """Refuses an open request, or withdraws an approved visit; its room is freed."""
    now = now or utcnow()
    if problem := _message_problem(message, required=False):
        raise FormInvalid(problem, code="invalid_message")
    allowed = (*OPEN_STATUSES, "approved")
    async with transaction():
        visit = await get_visit(visit_id)
        if visit.status not in allowed:
            raise RuleBroken(
                _("This visit has already been decided or has ended."), code="not_decidable"
            )
        await _release_booking(visit, staff, f"Từ chối tham quan: {visit.school_name}"[:300])
        await _update(
            visit,
            {Visit.status: "declined", Visit.decided_by: staff.id, Visit.decided_at: now},
            now=now,
            expect=(visit.status,),
        )
        await _message(
            visit,
            author="staff",
            author_id=staff.id,
            kind="declined",
            body=message.strip(),
            now=now,
        )
        await audit.record(
            actor_id=staff.id,
            action="visit.declined",
            record_type="visit",
            record_id=visit.id,
            detail={"message": message.strip(), "released": visit.booking},
        )
        visit = await get_visit(visit.id)
        await _notify(visit, "declined", base_url=base_url, now=now, message=message.strip())
    return visit


async def ask_more_info(
    staff: User,
    visit_id: int,
    *,
    message: str,
    proposed_date: date | None = None,
    rules: VisitRules = DEFAULT_RULES,
    base_url: str,
    now: datetime | None = None,
) -> Visit:
    """Ask the teacher a question, or propose another day; the request waits for the reply."""
    now = now or utcnow()
    problems = _message_problem(message, required=True)
    if proposed_date is not None and (
        problem := _date_problem(rules, proposed_date, today_local(now), notice_days=1)
    ):
        problems["proposed_date"] = problem[0]
    if problems:
        raise FormInvalid(problems, code="invalid_message")
    async with transaction():
        visit = await get_visit(visit_id)
        if visit.status not in OPEN_STATUSES:
            raise RuleBroken(
                _("Only a request that is still open can wait for more information."),
                code="not_decidable",
            )
        await _update(visit, {Visit.status: "more_info"}, now=now, expect=(visit.status,))
        kind = "proposed_date" if proposed_date else "more_info"
        await _message(
            visit,
            author="staff",
            author_id=staff.id,
            kind=kind,
            body=message.strip(),
            now=now,
            proposed_date=proposed_date,
        )
        await audit.record(
            actor_id=staff.id,
            action="visit.more_info",
            record_type="visit",
            record_id=visit.id,
            detail={
                "message": message.strip(),
                "proposed_date": proposed_date.isoformat() if proposed_date else None,
            },
        )
        visit = await get_visit(visit.id)
        await _notify(
            visit,
            kind,
            base_url=base_url,
            now=now,
            message=message.strip(),
            proposed_date=proposed_date,
        )
    return visit


async def reply(
    token: str,
    *,
    message: str,
    accept_proposal: bool = False,
    rules: VisitRules = DEFAULT_RULES,
    now: datetime | None = None,
) -> Visit:
    """The teacher answers staff's question (or takes the day they proposed); the request goes
    back to staff."""
    now = now or utcnow()
    visit = await visit_for_token(token, now=now)
    if visit.status != "more_info":
        raise RuleBroken(_("Staff are not waiting for a reply."), code="not_waiting_for_reply")
    problems = _message_problem(message, required=not accept_proposal)
    proposal = await latest_proposal(visit.id) if accept_proposal else None
    if accept_proposal and (
        proposal is None or _date_problem(rules, proposal, today_local(now), notice_days=1)
    ):
        problems["accept"] = _("That day can no longer be chosen. Write to staff instead.")
    if problems:
        raise FormInvalid(problems, code="invalid_message")
    async with transaction():
        changes: dict[Any, Any] = {Visit.status: "requested"}
        if proposal is not None:
            changes[Visit.preferred_date] = proposal
        await _update(visit, changes, now=now, expect=("more_info",))
        body = message.strip()
        await _message(
            visit,
            author="teacher",
            author_id=None,
            kind="accepted_date" if proposal else "reply",
            body=body,
            proposed_date=proposal,
            now=now,
        )
        await audit.record(
            actor_id=None,
            action="visit.replied",
            record_type="visit",
            record_id=visit.id,
            detail={"accepted_date": proposal.isoformat() if proposal else None},
        )
    return await get_visit(visit.id)


async def assign_host(
    staff: User, visit_id: int, host_id: int, *, now: datetime | None = None
) -> Visit:
    """Names the member of staff who receives the group. An approved visit's reservation moves
    to the host, so the visit shows in the host's staff calendar."""
    now = now or utcnow()
    host = await _staff_user(host_id, "host_id")
    async with transaction():
        visit = await get_visit(visit_id)
        if visit.status in FINAL_STATUSES:
            raise RuleBroken(_("This visit has ended."), code="visit_closed")
        changes: dict[Any, Any] = {Visit.host: host.id}
        if visit.status == "approved" and visit.booking is not None and visit.host != host.id:
            assert visit.start_at and visit.end_at and visit.resource is not None
            # Release and reserve again in one transaction: the room is never free in between.
            await bookings.release(staff, visit.booking, reason=f"Đổi người đón: {host.name}")
            booking = await bookings.create_block(
                host,
                visit.resource,
                visit.start_at,
                visit.end_at,
                reason=block_reason(visit),
                kind="visit",
                attendees=visit.student_count + visit.supervisor_count,
            )
            changes[Visit.booking] = booking.id
        await _update(visit, changes, now=now, expect=(visit.status,))
        await audit.record(
            actor_id=staff.id,
            action="visit.host_assigned",
            record_type="visit",
            record_id=visit.id,
            detail={"host": host.id, "previous": visit.host},
        )
    return await get_visit(visit_id)


def _check_cancellable(visit: Visit, now: datetime) -> None:
    if visit.status not in (*OPEN_STATUSES, "approved"):
        raise RuleBroken(_("This visit can no longer be cancelled."), code="not_cancellable")
    if visit.status == "approved" and visit.start_at is not None and visit.start_at <= now:
        raise RuleBroken(_("This visit has already started."), code="not_cancellable")


async def _cancel(
    visit_id: int,
    *,
    staff: User | None,
    author_id: int | None,
    reason: str,
    base_url: str,
    now: datetime,
) -> Visit:
    """Cancels the visit and frees its room; by staff (``staff`` given) or by the teacher."""
    by_staff = staff is not None
    if problem := _message_problem(reason, required=by_staff):
        raise FormInvalid(problem, code="reason_required" if by_staff else "invalid_message")
    async with transaction():
        visit = await get_visit(visit_id)
        _check_cancellable(visit, now)
        await _release_booking(visit, staff, f"Hủy tham quan: {visit.school_name}"[:300])
        await _update(
            visit,
            {Visit.status: "cancelled", Visit.cancelled_at: now},
            now=now,
            expect=(visit.status,),
        )
        await _message(
            visit,
            author="staff" if by_staff else "teacher",
            author_id=author_id,
            kind="cancelled",
            body=reason.strip(),
            now=now,
        )
        await audit.record(
            actor_id=author_id,
            action="visit.cancelled",
            record_type="visit",
            record_id=visit.id,
            detail={
                "by": "staff" if by_staff else "teacher",
                "reason": reason.strip(),
                "released": visit.booking,
            },
        )
        visit = await get_visit(visit.id)
        await _notify(
            visit,
            "cancelled" if by_staff else "cancelled_by_teacher",
            base_url=base_url,
            now=now,
            message=reason.strip() if by_staff else "",
        )
    return visit


async def cancel_by_staff(
    staff: User, visit_id: int, *, reason: str, base_url: str, now: datetime | None = None
) -> Visit:
    return await _cancel(
        visit_id,
        staff=staff,
        author_id=staff.id,
        reason=reason,
        base_url=base_url,
        now=now or utcnow(),
    )


async def cancel_by_teacher(
    token: str, *, reason: str = "", base_url: str, now: datetime | None = None
) -> Visit:
    now = now or utcnow()
    visit = await visit_for_token(token, now=now)
    return await _cancel(
        visit.id, staff=None, author_id=None, reason=reason, base_url=base_url, now=now
    )


async def cancel_for(
    user: User, visit_id: int, *, reason: str, base_url: str, now: datetime | None = None
) -> Visit:
    """The API's cancel: staff cancel any visit (with a reason), the requester their own."""
    if is_staff(user):
        return await cancel_by_staff(user, visit_id, reason=reason, base_url=base_url, now=now)
    visit = await get_visit_for(user, visit_id)
    return await _cancel(
        visit.id,
        staff=None,
        author_id=user.id,
        reason=reason,
        base_url=base_url,
        now=now or utcnow(),
    )


ATTENDANCE_OUTCOMES = ("completed", "no_show")
MAX_ATTENDANCE = 1000


async def record_attendance(
    staff: User,
    visit_id: int,
    *,
    outcome: str,
    students: int | None,
    supervisors: int | None,
    base_url: str,
    now: datetime | None = None,
) -> Visit:
    """After the visit: who came (status completed), or that nobody did (no_show)."""
    now = now or utcnow()
    problems: dict[str, str] = {}
    if outcome not in ATTENDANCE_OUTCOMES:
        problems["outcome"] = _("Choose whether the group came.")
    if outcome == "completed":
        if students is None or not 1 <= students <= MAX_ATTENDANCE:
            problems["students"] = _("Enter how many students came (at least 1).")
        if supervisors is None or not 0 <= supervisors <= MAX_ATTENDANCE:
            problems["supervisors"] = _("Enter how many adults came.")
    if problems:
        raise FormInvalid(problems, code="invalid_attendance")
    async with transaction():
        visit = await get_visit(visit_id)
        if visit.status != "approved":
            raise RuleBroken(
                _("Attendance is recorded for approved visits."), code="not_attendable"
            )
        if visit.start_at is None or visit.start_at > now:
            raise RuleBroken(
                _("Record attendance once the visit has started."), code="visit_not_started"
            )
        came = outcome == "completed"
        await _update(
            visit,
            {
                Visit.status: outcome,
                Visit.attended_students: students if came else 0,
                Visit.attended_supervisors: supervisors if came else 0,
            },
            now=now,
            expect=("approved",),
        )
        await audit.record(
            actor_id=staff.id,
            action=f"visit.{outcome}",
            record_type="visit",
            record_id=visit.id,
            detail={"students": students, "supervisors": supervisors} if came else None,
        )
        if came:
            visit = await get_visit(visit.id)
            await _notify(visit, "completed", base_url=base_url, now=now)
    return await get_visit(visit_id)


async def leave_feedback(
    token: str, *, rating: int | None, text: str, now: datetime | None = None
) -> Visit:
    now = now or utcnow()
    visit = await visit_for_token(token, now=now)
    if visit.status != "completed":
        raise RuleBroken(
            _("Feedback can be left after the visit has taken place."), code="not_completed"
        )
    problems: dict[str, str] = {}
    if rating is not None and not 1 <= rating <= 5:
        problems["rating"] = _("Choose from 1 to 5 stars.")
    if len(text) > MAX_FEEDBACK:
        problems["feedback"] = _("Use at most %(n)s characters.", n=MAX_FEEDBACK)
    if rating is None and not text.strip():
        problems["feedback"] = _("Give a rating or write a few words.")
    if problems:
        raise FormInvalid(problems, code="invalid_feedback")
    async with transaction():
        await _update(
            visit,
            {
                Visit.feedback_rating: rating,
                Visit.feedback_text: text.strip(),
                Visit.feedback_at: now,
            },
            now=now,
            expect=("completed",),
        )
        await audit.record(
            actor_id=None,
            action="visit.feedback",
            record_type="visit",
            record_id=visit.id,
            detail={"rating": rating},
        )
    return await get_visit(visit.id)


# -- the teacher's calendar file ----------------------------------------------------------


async def visit_ics(visit: Visit, *, base_url: str, centre_name: str) -> bytes:
    """The approved visit as a calendar file; a cancelled one tells calendars to drop it."""
    if visit.start_at is None or visit.end_at is None:
        raise NotFound(_("This visit has no time yet."), code="visit_not_scheduled")
    place = await place_of(visit)
    host = await user_name(visit.host)
    with use_locale(visit.locale):
        summary = _("Research visit: %(school)s", school=visit.school_name)
        lines = [_("Topic: %(topic)s", topic=visit.topic)]
        lines.append(
            _(
                "Group: %(students)s students, %(supervisors)s adults",
                students=visit.student_count,
                supervisors=visit.supervisor_count,
            )
        )
        if host:
            lines.append(_("Your host: %(name)s", name=host))
        lines.append(centre_name)
        status = "CANCELLED" if visit.status in ("cancelled", "declined") else "CONFIRMED"
        return render(
            name=summary,
            description=centre_name,
            calendar_uid=f"visit-file-{visit.id}@{UID_DOMAIN}",
            source_url=f"{base_url}/visits",
            events=[
                FeedEvent(
                    uid=f"visit-{visit.id}@{UID_DOMAIN}",
                    start=visit.start_at,
                    end=visit.end_at,
                    summary=summary,
                    description="\n".join(line for line in lines if line),
                    location=place.label() if place else "",
                    status=status,
                    sequence=visit.sequence,
                    created=visit.created_at,
                    last_modified=visit.updated_at,
                )
            ],
        )
