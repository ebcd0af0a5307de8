"""The support programme: every rule about calls, applications, reviews and decisions.

An application moves through a declared workflow (``TRANSITIONS`` names, for each action, the
states it may start from). Each change is one transaction that moves the status with a
conditional UPDATE (so two people acting at once cannot both move it), writes the timeline and
the audit entry, and queues any email. An approval reserves its amount from the call's budget
with one conditional UPDATE on the programme row, so the budget cannot be overspent by
decisions taken at the same moment, on SQLite or PostgreSQL.

Who sees what: staff see everything; an enterprise sees its own applications; a reviewer sees
the applications assigned to them. Anything else is "not found".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from litestar.exceptions import PermissionDeniedException

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services as bookings
from innovation_hub.core import audit, mail
from innovation_hub.core.auth import STAFF
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import Conflict, FormInvalid, NotFound, RuleBroken
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.taxcode import is_valid_tax_code, normalise_tax_code
from innovation_hub.core.timestamps import require_aware
from innovation_hub.core.uploads import StoredFile
from innovation_hub.programmes.catalogue import (
    DEFAULT_CRITERIA,
    DEFAULT_DOCUMENTS,
    NATIONAL_PROGRAMME,
    SECTORS,
    SIZE_CLASSES,
    SUPPORT_TYPES,
    builtin_criterion_label,
    builtin_document_label,
)
from innovation_hub.programmes.tables import (
    STATUSES,
    Application,
    Assignment,
    Document,
    IndicatorReport,
    Milestone,
    Programme,
    ProgrammeEvent,
    Review,
    TimelineEntry,
)

MAX_BUDGET_VND = 10**14
MAX_COST_VND = 10**13
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
MAX_DOCUMENTS = 30
RECOMMENDATIONS = ("yes", "maybe", "no")
SCREENING_RESULTS = ("eligible", "more_info", "ineligible")

# Which actions may start from which states.
UNDER_CONSIDERATION = ("submitted", "screening", "in_review", "ready_for_decision")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "edit": ("draft", "more_info"),
    "submit": ("draft",),
    "reply": ("more_info",),
    "screen": ("submitted", "screening"),
    "more_info": UNDER_CONSIDERATION,
    "assign": UNDER_CONSIDERATION,
    "review": UNDER_CONSIDERATION,
    "decide": UNDER_CONSIDERATION,
    "milestone": ("approved", "implementing"),
    "report": ("approved", "implementing"),
    "accept": ("approved", "implementing"),
    "close": ("approved", "implementing", "accepted", "rejected"),
    "withdraw": ("draft", "more_info", *UNDER_CONSIDERATION, "approved", "implementing"),
}
# States whose approved amount still holds part of the call's budget.
HOLDING_BUDGET = ("approved", "implementing")
ACTIVE = tuple(s for s in STATUSES if s != "withdrawn")
STATUS_GROUPS: dict[str, tuple[str, ...]] = {
    "open": ("submitted", "screening", "more_info", "in_review", "ready_for_decision"),
    "follow_up": ("approved", "implementing"),
    "done": ("accepted", "closed", "rejected", "withdrawn"),
    "all": STATUSES,
}

TEXT_LIMITS = {
    "enterprise_name": 300,
    "main_products": 500,
    "address": 500,
    "contact_name": 200,
    "contact_phone": 30,
    "consultant_name": 300,
    "consultant_contact": 300,
    "certificates_held": 2000,
    "plan": 5000,
}
APPLICATION_FIELDS = (
    "enterprise_name",
    "tax_code",
    "size_class",
    "sector",
    "main_products",
    "address",
    "contact_name",
    "contact_phone",
    "employees",
    "consultant_name",
    "consultant_contact",
    "output_per_worker_vnd",
    "defect_rate_percent",
    "certificates_held",
    "plan",
    "support_items",
)


# -- labels -------------------------------------------------------------------------------


def status_label(status: str) -> str:
    """As staff and reviewers read the workflow."""
    return {
        "draft": _("Draft"),
        "submitted": _("Submitted"),
        "screening": _("Screening"),
        "more_info": _("Waiting for the enterprise"),
        "in_review": _("In review"),
        "ready_for_decision": _("Ready for decision"),
        "approved": _("Approved"),
        "rejected": _("Rejected"),
        "implementing": _("Implementing"),
        "accepted": _("Accepted"),
        "closed": _("File closed"),
        "withdrawn": _("Withdrawn"),
    }.get(status, status)


def applicant_status_label(status: str) -> str:
    """As the enterprise reads it: the inner steps of the review are one step for them."""
    return {
        "draft": _("Draft, not sent yet"),
        "submitted": _("Submitted"),
        "screening": _("Being checked"),
        "more_info": _("Waiting for your answer"),
        "in_review": _("Under review"),
        "ready_for_decision": _("Under review"),
        "rejected": _("Not approved"),
        "implementing": _("Being implemented"),
    }.get(status) or status_label(status)


STATUS_ICONS = {
    "draft": "✎",
    "submitted": "➤",
    "screening": "◔",
    "more_info": "?",
    "in_review": "◑",
    "ready_for_decision": "◕",
    "approved": "✓",
    "rejected": "✕",
    "implementing": "⚙",
    "accepted": "★",
    "closed": "■",
    "withdrawn": "⊘",
}


def programme_status(programme: Programme, now: datetime | None = None) -> str:
    now = now or utcnow()
    if now < programme.opens_at:
        return "upcoming"
    if now >= programme.closes_at:
        return "closed"
    return "open"


def programme_status_label(status: str) -> str:
    return {
        "upcoming": _("Opens soon"),
        "open": _("Open for applications"),
        "closed": _("Closed for applications"),
    }.get(status, status)


PROGRAMME_ICONS = {"upcoming": "◷", "open": "●", "closed": "■"}


def recommendation_label(value: str) -> str:
    return {"yes": _("Support"), "maybe": _("Support with changes"), "no": _("Do not support")}.get(
        value, value
    )


def screening_label(value: str) -> str:
    return {
        "eligible": _("Eligible"),
        "more_info": _("More information needed"),
        "ineligible": _("Not eligible"),
    }.get(value, value)


def is_staff(user: Any) -> bool:
    return getattr(user, "role", None) in STAFF


# -- reading stored values ----------------------------------------------------------------


def _json(value: Any, empty: Any) -> Any:
    if isinstance(value, str):
        return json.loads(value) if value else empty
    return value if value is not None else empty


def support_terms(programme: Programme) -> list[dict[str, Any]]:
    return list(_json(programme.support_types, []))


def terms_by_type(programme: Programme) -> dict[str, dict[str, Any]]:
    return {t["type"]: t for t in support_terms(programme)}


@dataclass(frozen=True)
class Labelled:
    code: str
    label: str


def criteria_of(programme: Programme) -> list[Labelled]:
    return [
        Labelled(c["code"], c.get("label") or builtin_criterion_label(c["code"]))
        for c in _json(programme.criteria, [])
    ]


def documents_required(programme: Programme) -> list[Labelled]:
    return [
        Labelled(d["code"], d.get("label") or builtin_document_label(d["code"]))
        for d in _json(programme.required_documents, [])
    ]


def document_label(programme: Programme, code: str) -> str:
    for item in documents_required(programme):
        if item.code == code:
            return item.label
    return builtin_document_label(code)


def items_of(application: Application) -> list[dict[str, Any]]:
    return list(_json(application.support_items, []))


def remaining_budget(programme: Programme) -> int:
    return int(programme.budget_vnd) - int(programme.committed_vnd)


# -- the support an application may receive -----------------------------------------------


@dataclass(frozen=True)
class ItemLimit:
    type: str
    cost_vnd: int
    cost_share_percent: int
    cap_vnd: int
    share_vnd: int  # cost × cost share, before the cap
    support_vnd: int  # min(share, cap)


@dataclass(frozen=True)
class Limits:
    items: list[ItemLimit]
    share_total_vnd: int  # Σ cost × share
    max_support_vnd: int  # Σ min(cost × share, cap)


def support_limits(programme: Programme, items: list[dict[str, Any]]) -> Limits:
    terms = terms_by_type(programme)
    lines = []
    for item in items:
        term = terms.get(item["type"])
        if term is None:  # the call dropped a type after the application chose it
            continue
        cost = int(item["cost_vnd"])
        share = cost * int(term["cost_share_percent"]) // 100
        lines.append(
            ItemLimit(
                type=item["type"],
                cost_vnd=cost,
                cost_share_percent=int(term["cost_share_percent"]),
                cap_vnd=int(term["cap_vnd"]),
                share_vnd=share,
                support_vnd=min(share, int(term["cap_vnd"])),
            )
        )
    return Limits(
        items=lines,
        share_total_vnd=sum(line.share_vnd for line in lines),
        max_support_vnd=sum(line.support_vnd for line in lines),
    )


# -- parsing form text --------------------------------------------------------------------


def parse_amount(raw: object) -> int | None:
    """Whole đồng written with dots, commas or spaces between thousands; "" is None; text
    that is not a number is a ValueError."""
    text = str(raw if raw is not None else "").strip()
    for separator in (".", ",", " ", "\u00a0", "₫", "đ"):
        text = text.replace(separator, "")
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 15:
        raise ValueError(text)
    return int(text)


def parse_percent(raw: object) -> float | None:
    text = str(raw if raw is not None else "").strip().replace(",", ".").rstrip("%").strip()
    if not text:
        return None
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(text)
    return value


def parse_day(raw: object) -> date | None:
    text = str(raw or "").strip()
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def application_changes_from_form(
    form: dict[str, Any], programme: Programme
) -> tuple[dict[str, Any], dict[str, str]]:
    """The typed changes a form asks for, and the errors of values that are not numbers."""
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in APPLICATION_FIELDS:
        if name in ("support_items", "employees", "output_per_worker_vnd", "defect_rate_percent"):
            continue
        if name in form:
            changes[name] = str(form.get(name) or "").strip()
    for name in ("employees", "output_per_worker_vnd"):
        if name in form:
            try:
                changes[name] = parse_amount(form.get(name))
            except ValueError:
                errors[name] = _("Enter a whole number.")
    if "defect_rate_percent" in form:
        try:
            changes["defect_rate_percent"] = parse_percent(form.get("defect_rate_percent"))
        except ValueError:
            errors["defect_rate_percent"] = _("Enter a percentage such as 2.5.")
    items = []
    for term in support_terms(programme):
        name = f"cost_{term['type']}"
        if name not in form:
            continue
        try:
            cost = parse_amount(form.get(name))
        except ValueError:
            errors[name] = _("Enter the cost in đồng, e.g. 120.000.000.")
            continue
        if cost:
            items.append({"type": term["type"], "cost_vnd": cost})
    if any(k.startswith("cost_") for k in form):
        changes["support_items"] = items
    return changes, errors


# -- checks -------------------------------------------------------------------------------


class Problems:
    """Field → message and field → code; the first code names the whole refusal."""

    def __init__(self) -> None:
        self.messages: dict[str, str] = {}
        self.codes: dict[str, str] = {}

    def add(self, name: str, message: str, code: str) -> None:
        if name not in self.messages:
            self.messages[name] = message
            self.codes[name] = code

    def merge(self, errors: dict[str, str], code: str = "invalid_number") -> None:
        for name, message in errors.items():
            self.add(name, message, code)

    def raise_if_any(self) -> None:
        if self.messages:
            exc = FormInvalid(self.messages, code=next(iter(self.codes.values())))
            exc.extra = {"codes": dict(self.codes)}
            raise exc


def tax_code_problem(value: str) -> str | None:
    if not is_valid_tax_code(value):
        return _(
            "Enter a valid tax code: 10 digits, or 10 digits, a hyphen and 3 digits for a "
            "branch (e.g. 0100109106)."
        )
    return None


def _check_application(changes: dict[str, Any], programme: Programme, problems: Problems) -> None:
    """Checks the values given; normalises them in ``changes``."""
    if "tax_code" in changes:
        changes["tax_code"] = normalise_tax_code(str(changes["tax_code"] or ""))
        if message := tax_code_problem(changes["tax_code"]):
            problems.add("tax_code", message, "invalid_tax_code")
    if "enterprise_name" in changes:
        changes["enterprise_name"] = str(changes["enterprise_name"] or "").strip()
        if not changes["enterprise_name"]:
            problems.add("enterprise_name", _("Fill in this field."), "required_field")
    for name, limit in TEXT_LIMITS.items():
        if name in changes:
            changes[name] = str(changes[name] or "").strip()
            if len(changes[name]) > limit:
                problems.add(name, _("Use at most %(n)s characters.", n=limit), "too_long")
    if changes.get("size_class") and changes["size_class"] not in SIZE_CLASSES:
        problems.add("size_class", _("Choose one of the listed sizes."), "invalid_size_class")
    if changes.get("sector") and changes["sector"] not in SECTORS:
        problems.add("sector", _("Choose one of the listed sectors."), "invalid_sector")
    employees = changes.get("employees")
    if employees is not None and not 1 <= employees <= 1_000_000:
        problems.add("employees", _("Enter a number from 1 to 1,000,000."), "invalid_number")
    output = changes.get("output_per_worker_vnd")
    if output is not None and not 0 <= output <= MAX_COST_VND:
        problems.add("output_per_worker_vnd", _("Enter an amount in đồng."), "invalid_number")
    rate = changes.get("defect_rate_percent")
    if rate is not None and not 0 <= rate <= 100:
        problems.add(
            "defect_rate_percent", _("Enter a percentage from 0 to 100."), "invalid_percent"
        )
    if "support_items" in changes:
        terms = terms_by_type(programme)
        seen: set[str] = set()
        clean = []
        for item in changes["support_items"] or []:
            kind, cost = item.get("type"), item.get("cost_vnd")
            if kind not in terms:
                problems.add(
                    "support_items",
                    _("This call does not fund “%(type)s”.", type=str(kind)),
                    "invalid_support_type",
                )
                continue
            if kind in seen:
                problems.add(
                    "support_items",
                    _("Each support type may be asked for once."),
                    "duplicate_support_type",
                )
                continue
            seen.add(kind)
            if not isinstance(cost, int) or isinstance(cost, bool) or not 0 < cost <= MAX_COST_VND:
                problems.add(
                    f"cost_{kind}",
                    _("Enter a cost above zero, in whole đồng."),
                    "invalid_cost",
                )
                continue
            clean.append({"type": kind, "cost_vnd": cost})
        changes["support_items"] = clean


def _complete_problems(application: Application) -> Problems:
    """What an application still lacks before it can be submitted."""
    problems = Problems()
    if not application.enterprise_name.strip():
        problems.add("enterprise_name", _("Fill in this field."), "incomplete")
    if tax_code_problem(application.tax_code):
        problems.add("tax_code", tax_code_problem(application.tax_code) or "", "invalid_tax_code")
    if not items_of(application):
        problems.add(
            "support_items",
            _("Choose at least one kind of support and give its cost."),
            "incomplete",
        )
    return problems


# -- calls --------------------------------------------------------------------------------


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
    problems.raise_if_any()
    now = utcnow()
    async with transaction():
        programme = Programme(
            name=name,
            year=year,
            legal_basis=new.legal_basis.strip() or NATIONAL_PROGRAMME,
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
        await programme.save()
        await audit.record(
            actor_id=staff.id,
            action="programme.create",
            record_type="programme",
            record_id=programme.id,
            detail={"name": name, "budget_vnd": new.budget_vnd},
        )
    return programme


async def update_programme(staff: User, programme_id: int, changes: dict[str, Any]) -> Programme:
    """Changes a call's name, texts, dates or budget; the budget never below what is
    already committed."""
    problems = Problems()
    async with transaction():
        programme = await get_programme(programme_id)
        values: dict[Any, Any] = {}
        for name in ("name", "legal_basis", "provincial_decision", "description", "eligibility"):
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
        await audit.record(
            actor_id=staff.id,
            action="programme.update",
            record_type="programme",
            record_id=programme_id,
            detail={k: str(v) for k, v in changes.items() if k != "support_types"},
        )
        return await get_programme(programme_id)


async def get_programme(programme_id: int) -> Programme:
    programme = await Programme.objects().where(Programme.id == programme_id).first()
    if programme is None:
        raise NotFound(_("There is no such call."), code="programme_not_found")
    return programme


async def list_programmes(now: datetime | None = None) -> list[Programme]:
    """Open calls first (closing soonest first), then upcoming, then past calls."""
    now = now or utcnow()
    rows = await Programme.objects().order_by(Programme.closes_at, ascending=False)
    order = {"open": 0, "upcoming": 1, "closed": 2}

    def key(p: Programme) -> tuple[int, float]:
        status = programme_status(p, now)
        stamp = p.closes_at.timestamp()
        return order[status], (stamp if status != "closed" else -stamp)

    return sorted(rows, key=key)


# -- who may see an application -----------------------------------------------------------


async def is_assigned(user: Any, application_id: int) -> bool:
    if user is None:
        return False
    found = await Assignment.exists().where(
        (Assignment.application == application_id) & (Assignment.reviewer == user.id)
    )
    return bool(found)


async def _load(application_id: int) -> Application:
    application = await Application.objects().where(Application.id == application_id).first()
    if application is None:
        raise NotFound(_("There is no such application."), code="application_not_found")
    return application


async def get_application_for(user: Any, application_id: int) -> Application:
    """Staff, the enterprise that applied, or a reviewer assigned to it; others: not found."""
    application = await _load(application_id)
    if user is not None and (
        is_staff(user)
        or application.applicant == user.id
        or await is_assigned(user, application.id)
    ):
        return application
    raise NotFound(_("There is no such application."), code="application_not_found")


def viewer_kind(user: Any, application: Application) -> str:
    """staff | applicant | reviewer (the caller was already let in)."""
    if is_staff(user):
        return "staff"
    if application.applicant == user.id:
        return "applicant"
    return "reviewer"


async def _own(user: User, application_id: int) -> Application:
    application = await get_application_for(user, application_id)
    if application.applicant != user.id:
        raise PermissionDeniedException(_("Only the enterprise that applied may do this."))
    return application


def _require(application: Application, action: str) -> None:
    if application.status not in TRANSITIONS[action]:
        raise RuleBroken(
            _(
                "This cannot be done while the application is “%(status)s”.",
                status=status_label(application.status),
            ),
            code="wrong_status",
            extra={"current_status": application.status},
        )


async def _move(
    application: Application,
    action: str,
    to_status: str,
    values: dict[Any, Any] | None = None,
) -> None:
    """Moves the status only if nobody moved it meanwhile (a conditional UPDATE)."""
    now = utcnow()
    changes: dict[Any, Any] = {
        Application.status: to_status,
        Application.updated_at: now,
        **(values or {}),
    }
    moved = (
        await Application.update(changes)
        .where(
            (Application.id == application.id)
            & (Application.status == application.status)
            & Application.status.is_in(list(TRANSITIONS[action]))
        )
        .returning(Application.id)
    )
    if not moved:
        raise Conflict(
            _("Someone else changed this application just now. Reload the page."),
            code="changed_meanwhile",
        )
    application.status = to_status
    for column, value in changes.items():
        setattr(application, column._meta.name, value)


async def _note(
    application: Application,
    actor: Any,
    kind: str,
    body: str = "",
    *,
    shown: bool = True,
    detail: dict[str, Any] | None = None,
) -> None:
    """The timeline entry and the audit entry, in the caller's transaction."""
    actor_id = getattr(actor, "id", None)
    await TimelineEntry.insert(
        TimelineEntry(
            application=application.id,
            at=utcnow(),
            actor_id=actor_id,
            kind=kind,
            status=application.status,
            body=body,
            shown_to_applicant=shown,
        )
    )
    await audit.record(
        actor_id=actor_id,
        action=f"application.{kind}",
        record_type="programme_application",
        record_id=application.id,
        detail={"status": application.status, **(detail or {})},
    )


