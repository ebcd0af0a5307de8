"""The staff dashboard: what needs attention today, each item linking to where it is handled."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from piccolo.query.functions.aggregate import Count

from innovation_hub.bookings.tables import ACTIVE_STATUSES, Booking, WaitlistEntry
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.mail import OutboxMessage
from innovation_hub.programmes.tables import Application
from innovation_hub.reports.waiting import (
    APPLICATIONS_TO_SCREEN,
    BOOKINGS_TO_APPROVE,
    VISITS_TO_ANSWER,
    count_trademark_documents,
)
from innovation_hub.trademarks.services import deadlines_for_staff
from innovation_hub.visits.tables import Visit

DEADLINE_DAYS = 30


@dataclass
class Dashboard:
    today: list[dict[str, Any]] = field(default_factory=list)
    checked_in: int = 0
    bookings_pending: int = 0
    visits_pending: int = 0
    applications_pending: int = 0
    documents_to_check: int = 0
    deadlines: list[dict[str, Any]] = field(default_factory=list)
    offers_open: int = 0
    waiting: int = 0
    outbox_failed: list[dict[str, Any]] = field(default_factory=list)

    @property
    def waiting_total(self) -> int:
        """What the "waiting for you" queue lists."""
        return (
            self.bookings_pending
            + self.visits_pending
            + self.applications_pending
            + self.documents_to_check
        )


async def _count(table: Any, where: Any) -> int:
    row = await table.select(Count(table.id, alias="n")).where(where).first().run()
    return int(row["n"]) if row else 0


async def dashboard(staff_id: int, now: datetime | None = None) -> Dashboard:
    now = now or utcnow()
    today = now.astimezone(LOCAL_TZ).date()
    start = datetime.combine(today, time(0), LOCAL_TZ)
    end = start + timedelta(days=1)
    todays = (
        await Booking.select(
            *(Booking.id, Booking.start_at, Booking.end_at, Booking.status, Booking.kind),
            Booking.resource.name.as_alias("resource_name"),
            Booking.user.name.as_alias("member_name"),
        )
        .where(
            (Booking.start_at >= start)
            & (Booking.start_at < end)
            & Booking.status.is_in([*ACTIVE_STATUSES, "no_show"])
        )
        .order_by(Booking.start_at)
        .run()
    )
    return Dashboard(
        today=todays,
        checked_in=sum(1 for row in todays if row["status"] == "checked_in"),
        bookings_pending=await _count(Booking, Booking.status.is_in(list(BOOKINGS_TO_APPROVE))),
        visits_pending=await _count(Visit, Visit.status.is_in(list(VISITS_TO_ANSWER))),
        applications_pending=await _count(
            Application, Application.status.is_in(list(APPLICATIONS_TO_SCREEN))
        ),
        documents_to_check=await count_trademark_documents(),
        deadlines=await deadlines_for_staff(staff_id, today, today + timedelta(days=DEADLINE_DAYS)),
        offers_open=await _count(WaitlistEntry, WaitlistEntry.status == "offered"),
        waiting=await _count(WaitlistEntry, WaitlistEntry.status == "waiting"),
        outbox_failed=await OutboxMessage.select(
            OutboxMessage.id,
            OutboxMessage.to_address,
            OutboxMessage.subject,
            OutboxMessage.last_error,
            OutboxMessage.attempts,
        )
        .where(OutboxMessage.status == "failed")
        .order_by(OutboxMessage.id, ascending=False)
        .limit(10)
        .run(),
    )
