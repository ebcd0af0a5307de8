"""What every trademark use case shares: reading a case as a user may see it, its classes and
recorded events, the audit entry of a change, the labels of the small enumerations."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.core import audit
from innovation_hub.core.auth import STAFF
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.errors import NotFound
from innovation_hub.core.i18n import N_, Labels
from innovation_hub.core.i18n import gettext as _
from innovation_hub.trademarks import fees
from innovation_hub.trademarks.tables import TrademarkCase, TrademarkEvent
from innovation_hub.trademarks.workflow import TRADEMARKS, PastEvent

RECORD_TYPE = TRADEMARKS.name
CHECKLIST_STATES = ("missing", "draft", "ready")
# A document is there (uploaded or drafted) that staff have not yet confirmed as ready.
CHECKLIST_TO_CHECK = "draft"
ORGANISATION_KINDS = ("startup", "enterprise", "cooperative", "household_business", "other")
CASE_ROLES = ("startup", "enterprise", "staff", "admin")


def today_local() -> date:
    return utcnow().astimezone(LOCAL_TZ).date()


def is_staff(user: User) -> bool:
    return user.role in STAFF


organisation_kind_label = Labels(
    {
        "startup": N_("Startup"),
        "enterprise": N_("Enterprise"),
        "cooperative": N_("Co-operative"),
        "household_business": N_("Household business"),
        "other": N_("Other organisation"),
        "": N_("Not stated"),
    }
)


def checklist_state_label(state: str) -> str:
    return {"missing": _("Missing"), "draft": _("Draft"), "ready": _("Ready")}.get(state, state)


@dataclass(frozen=True)
class ClassEntry:
    number: int
    items: list[str]


def case_classes(case: TrademarkCase) -> list[ClassEntry]:
    raw = case.classes
    if isinstance(raw, str):
        raw = json.loads(raw)
    return [ClassEntry(int(c["number"]), [str(i) for i in c.get("items", [])]) for c in raw or []]


def class_counts(classes: list[ClassEntry]) -> list[fees.ClassCount]:
    return [fees.ClassCount(number=c.number, items=len(c.items)) for c in classes]


def classes_json(classes: list[ClassEntry]) -> list[dict[str, Any]]:
    return [{"number": c.number, "items": c.items} for c in classes]


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


async def users_by_id(ids: set[int]) -> dict[int, User]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u for u in await User.objects().where(User.id.is_in(list(ids))).run()}


async def log(actor_id: int | None, case_id: int, action: str, detail: dict[str, Any]) -> None:
    """The case's audit entry (``trademark.<action>``), which its timeline is read from."""
    await audit.record(
        actor_id=actor_id,
        action=f"trademark.{action}",
        record_type=RECORD_TYPE,
        record_id=case_id,
        detail=detail,
    )