async def _tell_applicant(application: Application, template: str, **context: Any) -> None:
    """Queues an email to the enterprise's account, in its language."""
    if application.applicant is None:
        return
    owner = await User.objects().where(User.id == application.applicant).first()
    if owner is None:
        return
    programme = await get_programme(application.programme)
    await mail.enqueue(
        to=owner.email,
        template=template,
        context={
            "application": application,
            "programme": programme,
            "owner": owner,
            "status_text": applicant_status_label(application.status),
            **context,
        },
        locale=owner.locale or application.locale,
    )


# -- applications: the enterprise's side --------------------------------------------------


async def create_application(
    user: User,
    programme_id: int,
    changes: dict[str, Any],
    *,
    locale: str = "vi",
    form_errors: dict[str, str] | None = None,
) -> Application:
    """A draft. Needs the enterprise's name and a valid tax code; the rest may come later.
    ``form_errors`` are values a form could not read, reported with the others."""
    programme = await get_programme(programme_id)
    problems = Problems()
    changes = {k: v for k, v in changes.items() if k in APPLICATION_FIELDS}
    changes.setdefault("enterprise_name", "")
    changes.setdefault("tax_code", "")
    _check_application(changes, programme, problems)
    problems.merge(form_errors or {})
    problems.raise_if_any()
    if programme_status(programme) == "closed":
        raise RuleBroken(
            _("This call closed on %(day)s.", day=_local(programme.closes_at)),
            code="call_closed",
        )
    now = utcnow()
    async with transaction():
        existing = (
            await Application.select(Application.id)
            .where(
                (Application.programme == programme_id)
                & (Application.applicant == user.id)
                & (Application.status != "withdrawn")
            )
            .first()
        )
        if existing:
            raise Conflict(
                _("You already have an application to this call."),
                code="application_exists",
                extra={"application_id": existing["id"]},
            )
        application = Application(
            programme=programme_id,
            applicant=user.id,
            status="draft",
            locale=locale,
            created_at=now,
            updated_at=now,
            **{k: v for k, v in changes.items()},
        )
        await application.save()
        await _note(application, user, "created", shown=True)
    return application


