"""Trademark guidance cases: every rule and every write. Pages and the JSON API call these.

An organisation sees only its own cases (another's is NotFound, never Forbidden); staff see all.
Every change writes an audit entry in the same transaction; the case's timeline is read back
from those entries, so the organisation sees exactly what was recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services as bookings
from innovation_hub.bookings.tables import Booking
from innovation_hub.core import audit, mail, uploads
from innovation_hub.core.auth import STAFF
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import Conflict, FormInvalid, NotFound, RuleBroken
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.i18n import use_locale
from innovation_hub.trademarks import config, workflow
from innovation_hub.trademarks.tables import (
    TrademarkCase,
    TrademarkConsultation,
    TrademarkDeadline,
    TrademarkDossierItem,
    TrademarkEvent,
    TrademarkFile,
)
from innovation_hub.trademarks.workflow import Deadline, EventInput, PastEvent

UPLOAD_AREA = "trademarks"
MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_DOSSIER_BYTES = 5 * 1024 * 1024
DOSSIER_TYPES = {**uploads.PDF_TYPES, **uploads.IMAGE_TYPES}
CHECKLIST_STATES = ("missing", "draft", "ready")
ORGANISATION_KINDS = ("startup", "enterprise", "cooperative", "household_business", "other")
CASE_ROLES = ("startup", "enterprise", "staff", "admin")
MAX_ITEMS = 200
MAX_ITEM_LENGTH = 300
RECORD_TYPE = "trademark_case"


def today_local() -> date:
    return utcnow().astimezone(LOCAL_TZ).date()


def is_staff(user: User) -> bool:
    return user.role in STAFF


def organisation_kind_label(kind: str) -> str:
    return {
        "startup": _("Startup"),
        "enterprise": _("Enterprise"),
        "cooperative": _("Co-operative"),
        "household_business": _("Household business"),
        "other": _("Other organisation"),
        "": _("Not stated"),
    }.get(kind, kind)


def checklist_state_label(state: str) -> str:
    return {"missing": _("Missing"), "draft": _("Draft"), "ready": _("Ready")}.get(state, state)


# -- input -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassEntry:
    number: int
    items: list[str]


@dataclass(frozen=True)
class NewCase:
    mark_name: str
    mark_type: str
    classes: list[ClassEntry]
    organisation_name: str = ""
    notes: str = ""
    mark_description: str = ""
    organisation_kind: str = ""
    through_representative: bool = False
    priority_claimed: bool = False
    member_email: str = ""  # staff: the member account the case belongs to


@dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str = ""


def clean_items(raw: list[str]) -> list[str]:
    """Trimmed, non-empty, each once (in the order given)."""
    seen: dict[str, None] = {}
    for item in raw:
        text = " ".join(str(item).split())
        if text and text.casefold() not in {k.casefold() for k in seen}:
            seen[text] = None
    return list(seen)


def class_counts(classes: list[ClassEntry]) -> list[config.ClassCount]:
    return [config.ClassCount(number=c.number, items=len(c.items)) for c in classes]


def _class_errors(classes: list[ClassEntry]) -> tuple[dict[str, str], str | None]:
    try:
        config.check_classes(class_counts(classes))
    except FormInvalid as exc:
        return exc.field_errors, exc.code
    for entry in classes:
        if len(entry.items) > MAX_ITEMS:
            return {"classes": _("At most %(n)s items per class.", n=MAX_ITEMS)}, "too_many_items"
        if any(len(item) > MAX_ITEM_LENGTH for item in entry.items):
            message = _("Describe each item in at most %(n)s characters.", n=MAX_ITEM_LENGTH)
            return {"classes": message}, "item_too_long"
    return {}, None


async def _member_by_email(email: str) -> User | None:
    return (
        await User.objects()
        .where(
            (User.email == email.strip().lower())
            & User.is_active.eq(True)
            & User.role.is_in(["startup", "enterprise"])
        )
        .first()
        .run()
    )


async def _validate_new(actor: User, new: NewCase) -> tuple[NewCase, User | None]:
    errors: dict[str, str] = {}
    codes: list[str] = []

    def fail(name: str, message: str, code: str) -> None:
        errors.setdefault(name, message)
        codes.append(code)

    mark_name = " ".join(new.mark_name.split())
    if not mark_name:
        fail("mark_name", _("Enter the mark's name or words."), "mark_name_required")
    elif len(mark_name) > 200:
        fail("mark_name", _("Use at most %(n)s characters.", n=200), "mark_name_too_long")
    if new.mark_type not in workflow.MARK_TYPES:
        fail("mark_type", _("Choose one of the listed mark types."), "invalid_mark_type")
    organisation = " ".join(new.organisation_name.split())
    if not organisation and not is_staff(actor):
        organisation = actor.organisation_name.strip()
    if not organisation:
        fail("organisation_name", _("Enter the organisation's name."), "organisation_required")
    elif len(organisation) > 200:
        fail("organisation_name", _("Use at most %(n)s characters.", n=200), "too_long")
    kind = new.organisation_kind.strip()
    if not kind and not is_staff(actor) and actor.role in ORGANISATION_KINDS:
        kind = actor.role
    if kind and kind not in ORGANISATION_KINDS:
        fail("organisation_kind", _("Choose one of the listed kinds."), "invalid_organisation_kind")
    if len(new.notes) > 5000:
        fail("notes", _("Use at most %(n)s characters.", n=5000), "too_long")
    if len(new.mark_description) > 2000:
        fail("mark_description", _("Use at most %(n)s characters.", n=2000), "too_long")
    classes = [ClassEntry(c.number, clean_items(c.items)) for c in new.classes]
    class_errors, class_code = _class_errors(classes)
    for name, message in class_errors.items():
        fail(name, message, class_code or "invalid_class")
    owner: User | None = None
    if is_staff(actor):
        if new.member_email.strip():
            owner = await _member_by_email(new.member_email)
            if owner is None:
                fail(
                    "member_email",
                    _("No startup or enterprise account has this email."),
                    "member_not_found",
                )
    elif actor.role in ("startup", "enterprise"):
        owner = actor
    else:
        raise RuleBroken(
            _("Trademark guidance is for startups and enterprises."), code="role_not_allowed"
        )
    if errors:
        raise FormInvalid(errors, code=codes[0])
    cleaned = NewCase(
        mark_name=mark_name,
        mark_type=new.mark_type,
        classes=sorted(classes, key=lambda c: c.number),
        organisation_name=organisation,
        notes=new.notes.strip(),
        mark_description=new.mark_description.strip(),
        organisation_kind=kind,
        through_representative=new.through_representative,
        priority_claimed=new.priority_claimed,
        member_email=new.member_email,
    )
    return cleaned, owner


def _classes_json(classes: list[ClassEntry]) -> list[dict[str, Any]]:
    return [{"number": c.number, "items": c.items} for c in classes]


def case_classes(case: TrademarkCase) -> list[ClassEntry]:
    raw = case.classes
    if isinstance(raw, str):
        import json

        raw = json.loads(raw)
    return [ClassEntry(int(c["number"]), [str(i) for i in c.get("items", [])]) for c in raw or []]


def store_image(var_dir: Path, upload: Upload) -> uploads.StoredFile:
    return uploads.store(
        var_dir,
        UPLOAD_AREA,
        upload.data,
        allowed=uploads.IMAGE_TYPES,
        max_bytes=MAX_IMAGE_BYTES,
        field="image",
    )


# -- opening a case --------------------------------------------------------------------------


async def create_case(
    actor: User, new: NewCase, *, image: Upload | None = None, var_dir: Path | None = None
) -> TrademarkCase:
    """Opens a case (status intake) with its checklist; the fee estimate uses the table in force
    today and stays with the case. A sample image, when given, must be a PNG or JPEG."""
    cleaned, owner = await _validate_new(actor, new)
    stored = None
    if image is not None and image.data:
        if var_dir is None:
            raise ValueError("var_dir is needed to keep an upload")
        stored = store_image(var_dir, image)
    table = config.fee_table_on(today_local())
    estimate = config.estimate(class_counts(cleaned.classes), table)
    now = utcnow()
    async with transaction():
        case = TrademarkCase(
            status="intake",
            mark_name=cleaned.mark_name,
            mark_type=cleaned.mark_type,
            mark_description=cleaned.mark_description,
            organisation_name=cleaned.organisation_name,
            organisation_kind=cleaned.organisation_kind,
            owner=owner.id if owner else None,
            created_by=actor.id,
            assigned_staff=actor.id if is_staff(actor) else None,
            notes=cleaned.notes,
            classes=_classes_json(cleaned.classes),
            through_representative=cleaned.through_representative,
            priority_claimed=cleaned.priority_claimed,
            fee_table_version=table.version,
            fee_estimate=estimate.as_json(),
            created_at=now,
            updated_at=now,
        )
        await case.save()
        for item in config.dossier_items():
            await TrademarkDossierItem(
                trademark_case=case.id, code=item.code, state="missing", updated_at=now
            ).save()
        await audit.record(
            actor_id=actor.id,
            action="trademark.created",
            record_type=RECORD_TYPE,
            record_id=case.id,
            detail={
                "mark_name": case.mark_name,
                "mark_type": case.mark_type,
                "classes": [c.number for c in cleaned.classes],
                "fee_table": table.version,
            },
        )
        if stored is not None and image is not None:
            await _attach_image(actor, case, stored, image.filename, now)
    return case


async def _attach_image(
    actor: User, case: TrademarkCase, stored: uploads.StoredFile, filename: str, now: datetime
) -> TrademarkFile:
    row = TrademarkFile(
        trademark_case=case.id,
        purpose="mark_image",
        item_code="mark_samples",
        stored_name=stored.name,
        original_name=_safe_name(filename, stored),
        content_type=stored.content_type,
        size=stored.size,
        uploaded_by=actor.id,
        uploaded_at=now,
    )
    await row.save()
    case.image_file = row.id
    case.updated_at = now
    await case.save([TrademarkCase.image_file, TrademarkCase.updated_at])
    await _raise_item_to_draft(case.id, "mark_samples", actor, now)
    await audit.record(
        actor_id=actor.id,
        action="trademark.image",
        record_type=RECORD_TYPE,
        record_id=case.id,
        detail={"file_id": row.id, "name": row.original_name},
    )
    return row


def _safe_name(filename: str, stored: uploads.StoredFile) -> str:
    name = Path(filename or "").name.strip()[:150]
    return name or stored.name


async def _raise_item_to_draft(case_id: int, code: str, actor: User, now: datetime) -> None:
    await (
        TrademarkDossierItem.update(
            {
                TrademarkDossierItem.state: "draft",
                TrademarkDossierItem.updated_by: actor.id,
                TrademarkDossierItem.updated_at: now,
            }
        )
        .where(
            (TrademarkDossierItem.trademark_case == case_id)
            & (TrademarkDossierItem.code == code)
            & (TrademarkDossierItem.state == "missing")
        )
        .run()
    )


# -- reading ---------------------------------------------------------------------------------


async def get_case_for(user: User, case_id: int) -> TrademarkCase:
    """The case when ``user`` may see it: staff any, a member its own; otherwise NotFound."""
    query = TrademarkCase.objects().where(TrademarkCase.id == case_id)
    if not is_staff(user):
        query = query.where(TrademarkCase.owner == user.id)
    case = await query.output(load_json=True).first().run()
    if case is None:
        raise NotFound(_("No such trademark case."), code="case_not_found")
    return case


async def history_of(case_id: int) -> list[PastEvent]:
    rows = (
        await TrademarkEvent.select(
            TrademarkEvent.event_type, TrademarkEvent.event_date, TrademarkEvent.detail
        )
        .where(TrademarkEvent.trademark_case == case_id)
        .order_by(TrademarkEvent.id)
        .output(load_json=True)
        .run()
    )
    return [PastEvent(r["event_type"], r["event_date"], r["detail"] or {}) for r in rows]


@dataclass(frozen=True)
class DeadlineView:
    name: str
    due: date
    party: str
    label: str
    basis: str
    days_left: int


def deadline_views(history: list[PastEvent]) -> tuple[list[DeadlineView], config.Durations]:
    today = today_local()
    durations = workflow.durations_for(history, today)
    views = [
        DeadlineView(
            name=d.name,
            due=d.due,
            party=d.party,
            label=d.label(durations),
            basis=d.basis(durations),
            days_left=(d.due - today).days,
        )
        for d in workflow.deadlines(history, durations)
    ]
    return views, durations


@dataclass(frozen=True)
class FileView:
    id: int
    name: str
    content_type: str
    size: int
    uploaded_at: datetime


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
    estimate: config.Estimate
    fee_table: config.FeeTable
    checklist: list[ChecklistRow]
    consultations: list[ConsultationView]
    timeline: list[TimelineEntry]
    owner: User | None
    staff: User | None
    image: FileView | None
    expiry: date | None = None
    missing_required: list[str] = field(default_factory=list)


async def _users_by_id(ids: set[int]) -> dict[int, User]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u for u in await User.objects().where(User.id.is_in(list(ids))).run()}


def _file_view(row: TrademarkFile) -> FileView:
    return FileView(row.id, row.original_name, row.content_type, row.size, row.uploaded_at)


async def case_view(case: TrademarkCase) -> CaseView:
    """Everything the case pages and the API show about one case."""
    classes = case_classes(case)
    history = await history_of(case.id)
    deadlines, durations = deadline_views(history)
    table = config.fee_table(case.fee_table_version)
    estimate = config.estimate(class_counts(classes), table) if classes else None
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
    items = {
        row.code: row
        for row in await TrademarkDossierItem.objects()
        .where(TrademarkDossierItem.trademark_case == case.id)
        .run()
    }
    checklist = []
    for item in config.dossier_items():
        row = items.get(item.code)
        checklist.append(
            ChecklistRow(
                code=item.code,
                label=item.label,
                state=row.state if row else "missing",
                required=item.required(
                    mark_type=case.mark_type,
                    representative=case.through_representative,
                    priority=case.priority_claimed,
                ),
                files=[_file_view(f) for f in files if f.item_code == item.code],
            )
        )
    consultation_rows = (
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
        .where(TrademarkConsultation.trademark_case == case.id)
        .order_by(TrademarkConsultation.id)
        .run()
    )
    consultations = [
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
        for r in consultation_rows
    ]
    entries = (
        await audit.AuditEntry.select()
        .where(
            (audit.AuditEntry.record_type == RECORD_TYPE)
            & (audit.AuditEntry.record_id == str(case.id))
        )
        .order_by(audit.AuditEntry.id)
        .output(load_json=True)
        .run()
    )
    users = await _users_by_id(
        {e["actor_id"] for e in entries if e["actor_id"]}
        | {case.owner or 0, case.assigned_staff or 0}
    )
    timeline = [
        TimelineEntry(
            at=e["at"],
            action=e["action"],
            actor_name=users[e["actor_id"]].name if e["actor_id"] in users else "",
            detail=e["detail"] if isinstance(e["detail"], dict) else {},
        )
        for e in entries
    ]
    image = next((f for f in files if f.id == case.image_file), None)
    view = CaseView(
        case=case,
        classes=classes,
        history=history,
        events=events,
        deadlines=deadlines,
        durations=durations,
        estimate=estimate or _empty_estimate(table),
        fee_table=table,
        checklist=checklist,
        consultations=consultations,
        timeline=timeline,
        owner=users.get(case.owner) if case.owner else None,
        staff=users.get(case.assigned_staff) if case.assigned_staff else None,
        image=_file_view(image) if image else None,
        expiry=workflow.protection_expiry(history, durations),
    )
    view.missing_required = [r.label for r in checklist if r.required and r.state != "ready"]
    return view


def _empty_estimate(table: config.FeeTable) -> config.Estimate:
    return config.Estimate(
        version=table.version,
        valid_from=table.valid_from,
        legal_basis=table.legal_basis,
        class_items=table.class_items,
        total_vnd=0,
        lines=[],
    )


@dataclass(frozen=True)
class CaseRow:
    case: TrademarkCase
    next_deadline: DeadlineView | None
    staff_name: str
    owner_name: str


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
    q = TrademarkCase.objects()
    if not is_staff(user):
        q = q.where(TrademarkCase.owner == user.id)
    if status == "open":
        q = q.where(TrademarkCase.status.is_in(list(workflow.OPEN_STATUSES)))
    elif status == "closed":
        q = q.where(TrademarkCase.status.is_in(list(workflow.FINAL)))
    elif status in workflow.STATUSES:
        q = q.where(TrademarkCase.status == status)
    if assigned == "me":
        q = q.where(TrademarkCase.assigned_staff == user.id)
    elif assigned == "none":
        q = q.where(TrademarkCase.assigned_staff.is_null())
    cases = await q.order_by(TrademarkCase.id, ascending=False).limit(500).run()
    if query and query.strip():
        words = config.fold(query).split()
        cases = [
            c
            for c in cases
            if all(
                w in config.fold(f"{c.mark_name} {c.organisation_name} {c.application_number}")
                for w in words
            )
        ]
    ids = [c.id for c in cases]
    nearest: dict[int, tuple[str, date, str]] = {}
    if ids:
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
        for r in rows:
            nearest.setdefault(r["trademark_case"], (r["name"], r["due"], r["party"]))
    users = await _users_by_id(
        {c.assigned_staff or 0 for c in cases} | {c.owner or 0 for c in cases}
    )
    today = today_local()
    result = []
    for c in cases:
        found = nearest.get(c.id)
        view = None
        if found:
            durations = config.durations_on(c.filing_date or today)
            period = workflow.DEADLINE_PERIODS[found[0]]
            view = DeadlineView(
                name=found[0],
                due=found[1],
                party=found[2],
                label=durations.periods[period].label,
                basis=durations.periods[period].basis,
                days_left=(found[1] - today).days,
            )
        result.append(
            CaseRow(
                case=c,
                next_deadline=view,
                staff_name=users[c.assigned_staff].name if c.assigned_staff in users else "",
                owner_name=users[c.owner].name if c.owner in users else "",
            )
        )
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


# -- the statutory timeline ------------------------------------------------------------------


def _reminder_dates(due: date, days_before: tuple[int, ...]) -> list[date]:
    return sorted({due - timedelta(days=d) for d in days_before} | {due})


def first_reminder(due: date, today: date, days_before: tuple[int, ...]) -> date | None:
    """The day of the first reminder: the next reminder point, or today when one already
    passed (a deadline recorded late); none once the deadline itself has passed."""
    if due < today:
        return None
    points = _reminder_dates(due, days_before)
    if any(p < today for p in points):
        return today
    return points[0]


def reminder_after(due: date, sent_on: date, days_before: tuple[int, ...]) -> date | None:
    later = [d for d in _reminder_dates(due, days_before) if d > sent_on]
    return later[0] if later else None


async def _sync_deadlines(case: TrademarkCase, history: list[PastEvent]) -> list[Deadline]:
    """Keeps the stored deadlines (what reminders run from) equal to the computed ones."""
    today = today_local()
    durations = workflow.durations_for(history, today)
    computed = workflow.deadlines(history, durations)
    stored = {
        row.name: row
        for row in await TrademarkDeadline.objects()
        .where(TrademarkDeadline.trademark_case == case.id)
        .run()
    }
    now = utcnow()
    for deadline in computed:
        row = stored.pop(deadline.name, None)
        if row is not None and row.active and row.due == deadline.due:
            continue
        remind = first_reminder(deadline.due, today, durations.reminder_days_before)
        if row is None:
            await TrademarkDeadline(
                trademark_case=case.id,
                name=deadline.name,
                due=deadline.due,
                party=deadline.party,
                active=True,
                remind_on=remind,
                reminders_sent=0,
                updated_at=now,
            ).save()
        else:
            await (
                TrademarkDeadline.update(
                    {
                        TrademarkDeadline.due: deadline.due,
                        TrademarkDeadline.party: deadline.party,
                        TrademarkDeadline.active: True,
                        TrademarkDeadline.remind_on: remind,
                        TrademarkDeadline.reminders_sent: 0,
                        TrademarkDeadline.updated_at: now,
                    }
                )
                .where(TrademarkDeadline.id == row.id)
                .run()
            )
    closed = [row.id for row in stored.values() if row.active]
    if closed:
        await (
            TrademarkDeadline.update(
                {
                    TrademarkDeadline.active: False,
                    TrademarkDeadline.remind_on: None,
                    TrademarkDeadline.updated_at: now,
                }
            )
            .where(TrademarkDeadline.id.is_in(closed))
            .run()
        )
    return computed


def _check_workflow_rules(case: TrademarkCase, event: EventInput, history: list[PastEvent]) -> None:
    """Rules beyond the state table: what the history must already hold."""
    types = [e.type for e in history]
    if event.type == "published" and "formality_accepted" not in types:
        raise RuleBroken(
            _("Record the acceptance as a valid application before the publication."),
            code="formality_not_accepted",
        )
    if event.type in ("formality_accepted", "defect_notice") and "formality_accepted" in types:
        raise RuleBroken(
            _("The application was already accepted as valid."), code="already_accepted"
        )
    if event.type == "response":
        durations = workflow.durations_for(history, today_local())
        pending = {d.name for d in workflow.deadlines(history, durations)}
        if not pending & {"defect_response", "office_action_response"}:
            raise RuleBroken(
                _("There is no notice waiting for an answer."), code="nothing_to_answer"
            )


async def record_event(
    actor: User, case_id: int, event: EventInput, *, base_url: str = ""
) -> TrademarkCase:
    """Staff record a step of the timeline; the status and the deadlines follow from it.
    A step that cannot follow the current status is a 422 with a code."""
    event = EventInput(
        type=event.type.strip(),
        date=event.date,
        application_number=event.application_number.strip(),
        certificate_number=event.certificate_number.strip(),
        result=event.result.strip(),
        stage=event.stage.strip(),
        response_due=event.response_due,
        note=event.note.strip(),
    )
    async with transaction():
        case = await get_case_for(actor, case_id)
        history = await history_of(case.id)
        before = case.status
        after = workflow.check_event(before, event, history, filing_date=case.filing_date)
        _check_workflow_rules(case, event, history)
        now = utcnow()
        changes: dict[Any, Any] = {TrademarkCase.status: after, TrademarkCase.updated_at: now}
        if event.type == "filed":
            changes[TrademarkCase.application_number] = event.application_number
            changes[TrademarkCase.filing_date] = event.date
        if event.type == "granted":
            changes[TrademarkCase.certificate_number] = event.certificate_number
            changes[TrademarkCase.grant_date] = event.date
        if after in workflow.FINAL:
            changes[TrademarkCase.closed_at] = now
        updated = (
            await TrademarkCase.update(changes)
            .where((TrademarkCase.id == case.id) & (TrademarkCase.status == before))
            .returning(TrademarkCase.id)
            .run()
        )
        if not updated:
            raise Conflict(
                _("Someone changed this case meanwhile. Reload it and try again."),
                code="case_changed",
            )
        detail = event.detail()
        await TrademarkEvent(
            trademark_case=case.id,
            event_type=event.type,
            event_date=event.date,
            detail=detail,
            status_before=before,
            status_after=after,
            recorded_by=actor.id,
            recorded_at=now,
        ).save()
        history.append(PastEvent(event.type, event.date, detail))
        deadlines = await _sync_deadlines(case, history)
        durations = workflow.durations_for(history, today_local())
        expiry = workflow.protection_expiry(history, durations)
        if expiry is not None:
            await (
                TrademarkCase.update({TrademarkCase.expiry_date: expiry})
                .where(TrademarkCase.id == case.id)
                .run()
            )
        await audit.record(
            actor_id=actor.id,
            action="trademark.event",
            record_type=RECORD_TYPE,
            record_id=case.id,
            detail={
                "type": event.type,
                "date": event.date.isoformat(),
                "status_before": before,
                "status_after": after,
                **detail,
            },
        )
        if event.type != "stage":

            def update_context() -> dict[str, Any]:
                return {
                    "event_text": workflow.event_label(event.type, detail),
                    "event_date": event.date,
                    "event_detail": detail,
                    "status_text": workflow.status_label(after),
                    "deadlines": [(d.label(durations), d.due) for d in deadlines],
                }

            await _notify_owner(case, "trademark_update", update_context, base_url=base_url)
    return await get_case_for(actor, case_id)


async def _notify_owner(
    case: TrademarkCase,
    template: str,
    build: Callable[[], dict[str, Any]],
    *,
    base_url: str,
) -> None:
    """Queues an email to the case's member account, worded in the member's language."""
    if not case.owner:
        return
    owner = (
        await User.objects().where((User.id == case.owner) & User.is_active.eq(True)).first().run()
    )
    if owner is None:
        return
    with use_locale(owner.locale):
        context = build()
    await mail.enqueue(
        to=owner.email,
        template=template,
        context={
            "case": case,
            "name": owner.name,
            "link": f"{base_url}/trademarks/cases/{case.id}",
            **context,
        },
        locale=owner.locale,
    )


# -- staff, consultations, classes -------------------------------------------------------------


async def _staff_user(staff_id: int) -> User:
    staff = (
        await User.objects()
        .where((User.id == staff_id) & User.role.is_in(list(STAFF)) & User.is_active.eq(True))
        .first()
        .run()
    )
    if staff is None:
        raise FormInvalid({"staff_id": _("Choose a member of staff.")}, code="staff_not_found")
    return staff


async def assign(actor: User, case_id: int, staff_id: int) -> TrademarkCase:
    staff = await _staff_user(staff_id)
    async with transaction():
        case = await get_case_for(actor, case_id)
        if case.assigned_staff == staff.id:
            return case
        case.assigned_staff = staff.id
        case.updated_at = utcnow()
        await case.save([TrademarkCase.assigned_staff, TrademarkCase.updated_at])
        await audit.record(
            actor_id=actor.id,
            action="trademark.assigned",
            record_type=RECORD_TYPE,
            record_id=case.id,
            detail={"staff_id": staff.id, "staff_name": staff.name},
        )
    return case


async def book_consultation(
    actor: User,
    case_id: int,
    *,
    resource_id: int,
    start: datetime,
    end: datetime,
    staff_id: int | None = None,
    topic: str = "",
    base_url: str = "",
) -> TrademarkConsultation:
    """Reserves a room on the staff member's calendar (a booking of kind consultation, in
    their staff feed) and shows it on the case. A taken room is a 409 and changes nothing."""
    topic = " ".join(topic.split())
    if len(topic) > 300:
        raise FormInvalid({"topic": _("Use at most %(n)s characters.", n=300)}, code="too_long")
    async with transaction():
        case = await get_case_for(actor, case_id)
        if case.status in workflow.FINAL:
            raise RuleBroken(_("This case is closed."), code="case_closed")
        staff = await _staff_user(staff_id or case.assigned_staff or actor.id)
        reason = _("Trademark consultation") + f": {case.mark_name} – {case.organisation_name}"
        booking = await bookings.create_block(
            staff, resource_id, start, end, reason=reason[:300], kind="consultation", attendees=2
        )
        now = utcnow()
        consultation = TrademarkConsultation(
            trademark_case=case.id,
            booking=booking.id,
            staff=staff.id,
            topic=topic,
            created_by=actor.id,
            created_at=now,
        )
        await consultation.save()
        changes: dict[Any, Any] = {TrademarkCase.updated_at: now}
        if case.assigned_staff is None:
            changes[TrademarkCase.assigned_staff] = staff.id
        if case.status == "intake":
            changes[TrademarkCase.status] = "consultation"
        await TrademarkCase.update(changes).where(TrademarkCase.id == case.id).run()
        resource_name = (
            await Booking.select(Booking.resource.name.as_alias("name"))
            .where(Booking.id == booking.id)
            .first()
            .run()
        )
        await audit.record(
            actor_id=actor.id,
            action="trademark.consultation_booked",
            record_type=RECORD_TYPE,
            record_id=case.id,
            detail={
                "consultation_id": consultation.id,
                "booking_id": booking.id,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "staff_name": staff.name,
                "resource_name": resource_name["name"] if resource_name else "",
                **({"status_after": "consultation"} if case.status == "intake" else {}),
            },
        )
        place = resource_name["name"] if resource_name else ""
        await _notify_owner(
            case,
            "trademark_consultation",
            lambda: {
                "start": start,
                "end": end,
                "staff_name": staff.name,
                "place": place,
                "topic": topic,
            },
            base_url=base_url,
        )
    return consultation


async def cancel_consultation(
    actor: User, case_id: int, consultation_id: int, *, reason: str = ""
) -> None:
    async with transaction():
        case = await get_case_for(actor, case_id)
        consultation = (
            await TrademarkConsultation.objects()
            .where(
                (TrademarkConsultation.id == consultation_id)
                & (TrademarkConsultation.trademark_case == case.id)
            )
            .first()
            .run()
        )
        if consultation is None:
            raise NotFound(_("No such consultation."), code="consultation_not_found")
        if consultation.booking is not None:
            await bookings.release(
                actor, consultation.booking, reason=reason or _("Consultation cancelled")
            )
        await audit.record(
            actor_id=actor.id,
            action="trademark.consultation_cancelled",
            record_type=RECORD_TYPE,
            record_id=case.id,
            detail={"consultation_id": consultation.id, "reason": reason},
        )


async def update_classes(actor: User, case_id: int, classes: list[ClassEntry]) -> TrademarkCase:
    """Goods and services may change until the case is filed; the fee estimate follows with
    the case's own fee table version."""
    cleaned = sorted(
        (ClassEntry(c.number, clean_items(c.items)) for c in classes), key=lambda c: c.number
    )
    errors, code = _class_errors(cleaned)
    if errors:
        raise FormInvalid(errors, code=code)
    async with transaction():
        case = await get_case_for(actor, case_id)
        if case.status not in workflow.PRE_FILING:
            raise RuleBroken(
                _("Goods and services cannot change once the application is filed."),
                code="classes_locked",
            )
        table = config.fee_table(case.fee_table_version)
        estimate = config.estimate(class_counts(cleaned), table)
        await (
            TrademarkCase.update(
                {
                    TrademarkCase.classes: _classes_json(cleaned),
                    TrademarkCase.fee_estimate: estimate.as_json(),
                    TrademarkCase.updated_at: utcnow(),
                }
            )
            .where(TrademarkCase.id == case.id)
            .run()
        )
        await audit.record(
            actor_id=actor.id,
            action="trademark.classes_changed",
            record_type=RECORD_TYPE,
            record_id=case.id,
            detail={
                "classes": [c.number for c in cleaned],
                "items": sum(len(c.items) for c in cleaned),
                "total_vnd": estimate.total_vnd,
            },
        )
    return await get_case_for(actor, case_id)


