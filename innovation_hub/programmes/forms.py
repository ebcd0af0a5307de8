"""Reading the support programme's HTML forms into the typed values the services take.

Each reader uses ``core.forms``; a bad field becomes a message beside it. The application
form gives its errors back instead of raising, because the service reports them together
with its own checks (a tax code, a missing name) in one answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.forms import (
    Form,
    parse_clock,
    parse_day,
    parse_id,
    parse_int,
    parse_vnd,
    text,
)
from innovation_hub.core.i18n import gettext as _
from innovation_hub.programmes import services
from innovation_hub.programmes.catalogue import DEFAULT_CRITERIA, SHARE_SIZES, SUPPORT_TYPES

Data = dict[str, Any]
NUMBERS = ("employees", "output_per_worker_vnd", "defect_rate_percent")
SCORES = ("0", "1", "2", "3", "4", "5")


def parse_percent(raw: object) -> float | None:
    """A percentage with a decimal point or comma ("2,5 %"); the services check the range.
    core.forms has no decimal reader: every other form field is a whole number."""
    value = text(raw).replace(",", ".").rstrip("%").strip()
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _percent(form: Form, name: str) -> float | None:
    value = parse_percent(form.raw(name))
    if value is None and form.has(name):
        form.error(name, _("Enter a percentage such as 2.5."))
    return value


def application_changes(data: Data, programme: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The typed changes the application form asks for (only the fields it sent), and the
    fields it could not read."""
    form = Form(data)
    changes: dict[str, Any] = {
        name: text(data.get(name))
        for name in services.APPLICATION_FIELDS
        if name in data and name not in (*NUMBERS, "support_items")
    }
    for name in ("employees", "output_per_worker_vnd"):
        if name in data:
            changes[name] = form.vnd(name, message=_("Enter a whole number."))
    if "defect_rate_percent" in data:
        changes["defect_rate_percent"] = _percent(form, "defect_rate_percent")
    items = []
    for term in services.support_terms(programme):
        name = f"cost_{term['type']}"
        if name in data:
            cost = form.vnd(name, message=_("Enter the cost in đồng, e.g. 120.000.000."))
            if cost:
                items.append({"type": term["type"], "cost_vnd": cost})
    if any(key.startswith("cost_") for key in data):
        changes["support_items"] = items
    return changes, form.errors


def typed_items(data: Data, codes: list[str]) -> list[dict[str, Any]]:
    """The support items whose cost reads as an amount, for the live estimate on the form."""
    costs = {code: parse_vnd(data.get(f"cost_{code}")) for code in codes}
    return [{"type": code, "cost_vnd": cost} for code, cost in costs.items() if cost]


def indicators(data: Data) -> services.Indicators:
    form = Form(data)
    values = services.Indicators(
        output_per_worker_before_vnd=form.vnd(
            "output_per_worker_before_vnd", message=_("Enter a whole number.")
        ),
        output_per_worker_after_vnd=form.vnd(
            "output_per_worker_after_vnd", message=_("Enter a whole number.")
        ),
        defect_rate_before_percent=_percent(form, "defect_rate_before_percent"),
        defect_rate_after_percent=_percent(form, "defect_rate_after_percent"),
        certificates_obtained=text(data.get("certificates_obtained")),
        note=text(data.get("note")),
    )
    form.check()
    return values


def scores(data: Data, programme: Any) -> dict[str, int | None]:
    """A score 0–5 or "na" for each of the call's criteria."""
    form = Form(data)
    result: dict[str, int | None] = {}
    for criterion in services.criteria_of(programme):
        name = f"score_{criterion.code}"
        raw = text(data.get(name))
        if raw == "na":
            result[criterion.code] = None
        elif not raw:
            form.error(name, _("Choose a score, or n/a."))
        elif raw in SCORES:
            result[criterion.code] = int(raw)
        else:
            form.error(name, _("Score from 0 to 5, or n/a."))
    form.check()
    return result


