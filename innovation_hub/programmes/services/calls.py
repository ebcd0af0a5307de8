"""Calls for applications and their budgets. An approval reserves its amount from the
call's budget with one conditional UPDATE on the programme row, so the budget cannot be
overspent by decisions taken at the same moment, on SQLite or PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services as bookings
from innovation_hub.core import audit
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import FormInvalid, RuleBroken
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.timestamps import require_aware
from innovation_hub.programmes.catalogue import (
    DEFAULT_CRITERIA,
    DEFAULT_DOCUMENTS,
    NATIONAL_PROGRAMME,
    SHARE_SIZES,
    SUPPORT_TYPES,
)
from innovation_hub.programmes.services.access import found
from innovation_hub.programmes.services.checks import Problems
from innovation_hub.programmes.services.support import (
    MAX_BUDGET_VND,
    MAX_COST_VND,
    amount_error,
    dotted,
    remaining_budget,
)
from innovation_hub.programmes.tables import Programme, ProgrammeEvent


def programme_status(programme: Programme, now: datetime | None = None) -> str:
    now = now or utcnow()
    if now < programme.opens_at:
        return "upcoming"
    if now >= programme.closes_at:
        return "closed"
    return "open"


@dataclass
class SupportTerm:
    type: str
    cost_share_percent: int
    cap_vnd: int


@dataclass
class NewProgramme:
    name: str
    opens_at: datetime
    closes_at: datetime
    budget_vnd: int
    support_types: list[SupportTerm]
    year: int | None = None
    legal_basis: str = ""
    provincial_decision: str = ""
    description: str = ""
    eligibility: str = ""
    criteria: list[tuple[str, str]] | None = None  # (code, label); None: the built-in ones
    required_documents: list[tuple[str, str]] | None = None
    finance_basis: str = ""  # the Ministry of Finance's circular the call's spending follows
    # Per enterprise and year (0: no limit), and the cost share by size ({} : the items').
    max_approvals_per_enterprise: int = 0
    max_support_per_enterprise_vnd: int = 0
    size_shares: dict[str, int] | None = None


def _check_rules(values: dict[str, Any], problems: Problems) -> dict[Any, Any]:
    """The yearly limits per enterprise and the shares by size, as columns."""
    columns: dict[Any, Any] = {}
    if "max_approvals_per_enterprise" in values:
        most = values["max_approvals_per_enterprise"]
        if not isinstance(most, int) or not 0 <= most <= 100:
            problems.add(
                "max_approvals_per_enterprise",
                _("Give a whole number from 0 (no limit) to 100."),
                "invalid_limit",
            )
        columns[Programme.max_approvals_per_enterprise] = most
    if "max_support_per_enterprise_vnd" in values:
        most_vnd = values["max_support_per_enterprise_vnd"]
        if not isinstance(most_vnd, int) or not 0 <= most_vnd <= MAX_BUDGET_VND:
            problems.add(
                "max_support_per_enterprise_vnd",
                _("Give an amount in whole đồng, or 0 for no limit."),
                "invalid_limit",
            )
        columns[Programme.max_support_per_enterprise_vnd] = most_vnd
    if "size_shares" in values:
        shares = values["size_shares"] or {}
        for size, percent in shares.items():
            if size not in SHARE_SIZES:
                problems.add(
                    "size_shares",
                    _("Shares by size are for micro, small and medium enterprises."),
                    "invalid_size",
                )
            elif not isinstance(percent, int) or not 1 <= percent <= 100:
                problems.add(
                    f"size_share_{size}",
                    _("The cost share is a percentage from 1 to 100."),
                    "invalid_cost_share",
                )
        columns[Programme.size_shares] = dict(shares)
    return columns


def _code_list(
    raw: list[tuple[str, str]] | None, defaults: tuple[str, ...], field: str, problems: Problems
) -> list[dict[str, str]]:
    if raw is None:
        return [{"code": code, "label": ""} for code in defaults]
    result: list[dict[str, str]] = []
    for code, label in raw:
        code, label = code.strip(), label.strip()
        if not code or len(code) > 40 or not code.replace("_", "").isalnum() or len(label) > 300:
            problems.add(
                field,
                _("Give each entry a short code (letters, digits, _) and a label."),
                "invalid_code",
            )
        elif any(r["code"] == code for r in result):
            problems.add(field, _("Codes must be different."), "duplicate_code")
        elif not label and code not in defaults:
            problems.add(field, _("Give a label for “%(code)s”.", code=code), "label_required")
        else:
            result.append({"code": code, "label": label})
    return result


def _check_terms(terms: list[SupportTerm], problems: Problems) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    if not terms:
        problems.add(
            "support_types", _("Choose at least one kind of support."), "support_types_required"
        )
    for term in terms:
        if term.type not in SUPPORT_TYPES:
            problems.add(
                "support_types",
                _("Unknown support type “%(type)s”.", type=term.type),
                "invalid_support_type",
            )
        elif any(r["type"] == term.type for r in result):
            problems.add(
                "support_types",
                _("Each support type may be listed once."),
                "duplicate_support_type",
            )
        elif not 1 <= term.cost_share_percent <= 100:
            problems.add(
                f"share_{term.type}",
                _("The cost share is a percentage from 1 to 100."),
                "invalid_cost_share",
            )
        elif not 0 < term.cap_vnd <= MAX_COST_VND:
            problems.add(f"cap_{term.type}", _("Give a cap above zero."), "invalid_cap")
        else:
            result.append(
                {
                    "type": term.type,
                    "cost_share_percent": term.cost_share_percent,
                    "cap_vnd": term.cap_vnd,
                }
            )
    return result


def _check_dates(opens_at: datetime, closes_at: datetime, problems: Problems) -> None:
    require_aware(opens_at, "opens_at")
    require_aware(closes_at, "closes_at")
    if closes_at <= opens_at:
        problems.add("closes_at", _("The call must close after it opens."), "closes_before_opens")


async def _audit(staff: User, programme_id: int, action: str, detail: dict[str, Any]) -> None:
    await audit.record(
        actor_id=staff.id,
        action=f"programme.{action}",
        record_type="programme",
        record_id=programme_id,
        detail=detail,
    )


async def create_programme(staff: User, new: NewProgramme) -> Programme:
    problems = Problems()
    name = new.name.strip()
    if not name:
        problems.add("name", _("Fill in this field."), "required_field")
    elif len(name) > 300:
        problems.add("name", _("Use at most %(n)s characters.", n=300), "too_long")
    _check_dates(new.opens_at, new.closes_at, problems)
    if not 0 < new.budget_vnd <= MAX_BUDGET_VND:
        problems.add("budget_vnd", _("Give a budget above zero, in whole đồng."), "invalid_budget")
    year = new.year or new.opens_at.astimezone(LOCAL_TZ).year
    if not 2000 <= year <= 2100:
        problems.add("year", _("Give the year of the call."), "invalid_year")
    terms = _check_terms(new.support_types, problems)
    criteria = _code_list(new.criteria, DEFAULT_CRITERIA, "criteria", problems)
    documents = _code_list(
        new.required_documents, DEFAULT_DOCUMENTS, "required_documents", problems
    )
    rules = _check_rules(
        {
            "max_approvals_per_enterprise": new.max_approvals_per_enterprise,
            "max_support_per_enterprise_vnd": new.max_support_per_enterprise_vnd,
            "size_shares": new.size_shares,
        },
        problems,
    )
    problems.raise_if_any()
    now = utcnow()
    async with transaction():
        programme = Programme(
            name=name,
            year=year,
            legal_basis=new.legal_basis.strip() or NATIONAL_PROGRAMME,
            finance_basis=new.finance_basis.strip(),
            provincial_decision=new.provincial_decision.strip()[:300],
            description=new.description.strip(),
            eligibility=new.eligibility.strip(),
            opens_at=new.opens_at,
            closes_at=new.closes_at,
            budget_vnd=new.budget_vnd,
            committed_vnd=0,
            support_types=terms,
            criteria=criteria,
            required_documents=documents,
            created_by=staff.id,
            created_at=now,
            updated_at=now,
        )
        for column, value in rules.items():
            setattr(programme, column._meta.name, value)
        await programme.save()
        await _audit(staff, programme.id, "create", {"name": name, "budget_vnd": new.budget_vnd})
    return programme


async def update_programme(staff: User, programme_id: int, changes: dict[str, Any]) -> Programme:
    """Changes a call's name, texts, dates or budget; the budget never below what is
    already committed."""
    problems = Problems()
    async with transaction():
        programme = await get_programme(programme_id)
        values: dict[Any, Any] = {}
        texts = ("name", "legal_basis", "finance_basis", "provincial_decision")
        for name in (*texts, "description", "eligibility"):
            if name in changes:
                text = str(changes[name] or "").strip()
                if name == "name" and not text:
                    problems.add("name", _("Fill in this field."), "required_field")
                values[getattr(Programme, name)] = text
        opens_at = changes.get("opens_at") or programme.opens_at
        closes_at = changes.get("closes_at") or programme.closes_at
        _check_dates(opens_at, closes_at, problems)
        values[Programme.opens_at] = opens_at
        values[Programme.closes_at] = closes_at
        values.update(_check_rules(changes, problems))
        if "support_types" in changes:
            values[Programme.support_types] = _check_terms(changes["support_types"], problems)
        if changes.get("budget_vnd") is not None:
            budget = int(changes["budget_vnd"])
            if not 0 < budget <= MAX_BUDGET_VND:
                problems.add(
                    "budget_vnd", _("Give a budget above zero, in whole đồng."), "invalid_budget"
                )
            values[Programme.budget_vnd] = budget
        problems.raise_if_any()
        values[Programme.updated_at] = utcnow()
        if Programme.budget_vnd in values:
            # Conditional, like the reservation: never below what decisions already hold.
            rows = await Programme.raw(
                "UPDATE programme SET budget_vnd = {} WHERE id = {} AND committed_vnd <= {} "
                "RETURNING id",
                values[Programme.budget_vnd],
                programme_id,
                values[Programme.budget_vnd],
            )
            if not rows:
                raise RuleBroken(
                    _("The budget cannot be less than the amounts already approved."),
                    code="budget_below_committed",
                    field_errors={
                        "budget_vnd": _(
                            "The budget cannot be less than the amounts already approved."
                        )
                    },
                )
            del values[Programme.budget_vnd]
        await Programme.update(values).where(Programme.id == programme_id)
        await _audit(
            staff,
            programme_id,
            "update",
            {k: str(v) for k, v in changes.items() if k != "support_types"},
        )
        return await get_programme(programme_id)


async def get_programme(programme_id: int) -> Programme:
    query = Programme.objects().where(Programme.id == programme_id)
    return await found(query.first(), _("There is no such call."), "programme_not_found")


async def reserve(programme: Programme, amount: int) -> None:
    """Takes ``amount`` from the call's budget, or refuses: one conditional UPDATE, so two
    decisions at the same time cannot both take the last of it."""
    rows = await Programme.raw(
        "UPDATE programme SET committed_vnd = committed_vnd + {} "
        "WHERE id = {} AND committed_vnd + {} <= budget_vnd RETURNING id",
        amount,
        programme.id,
        amount,
    )
    if rows:
        return
    fresh = await get_programme(programme.id)
    remaining = remaining_budget(fresh)
    raise amount_error(
        _(
            "The amount is above the call's remaining budget of %(limit)s đồng.",
            limit=dotted(remaining),
        ),
        "budget_exceeded",
        "budget",
        remaining,
    )


async def release(programme_id: int, amount: int) -> None:
    if amount > 0:
        await Programme.raw(
            "UPDATE programme SET committed_vnd = committed_vnd - {} WHERE id = {}",
            amount,
            programme_id,
        )


async def add_event(
    staff: User,
    programme_id: int,
    *,
    title: str,
    resource_id: int,
    start: datetime,
    end: datetime,
) -> ProgrammeEvent:
    """An information session or training, held as a public block of a space so that it
    appears in the centre's public events feed."""
    title = title.strip()
    if not title or len(title) > 200:
        raise FormInvalid({"title": _("Give a title of at most 200 characters.")}, code="title")
    async with transaction():
        programme = await get_programme(programme_id)
        booking = await bookings.create_block(
            staff, resource_id, start, end, reason=title, public=True
        )
        event = ProgrammeEvent(
            programme=programme.id,
            title=title,
            booking_id=booking.id,
            start_at=start,
            end_at=end,
            resource_id=resource_id,
            created_by=staff.id,
            created_at=utcnow(),
        )
        await event.save()
        await _audit(
            staff,
            programme.id,
            "event",
            {"event_id": event.id, "booking_id": booking.id, "title": title},
        )
    return event
