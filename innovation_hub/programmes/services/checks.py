"""What an application's values must be: the typed changes an enterprise may make, the
checks on them (every problem reported at once), and what a submission still lacks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from innovation_hub.core.errors import Problems
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.taxcode import is_valid_tax_code, normalise_tax_code, tax_code_error
from innovation_hub.programmes.catalogue import SECTORS, SIZE_CLASSES
from innovation_hub.programmes.services.support import MAX_COST_VND, items_of, terms_by_type
from innovation_hub.programmes.tables import Application, Programme

UNSET = msgspec.UNSET

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


class ApplicationChanges(msgspec.Struct, kw_only=True):
    """The values an enterprise gives for its application; a field left UNSET stays as it is
    (None clears a number). Checked by the services, not here."""

    enterprise_name: str | msgspec.UnsetType = UNSET
    tax_code: str | msgspec.UnsetType = UNSET
    size_class: str | msgspec.UnsetType = UNSET
    sector: str | msgspec.UnsetType = UNSET
    main_products: str | msgspec.UnsetType = UNSET
    address: str | msgspec.UnsetType = UNSET
    contact_name: str | msgspec.UnsetType = UNSET
    contact_phone: str | msgspec.UnsetType = UNSET
    employees: int | msgspec.UnsetType | None = UNSET
    consultant_name: str | msgspec.UnsetType = UNSET
    consultant_contact: str | msgspec.UnsetType = UNSET
    output_per_worker_vnd: int | msgspec.UnsetType | None = UNSET
    defect_rate_percent: float | msgspec.UnsetType | None = UNSET
    certificates_held: str | msgspec.UnsetType = UNSET
    plan: str | msgspec.UnsetType = UNSET
    support_items: list[dict[str, Any]] | msgspec.UnsetType = UNSET  # {"type", "cost_vnd"}

    @classmethod
    def of(cls, values: ApplicationChanges | Mapping[str, Any]) -> ApplicationChanges:
        """From a mapping of field → value (other keys are ignored)."""
        if isinstance(values, ApplicationChanges):
            return values
        return cls(**{k: v for k, v in values.items() if k in APPLICATION_FIELDS})

    def given(self) -> dict[str, Any]:
        return {
            name: value
            for name in APPLICATION_FIELDS
            if (value := getattr(self, name)) is not UNSET
        }


APPLICATION_FIELDS: tuple[str, ...] = ApplicationChanges.__struct_fields__


def tax_code_problem(value: str) -> str | None:
    """An enterprise's, a branch's, or a household business's 12-digit personal number."""
    return None if is_valid_tax_code(value) else tax_code_error()


def check_application(changes: dict[str, Any], programme: Programme, problems: Problems) -> None:
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


def complete_problems(application: Application) -> Problems:
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
