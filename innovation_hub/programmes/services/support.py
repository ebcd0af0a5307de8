"""Pure support maths: what a call funds (cost shares and caps), what an application asks
for, the most it may receive, and whether an amount fits. No database here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from innovation_hub.core.errors import RuleBroken
from innovation_hub.core.i18n import N_
from innovation_hub.core.i18n import gettext as _
from innovation_hub.programmes.catalogue import builtin_criterion_label, builtin_document_label
from innovation_hub.programmes.tables import Application, Programme

MAX_BUDGET_VND = 10**14
MAX_COST_VND = 10**13


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


def size_shares_of(programme: Programme) -> dict[str, int]:
    """The call's cost share by enterprise size, {"micro": 70, …}; empty when it has none."""
    return {k: int(v) for k, v in dict(_json(programme.size_shares, {})).items()}


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


def support_limits(
    programme: Programme, items: list[dict[str, Any]], size_class: str = ""
) -> Limits:
    """Each item's cost × its share, limited to its cap. The share is the call's share for
    the enterprise's size when the call sets one for it, else the item's own."""
    terms = terms_by_type(programme)
    size_share = size_shares_of(programme).get(size_class)
    lines = []
    for item in items:
        term = terms.get(item["type"])
        if term is None:  # the call dropped a type after the application chose it
            continue
        cost = int(item["cost_vnd"])
        percent = int(term["cost_share_percent"]) if size_share is None else size_share
        share = cost * percent // 100
        lines.append(
            ItemLimit(
                type=item["type"],
                cost_vnd=cost,
                cost_share_percent=percent,
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


def limits_of(programme: Programme, application: Application) -> Limits:
    """The most an application may receive: its items, at the share for its size."""
    return support_limits(programme, items_of(application), application.size_class)


def amount_error(message: str, code: str, limit: str, limit_vnd: int) -> RuleBroken:
    return RuleBroken(
        message,
        code=code,
        field_errors={"amount_vnd": message},
        extra={"limit": limit, "limit_vnd": limit_vnd},
    )


def dotted(amount: int) -> str:
    """An amount of đồng as the letters write it: 1.250.000."""
    return f"{amount:,}".replace(",", ".")


def check_amount(amount: int, limits: Limits) -> None:
    if isinstance(amount, bool) or amount <= 0:
        raise amount_error(
            _("Give an amount above zero."), "invalid_amount", "positive", limits.max_support_vnd
        )
    ceilings = (
        (
            limits.share_total_vnd,
            "amount_above_cost_share",
            "cost_share",
            N_(
                "The amount is above the cost share: at most %(limit)s đồng "
                "(each item's cost × its cost share)."
            ),
        ),
        (
            limits.max_support_vnd,
            "amount_above_cap",
            "cap",
            N_(
                "The amount is above the caps: at most %(limit)s đồng (each item's cost share, "
                "limited to its cap)."
            ),
        ),
    )
    for ceiling, code, limit, message in ceilings:
        if amount > ceiling:
            raise amount_error(_(message, limit=dotted(ceiling)), code, limit, ceiling)
