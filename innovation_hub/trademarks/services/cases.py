"""Opening a case, checking what it holds, changing its goods and services, assigning it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from innovation_hub.accounts.tables import User
from innovation_hub.core.auth import STAFF
from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import FormInvalid, RuleBroken
from innovation_hub.core.i18n import gettext as _
from innovation_hub.trademarks import config, fees, workflow
from innovation_hub.trademarks.records import (
    ORGANISATION_KINDS,
    ClassEntry,
    class_counts,
    classes_json,
    get_case_for,
    is_staff,
    log,
    today_local,
)
from innovation_hub.trademarks.services.documents import Upload, attach_image, store_image
from innovation_hub.trademarks.tables import TrademarkCase, TrademarkDossierItem

MAX_ITEMS = 200
MAX_ITEM_LENGTH = 300
# Co-operatives and household businesses hold enterprise accounts; the case's organisation
# kind says which they are.
MEMBER_ROLES = ("startup", "enterprise")


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
    geographical_name: bool = False  # the mark contains a place name
    member_email: str = ""  # staff: the member account the case belongs to


def clean_items(raw: list[str]) -> list[str]:
    """Trimmed, non-empty, each once (in the order given)."""
    seen: dict[str, None] = {}
    for item in raw:
        text = " ".join(str(item).split())
        if text and text.casefold() not in {k.casefold() for k in seen}:
            seen[text] = None
    return list(seen)


def _class_errors(classes: list[ClassEntry]) -> tuple[dict[str, str], str | None]:
    try:
        fees.check_classes(class_counts(classes))
    except FormInvalid as exc:
        return exc.field_errors, exc.code
    for entry in classes:
        if len(entry.items) > MAX_ITEMS:
            return {"classes": _("At most %(n)s items per class.", n=MAX_ITEMS)}, "too_many_items"
        if any(len(item) > MAX_ITEM_LENGTH for item in entry.items):
            message = _("Describe each item in at most %(n)s characters.", n=MAX_ITEM_LENGTH)
            return {"classes": message}, "item_too_long"
    return {}, None


def cleaned_classes(classes: list[ClassEntry]) -> list[ClassEntry]:
    """Each class's items cleaned, the classes in number order."""
    cleaned = (ClassEntry(c.number, clean_items(c.items)) for c in classes)
    return sorted(cleaned, key=lambda c: c.number)


@dataclass
class _Refusals:
    """Every field refused, with the code of the first (what the API answers)."""

    errors: dict[str, str] = field(default_factory=dict)
    codes: list[str] = field(default_factory=list)

    def fail(self, name: str, message: str, code: str) -> None:
        self.errors.setdefault(name, message)
        self.codes.append(code)

    def check(self) -> None:
        if self.errors:
            raise FormInvalid(self.errors, code=self.codes[0])


def _too_long(refusals: _Refusals, name: str, value: str, limit: int, code: str) -> None:
    if len(value) > limit:
        refusals.fail(name, _("Use at most %(n)s characters.", n=limit), code)


def _check_case(actor: User, new: NewCase, refusals: _Refusals) -> NewCase:
    """The case's own fields cleaned; a member's organisation defaults to the account's."""
    mark_name = " ".join(new.mark_name.split())
    if not mark_name:
        refusals.fail("mark_name", _("Enter the mark's name or words."), "mark_name_required")
    _too_long(refusals, "mark_name", mark_name, 200, "mark_name_too_long")
    if new.mark_type not in workflow.MARK_TYPES:
        refusals.fail("mark_type", _("Choose one of the listed mark types."), "invalid_mark_type")
    organisation = " ".join(new.organisation_name.split())
    if not organisation and not is_staff(actor):
        organisation = actor.organisation_name.strip()
    if not organisation:
        message = _("Enter the organisation's name.")
        refusals.fail("organisation_name", message, "organisation_required")
    _too_long(refusals, "organisation_name", organisation, 200, "too_long")
    kind = new.organisation_kind.strip()
    if not kind and not is_staff(actor) and actor.role in ORGANISATION_KINDS:
        kind = actor.role
    if kind and kind not in ORGANISATION_KINDS:
        message = _("Choose one of the listed kinds.")
        refusals.fail("organisation_kind", message, "invalid_organisation_kind")
    _too_long(refusals, "notes", new.notes, 5000, "too_long")
    _too_long(refusals, "mark_description", new.mark_description, 2000, "too_long")
    classes = cleaned_classes(new.classes)
    class_errors, class_code = _class_errors(classes)
    for name, message in class_errors.items():
        refusals.fail(name, message, class_code or "invalid_class")
    return replace(
        new,
        mark_name=mark_name,
        classes=classes,
        organisation_name=organisation,
        notes=new.notes.strip(),
        mark_description=new.mark_description.strip(),
        organisation_kind=kind,
    )


