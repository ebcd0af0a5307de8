"""The deadlines that follow from a case's recorded events, and when to remind of them.
Pure functions over plain values: the periods come from the dated configuration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from innovation_hub.trademarks.config import Durations, add_months, durations_on
from innovation_hub.trademarks.workflow import PastEvent

# Deadline name → the configured period it comes from.
DEADLINE_PERIODS = {
    "formality_examination": "formality_examination",
    "defect_response": "defect_response",
    "publication": "publication",
    "substantive_examination": "substantive_examination",
    "office_action_response": "office_action_response",
    "grant_fees": "grant_fees",
    "renewal_window_opens": "renewal_window",
    "protection_expires": "protection",
    "renewal_grace_ends": "renewal_grace",
}


@dataclass(frozen=True)
class Deadline:
    name: str
    due: date
    party: str
    period: str

    def label(self, durations: Durations) -> str:
        return durations.periods[self.period].label

    def basis(self, durations: Durations) -> str:
        return durations.periods[self.period].basis


def durations_for(history: list[PastEvent], today: date) -> Durations:
    """The periods in force on the filing date (today for a case not filed yet)."""
    filed = next((e.date for e in history if e.type == "filed"), None)
    return durations_on(filed or today)


def _response_due(event: PastEvent, default: date) -> date:
    raw = event.detail.get("response_due")
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            return default
    return default


# Deadlines an event closes, before it opens its own.
_CLOSES = {
    "defect_notice": ("formality_examination",),
    "formality_accepted": ("formality_examination", "defect_response"),
    "published": ("formality_examination", "defect_response", "publication"),
    "response": ("defect_response", "office_action_response"),
}
# Deadlines an event opens: the period counts from the event's date.
_OPENS = {
    "filed": "formality_examination",
    "formality_accepted": "publication",
    "published": "substantive_examination",
}
_CLOSES_ALL = ("filed", "granted", "refused", "withdrawn", "guidance_only")


class _Open:
    """The open deadlines while a history is replayed."""

    def __init__(self, durations: Durations) -> None:
        self.durations = durations
        self.items: dict[str, Deadline] = {}

    def put(self, name: str, due: date) -> None:
        period = DEADLINE_PERIODS[name]
        self.items[name] = Deadline(name, due, self.durations.periods[period].party, period)

    def after(self, name: str, start: date) -> date:
        return add_months(start, self.durations.months(DEADLINE_PERIODS[name]))

    def close(self, *names: str) -> None:
        for name in names:
            self.items.pop(name, None)


def _replay(open_: _Open, event: PastEvent, filing: date | None) -> None:
    kind = event.type
    if kind in _CLOSES_ALL:
        open_.items.clear()
    open_.close(*_CLOSES.get(kind, ()))
    if kind in _OPENS:
        open_.put(_OPENS[kind], open_.after(_OPENS[kind], event.date))
    elif kind == "defect_notice":
        default = open_.after("defect_response", event.date)
        open_.put("defect_response", _response_due(event, default))
    elif kind == "office_action" or (
        kind == "substantive_result" and event.detail.get("result") == "objection"
    ):
        default = open_.after("office_action_response", event.date)
        open_.put("office_action_response", _response_due(event, default))
    elif kind == "substantive_result":
        open_.close("substantive_examination", "office_action_response")
        open_.put("grant_fees", open_.after("grant_fees", event.date))
    elif kind == "granted":
        months = open_.durations.months
        expiry = add_months(filing or event.date, months("protection"))
        open_.put("renewal_window_opens", add_months(expiry, -months("renewal_window")))
        open_.put("protection_expires", expiry)
        open_.put("renewal_grace_ends", add_months(expiry, months("renewal_grace")))


def deadlines(history: list[PastEvent], durations: Durations) -> list[Deadline]:
    """The open deadlines after ``history`` (in the order recorded), soonest first."""
    open_ = _Open(durations)
    filing: date | None = None
    for event in history:
        if event.type == "filed":
            filing = event.date
        _replay(open_, event, filing)
    return sorted(open_.items.values(), key=lambda d: (d.due, d.name))


def protection_expiry(history: list[PastEvent], durations: Durations) -> date | None:
    filed = next((e.date for e in history if e.type == "filed"), None)
    if filed is None or not any(e.type == "granted" for e in history):
        return None
    return add_months(filed, durations.months("protection"))


# -- reminders ---------------------------------------------------------------------------------


def _reminder_dates(due: date, days_before: tuple[int, ...]) -> list[date]:
    return sorted({due - timedelta(days=d) for d in days_before} | {due})


def first_reminder(due: date, today: date, days_before: tuple[int, ...]) -> date | None:
    """The day of the first reminder: the next reminder point, or today when one already
    passed (a deadline recorded late); none once the deadline itself has passed."""
    if due < today:
        return None
    points = _reminder_dates(due, days_before)
    if any(p < today for p in points):
        return today
    return points[0]


def reminder_after(due: date, sent_on: date, days_before: tuple[int, ...]) -> date | None:
    later = [d for d in _reminder_dates(due, days_before) if d > sent_on]
    return later[0] if later else None
