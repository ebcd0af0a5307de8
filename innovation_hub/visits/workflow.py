"""The states of a research visit and the moves between them, declared once (core.workflow).

Staff and the teacher read the same words and icons except while staff wait for the
teacher's answer. "owner" is the requesting teacher: through the private link, or the
account that sent the request.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from innovation_hub.core import audit
from innovation_hub.core.errors import Conflict
from innovation_hub.core.i18n import N_
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.workflow import STAFF_ROLES, State, Transition, Workflow
from innovation_hub.visits.tables import Visit

OWNER = frozenset({"owner"})

VISITS = Workflow(
    name="visit",
    table=Visit,
    states=(
        State("requested", N_("Requested"), "◷"),
        State("more_info", N_("Waiting for the teacher"), "?", N_("Waiting for your reply")),
        State("approved", N_("Approved"), "✓"),
        State("declined", N_("Declined"), "✕", final=True),
        State("cancelled", N_("Cancelled"), "⊘", final=True),
        State("completed", N_("Completed"), "★", final=True),
        State("no_show", N_("Did not come"), "–", final=True),
    ),
    transitions=(
        Transition("approve", ("requested", "more_info"), ("approved",), label=N_("Approve")),
        Transition("decline", ("requested", "more_info"), ("declined",), label=N_("Decline")),
        # Staff take back a visit they approved (the API's decline of an approved visit).
        Transition("withdraw", ("approved",), ("declined",)),
        Transition("more_info", ("requested", "more_info"), ("more_info",)),
        Transition("reply", ("more_info",), ("requested",), OWNER, N_("Reply"), audit="replied"),
        Transition(
            "cancel",
            ("requested", "more_info", "approved"),
            ("cancelled",),
            STAFF_ROLES | OWNER,
            N_("Cancel the visit"),
        ),
        Transition("attendance", ("approved",), ("completed", "no_show")),
    ),
    conflict_message=N_("This visit was changed a moment ago. Reload the page and try again."),
    conflict_code="visit_changed",
)

STATUSES = VISITS.statuses
# A request staff still have to answer; the teacher may still change or cancel it.
OPEN_STATUSES = VISITS.sources("approve")
FINAL_STATUSES = VISITS.final_statuses


def status_label(status: str) -> str:
    """As the teacher reads it (pages, emails)."""
    return VISITS.label(status, member=True)


def staff_status_label(status: str) -> str:
    return VISITS.label(status)


STATUS_ICONS = {status: VISITS.icon(status) for status in STATUSES}


async def edit(visit: Visit, changes: Mapping[Any, Any], *, now: datetime) -> None:
    """A change that keeps the status (the host, the feedback), written only while the visit
    is still in the status read; it moves the calendar file's SEQUENCE like a status change."""
    values = {**changes, Visit.updated_at: now, Visit.sequence: Visit.sequence + 1}
    rows = (
        await Visit.update(values)
        .where((Visit.id == visit.id) & (Visit.status == visit.status))
        .returning(Visit.id, Visit.sequence)
        .run()
    )
    if not rows:
        raise Conflict(_(VISITS.conflict_message), code=VISITS.conflict_code)
    visit.sequence = rows[0]["sequence"]


async def log(
    visit: Visit, action: str, *, actor_id: int | None, detail: dict[str, Any] | None = None
) -> None:
    """The audit entry of a visit's change that is not a move (a move writes its own)."""
    await audit.record(
        actor_id=actor_id, action=action, record_type="visit", record_id=visit.id, detail=detail
    )