async def _owner_of(actor: User, member_email: str, refusals: _Refusals) -> User | None:
    """The member account the case belongs to: the member's own, or the one staff name."""
    if actor.role in MEMBER_ROLES:
        return actor
    if not is_staff(actor):
        message = _(
            "Trademark guidance is for startups, enterprises, co-operatives and household "
            "businesses: open the case from a startup or enterprise account."
        )
        raise RuleBroken(message, code="role_not_allowed")
    if not member_email.strip():
        return None
    owner = (
        await User.objects()
        .where(
            (User.email == member_email.strip().lower())
            & User.is_active.eq(True)
            & User.role.is_in(list(MEMBER_ROLES))
        )
        .first()
        .run()
    )
    if owner is None:
        message = _("No startup or enterprise account has this email.")
        refusals.fail("member_email", message, "member_not_found")
    return owner


async def _validate_new(actor: User, new: NewCase) -> tuple[NewCase, User | None]:
    refusals = _Refusals()
    cleaned = _check_case(actor, new, refusals)
    owner = await _owner_of(actor, new.member_email, refusals)
    refusals.check()
    return cleaned, owner


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
    today = today_local()
    table = fees.fee_table_on(today)
    estimate = fees.case_estimate(
        class_counts(cleaned.classes),
        table.version,
        on=today,
        priority_claimed=cleaned.priority_claimed,
    )
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
            classes=classes_json(cleaned.classes),
            through_representative=cleaned.through_representative,
            priority_claimed=cleaned.priority_claimed,
            geographical_name=cleaned.geographical_name,
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
        detail = {
            "mark_name": case.mark_name,
            "mark_type": case.mark_type,
            "classes": [c.number for c in cleaned.classes],
            "fee_table": table.version,
        }
        await log(actor.id, case.id, "created", detail)
        if stored is not None and image is not None:
            await attach_image(actor, case, stored, image.filename, now)
    return case


async def update_classes(actor: User, case_id: int, classes: list[ClassEntry]) -> TrademarkCase:
    """Goods and services may change until the case is filed; the fee estimate follows with
    the case's own fee table version."""
    cleaned = cleaned_classes(classes)
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
        estimate = fees.case_estimate(
            class_counts(cleaned),
            case.fee_table_version,
            on=case.filing_date or today_local(),
            priority_claimed=case.priority_claimed,
        )
        await (
            TrademarkCase.update(
                {
                    TrademarkCase.classes: classes_json(cleaned),
                    TrademarkCase.fee_estimate: estimate.as_json(),
                    TrademarkCase.updated_at: utcnow(),
                }
            )
            .where(TrademarkCase.id == case.id)
            .run()
        )
        detail = {
            "classes": [c.number for c in cleaned],
            "items": sum(len(c.items) for c in cleaned),
            "total_vnd": estimate.total_vnd,
        }
        await log(actor.id, case.id, "classes_changed", detail)
    return await get_case_for(actor, case_id)


async def staff_user(staff_id: int) -> User:
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
    staff = await staff_user(staff_id)
    async with transaction():
        case = await get_case_for(actor, case_id)
        if case.assigned_staff == staff.id:
            return case
        case.assigned_staff = staff.id
        case.updated_at = utcnow()
        await case.save([TrademarkCase.assigned_staff, TrademarkCase.updated_at])
        detail = {"staff_id": staff.id, "staff_name": staff.name}
        await log(actor.id, case.id, "assigned", detail)
    return case
