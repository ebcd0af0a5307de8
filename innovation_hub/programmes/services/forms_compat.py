"""Reading the application form's text into typed changes, for the web pages until they read
it themselves (with ``core.forms``, in ``programmes/forms.py``). Nothing in the services uses
this module; it goes once the pages no longer do."""

from __future__ import annotations

from typing import Any

from innovation_hub.core.forms import VND_SEPARATORS, parse_day, parse_vnd, text
from innovation_hub.core.i18n import gettext as _
from innovation_hub.programmes.services.checks import APPLICATION_FIELDS
from innovation_hub.programmes.services.support import support_terms
from innovation_hub.programmes.tables import Programme

__all__ = ["application_changes_from_form", "parse_amount", "parse_day", "parse_percent"]

# Wider than core's đồng bound, so that an over-large number still reaches the service's
# own range message ("from 1 to 1,000,000") rather than "not a number".
MAX_AMOUNT = 10**15 - 1


def parse_amount(raw: object) -> int | None:
    """Whole đồng written with dots, commas or spaces between thousands; "" is None; text
    that is not a number is a ValueError."""
    digits = text(raw)
    for separator in VND_SEPARATORS:
        digits = digits.replace(separator, "")
    if not digits:
        return None
    value = parse_vnd(digits, maximum=MAX_AMOUNT)
    if value is None:
        raise ValueError(digits)
    return value


def parse_percent(raw: object) -> float | None:
    text = str(raw if raw is not None else "").strip().replace(",", ".").rstrip("%").strip()
    if not text:
        return None
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(text)
    return value


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
