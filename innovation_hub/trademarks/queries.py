"""Read models of trademark guidance: a case as its pages and the API show it, the lists of
cases, and what other floors (calendars, reports) read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.core import audit
from innovation_hub.core.auth import STAFF
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.trademarks import config, fees
from innovation_hub.trademarks.deadlines import (
    DEADLINE_PERIODS,
    deadlines,
    durations_for,
    opposition_open,
    protection_expiry,
)
from innovation_hub.trademarks.records import (
    RECORD_TYPE,
    ClassEntry,
    case_classes,
    class_counts,
    history_of,
    is_staff,
    today_local,
    users_by_id,
)
from innovation_hub.trademarks.tables import (
    TrademarkCase,
    TrademarkConsultation,
    TrademarkDeadline,
    TrademarkDossierItem,
    TrademarkEvent,
    TrademarkFile,
)
from innovation_hub.trademarks.workflow import TRADEMARKS, PastEvent


@dataclass(frozen=True)
class DeadlineView:
    name: str
    due: date
    party: str
    label: str
    basis: str
    days_left: int

    @classmethod
    def of(
        cls, name: str, due: date, party: str, durations: config.Durations, today: date
    ) -> DeadlineView:
        period = durations.periods[DEADLINE_PERIODS[name]]
        return cls(name, due, party, period.label, period.basis, (due - today).days)


def deadline_views(history: list[PastEvent]) -> tuple[list[DeadlineView], config.Durations]:
    today = today_local()
    durations = durations_for(history, today)
    views = [
        DeadlineView.of(d.name, d.due, d.party, durations, today)
        for d in deadlines(history, durations)
    ]
    return views, durations


@dataclass(frozen=True)
class FileView:
    id: int
    name: str
    content_type: str
    size: int
    uploaded_at: datetime

    @classmethod
    def of(cls, row: TrademarkFile) -> FileView:
        return cls(row.id, row.original_name, row.content_type, row.size, row.uploaded_at)


@dataclass(frozen=True)
class ChecklistRow:
    code: str
    label: str
    state: str
    required: bool
    files: list[FileView]


@dataclass(frozen=True)
class ConsultationView:
    id: int
    booking_id: int | None
    start: datetime | None
    end: datetime | None
    status: str
    resource_name: str
    staff_name: str
    topic: str

    @property
    def active(self) -> bool:
        return self.status in ("confirmed", "checked_in")


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    action: str
    actor_name: str
    detail: dict[str, Any]


@dataclass
class CaseView:
    case: TrademarkCase
    classes: list[ClassEntry]
    history: list[PastEvent]
    events: list[dict[str, Any]]
    deadlines: list[DeadlineView]
    durations: config.Durations
    estimate: fees.Estimate
    fee_table: fees.FeeTable
    checklist: list[ChecklistRow]
    consultations: list[ConsultationView]
    timeline: list[TimelineEntry]
    owner: User | None
    staff: User | None
    image: FileView | None
    expiry: date | None = None
    opposition: PastEvent | None = None  # an opposition not settled yet
    nice_edition: str = ""  # in force on the filing date (today before filing)
    missing_required: list[str] = field(default_factory=list)


async def _checklist(case: TrademarkCase, files: list[TrademarkFile]) -> list[ChecklistRow]:
    items = {
        row.code: row
        for row in await TrademarkDossierItem.objects()
        .where(TrademarkDossierItem.trademark_case == case.id)
        .run()
    }
    rows = []
    for item in config.dossier_items():
        row = items.get(item.code)
        required = item.required(
            mark_type=case.mark_type,
            representative=case.through_representative,
            priority=case.priority_claimed,
            geographical=case.geographical_name,
        )
        files_of = [FileView.of(f) for f in files if f.item_code == item.code]
        rows.append(
            ChecklistRow(item.code, item.label, row.state if row else "missing", required, files_of)
        )
    return rows


async def _consultations(case_id: int) -> list[ConsultationView]:
    rows = (
        await TrademarkConsultation.select(
            TrademarkConsultation.id,
            TrademarkConsultation.topic,
            TrademarkConsultation.booking.id.as_alias("booking_id"),
            TrademarkConsultation.booking.start_at.as_alias("start_at"),
            TrademarkConsultation.booking.end_at.as_alias("end_at"),
            TrademarkConsultation.booking.status.as_alias("booking_status"),
            TrademarkConsultation.booking.resource.name.as_alias("resource_name"),  # type: ignore[union-attr]
            TrademarkConsultation.staff.name.as_alias("staff_name"),
        )
        .where(TrademarkConsultation.trademark_case == case_id)
        .order_by(TrademarkConsultation.id)
        .run()
    )
    return [
        ConsultationView(
            id=r["id"],
            booking_id=r["booking_id"],
            start=r["start_at"],
            end=r["end_at"],
            status=r["booking_status"] or "cancelled",
            resource_name=r["resource_name"] or "",
            staff_name=r["staff_name"] or "",
            topic=r["topic"],
        )
        for r in rows
    ]


async def _audit_entries(case_id: int) -> list[dict[str, Any]]:
    return (
        await audit.AuditEntry.select()
        .where(
            (audit.AuditEntry.record_type == RECORD_TYPE)
            & (audit.AuditEntry.record_id == str(case_id))
        )
        .order_by(audit.AuditEntry.id)
        .output(load_json=True)
        .run()
    )


def _timeline(entries: list[dict[str, Any]], users: dict[int, User]) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            at=e["at"],
            action=e["action"],
            actor_name=users[e["actor_id"]].name if e["actor_id"] in users else "",
            detail=e["detail"] if isinstance(e["detail"], dict) else {},
        )
        for e in entries
    ]


def _empty_estimate(table: fees.FeeTable) -> fees.Estimate:
    return fees.Estimate(
        version=table.version,
        valid_from=table.valid_from,
        legal_basis=table.legal_basis,
        class_items=table.class_items,
        total_vnd=0,
        lines=[],
    )


async def case_view(case: TrademarkCase) -> CaseView:
    """Everything the case pages and the API show about one case."""
    classes = case_classes(case)
    history = await history_of(case.id)
    open_deadlines, durations = deadline_views(history)
    table = fees.fee_table(case.fee_table_version)
    events = (
        await TrademarkEvent.select()
        .where(TrademarkEvent.trademark_case == case.id)
        .order_by(TrademarkEvent.id)
        .output(load_json=True)
        .run()
    )
    files = (
        await TrademarkFile.objects()
        .where(TrademarkFile.trademark_case == case.id)
        .order_by(TrademarkFile.id)
        .run()
    )
    checklist = await _checklist(case, files)
    entries = await _audit_entries(case.id)
    users = await users_by_id(
        {e["actor_id"] for e in entries if e["actor_id"]}
        | {case.owner or 0, case.assigned_staff or 0}
    )
    image = next((f for f in files if f.id == case.image_file), None)
    return CaseView(
        case=case,
        classes=classes,
        history=history,
        events=events,
        deadlines=open_deadlines,
        durations=durations,
        estimate=fees.case_estimate(
            class_counts(classes),
            case.fee_table_version,
            on=case.filing_date or today_local(),
            priority_claimed=case.priority_claimed,
        )
        if classes
        else _empty_estimate(table),
        fee_table=table,
        checklist=checklist,
        consultations=await _consultations(case.id),
        timeline=_timeline(entries, users),
        owner=users.get(case.owner) if case.owner else None,
        staff=users.get(case.assigned_staff) if case.assigned_staff else None,
        image=FileView.of(image) if image else None,
        expiry=protection_expiry(history, durations),
        nice_edition=config.nice(case.filing_date).edition,
        opposition=opposition_open(history),
        missing_required=[r.label for r in checklist if r.required and r.state != "ready"],
    )


@dataclass(frozen=True)
class CaseRow:
    case: TrademarkCase
    next_deadline: DeadlineView | None
    staff_name: str
    owner_name: str


async def _cases_for(
    user: User, status: str | None, assigned: str | None, query: str | None
) -> list[TrademarkCase]:
    q = TrademarkCase.objects()
    if not is_staff(user):
        q = q.where(TrademarkCase.owner == user.id)
    if status == "open":
        q = q.where(TrademarkCase.status.is_in(list(TRADEMARKS.open_statuses)))
    elif status == "closed":
        q = q.where(TrademarkCase.status.is_in(list(TRADEMARKS.final_statuses)))
    elif status in TRADEMARKS.statuses:
        q = q.where(TrademarkCase.status == status)
    if assigned == "me":
        q = q.where(TrademarkCase.assigned_staff == user.id)
    elif assigned == "none":
        q = q.where(TrademarkCase.assigned_staff.is_null())
    cases = await q.order_by(TrademarkCase.id, ascending=False).limit(500).run()
    words = config.fold(query).split() if query else []
    return [
        c
        for c in cases
        if all(
            w in config.fold(f"{c.mark_name} {c.organisation_name} {c.application_number}")
            for w in words
        )
    ]


async def _nearest_deadlines(ids: list[int]) -> dict[int, dict[str, Any]]:
    """Each case's soonest open deadline."""
    if not ids:
        return {}
    rows = (
        await TrademarkDeadline.select(
            TrademarkDeadline.trademark_case,
            TrademarkDeadline.name,
            TrademarkDeadline.due,
            TrademarkDeadline.party,
        )
        .where(TrademarkDeadline.trademark_case.is_in(ids) & TrademarkDeadline.active.eq(True))
        .order_by(TrademarkDeadline.due)
        .run()
    )
    nearest: dict[int, dict[str, Any]] = {}
    for r in rows:
        nearest.setdefault(r["trademark_case"], r)
    return nearest


