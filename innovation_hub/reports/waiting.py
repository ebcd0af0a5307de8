"""What waits for staff, across the domains: bookings to approve (any day), visit requests to
answer, trademark documents to check, programme applications to screen.

A read model: each domain's own declaration says which states wait for staff (the sources of
its workflow's deciding action), so a status renamed there is renamed here. Texts are made in
the current locale, so the page and each staff member's digest read in their own language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from innovation_hub.bookings.tables import Booking
from innovation_hub.bookings.web.board_view import board_url
from innovation_hub.bookings.workflow import BOOKINGS
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.i18n import N_, format_date, format_datetime
from innovation_hub.core.i18n import gettext as _
from innovation_hub.programmes.tables import Application
from innovation_hub.programmes.workflow import APPLICATIONS
from innovation_hub.trademarks import config as trademark_config
from innovation_hub.trademarks.records import CHECKLIST_TO_CHECK
from innovation_hub.trademarks.tables import TrademarkDossierItem
from innovation_hub.trademarks.workflow import OPEN_STATUSES as OPEN_CASES
from innovation_hub.visits.tables import Visit
from innovation_hub.visits.workflow import VISITS

# The kinds in the order staff see them, each with its heading (a message id).
KINDS: dict[str, str] = {
    "bookings": N_("Bookings waiting for approval"),
    "visits": N_("Visit requests waiting for an answer"),
    "trademark_documents": N_("Trademark documents to check"),
    "applications": N_("Programme applications to screen"),
}

BOOKINGS_TO_APPROVE = BOOKINGS.sources("approve")
# A request staff can decide, less those waiting for the teacher's answer.
VISITS_TO_ANSWER = tuple(s for s in VISITS.sources("approve") if s not in VISITS.sources("reply"))
APPLICATIONS_TO_SCREEN = APPLICATIONS.sources("screen")


@dataclass(frozen=True)
class WaitingItem:
    kind: str  # a key of KINDS
    id: int  # the record's id in its domain
    what: str  # what it is, in the reader's language
    who: str  # the member, school or organisation it is for
    since: datetime  # when it started waiting
    url: str  # the page where staff act on it (a path)
    status: str  # the record's status in its domain
    assigned_to: int | None = None  # the staff member it is assigned to, if any


@dataclass
class Waiting:
    items: dict[str, list[WaitingItem]] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return {kind: len(self.items.get(kind, [])) for kind in KINDS}

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def oldest(self) -> list[WaitingItem]:
        """Every item, the longest waiting first."""
        return sorted((i for rows in self.items.values() for i in rows), key=_age_order)

    def headings(self) -> dict[str, str]:
        return {kind: _(label) for kind, label in KINDS.items()}


def _age_order(item: WaitingItem) -> tuple[datetime, str, int]:
    return item.since, item.kind, item.id


async def _bookings() -> list[WaitingItem]:
    rows = (
        await Booking.select(
            Booking.id,
            Booking.status,
            Booking.start_at,
            Booking.end_at,
            Booking.created_at,
            Booking.resource.name.as_alias("resource_name"),
            Booking.resource.location.as_alias("location_id"),
            Booking.user.name.as_alias("member_name"),
        )
        .where(Booking.status.is_in(list(BOOKINGS_TO_APPROVE)))
        .order_by(Booking.created_at)
        .order_by(Booking.id)
        .run()
    )
    items = []
    for row in rows:
        start, end = row["start_at"], row["end_at"]
        day = start.astimezone(LOCAL_TZ).date()
        what = _(
            "%(space)s, %(start)s–%(end)s",
            space=row["resource_name"],
            start=format_datetime(start),
            end=end.astimezone(LOCAL_TZ).strftime("%H:%M"),
        )
        url = board_url(row["location_id"], day, anchor=f"b-{row['id']}")
        items.append(
            WaitingItem(
                "bookings",
                row["id"],
                what,
                row["member_name"] or "",
                row["created_at"],
                url,
                row["status"],
            )
        )
    return items


async def _visits() -> list[WaitingItem]:
    rows = (
        await Visit.select(
            Visit.id,
            Visit.status,
            Visit.school_name,
            Visit.contact_name,
            Visit.student_count,
            Visit.preferred_date,
            Visit.host,
            Visit.created_at,
        )
        .where(Visit.status.is_in(list(VISITS_TO_ANSWER)))
        .order_by(Visit.created_at)
        .order_by(Visit.id)
        .run()
    )
    return [
        WaitingItem(
            "visits",
            row["id"],
            _(
                "%(school)s, %(students)s students, on %(day)s",
                school=row["school_name"],
                students=row["student_count"],
                day=format_date(row["preferred_date"]),
            ),
            row["contact_name"],
            row["created_at"],
            f"/staff/visits/{row['id']}",
            row["status"],
            row["host"],
        )
        for row in rows
    ]


def _documents_to_check() -> Any:
    item = TrademarkDossierItem
    return (item.state == CHECKLIST_TO_CHECK) & item.trademark_case.status.is_in(list(OPEN_CASES))


async def count_trademark_documents() -> int:
    return int(await TrademarkDossierItem.count().where(_documents_to_check()))


async def _trademark_documents() -> list[WaitingItem]:
    item = TrademarkDossierItem
    rows = (
        await item.select(
            item.id,
            item.code,
            item.updated_at,
            item.trademark_case.id.as_alias("case_id"),
            item.trademark_case.mark_name.as_alias("mark_name"),
            item.trademark_case.organisation_name.as_alias("organisation_name"),
            item.trademark_case.assigned_staff.as_alias("assigned_staff"),
            item.trademark_case.status.as_alias("case_status"),
        )
        .where(_documents_to_check())
        .order_by(item.updated_at)
        .order_by(item.id)
        .run()
    )
    labels = {d.code: d.label for d in trademark_config.dossier_items()}
    return [
        WaitingItem(
            "trademark_documents",
            row["id"],
            _(
                "“%(mark)s”: %(document)s",
                mark=row["mark_name"],
                document=labels.get(row["code"], row["code"]),
            ),
            row["organisation_name"],
            row["updated_at"],
            f"/staff/trademarks/{row['case_id']}#item-{row['code']}",
            row["case_status"],
            row["assigned_staff"],
        )
        for row in rows
    ]


async def _applications() -> list[WaitingItem]:
    rows: list[dict[str, Any]] = (
        await Application.select(
            Application.id,
            Application.status,
            Application.enterprise_name,
            Application.submitted_at,
            Application.created_at,
            Application.programme.name.as_alias("programme_name"),
        )
        .where(Application.status.is_in(list(APPLICATIONS_TO_SCREEN)))
        .order_by(Application.id)
        .run()
    )
    items = [
        WaitingItem(
            "applications",
            row["id"],
            _("Application to “%(call)s”", call=row["programme_name"]),
            row["enterprise_name"],
            row["submitted_at"] or row["created_at"],
            f"/staff/applications/{row['id']}#screening",
            row["status"],
        )
        for row in rows
    ]
    return sorted(items, key=_age_order)


async def waiting(for_staff: int | None = None) -> Waiting:
    """Everything pending, oldest first in each kind. ``for_staff``: leave out what is
    assigned to another staff member (a digest names only what waits for its reader)."""
    found = {
        "bookings": await _bookings(),
        "visits": await _visits(),
        "trademark_documents": await _trademark_documents(),
        "applications": await _applications(),
    }
    if for_staff is not None:
        found = {
            kind: [i for i in rows if i.assigned_to in (None, for_staff)]
            for kind, rows in found.items()
        }
    return Waiting(found)
