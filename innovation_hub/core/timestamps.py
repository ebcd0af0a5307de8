"""Timestamps at the edge: ISO 8601 with an offset, or a 400."""

from __future__ import annotations

from datetime import datetime

from innovation_hub.core.errors import BadRequest
from innovation_hub.core.i18n import gettext as _


def require_aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise BadRequest(
            _("Give the time with its offset, e.g. 2026-12-01T09:00:00+07:00."),
            code="naive_timestamp",
            field_errors={field: "missing UTC offset"},
        )
    return value


def parse_timestamp(raw: str, field: str) -> datetime:
    """Parses a query-string timestamp; a ``+`` left unescaped arrives as a space."""
    text = raw.strip().replace(" ", "+")
    if len(text) > 10 and text[10] == "+":  # "2026-12-01 09:00" written with a space
        text = text[:10] + "T" + text[11:]
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise BadRequest(
            _("Give a time like 2026-12-01T09:00:00+07:00."),
            code="bad_timestamp",
            field_errors={field: "not an ISO 8601 timestamp"},
        ) from exc
    return require_aware(value, field)
