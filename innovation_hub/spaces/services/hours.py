"""When places are open: opening hours per weekday, Vietnamese public holidays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache

import holidays

from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.i18n import current_locale
from innovation_hub.spaces.tables import OpeningHours

DEFAULT_HOURS = (time(8, 0), time(17, 0))

Interval = tuple[datetime, datetime]


@lru_cache(maxsize=64)
def _holidays(year: int, language: str) -> dict[date, str]:
    return dict(holidays.Vietnam(years=year, language=language))


def holiday_name(day: date) -> str | None:
    """The Vietnamese public holiday on ``day``, named in the current language."""
    language = "vi" if current_locale() == "vi" else "en_US"
    return _holidays(day.year, language).get(day)


def holidays_between(first: date, last: date) -> dict[date, str]:
    found: dict[date, str] = {}
    for year in range(first.year, last.year + 1):
        language = "vi" if current_locale() == "vi" else "en_US"
        for day, name in _holidays(year, language).items():
            if first <= day <= last:
                found[day] = name
    return found


@dataclass(frozen=True)
class WeeklyHours:
    """Opening intervals per weekday, local time."""

    by_weekday: dict[int, list[tuple[time, time]]]

    def intervals_on(self, day: date) -> list[Interval]:
        """Open intervals of a local date as aware datetimes; none on a public holiday."""
        if holiday_name(day) is not None:
            return []
        return [
            (datetime.combine(day, opens, LOCAL_TZ), datetime.combine(day, closes, LOCAL_TZ))
            for opens, closes in self.by_weekday.get(day.weekday(), [])
        ]


async def weekly_hours(location_id: int) -> WeeklyHours:
    rows = await OpeningHours.select().where(OpeningHours.location == location_id).run()
    by_weekday: dict[int, list[tuple[time, time]]] = {}
    for row in rows:
        by_weekday.setdefault(row["weekday"], []).append((row["opens"], row["closes"]))
    for intervals in by_weekday.values():
        intervals.sort()
    return WeeklyHours(by_weekday)
