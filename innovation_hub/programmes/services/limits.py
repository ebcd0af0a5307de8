"""Which support stands, and the call's yearly limit per enterprise: at most so many approved
applications, or so many đồng, per enterprise (one tax code, branches included) and year,
across that year's calls. The half-year report counts supported enterprises the same way."""

from __future__ import annotations

from typing import Any

from piccolo.columns.combination import Or, Where

from innovation_hub.core.errors import RuleBroken
from innovation_hub.core.i18n import gettext as _
from innovation_hub.programmes.services.support import dotted
from innovation_hub.programmes.tables import Application, Programme
from innovation_hub.programmes.workflow import SUPPORTED


def enterprise_key(tax_code: str) -> str:
    """The enterprise a tax code belongs to: a branch (0100109106-001) is its enterprise's."""
    return tax_code.strip().split("-", 1)[0]


def supported() -> Or:
    """Applications whose approved support stands: approved, being carried out, accepted,
    or closed after acceptance. Not rejected (then closed), withdrawn or ended early."""
    return Application.status.is_in(list(SUPPORTED)) | (
        (Application.status == "closed") & Application.accepted_at.is_not_null()
    )


def of_enterprise(key: str) -> Or | Where:
    return (Application.tax_code == key) | Application.tax_code.like(f"{key}-%")


def support_vnd(row: dict[str, Any]) -> int:
    """What an application's support comes to: the settled amount once accepted."""
    settled = row.get("settled_vnd")
    return int(settled if settled is not None else row.get("approved_vnd") or 0)


async def check_yearly_limit(programme: Programme, key: str, amount: int) -> None:
    """Refuses an approval of ``amount`` that would take the enterprise past the call's yearly
    limits. The caller holds the enterprise's lock (``lock_until_commit``)."""
    most = programme.max_approvals_per_enterprise
    most_vnd = programme.max_support_per_enterprise_vnd
    if not most and not most_vnd:
        return
    rows = (
        await Application.select(Application.approved_vnd, Application.settled_vnd)
        .where(
            supported() & of_enterprise(key) & (Application.programme.year == programme.year)  # type: ignore[attr-defined]
        )
        .run()
    )
    if most and len(rows) + 1 > most:
        message = _(
            "This enterprise already has %(n)s approved application(s) in %(year)s: the call "
            "allows at most %(most)s per enterprise a year.",
            n=len(rows),
            year=programme.year,
            most=most,
        )
        raise RuleBroken(
            message,
            code="yearly_limit_reached",
            field_errors={"outcome": message},
            extra={"limit": "approvals_per_year", "limit_count": most},
        )
    if most_vnd:
        left = max(most_vnd - sum(support_vnd(r) for r in rows), 0)
        if amount > left:
            message = _(
                "The amount is above what this enterprise may still receive in %(year)s: "
                "at most %(limit)s đồng (the call's yearly limit per enterprise).",
                year=programme.year,
                limit=dotted(left),
            )
            raise RuleBroken(
                message,
                code="yearly_limit_reached",
                field_errors={"amount_vnd": message},
                extra={"limit": "support_per_year", "limit_vnd": left},
            )
