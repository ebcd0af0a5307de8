"""The deadlines that follow from a case's recorded events, and when to remind of them.
Pure functions over plain values: the periods come from the dated configuration.

A period whose last day is a weekend day or a public holiday ends on the next working day
(Civil Code 2015, art. 148); the start of the renewal window and the end of the term of
protection are dates, not periods to act within, and stay as counted. A date the IP Office
names in its notice is kept as it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from innovation_hub.spaces.services.hours import holiday_name
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
    "opposition_response": "opposition_response",
    "renewal_window_opens": "renewal_window",
    "protection_expires": "protection",
    "renewal_grace_ends": "renewal_grace",
}


# Dates that are not the last day of a period to act within.
_AS_COUNTED = ("renewal_window_opens", "protection_expires")


def next_working_day(day: date) -> date:
    """``day`` itself, or the first day after it that is neither Saturday, Sunday nor a
    Vietnamese public holiday."""
    while day.weekday() >= 5 or holiday_name(day) is not None:
        day += timedelta(days=1)
    return day


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
    "response": ("defect_response", "office_action_response", "opposition_response"),
    "opposition_settled": ("opposition_response",),
}
# Deadlines an event opens: the period counts from the event's date.
_OPENS = {
    "filed": "formality_examination",
    "formality_accepted": "publication",
    "published": "substantive_examination",
}
_CLOSES_ALL = ("filed", "granted", "renewed", "refused", "withdrawn", "guidance_only")


class _Open:
    """The open deadlines while a history is replayed."""

    def __init__(self, durations: Durations) -> None:
        self.durations = durations
        self.items: dict[str, Deadline] = {}
        self.expiry: date | None = None  # the end of the current term of protection

    def put(self, name: str, due: date) -> None:
        period = DEADLINE_PERIODS[name]
        self.items[name] = Deadline(name, due, self.durations.periods[period].party, period)

    def after(self, name: str, start: date) -> date:
        """The last day of the period ``name`` counted from ``start``, moved off a day off."""
        counted = add_months(start, self.durations.months(DEADLINE_PERIODS[name]))
        return counted if name in _AS_COUNTED else next_working_day(counted)

    def protect_until(self, expiry: date) -> None:
        """A term of protection ending on ``expiry``: its renewal window, end and grace."""
        months = self.durations.months
        self.expiry = expiry
        self.put("renewal_window_opens", add_months(expiry, -months("renewal_window")))
        self.put("protection_expires", expiry)
        self.put(
            "renewal_grace_ends", next_working_day(add_months(expiry, months("renewal_grace")))
        )

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
    elif kind == "opposition":
        default = open_.after("opposition_response", event.date)
        open_.put("opposition_response", _response_due(event, default))
    elif kind == "office_action" or (
        kind == "substantive_result" and event.detail.get("result") == "objection"
    ):
        default = open_.after("office_action_response", event.date)
        open_.put("office_action_response", _response_due(event, default))
    elif kind == "substantive_result":
        open_.close("substantive_examination", "office_action_response")
        open_.put("grant_fees", open_.after("grant_fees", event.date))
    elif kind == "granted":
        open_.protect_until(add_months(filing or event.date, open_.durations.months("protection")))
    elif kind == "renewed" and open_.expiry is not None:
        open_.protect_until(add_months(open_.expiry, open_.durations.months("protection")))


def _replayed(history: list[PastEvent], durations: Durations) -> _Open:
    open_ = _Open(durations)
    filing: date | None = None
    for event in history:
        if event.type == "filed":
            filing = event.date
        _replay(open_, event, filing)
    return open_


def deadlines(history: list[PastEvent], durations: Durations) -> list[Deadline]:
    """The open deadlines after ``history`` (in the order recorded), soonest first."""
    open_ = _replayed(history, durations)
    return sorted(open_.items.values(), key=lambda d: (d.due, d.name))


def protection_expiry(history: list[PastEvent], durations: Durations) -> date | None:
    """The end of the current term: 10 years from filing, 10 more for each renewal."""
    filed = any(e.type == "filed" for e in history)
    return _replayed(history, durations).expiry if filed else None


def opposition_open(history: list[PastEvent]) -> PastEvent | None:
    """The opposition recorded and not yet settled by the IP Office, if any."""
    found = None
    for event in history:
        if event.type in ("opposition", "opposition_settled"):
            found = event if event.type == "opposition" else None
    return found


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