async def list_cases(
    user: User,
    *,
    status: str | None = None,
    assigned: str | None = None,
    query: str | None = None,
) -> list[CaseRow]:
    """A member's own cases; for staff, every case, filtered by status (a state, or the groups
    open and closed), by assignment (me, none) and by words of the mark or organisation. Cases
    with the nearest deadline come first."""
    cases = await _cases_for(user, status, assigned, query)
    nearest = await _nearest_deadlines([c.id for c in cases])
    users = await users_by_id(
        {c.assigned_staff or 0 for c in cases} | {c.owner or 0 for c in cases}
    )
    today = today_local()
    result = []
    for c in cases:
        found = nearest.get(c.id)
        view = None
        if found:
            durations = config.durations_on(c.filing_date or today)
            view = DeadlineView.of(found["name"], found["due"], found["party"], durations, today)
        staff_name = users[c.assigned_staff].name if c.assigned_staff in users else ""
        owner_name = users[c.owner].name if c.owner in users else ""
        result.append(CaseRow(c, view, staff_name, owner_name))
    far = date.max
    result.sort(key=lambda r: (r.next_deadline.due if r.next_deadline else far, -r.case.id))
    return result


async def staff_members() -> list[User]:
    return (
        await User.objects()
        .where(User.role.is_in(list(STAFF)) & User.is_active.eq(True))
        .order_by(User.name)
        .run()
    )