def decision(data: Data) -> services.Decision:
    """An approval needs its amount; the services check the outcome and that an approval
    names who issued it, with its number and date."""
    form = Form(data)
    outcome = text(data.get("outcome"))
    amount = None
    if outcome == "approved":
        amount = form.vnd("amount_vnd", required=True, message=_("Enter the amount in đồng."))
    decided_on = form.day("decided_on")
    form.check()
    return services.Decision(
        outcome,
        amount,
        text(data.get("conditions")),
        text(data.get("note")),
        authority=text(data.get("authority")),
        number=text(data.get("number")),
        decided_on=decided_on,
    )


def settled_amount(data: Data) -> int | None:
    """Empty: the amount approved."""
    form = Form(data)
    amount = form.vnd("settled_vnd", message=_("Enter the amount in đồng."))
    form.check()
    return amount


def reviewer(data: Data) -> tuple[int | None, str]:
    """A member of staff from the list, or anyone's email."""
    form = Form(data)
    reviewer_id, email = parse_id(data.get("reviewer_id")), text(data.get("email"))
    if reviewer_id is None and not email:
        form.error("reviewer", _("Choose a member of staff or give an email."))
    form.check()
    return reviewer_id, email


def _moment(form: Form, day: str, clock: str) -> datetime | None:
    parsed_day, parsed_clock = parse_day(form.raw(day)), parse_clock(form.raw(clock))
    if parsed_day is None or parsed_clock is None:
        form.error(day, _("Choose a date and a time."))
        return None
    return datetime.combine(parsed_day, parsed_clock, tzinfo=LOCAL_TZ)


def _terms(data: Data) -> list[services.SupportTerm]:
    """The support types ticked; a share or cap that does not read is 0, which the services
    refuse with their own message."""
    return [
        services.SupportTerm(
            code,
            parse_int(data.get(f"share_{code}"), maximum=999) or 0,
            parse_vnd(data.get(f"cap_{code}")) or 0,
        )
        for code in SUPPORT_TYPES
        if data.get(f"use_{code}")
    ]


def _criteria(raw: object) -> list[tuple[str, str]] | None:
    """Extra criteria, one label a line; none written: the built-in ones."""
    labels = [line.strip() for line in text(raw).splitlines() if line.strip()]
    if not labels:
        return None
    return [(code, "") for code in DEFAULT_CRITERIA] + [
        (f"extra_{n}", label[:300]) for n, label in enumerate(labels, start=1)
    ]


def new_programme(data: Data) -> services.NewProgramme:
    form = Form(data)
    opens_at = _moment(form, "opens_on", "opens_time")
    closes_at = _moment(form, "closes_on", "closes_time")
    budget = form.vnd("budget_vnd", maximum=services.MAX_BUDGET_VND)
    if not budget:
        form.errors["budget_vnd"] = _("Give a budget above zero, in whole đồng.")
    most = form.number("max_approvals_per_enterprise", maximum=100)
    most_vnd = form.vnd("max_support_per_enterprise_vnd", maximum=services.MAX_BUDGET_VND)
    # Whole numbers here; the services check the range, with the call's other rules.
    shares = {size: form.number(f"size_share_{size}") for size in SHARE_SIZES}
    form.check()
    assert opens_at is not None and closes_at is not None and budget is not None
    return services.NewProgramme(
        name=text(data.get("name")),
        opens_at=opens_at,
        closes_at=closes_at,
        budget_vnd=budget,
        support_types=_terms(data),
        year=parse_int(data.get("year"), minimum=1000, maximum=9999),
        provincial_decision=text(data.get("provincial_decision")),
        description=text(data.get("description")),
        eligibility=text(data.get("eligibility")),
        criteria=_criteria(data.get("criteria")),
        finance_basis=text(data.get("finance_basis")),
        max_approvals_per_enterprise=most or 0,
        max_support_per_enterprise_vnd=most_vnd or 0,
        size_shares={size: n for size, n in shares.items() if n is not None},
    )
