"""What the reports API answers."""

from __future__ import annotations

import msgspec


class SummaryOut(msgspec.Struct, kw_only=True):
    """The figures of a period, as ``services.summary`` counts them."""

    bookings: int
    booked_hours: float
    unique_members: int
    visits: int
    visit_students: int
    trademark_organisations_guided: int
    enterprises_supported: int
    support_approved_vnd: int
