"""The application workflow's words and groups, as callers named them before the workflow
was declared: thin names over ``programmes.workflow.APPLICATIONS``, so old callers and the
declaration give the same labels and icons."""

from __future__ import annotations

from innovation_hub.core.errors import RuleBroken
from innovation_hub.core.i18n import N_, Labels
from innovation_hub.core.i18n import gettext as _
from innovation_hub.programmes.tables import STATUSES
from innovation_hub.programmes.workflow import APPLICATIONS, FOLLOW_UP

# Which actions may start from which states.
TRANSITIONS: dict[str, tuple[str, ...]] = {t.action: t.sources for t in APPLICATIONS.transitions}
ACTIVE = tuple(s for s in STATUSES if s != "withdrawn")
STATUS_GROUPS: dict[str, tuple[str, ...]] = {
    "open": ("submitted", "screening", "more_info", "in_review", "ready_for_decision"),
    "follow_up": FOLLOW_UP,
    "done": ("accepted", "closed", "rejected", "withdrawn"),
    "all": STATUSES,
}
STATUS_ICONS = {state.name: state.icon for state in APPLICATIONS.states}
PROGRAMME_ICONS = {"upcoming": "◷", "open": "●", "closed": "■"}


def status_label(status: str) -> str:
    """As staff and reviewers read the workflow."""
    return APPLICATIONS.label(status)


def applicant_status_label(status: str) -> str:
    """As the enterprise reads it: the inner steps of the review are one step for them."""
    return APPLICATIONS.label(status, member=True)


programme_status_label = Labels(
    {
        "upcoming": N_("Opens soon"),
        "open": N_("Open for applications"),
        "closed": N_("Closed for applications"),
    }
)
recommendation_label = Labels(
    {
        "yes": N_("Support"),
        "maybe": N_("Support with changes"),
        "no": N_("Do not support"),
    }
)
screening_label = Labels(
    {
        "eligible": N_("Eligible"),
        "more_info": N_("More information needed"),
        "ineligible": N_("Not eligible"),
    }
)


def parse_status_filter(value: str | None) -> tuple[str, ...]:
    if not value:
        return STATUSES
    if value in STATUS_GROUPS:
        return STATUS_GROUPS[value]
    if value in STATUSES:
        return (value,)
    raise RuleBroken(_("Unknown status “%(status)s”.", status=value), code="invalid_status")