# -- dossier checklist and files ---------------------------------------------------------------


def _dossier_code(code: str) -> str:
    if code not in {item.code for item in config.dossier_items()}:
        raise NotFound(_("No such checklist item."), code="checklist_item_not_found")
    return code


async def set_checklist_state(
    actor: User, case_id: int, code: str, state: str, *, note: str | None = None
) -> TrademarkDossierItem:
    code = _dossier_code(code)
    if state not in CHECKLIST_STATES:
        raise FormInvalid(
            {"state": _("Choose missing, draft or ready.")}, code="invalid_checklist_state"
        )
    async with transaction():
        case = await get_case_for(actor, case_id)
        item = (
            await TrademarkDossierItem.objects()
            .where(
                (TrademarkDossierItem.trademark_case == case.id)
                & (TrademarkDossierItem.code == code)
            )
            .first()
            .run()
        )
        now = utcnow()
        if item is None:  # a case opened before this item was configured
            item = TrademarkDossierItem(trademark_case=case.id, code=code, state="missing")
            await item.save()
        before = item.state
        item.state = state
        if note is not None:
            item.note = note.strip()[:2000]
        item.updated_by = actor.id
        item.updated_at = now
        await item.save()
        if before != state:
            await audit.record(
                actor_id=actor.id,
                action="trademark.checklist",
                record_type=RECORD_TYPE,
                record_id=case.id,
                detail={"code": code, "from": before, "to": state},
            )
    return item


