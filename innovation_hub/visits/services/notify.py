"""What the teacher receives: emails with a fresh private link, and the calendar file."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from innovation_hub.core import mail
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.errors import NotFound
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.i18n import use_locale
from innovation_hub.core.ical import FeedEvent, render
from innovation_hub.core.security import new_secret_token, token_digest
from innovation_hub.visits.services.queries import place_of, user_name
from innovation_hub.visits.tables import Visit, VisitLink

UID_DOMAIN = "innovation-hub"


def status_link(base_url: str, token: str) -> str:
    return f"{base_url}/visits/status/{token}"


async def new_link(visit_id: int, now: datetime) -> str:
    """A fresh private token for an email; only its digest is stored."""
    token = new_secret_token()
    await VisitLink.insert(
        VisitLink(visit=visit_id, token_digest=token_digest(token), created_at=now)
    ).run()
    return token


def email_view(visit: Visit) -> dict[str, Any]:
    return {
        "id": visit.id,
        "school_name": visit.school_name,
        "contact_name": visit.contact_name,
        "student_count": visit.student_count,
        "supervisor_count": visit.supervisor_count,
        "topic": visit.topic,
        "preferred_date": visit.preferred_date,
        "start_at": visit.start_at,
        "end_at": visit.end_at,
        "end_time": visit.end_at.astimezone(LOCAL_TZ).strftime("%H:%M") if visit.end_at else "",
    }


async def send_received(visit: Visit, *, base_url: str, notice_days: int, now: datetime) -> str:
    """The first email, with the private link; returns the link's token."""
    token = await new_link(visit.id, now)
    await mail.enqueue(
        to=visit.contact_email,
        template="visit_received",
        context={
            "visit": email_view(visit),
            "link": status_link(base_url, token),
            "notice_days": notice_days,
        },
        locale=visit.locale,
    )
    return token


async def _calendar_file(visit: Visit, base_url: str, centre_name: str) -> mail.Attachment:
    return mail.Attachment(
        filename=f"visit-{visit.id}.ics",
        content_type="text/calendar",
        data=await visit_ics(visit, base_url=base_url, centre_name=centre_name),
    )


async def notify(
    visit: Visit,
    kind: str,
    *,
    base_url: str,
    now: datetime,
    message: str = "",
    proposed_date: date | None = None,
    attach_ics: bool = False,
    centre_name: str = "",
) -> None:
    """Email the teacher about a change, with a fresh private link (in this transaction)."""
    token = await new_link(visit.id, now)
    place = await place_of(visit)
    attachments: tuple[mail.Attachment, ...] = ()
    if attach_ics and visit.start_at is not None:
        attachments = (await _calendar_file(visit, base_url, centre_name),)
    await mail.enqueue(
        to=visit.contact_email,
        template="visit_update",
        context={
            "kind": kind,
            "visit": email_view(visit),
            "link": status_link(base_url, token),
            "message": message,
            "proposed_date": proposed_date,
            "place": place.label() if place else "",
            "host": await user_name(visit.host),
        },
        locale=visit.locale,
        attachments=attachments,
    )


async def _event_lines(visit: Visit, centre_name: str) -> list[str]:
    lines = [_("Topic: %(topic)s", topic=visit.topic)]
    lines.append(
        _(
            "Group: %(students)s students, %(supervisors)s adults",
            students=visit.student_count,
            supervisors=visit.supervisor_count,
        )
    )
    if host := await user_name(visit.host):
        lines.append(_("Your host: %(name)s", name=host))
    lines.append(centre_name)
    return [line for line in lines if line]


async def visit_ics(visit: Visit, *, base_url: str, centre_name: str) -> bytes:
    """The approved visit as a calendar file; a cancelled one tells calendars to drop it."""
    if visit.start_at is None or visit.end_at is None:
        raise NotFound(_("This visit has no time yet."), code="visit_not_scheduled")
    place = await place_of(visit)
    with use_locale(visit.locale):
        summary = _("Research visit: %(school)s", school=visit.school_name)
        lines = await _event_lines(visit, centre_name)
        status = "CANCELLED" if visit.status in ("cancelled", "declined") else "CONFIRMED"
        return render(
            name=summary,
            description=centre_name,
            calendar_uid=f"visit-file-{visit.id}@{UID_DOMAIN}",
            source_url=f"{base_url}/visits",
            events=[
                FeedEvent(
                    uid=f"visit-{visit.id}@{UID_DOMAIN}",
                    start=visit.start_at,
                    end=visit.end_at,
                    summary=summary,
                    description="\n".join(lines),
                    location=place.label() if place else "",
                    status=status,
                    sequence=visit.sequence,
                    created=visit.created_at,
                    last_modified=visit.updated_at,
                )
            ],
        )
