"""What the reports API answers."""

from __future__ import annotations

from innovation_hub.reports.services import Figures


class SummaryOut(Figures, kw_only=True, frozen=True):
    """The figures of a period, as ``services.summary`` counts them."""