async def add_dossier_file(
    actor: User, case_id: int, code: str, upload: Upload, *, var_dir: Path
) -> TrademarkFile:
    """A PDF, PNG or JPEG (by content) for a checklist item; a missing item becomes draft."""
    code = _dossier_code(code)
    case = await get_case_for(actor, case_id)
    stored = uploads.store(
        var_dir,
        UPLOAD_AREA,
        upload.data,
        allowed=DOSSIER_TYPES,
        max_bytes=MAX_DOSSIER_BYTES,
        field="file",
    )
    now = utcnow()
    async with transaction():
        row = TrademarkFile(
            trademark_case=case.id,
            purpose="dossier",
            item_code=code,
            stored_name=stored.name,
            original_name=_safe_name(upload.filename, stored),
            content_type=stored.content_type,
            size=stored.size,
            uploaded_by=actor.id,
            uploaded_at=now,
        )
        await row.save()
        await _raise_item_to_draft(case.id, code, actor, now)
        await audit.record(
            actor_id=actor.id,
            action="trademark.file_uploaded",
            record_type=RECORD_TYPE,
            record_id=case.id,
            detail={"code": code, "file_id": row.id, "name": row.original_name},
        )
    return row


async def set_image(actor: User, case_id: int, upload: Upload, *, var_dir: Path) -> TrademarkFile:
    """The mark's sample image: a PNG or JPEG (checked by content) of at most 2 MB."""
    case = await get_case_for(actor, case_id)
    stored = store_image(var_dir, upload)
    async with transaction():
        return await _attach_image(actor, case, stored, upload.filename, utcnow())


