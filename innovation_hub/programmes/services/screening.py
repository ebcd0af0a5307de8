"""Screening: staff check a submitted application and find it eligible, ask the enterprise
for more, or turn it down with a letter."""

from __future__ import annotations

from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import FormInvalid
from innovation_hub.core.i18n import gettext as _
from innovation_hub.programmes.services.access import ready_for
from innovation_hub.programmes.services.notify import tell_applicant
from innovation_hub.programmes.services.timeline import add_to_timeline
from innovation_hub.programmes.tables import Application
from innovation_hub.programmes.workflow import APPLICATIONS

SCREENING_RESULTS = ("eligible", "more_info", "ineligible")


async def ask_more_info(staff: User, application_id: int, message: str) -> Application:
    message = _message_for_enterprise(message)
    async with transaction():
        application = await ready_for(staff, application_id, "more_info")
        await _request_info(application, staff, message, {})
    return application


def _message_for_enterprise(message: str) -> str:
    message = message.strip()
    if not message:
        raise FormInvalid(
            {"message": _("Say what the enterprise should add.")}, code="message_required"
        )
    if len(message) > 5000:
        raise FormInvalid({"message": _("Use at most %(n)s characters.", n=5000)}, code="too_long")
    return message


async def _request_info(
    application: Application, staff: User, message: str, values: dict[Any, Any]
) -> None:
    back = "screening" if application.status in ("submitted", "screening") else "in_review"
    await APPLICATIONS.apply(
        application,
        "more_info",
        values={Application.return_status: back, **values},
        actor_id=staff.id,
    )
    await add_to_timeline(application, staff, "more_info", message)
    await tell_applicant(application, "programme_update", kind="more_info", message=message)


async def screen(staff: User, application_id: int, result: str, note: str = "") -> Application:
    """eligible → in review; more_info → waiting for the enterprise; ineligible → rejected
    with a letter."""
    note = note.strip()
    if result not in SCREENING_RESULTS:
        raise FormInvalid(
            {"result": _("Choose eligible, more information or not eligible.")},
            code="invalid_screening",
        )
    if result in ("more_info", "ineligible"):
        try:
            note = _message_for_enterprise(note)
        except FormInvalid:
            raise FormInvalid(
                {"note": _("Say why, for the enterprise.")}, code="message_required"
            ) from None
    async with transaction():
        application = await ready_for(staff, application_id, "screen")
        values: dict[Any, Any] = {
            Application.screening_result: result,
            Application.screening_note: note,
        }
        if result == "more_info":
            await _request_info(application, staff, note, values)
        elif result == "eligible":
            await APPLICATIONS.apply(
                application, "screen", to="in_review", values=values, actor_id=staff.id
            )
            await add_to_timeline(application, staff, "screened_eligible", note, result=result)
        else:
            values[Application.decided_at] = utcnow()
            values[Application.decided_by] = staff.id
            values[Application.decision_note] = note
            await APPLICATIONS.apply(
                application, "screen", to="rejected", values=values, actor_id=staff.id
            )
            await add_to_timeline(application, staff, "screened_ineligible", note, result=result)
            await tell_applicant(application, "programme_decision", outcome="ineligible", note=note)
    return application
