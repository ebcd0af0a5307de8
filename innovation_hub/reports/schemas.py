"""What the reports API answers."""

from __future__ import annotations

from datetime import datetime

import msgspec

from innovation_hub.reports.services import Figures


class SummaryOut(Figures, kw_only=True, frozen=True):
    """The figures of a period, as ``services.summary`` counts them."""


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