async def read_file(
    user: User, case_id: int, file_id: int, *, var_dir: Path
) -> tuple[bytes, str, str]:
    case = await get_case_for(user, case_id)
    row = (
        await TrademarkFile.objects()
        .where((TrademarkFile.id == file_id) & (TrademarkFile.trademark_case == case.id))
        .first()
        .run()
    )
    if row is None:
        raise NotFound(_("No such file."), code="file_not_found")
    try:
        data = uploads.read(var_dir, UPLOAD_AREA, row.stored_name)
    except FileNotFoundError as exc:
        raise NotFound(_("No such file."), code="file_not_found") from exc
    return data, row.content_type, row.original_name


# -- reminders ---------------------------------------------------------------------------------


async def send_due_reminders(*, base_url: str, today: date | None = None, batch: int = 50) -> int:
    """Emails the reminders that are due. Each deadline's reminder is claimed with a conditional
    UPDATE … RETURNING in the same transaction as its emails, so two instances never send the
    same one. Returns how many deadlines were reminded."""
    today = today or today_local()
    due_rows = (
        await TrademarkDeadline.select(
            TrademarkDeadline.id,
            TrademarkDeadline.trademark_case,
            TrademarkDeadline.name,
            TrademarkDeadline.due,
            TrademarkDeadline.party,
            TrademarkDeadline.remind_on,
        )
        .where(
            TrademarkDeadline.active.eq(True)
            & TrademarkDeadline.remind_on.is_not_null()
            & (TrademarkDeadline.remind_on <= today)
        )
        .order_by(TrademarkDeadline.remind_on)
        .limit(batch)
        .run()
    )
    sent = 0
    for row in due_rows:
        async with transaction():
            case = (
                await TrademarkCase.objects()
                .where(TrademarkCase.id == row["trademark_case"])
                .first()
                .run()
            )
            durations = config.durations_on(
                case.filing_date if case and case.filing_date else today
            )
            following = (
                reminder_after(row["due"], today, durations.reminder_days_before)
                if row["due"] >= today
                else None
            )
            claimed = (
                await TrademarkDeadline.update(
                    {
                        TrademarkDeadline.remind_on: following,
                        TrademarkDeadline.reminders_sent: TrademarkDeadline.reminders_sent + 1,
                        TrademarkDeadline.updated_at: utcnow(),
                    }
                )
                .where(
                    (TrademarkDeadline.id == row["id"])
                    & TrademarkDeadline.active.eq(True)
                    & (TrademarkDeadline.remind_on == row["remind_on"])
                )
                .returning(TrademarkDeadline.id)
                .run()
            )
            if not claimed or case is None or row["due"] < today:
                continue  # another instance took it, or the day passed unnoticed
            recipients = await _reminder_recipients(case, row["party"])
            period = durations.periods[workflow.DEADLINE_PERIODS[row["name"]]]
            for user in recipients:
                with use_locale(user.locale):
                    label, basis = period.label, period.basis
                await mail.enqueue(
                    to=user.email,
                    template="trademark_deadline",
                    context={
                        "case": case,
                        "name": user.name,
                        "label": label,
                        "basis": basis,
                        "due": row["due"],
                        "days_left": (row["due"] - today).days,
                        "party": row["party"],
                        "for_staff": is_staff(user),
                        "link": (
                            f"{base_url}/staff/trademarks/{case.id}"
                            if is_staff(user)
                            else f"{base_url}/trademarks/cases/{case.id}"
                        ),
                    },
                    locale=user.locale,
                )
            await audit.record(
                actor_id=None,
                action="trademark.reminder",
                record_type=RECORD_TYPE,
                record_id=case.id,
                detail={
                    "deadline": row["name"],
                    "due": row["due"].isoformat(),
                    "recipients": len(recipients),
                },
            )
            sent += 1
    return sent


async def _reminder_recipients(case: TrademarkCase, party: str) -> list[User]:
    """The assigned staff member always; the organisation too when it has to act."""
    ids = [case.assigned_staff] if case.assigned_staff else []
    if party in ("applicant", "owner") and case.owner:
        ids.append(case.owner)
    if not ids:
        return []
    return await User.objects().where(User.id.is_in(ids) & User.is_active.eq(True)).run()


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
        period = durations.periods[workflow.DEADLINE_PERIODS[r["name"]]]
        result.append(
            {
                "id": r["id"],
                "case_id": r["case_id"],
                "mark_name": r["mark_name"],
                "name": r["name"],
                "label": period.label,
                "due": r["due"],
                "updated_at": r["updated_at"],
            }
        )
    return result


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
            & audit.AuditEntry.action.is_in(
                [
                    "trademark.created",
                    "trademark.event",
                    "trademark.consultation_booked",
                    "trademark.classes_changed",
                ]
            )
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
