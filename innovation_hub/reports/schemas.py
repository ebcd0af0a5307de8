"""What the reports API answers."""

from __future__ import annotations

from datetime import datetime

import msgspec

from innovation_hub.reports.services import Figures


class LevelVisitsOut(msgspec.Struct, kw_only=True, frozen=True):
    level: str  # primary | lower_secondary | upper_secondary | vocational | university | other
    visits: int
    students: int


class OccupancyOut(msgspec.Struct, kw_only=True, frozen=True):
    resource_id: int
    name: str
    bookings: int
    check_ins: int
    booked_hours: float
    open_hours: float
    occupancy_percent: float  # booked hours / open hours × 100


class SummaryOut(Figures, kw_only=True, frozen=True):
    """The figures of a period, as ``services.summary`` counts them, with what each counts
    (``definitions``, by field name, in the caller's language: the report's footnotes)."""

    check_in_percent: float
    visits_by_level: list[LevelVisitsOut]
    occupancy: list[OccupancyOut]
    definitions: dict[str, str]


class WaitingItemOut(msgspec.Struct, kw_only=True, frozen=True):
    kind: str  # bookings | visits | trademark_documents | applications
    id: int
    what: str
    who: str
    since: datetime
    url: str  # the staff page where it is handled


class WaitingOut(msgspec.Struct, kw_only=True, frozen=True):
    """Everything waiting for staff, the longest waiting first, with the count of each kind."""

    counts: dict[str, int]
    total: int
    items: list[WaitingItemOut]
