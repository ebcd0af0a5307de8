"""The decision: approve within the cost shares, the caps, the call's remaining budget and
the yearly limit per enterprise, or reject; a letter goes to the enterprise.

The decision is not the centre's: the Department of Science and Technology or the Provincial
People's Committee issues it, and staff record which, with its number and date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import lock_until_commit, transaction
from innovation_hub.core.errors import FormInvalid, RuleBroken
from innovation_hub.core.i18n import format_date
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.settings import get_settings
from innovation_hub.programmes.catalogue import DECISION_AUTHORITIES
from innovation_hub.programmes.services.access import ready_for
from innovation_hub.programmes.services.calls import get_programme, reserve
from innovation_hub.programmes.services.limits import check_yearly_limit, enterprise_key
from innovation_hub.programmes.services.notify import tell_applicant
from innovation_hub.programmes.services.support import check_amount, limits_of
from innovation_hub.programmes.services.timeline import add_to_timeline
from innovation_hub.programmes.tables import Application, Programme, Review
from innovation_hub.programmes.workflow import APPLICATIONS


@dataclass(frozen=True)
class Decision:
    """Staff's decision: "approved" (with no amount, the most the cost shares and caps
    allow) or "rejected", with the conditions and a note for the enterprise."""

    outcome: str
    amount_vnd: int | None = None
    conditions: str = ""
    note: str = ""
    # Who issued it (department | people_committee), its number and date; an approval
    # needs all three.
    authority: str = ""
    number: str = ""
    decided_on: date | None = None


def issuer_name(authority: str) -> str:
    """The authority that issued a decision, as a letter names it."""
    province = get_settings().province_name
    if authority == "people_committee":
        return _("People's Committee of %(province)s province", province=province)
    return _(
        "%(department)s of %(province)s province",
        department=get_settings().department_name,
        province=province,
    )


def decision_reference(application: Application) -> str:
    """The decision as letters cite it, e.g. Quyết định số 512/QĐ-SKHCN ngày 15/10/2026 của
    Sở Khoa học và Công nghệ tỉnh Tây Ninh; "" for one recorded without its number."""
    if not application.decision_number or application.decision_date is None:
        return ""
    return _(
        "Decision No. %(number)s of %(day)s by the %(issuer)s",
        number=application.decision_number,
        day=format_date(application.decision_date),
        issuer=issuer_name(application.decision_authority),
    )


def _check_issuer(decision: Decision) -> dict[Any, Any]:
    """The issuing authority, number and date, as columns; required for an approval."""
    authority, number = decision.authority.strip(), decision.number.strip()
    errors: dict[str, str] = {}
    if authority and authority not in DECISION_AUTHORITIES:
        errors["authority"] = _("Choose the Department or the Provincial People's Committee.")
    if len(number) > 100:
        errors["number"] = _("Use at most %(n)s characters.", n=100)
    if decision.outcome == "approved":
        if not authority:
            errors["authority"] = _("Choose who issued the decision.")
        if not number:
            errors["number"] = _("Enter the decision number, e.g. 512/QĐ-SKHCN.")
        if decision.decided_on is None:
            errors["decided_on"] = _("Enter the date of the decision.")
    if errors:
        raise FormInvalid(errors, code="decision_issuer_required")
    return {
        Application.decision_authority: authority,
        Application.decision_number: number,
        Application.decision_date: decision.decided_on,
    }


async def _grant(programme: Programme, application: Application, amount_vnd: int | None) -> int:
    """The amount approved, within the shares, the caps, the enterprise's yearly limit and the
    call's remaining budget, which it takes; inside the deciding transaction."""
    limits = limits_of(programme, application)
    amount = limits.max_support_vnd if amount_vnd is None else amount_vnd
    check_amount(amount, limits)
    # One enterprise's approvals of a year are decided one at a time, so the check below
    # still holds when this one commits.
    key = enterprise_key(application.tax_code)
    await lock_until_commit(f"programme_enterprise:{key}", int(programme.year))
    await check_yearly_limit(programme, key, amount)
    await reserve(programme, amount)
    return amount


async def decide(staff: User, application_id: int, decision: Decision) -> Application:
    """Approve (with an amount within the cost shares, the caps and the call's remaining
    budget) or reject; a letter goes to the enterprise."""
    outcome, amount_vnd = decision.outcome, decision.amount_vnd
    if outcome not in ("approved", "rejected"):
        raise FormInvalid({"outcome": _("Choose approve or reject.")}, code="invalid_outcome")
    conditions, note = decision.conditions.strip(), decision.note.strip()
    if len(conditions) > 5000 or len(note) > 5000:
        raise FormInvalid(
            {"conditions": _("Use at most %(n)s characters.", n=5000)}, code="too_long"
        )
    issuer = _check_issuer(decision)
    async with transaction():
        application = await ready_for(staff, application_id, "decide")
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
            **issuer,
        }
        if outcome == "approved":
            values[Application.approved_vnd] = await _grant(programme, application, amount_vnd)
        await APPLICATIONS.apply(
            application, "decide", to=outcome, values=values, actor_id=staff.id, now=now
        )
        await add_to_timeline(
            application,
            staff,
            outcome,
            note,
            amount_vnd=values.get(Application.approved_vnd),
            conditions=conditions,
            decision_number=issuer[Application.decision_number],
        )
        await tell_applicant(
            application,
            "programme_decision",
            outcome=outcome,
            issuer=issuer_name,
            reference=decision_reference,
            note=note,
            conditions=conditions,
            amount_vnd=values.get(Application.approved_vnd),
        )
    return application