async def update_application(
    user: User,
    application_id: int,
    changes: dict[str, Any],
    *,
    form_errors: dict[str, str] | None = None,
) -> Application:
    """More detail on a draft, or changes while staff wait for more information."""
    async with transaction():
        application = await _own(user, application_id)
        _require(application, "edit")
        programme = await get_programme(application.programme)
        changes = {k: v for k, v in changes.items() if k in APPLICATION_FIELDS}
        problems = Problems()
        _check_application(changes, programme, problems)
        problems.merge(form_errors or {})
        problems.raise_if_any()
        if not changes:
            return application
        changes_cols = {getattr(Application, k): v for k, v in changes.items()}
        changes_cols[Application.updated_at] = utcnow()
        await Application.update(changes_cols).where(Application.id == application.id)
        await audit.record(
            actor_id=user.id,
            action="application.update",
            record_type="programme_application",
            record_id=application.id,
            detail={"fields": sorted(changes)},
        )
        return await _load(application.id)


def _local(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%H:%M %d/%m/%Y")


async def submit_application(user: User, application_id: int) -> Application:
    async with transaction():
        application = await _own(user, application_id)
        _require(application, "submit")
        programme = await get_programme(application.programme)
        now = utcnow()
        status = programme_status(programme, now)
        if status == "closed":
            raise RuleBroken(
                _(
                    "The call closed at %(when)s; applications can no longer be submitted.",
                    when=_local(programme.closes_at),
                ),
                code="call_closed",
            )
        if status == "upcoming":
            raise RuleBroken(
                _("The call opens at %(when)s.", when=_local(programme.opens_at)),
                code="call_not_open",
            )
        problems = _complete_problems(application)
        problems.raise_if_any()
        twin = await Application.exists().where(
            (Application.programme == programme.id)
            & (Application.tax_code == application.tax_code)
            & (Application.id != application.id)
            & Application.status.not_in(["draft", "withdrawn"])
        )
        if twin:
            raise Conflict(
                _("An application with this tax code has already been submitted to this call."),
                code="duplicate_enterprise",
            )
        await _move(application, "submit", "submitted", {Application.submitted_at: now})
        await _note(application, user, "submitted")
    return application


async def reply(user: User, application_id: int, message: str) -> Application:
    """The enterprise answers a request for more information; the application goes back to
    where it was."""
    message = message.strip()
    if not message:
        raise FormInvalid({"message": _("Write your answer.")}, code="message_required")
    if len(message) > 5000:
        raise FormInvalid({"message": _("Use at most %(n)s characters.", n=5000)}, code="too_long")
    async with transaction():
        application = await _own(user, application_id)
        _require(application, "reply")
        back = application.return_status or "screening"
        await _move(application, "reply", back, {Application.return_status: ""})
        await _note(application, user, "reply", message)
    return application


async def withdraw(user: User, application_id: int, reason: str = "") -> Application:
    async with transaction():
        application = await _own(user, application_id)
        _require(application, "withdraw")
        holding = application.status in HOLDING_BUDGET
        await _move(application, "withdraw", "withdrawn", {Application.closed_at: utcnow()})
        if holding and application.approved_vnd:
            await _release(application.programme, int(application.approved_vnd))
        await _note(application, user, "withdrawn", reason.strip()[:2000])
    return application


async def _release(programme_id: int, amount: int) -> None:
    if amount > 0:
        await Programme.raw(
            "UPDATE programme SET committed_vnd = committed_vnd - {} WHERE id = {}",
            amount,
            programme_id,
        )


# -- lists --------------------------------------------------------------------------------


def parse_status_filter(value: str | None) -> tuple[str, ...]:
    if not value:
        return STATUSES
    if value in STATUS_GROUPS:
        return STATUS_GROUPS[value]
    if value in STATUSES:
        return (value,)
    raise RuleBroken(_("Unknown status “%(status)s”.", status=value), code="invalid_status")


async def list_for(
    user: User,
    *,
    statuses: tuple[str, ...] = STATUSES,
    programme_id: int | None = None,
    assigned_only: bool = False,
) -> list[Application]:
    """Staff: every application; an enterprise: its own; anyone else: those assigned to them."""
    query = Application.objects().where(Application.status.is_in(list(statuses)))
    if programme_id is not None:
        query = query.where(Application.programme == programme_id)
    if assigned_only or not (is_staff(user) or user.role == "enterprise"):
        ids = await Assignment.select(Assignment.application).where(Assignment.reviewer == user.id)
        wanted = [row["application"] for row in ids]
        if not wanted:
            return []
        query = query.where(Application.id.is_in(wanted))
    elif not is_staff(user):
        query = query.where(Application.applicant == user.id)
    rows = await query.order_by(Application.updated_at, ascending=False)
    return list(rows)


async def programme_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await Programme.select(Programme.id, Programme.name).where(Programme.id.is_in(list(ids)))
    return {row["id"]: row["name"] for row in rows}


# -- staff: screening, reviewers, reviews -------------------------------------------------


async def ask_more_info(staff: User, application_id: int, message: str) -> Application:
    message = _message_for_enterprise(message)
    async with transaction():
        application = await get_application_for(staff, application_id)
        _require(application, "more_info")
        await _request_info(application, staff, message, {})
    return application


def _message_for_enterprise(message: str) -> str:
    message = message.strip()
    if not message:
        raise FormInvalid(
            {"message": _("Say what the enterprise should add.")}, code="message_required"
        )
    if len(message) > 5000:
        raise FormInvalid({"message": _("Use at most %(n)s characters.", n=5000)}, code="too_long")
    return message


async def _request_info(
    application: Application, staff: User, message: str, values: dict[Any, Any]
) -> None:
    back = "screening" if application.status in ("submitted", "screening") else "in_review"
    await _move(application, "more_info", "more_info", {Application.return_status: back, **values})
    await _note(application, staff, "more_info", message)
    await _tell_applicant(application, "programme_update", kind="more_info", message=message)


async def screen(staff: User, application_id: int, result: str, note: str = "") -> Application:
    """eligible → in review; more_info → waiting for the enterprise; ineligible → rejected
    with a letter."""
    note = note.strip()
    if result not in SCREENING_RESULTS:
        raise FormInvalid(
            {"result": _("Choose eligible, more information or not eligible.")},
            code="invalid_screening",
        )
    if result in ("more_info", "ineligible"):
        try:
            note = _message_for_enterprise(note)
        except FormInvalid:
            raise FormInvalid(
                {"note": _("Say why, for the enterprise.")}, code="message_required"
            ) from None
    async with transaction():
        application = await get_application_for(staff, application_id)
        _require(application, "screen")
        values: dict[Any, Any] = {
            Application.screening_result: result,
            Application.screening_note: note,
        }
        if result == "more_info":
            await _request_info(application, staff, note, values)
        elif result == "eligible":
            await _move(application, "screen", "in_review", values)
            await _note(application, staff, "screened_eligible", note, detail={"result": result})
        else:
            values[Application.decided_at] = utcnow()
            values[Application.decided_by] = staff.id
            values[Application.decision_note] = note
            await _move(application, "screen", "rejected", values)
            await _note(application, staff, "screened_ineligible", note, detail={"result": result})
            await _tell_applicant(
                application, "programme_decision", outcome="ineligible", note=note
            )
    return application


async def reviewer_candidates() -> list[User]:
    """Staff are the usual reviewers; external experts may have other accounts."""
    rows = await User.objects().where(
        (User.is_active == True) & User.role.is_in(list(STAFF))  # noqa: E712
    )
    return sorted(rows, key=lambda u: u.name)


async def _reviewer_problem(reviewer: User | None, application: Application) -> str | None:
    if reviewer is None or not reviewer.is_active:
        return _("There is no active account with this address or number.")
    if reviewer.id == application.applicant:
        return _("The enterprise cannot review its own application.")
    if reviewer.role == "enterprise":
        return _("Enterprise accounts cannot review: they may compete for the same budget.")
    return None


async def assign_reviewer(
    staff: User, application_id: int, *, reviewer_id: int | None = None, email: str = ""
) -> Application:
    async with transaction():
        application = await get_application_for(staff, application_id)
        _require(application, "assign")
        if reviewer_id is not None:
            reviewer = await User.objects().where(User.id == reviewer_id).first()
        else:
            address = email.strip().lower()
            reviewer = (
                await User.objects().where(User.email == address).first() if address else None
            )
        if problem := await _reviewer_problem(reviewer, application):
            raise FormInvalid({"reviewer": problem}, code="invalid_reviewer")
        assert reviewer is not None
        if await is_assigned(reviewer, application.id):
            raise Conflict(
                _("%(name)s is already a reviewer of this application.", name=reviewer.name),
                code="already_assigned",
            )
        await Assignment.insert(
            Assignment(
                application=application.id,
                reviewer=reviewer.id,
                assigned_by=staff.id,
                assigned_at=utcnow(),
            )
        )
        if application.status != "in_review":
            await _move(application, "assign", "in_review")
        await _note(
            application,
            staff,
            "reviewer_assigned",
            reviewer.name,
            shown=False,
            detail={"reviewer_id": reviewer.id},
        )
    return application


async def unassign_reviewer(staff: User, application_id: int, reviewer_id: int) -> Application:
    async with transaction():
        application = await get_application_for(staff, application_id)
        _require(application, "assign")
        removed = (
            await Assignment.delete()
            .where(
                (Assignment.application == application.id) & (Assignment.reviewer == reviewer_id)
            )
            .returning(Assignment.id)
        )
        if not removed:
            raise NotFound(_("This person is not a reviewer of it."), code="not_assigned")
        await _note(
            application,
            staff,
            "reviewer_removed",
            shown=False,
            detail={"reviewer_id": reviewer_id},
        )
        await _settle_review_state(application, staff)
    return application


async def reviewers_of(application_id: int) -> list[User]:
    ids = await Assignment.select(Assignment.reviewer).where(
        Assignment.application == application_id
    )
    wanted = [row["reviewer"] for row in ids]
    if not wanted:
        return []
    return list(await User.objects().where(User.id.is_in(wanted)).order_by(User.name))


def check_scores(
    programme: Programme, scores: dict[str, Any]
) -> tuple[dict[str, int | None], float | None]:
    """Every score 0–5 or None (n/a), for the call's criteria only; the average of those
    given."""
    problems = Problems()
    known = {c.code for c in criteria_of(programme)}
    clean: dict[str, int | None] = {}
    for code, value in scores.items():
        if code not in known:
            problems.add(
                f"score_{code}",
                _("“%(code)s” is not a criterion of this call.", code=code),
                "unknown_criterion",
            )
        elif value is None:
            clean[code] = None
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 5:
            problems.add(f"score_{code}", _("Score from 0 to 5, or n/a."), "invalid_score")
        else:
            clean[code] = value
    problems.raise_if_any()
    for code in known - set(clean):
        clean[code] = None
    given = [v for v in clean.values() if v is not None]
    return clean, (round(sum(given) / len(given), 2) if given else None)


async def submit_review(
    user: User,
    application_id: int,
    *,
    scores: dict[str, Any],
    recommendation: str,
    comment: str,
) -> Review:
    """Staff, or a reviewer assigned to the application. A second review by the same person
    replaces the first."""
    problems = Problems()
    if recommendation not in RECOMMENDATIONS:
        problems.add(
            "recommendation",
            _("Choose support, support with changes or do not support."),
            "invalid_recommendation",
        )
    comment = comment.strip()
    if len(comment) > 5000:
        problems.add("comment", _("Use at most %(n)s characters.", n=5000), "too_long")
    problems.raise_if_any()
    async with transaction():
        application = await get_application_for(user, application_id)
        if not (is_staff(user) or await is_assigned(user, application.id)):
            raise NotFound(_("There is no such application."), code="application_not_found")
        _require(application, "review")
        programme = await get_programme(application.programme)
        clean, average = check_scores(programme, scores)
        now = utcnow()
        existing = (
            await Review.objects()
            .where((Review.application == application.id) & (Review.reviewer == user.id))
            .first()
        )
        if existing is not None:
            existing.scores = clean
            existing.average = average
            existing.recommendation = recommendation
            existing.comment = comment
            existing.updated_at = now
            await existing.save()
            review = existing
        else:
            review = Review(
                application=application.id,
                reviewer=user.id,
                scores=clean,
                average=average,
                recommendation=recommendation,
                comment=comment,
                created_at=now,
                updated_at=now,
            )
            await review.save()
        await _note(
            application,
            user,
            "reviewed",
            shown=False,
            detail={"recommendation": recommendation, "average": average},
        )
        await _settle_review_state(application, user)
    return review


async def _settle_review_state(application: Application, actor: Any) -> None:
    """In review until every assigned reviewer has scored; then ready for a decision."""
    if application.status not in ("submitted", "screening", "in_review", "ready_for_decision"):
        return
    assigned = {
        row["reviewer"]
        for row in await Assignment.select(Assignment.reviewer).where(
            Assignment.application == application.id
        )
    }
    reviewed = {
        row["reviewer"]
        for row in await Review.select(Review.reviewer).where(Review.application == application.id)
    }
    if not reviewed:
        target = "in_review" if assigned else application.status
    else:
        target = "ready_for_decision" if assigned <= reviewed else "in_review"
    if target != application.status:
        await _move(application, "review", target)


async def reviews_of(application_id: int) -> list[Review]:
    return list(
        await Review.objects().where(Review.application == application_id).order_by(Review.id)
    )


def average_of(reviews: list[Review]) -> float | None:
    values = [r.average for r in reviews if r.average is not None]
    return round(sum(values) / len(values), 2) if values else None


# -- staff: the decision ------------------------------------------------------------------


async def decide(
    staff: User,
    application_id: int,
    *,
    outcome: str,
    amount_vnd: int | None = None,
    conditions: str = "",
    note: str = "",
) -> Application:
    """Approve (with an amount within the cost shares, the caps and the call's remaining
    budget) or reject; a letter goes to the enterprise."""
    if outcome not in ("approved", "rejected"):
        raise FormInvalid({"outcome": _("Choose approve or reject.")}, code="invalid_outcome")
    conditions, note = conditions.strip(), note.strip()
    if len(conditions) > 5000 or len(note) > 5000:
        raise FormInvalid(
            {"conditions": _("Use at most %(n)s characters.", n=5000)}, code="too_long"
        )
    async with transaction():
        application = await get_application_for(staff, application_id)
        _require(application, "decide")
        if not await Review.exists().where(Review.application == application.id):
            raise RuleBroken(
                _("At least one review is needed before a decision."),
                code="review_required",
            )
        programme = await get_programme(application.programme)
        now = utcnow()
        values: dict[Any, Any] = {
            Application.decided_at: now,
            Application.decided_by: staff.id,
            Application.decision_note: note,
            Application.conditions: conditions if outcome == "approved" else "",
        }
        if outcome == "approved":
            limits = support_limits(programme, items_of(application))
            amount = limits.max_support_vnd if amount_vnd is None else amount_vnd
            _check_amount(amount, limits)
            await _reserve(programme, amount)
            values[Application.approved_vnd] = amount
        await _move(application, "decide", outcome, values)
        await _note(
            application,
            staff,
            outcome,
            note,
            detail={"amount_vnd": values.get(Application.approved_vnd), "conditions": conditions},
        )
        await _tell_applicant(
            application,
            "programme_decision",
            outcome=outcome,
            note=note,
            conditions=conditions,
            amount_vnd=values.get(Application.approved_vnd),
        )
    return application


def _amount_error(message: str, code: str, limit: str, limit_vnd: int) -> RuleBroken:
    return RuleBroken(
        message,
        code=code,
        field_errors={"amount_vnd": message},
        extra={"limit": limit, "limit_vnd": limit_vnd},
    )


def _check_amount(amount: int, limits: Limits) -> None:
    if isinstance(amount, bool) or amount <= 0:
        raise _amount_error(
            _("Give an amount above zero."), "invalid_amount", "positive", limits.max_support_vnd
        )
    if amount > limits.share_total_vnd:
        raise _amount_error(
            _(
                "The amount is above the cost share: at most %(limit)s đồng "
                "(each item's cost × its cost share).",
                limit=f"{limits.share_total_vnd:,}".replace(",", "."),
            ),
            "amount_above_cost_share",
            "cost_share",
            limits.share_total_vnd,
        )
    if amount > limits.max_support_vnd:
        raise _amount_error(
            _(
                "The amount is above the caps: at most %(limit)s đồng (each item's cost share, "
                "limited to its cap).",
                limit=f"{limits.max_support_vnd:,}".replace(",", "."),
            ),
            "amount_above_cap",
            "cap",
            limits.max_support_vnd,
        )


async def _reserve(programme: Programme, amount: int) -> None:
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
    raise _amount_error(
        _(
            "The amount is above the call's remaining budget of %(limit)s đồng.",
            limit=f"{remaining:,}".replace(",", "."),
        ),
        "budget_exceeded",
        "budget",
        remaining,
    )


# -- after approval -----------------------------------------------------------------------


async def add_milestone(
    staff: User, application_id: int, *, title: str, due_on: date | None, description: str = ""
) -> Milestone:
    problems = Problems()
    title, description = title.strip(), description.strip()
    if not title:
        problems.add("title", _("Fill in this field."), "required_field")
    elif len(title) > 300:
        problems.add("title", _("Use at most %(n)s characters.", n=300), "too_long")
    if due_on is None:
        problems.add("due_on", _("Choose a date."), "required_field")
    problems.raise_if_any()
    assert due_on is not None
    async with transaction():
        application = await get_application_for(staff, application_id)
        _require(application, "milestone")
        milestone = Milestone(
            application=application.id,
            title=title,
            description=description[:5000],
            due_on=due_on,
            status="pending",
            created_at=utcnow(),
        )
        await milestone.save()
        if application.status == "approved":
            await _move(application, "milestone", "implementing")
        await _note(
            application,
            staff,
            "milestone_added",
            f"{title} ({due_on.strftime('%d/%m/%Y')})",
            detail={"milestone_id": milestone.id},
        )
    return milestone


async def milestones_of(application_id: int) -> list[Milestone]:
    return list(
        await Milestone.objects()
        .where(Milestone.application == application_id)
        .order_by(Milestone.due_on)
        .order_by(Milestone.id)
    )


async def _milestone(application: Application, milestone_id: int) -> Milestone:
    milestone = (
        await Milestone.objects()
        .where((Milestone.id == milestone_id) & (Milestone.application == application.id))
        .first()
    )
    if milestone is None:
        raise NotFound(_("There is no such milestone."), code="milestone_not_found")
    return milestone


async def report_milestone(
    user: User, application_id: int, milestone_id: int, report: str
) -> Milestone:
    report = report.strip()
    if not report:
        raise FormInvalid({"report": _("Say what was done.")}, code="report_required")
    async with transaction():
        application = await _own(user, application_id)
        _require(application, "report")
        milestone = await _milestone(application, milestone_id)
        if milestone.status == "done":
            raise RuleBroken(_("This milestone is already confirmed."), code="milestone_done")
        milestone.status = "reported"
        milestone.report = report[:5000]
        milestone.reported_at = utcnow()
        await milestone.save()
        await _note(
            application,
            user,
            "milestone_reported",
            f"{milestone.title}: {report[:500]}",
            detail={"milestone_id": milestone.id},
        )
    return milestone


async def confirm_milestone(staff: User, application_id: int, milestone_id: int) -> Milestone:
    async with transaction():
        application = await get_application_for(staff, application_id)
        _require(application, "report")
        milestone = await _milestone(application, milestone_id)
        if milestone.status == "done":
            return milestone
        milestone.status = "done"
        milestone.confirmed_at = utcnow()
        milestone.confirmed_by = staff.id
        await milestone.save()
        await _note(
            application,
            staff,
            "milestone_confirmed",
            milestone.title,
            detail={"milestone_id": milestone.id},
        )
    return milestone


@dataclass
class Indicators:
    output_per_worker_before_vnd: int | None = None
    output_per_worker_after_vnd: int | None = None
    defect_rate_before_percent: float | None = None
    defect_rate_after_percent: float | None = None
    certificates_obtained: str = ""
    note: str = ""


async def report_indicators(user: User, application_id: int, values: Indicators) -> IndicatorReport:
    problems = Problems()
    for name in ("output_per_worker_before_vnd", "output_per_worker_after_vnd"):
        value = getattr(values, name)
        if value is not None and not 0 <= value <= MAX_COST_VND:
            problems.add(name, _("Enter an amount in đồng."), "invalid_number")
    for name in ("defect_rate_before_percent", "defect_rate_after_percent"):
        value = getattr(values, name)
        if value is not None and not 0 <= value <= 100:
            problems.add(name, _("Enter a percentage from 0 to 100."), "invalid_percent")
    if values.output_per_worker_after_vnd is None and values.defect_rate_after_percent is None:
        problems.add(
            "output_per_worker_after_vnd",
            _("Give at least one indicator after the support."),
            "indicators_required",
        )
    problems.raise_if_any()
    async with transaction():
        application = await _own(user, application_id)
        _require(application, "report")
        report = IndicatorReport(
            application=application.id,
            output_per_worker_before_vnd=(
                values.output_per_worker_before_vnd
                if values.output_per_worker_before_vnd is not None
                else application.output_per_worker_vnd
            ),
            output_per_worker_after_vnd=values.output_per_worker_after_vnd,
            defect_rate_before_percent=(
                values.defect_rate_before_percent
                if values.defect_rate_before_percent is not None
                else application.defect_rate_percent
            ),
            defect_rate_after_percent=values.defect_rate_after_percent,
            certificates_obtained=values.certificates_obtained.strip()[:2000],
            note=values.note.strip()[:5000],
            reported_by=user.id,
            created_at=utcnow(),
        )
        await report.save()
        await _note(application, user, "indicators_reported", detail={"report_id": report.id})
    return report


async def indicator_reports_of(application_id: int) -> list[IndicatorReport]:
    return list(
        await IndicatorReport.objects()
        .where(IndicatorReport.application == application_id)
        .order_by(IndicatorReport.id)
    )


async def accept(
    staff: User, application_id: int, *, settled_vnd: int | None, note: str = ""
) -> Application:
    """Acceptance (nghiệm thu): every milestone confirmed and indicators reported; the amount
    settled is at most the amount approved, and the rest goes back to the call's budget."""
    async with transaction():
        application = await get_application_for(staff, application_id)
        _require(application, "accept")
        approved = int(application.approved_vnd or 0)
        settled = approved if settled_vnd is None else settled_vnd
        if isinstance(settled, bool) or not 0 <= settled <= approved:
            message = _(
                "The amount settled is at most the amount approved (%(limit)s đồng).",
                limit=f"{approved:,}".replace(",", "."),
            )
            raise RuleBroken(
                message,
                code="settled_above_approved",
                field_errors={"settled_vnd": message},
            )
        open_milestones = [m for m in await milestones_of(application.id) if m.status != "done"]
        if open_milestones:
            raise RuleBroken(
                _(
                    "Confirm every milestone first (%(n)s still open).",
                    n=len(open_milestones),
                ),
                code="milestones_open",
            )
        if not await IndicatorReport.exists().where(IndicatorReport.application == application.id):
            raise RuleBroken(
                _("The enterprise has not reported its indicators yet."),
                code="indicators_missing",
            )
        now = utcnow()
        await _move(
            application,
            "accept",
            "accepted",
            {
                Application.settled_vnd: settled,
                Application.accepted_at: now,
                Application.accepted_by: staff.id,
            },
        )
        await _release(application.programme, approved - settled)
        await _note(
            application, staff, "accepted", note.strip()[:5000], detail={"settled_vnd": settled}
        )
        await _tell_applicant(
            application, "programme_update", kind="accepted", message=note, settled_vnd=settled
        )
    return application


async def close(staff: User, application_id: int, note: str = "") -> Application:
    """Files an accepted or rejected application; ending an approved one early gives its
    unspent amount back to the call."""
    note = note.strip()
    async with transaction():
        application = await get_application_for(staff, application_id)
        _require(application, "close")
        holding = application.status in HOLDING_BUDGET
        if holding and not note:
            raise FormInvalid(
                {"note": _("Say why the support ends before acceptance.")},
                code="message_required",
            )
        await _move(application, "close", "closed", {Application.closed_at: utcnow()})
        if holding and application.approved_vnd:
            await _release(application.programme, int(application.approved_vnd))
        await _note(application, staff, "closed", note[:5000])
        if holding:
            await _tell_applicant(application, "programme_update", kind="closed", message=note)
    return application


# -- documents ----------------------------------------------------------------------------


async def add_document(
    user: User,
    application_id: int,
    *,
    kind: str,
    filename: str,
    stored: StoredFile,
    milestone_id: int | None = None,
) -> Document:
    """An application document (while it can be edited) or a milestone's evidence (while the
    project runs); only the enterprise that applied uploads."""
    async with transaction():
        application = await _own(user, application_id)
        programme = await get_programme(application.programme)
        if milestone_id is not None:
            _require(application, "report")
            await _milestone(application, milestone_id)
            kind = "evidence"
        else:
            _require(application, "edit")
            allowed = {d.code for d in documents_required(programme)} | {"other"}
            if kind not in allowed:
                raise FormInvalid({"kind": _("Choose what this document is.")}, code="invalid_kind")
        count = await Document.count().where(Document.application == application.id)
        if count >= MAX_DOCUMENTS:
            raise RuleBroken(
                _("At most %(n)s documents per application.", n=MAX_DOCUMENTS),
                code="too_many_documents",
            )
        name = "".join(c for c in filename if c.isprintable()).strip()[-200:] or "document.pdf"
        document = Document(
            application=application.id,
            milestone_id=milestone_id,
            kind=kind,
            filename=name,
            stored_name=stored.name,
            content_type=stored.content_type,
            size=stored.size,
            uploaded_by=user.id,
            created_at=utcnow(),
        )
        await document.save()
        await _note(
            application,
            user,
            "document_added",
            f"{document_label(programme, kind)}: {name}",
            detail={"document_id": document.id, "milestone_id": milestone_id},
        )
    return document


async def documents_of(application_id: int) -> list[Document]:
    return list(
        await Document.objects().where(Document.application == application_id).order_by(Document.id)
    )


async def get_document_for(user: Any, application_id: int, document_id: int) -> Document:
    application = await get_application_for(user, application_id)
    document = (
        await Document.objects()
        .where((Document.id == document_id) & (Document.application == application.id))
        .first()
    )
    if document is None:
        raise NotFound(_("There is no such document."), code="document_not_found")
    return document


async def delete_document(user: User, application_id: int, document_id: int) -> None:
    async with transaction():
        application = await _own(user, application_id)
        document = await get_document_for(user, application_id, document_id)
        _require(application, "report" if document.milestone_id else "edit")
        await Document.delete().where(Document.id == document.id)
        await _note(
            application,
            user,
            "document_removed",
            document.filename,
            shown=True,
            detail={"document_id": document.id},
        )


# -- the timeline -------------------------------------------------------------------------


async def timeline_of(application_id: int, *, everything: bool) -> list[TimelineEntry]:
    query = TimelineEntry.objects().where(TimelineEntry.application == application_id)
    if not everything:
        query = query.where(TimelineEntry.shown_to_applicant == True)  # noqa: E712
    return list(await query.order_by(TimelineEntry.at).order_by(TimelineEntry.id))


def timeline_label(kind: str) -> str:
    return {
        "created": _("Draft started"),
        "submitted": _("Application submitted"),
        "more_info": _("More information requested"),
        "reply": _("Answer sent"),
        "screened_eligible": _("Found eligible"),
        "screened_ineligible": _("Found not eligible"),
        "reviewer_assigned": _("Reviewer assigned"),
        "reviewer_removed": _("Reviewer removed"),
        "reviewed": _("Review recorded"),
        "approved": _("Approved"),
        "rejected": _("Not approved"),
        "milestone_added": _("Milestone set"),
        "milestone_reported": _("Milestone reported"),
        "milestone_confirmed": _("Milestone confirmed"),
        "indicators_reported": _("Indicators reported"),
        "accepted": _("Accepted (nghiệm thu)"),
        "closed": _("File closed"),
        "withdrawn": _("Withdrawn"),
        "document_added": _("Document uploaded"),
        "document_removed": _("Document removed"),
    }.get(kind, kind)


# -- programme events on the calendar -----------------------------------------------------


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
        await audit.record(
            actor_id=staff.id,
            action="programme.event",
            record_type="programme",
            record_id=programme.id,
            detail={"event_id": event.id, "booking_id": booking.id, "title": title},
        )
    return event


async def events_of(programme_id: int) -> list[ProgrammeEvent]:
    return list(
        await ProgrammeEvent.objects()
        .where(ProgrammeEvent.programme == programme_id)
        .order_by(ProgrammeEvent.start_at)
    )
