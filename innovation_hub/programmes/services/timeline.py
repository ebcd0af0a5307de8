"""An application's timeline: what happened, when and by whom, with the audit entry
(``application.<kind>``) written in the same transaction."""

from __future__ import annotations

from typing import Any

from innovation_hub.core import audit
from innovation_hub.core.clock import utcnow
from innovation_hub.core.i18n import gettext as _
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


def timeline_label(kind: str) -> str:
    return {
        "created": _("Draft started"),
        "submitted": _("Application submitted"),
        "more_info": _("More information requested"),
        "reply": _("Answer sent"),
        "screened_eligible": _("Found eligible"),
        "screened_ineligible": _("Found not eligible"),
        "reviewer_assigned": _("Reviewer assigned"),
        "reviewer_removed": _("Reviewer removed"),
        "reviewed": _("Review recorded"),
        "approved": _("Approved"),
        "rejected": _("Not approved"),
        "milestone_added": _("Milestone set"),
        "milestone_reported": _("Milestone reported"),
        "milestone_confirmed": _("Milestone confirmed"),
        "indicators_reported": _("Indicators reported"),
        "accepted": _("Accepted (nghiệm thu)"),
        "closed": _("File closed"),
        "withdrawn": _("Withdrawn"),
        "document_added": _("Document uploaded"),
        "document_removed": _("Document removed"),
    }.get(kind, kind)
