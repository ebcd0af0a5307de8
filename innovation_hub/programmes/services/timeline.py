"""An application's timeline: what happened, when and by whom, with the audit entry
(``application.<kind>``) written in the same transaction."""

from __future__ import annotations

from typing import Any

from innovation_hub.core import audit
from innovation_hub.core.clock import utcnow
from innovation_hub.core.i18n import N_, Labels
from innovation_hub.programmes.tables import Application, TimelineEntry


async def add_to_timeline(
    application: Application,
    actor: Any,
    kind: str,
    body: str = "",
    *,
    shown: bool = True,
    **detail: Any,
) -> None:
    """The timeline entry and the audit entry (``detail`` adds to it), in the caller's
    transaction."""
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
        detail={"status": application.status, **detail},
    )


async def timeline_of(application_id: int, *, everything: bool) -> list[TimelineEntry]:
    query = TimelineEntry.objects().where(TimelineEntry.application == application_id)
    if not everything:
        query = query.where(TimelineEntry.shown_to_applicant == True)  # noqa: E712
    return list(await query.order_by(TimelineEntry.at).order_by(TimelineEntry.id))


timeline_label = Labels(
    {
        "created": N_("Draft started"),
        "submitted": N_("Application submitted"),
        "more_info": N_("More information requested"),
        "reply": N_("Answer sent"),
        "screened_eligible": N_("Found eligible"),
        "screened_ineligible": N_("Found not eligible"),
        "reviewer_assigned": N_("Reviewer assigned"),
        "reviewer_removed": N_("Reviewer removed"),
        "reviewed": N_("Review recorded"),
        "approved": N_("Approved"),
        "rejected": N_("Not approved"),
        "milestone_added": N_("Milestone set"),
        "milestone_reported": N_("Milestone reported"),
        "milestone_confirmed": N_("Milestone confirmed"),
        "indicators_reported": N_("Indicators reported"),
        "accepted": N_("Accepted (nghiệm thu)"),
        "closed": N_("File closed"),
        "withdrawn": N_("Withdrawn"),
        "document_added": N_("Document uploaded"),
        "document_removed": N_("Document removed"),
    }
)
