"""Consultations: a meeting with the case's staff member, held as a booking of kind
consultation on their calendar."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services as bookings
from innovation_hub.bookings.tables import Booking
from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import FormInvalid, NotFound, RuleBroken
from innovation_hub.core.i18n import gettext as _
from innovation_hub.trademarks.records import get_case_for, log
from innovation_hub.trademarks.services.cases import staff_user
from innovation_hub.trademarks.services.notices import notify_owner
from innovation_hub.trademarks.tables import TrademarkCase, TrademarkConsultation
from innovation_hub.trademarks.workflow import TRADEMARKS


async def _take_on(case: TrademarkCase, staff: User, actor: User) -> bool:
    """The case's first consultation: the staff member takes it on, and a new case moves on
    to consultation. True when the status moved."""
    values: dict[Any, Any] = {}
    if case.assigned_staff is None:
        values[TrademarkCase.assigned_staff] = staff.id
    if case.status == "intake" and await TRADEMARKS.move(
        case, "consultation_booked", actor_id=actor.id, values=values
    ):
        return True
    values[TrademarkCase.updated_at] = utcnow()
    await TrademarkCase.update(values).where(TrademarkCase.id == case.id).run()
    return False


async def _place_of(booking_id: int) -> str:
    row = (
        await Booking.select(Booking.resource.name.as_alias("name"))
        .where(Booking.id == booking_id)
        .first()
        .run()
    )
    return row["name"] if row else ""


async def book_consultation(
    actor: User,
    case_id: int,
    *,
    resource_id: int,
    start: datetime,
    end: datetime,
    staff_id: int | None = None,
    topic: str = "",
    base_url: str = "",
) -> TrademarkConsultation:
    """Reserves a room on the staff member's calendar (a booking of kind consultation, in
    their staff feed) and shows it on the case. A taken room is a 409 and changes nothing."""
    topic = " ".join(topic.split())
    if len(topic) > 300:
        raise FormInvalid({"topic": _("Use at most %(n)s characters.", n=300)}, code="too_long")
    async with transaction():
        case = await get_case_for(actor, case_id)
        if TRADEMARKS.is_final(case.status):
            raise RuleBroken(_("This case is closed."), code="case_closed")
        staff = await staff_user(staff_id or case.assigned_staff or actor.id)
        reason = _("Trademark consultation") + f": {case.mark_name} – {case.organisation_name}"
        booking = await bookings.create_block(
            staff, resource_id, start, end, reason=reason[:300], kind="consultation", attendees=2
        )
        consultation = TrademarkConsultation(
            trademark_case=case.id,
            booking=booking.id,
            staff=staff.id,
            topic=topic,
            created_by=actor.id,
            created_at=utcnow(),
        )
        await consultation.save()
        moved = await _take_on(case, staff, actor)
        place = await _place_of(booking.id)
        detail = {
            "consultation_id": consultation.id,
            "booking_id": booking.id,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "staff_name": staff.name,
            "resource_name": place,
            **({"status_after": "consultation"} if moved else {}),
        }
        await log(actor.id, case.id, "consultation_booked", detail)
        await notify_owner(
            case,
            "trademark_consultation",
            lambda: {
                "start": start,
                "end": end,
                "staff_name": staff.name,
                "place": place,
                "topic": topic,
            },
            base_url=base_url,
        )
    return consultation


async def cancel_consultation(
    actor: User, case_id: int, consultation_id: int, *, reason: str = ""
) -> None:
    async with transaction():
        case = await get_case_for(actor, case_id)
        consultation = (
            await TrademarkConsultation.objects()
            .where(
                (TrademarkConsultation.id == consultation_id)
                & (TrademarkConsultation.trademark_case == case.id)
            )
            .first()
            .run()
        )
        if consultation is None:
            raise NotFound(_("No such consultation."), code="consultation_not_found")
        if consultation.booking is not None:
            await bookings.release(
                actor, consultation.booking, reason=reason or _("Consultation cancelled")
            )
        detail = {"consultation_id": consultation.id, "reason": reason}
        await log(actor.id, case.id, "consultation_cancelled", detail)