# -- read models for other floors (calendars, reports) -----------------------------------------


async def consultation_booking_ids_for_member(user_id: int) -> list[int]:
    """Bookings of the consultations on the member's own cases (for the member's feed)."""
    rows = (
        await TrademarkConsultation.select(TrademarkConsultation.booking)
        .where(
            (TrademarkConsultation.trademark_case.owner == user_id)  # type: ignore[attr-defined]
            & TrademarkConsultation.booking.is_not_null()
        )
        .run()
    )
    return [r["booking"] for r in rows]


async def deadlines_for_staff(staff_id: int, first: date, last: date) -> list[dict[str, Any]]:
    """Open deadlines of the cases a staff member is assigned, between two local dates (both
    included), for the staff calendar: ``{"id", "case_id", "mark_name", "name", "label", "due"}``.
    """
    rows = (
        await TrademarkDeadline.select(
            TrademarkDeadline.id,
            TrademarkDeadline.name,
            TrademarkDeadline.due,
            TrademarkDeadline.updated_at,
            TrademarkDeadline.trademark_case.id.as_alias("case_id"),
            TrademarkDeadline.trademark_case.mark_name.as_alias("mark_name"),
            TrademarkDeadline.trademark_case.filing_date.as_alias("filing_date"),
        )
        .where(
            TrademarkDeadline.active.eq(True)
            & (TrademarkDeadline.trademark_case.assigned_staff == staff_id)  # type: ignore[attr-defined]
            & (TrademarkDeadline.due >= first)
            & (TrademarkDeadline.due <= last)
        )
        .order_by(TrademarkDeadline.due)
        .run()
    )
    result = []
    for r in rows:
        durations = config.durations_on(r["filing_date"] or today_local())
        label = durations.periods[DEADLINE_PERIODS[r["name"]]].label
        keep = ("id", "case_id", "mark_name", "name", "due", "updated_at")
        result.append({**{k: r[k] for k in keep}, "label": label})
    return result


GUIDED_ACTIONS = [
    "trademark.created",
    "trademark.event",
    "trademark.consultation_booked",
    "trademark.classes_changed",
]


async def organisations_guided(first: date, last: date) -> int:
    """Organisations the centre guided in a period (local dates, both ends included): those
    with a case opened, a consultation booked or a timeline step recorded in it. One
    organisation is one member account, or one organisation name for cases without one."""
    start = datetime.combine(first, datetime.min.time(), LOCAL_TZ)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), LOCAL_TZ)
    active_ids = {
        r["record_id"]
        for r in await audit.AuditEntry.select(audit.AuditEntry.record_id)
        .where(
            (audit.AuditEntry.record_type == RECORD_TYPE)
            & (audit.AuditEntry.at >= start)
            & (audit.AuditEntry.at < end)
            & audit.AuditEntry.action.is_in(GUIDED_ACTIONS)
        )
        .run()
    }
    ids = [int(i) for i in active_ids if str(i).isdigit()]
    if not ids:
        return 0
    rows = (
        await TrademarkCase.select(TrademarkCase.owner, TrademarkCase.organisation_name)
        .where(TrademarkCase.id.is_in(ids))
        .run()
    )
    keys = {
        f"user:{r['owner']}" if r["owner"] else "name:" + config.fold(r["organisation_name"])
        for r in rows
    }
    return len(keys)
