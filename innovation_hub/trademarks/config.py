"""Dated, sourced configuration for trademark guidance, read from ``trademarks/data/*.json``.

Fees and statutory periods change by circular or decree, so they are data with a ``valid_from``
date and a legal basis, never literals in code (the fees are in ``fees.py``). The Nice
Classification is kept by edition, each dated; a case uses the one in force on its filing date.
Everything here is pure: no database, no request.
"""

from __future__ import annotations

import calendar
import json
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.i18n import current_locale

DATA_DIR = Path(__file__).resolve().parent / "data"
FIRST_CLASS, LAST_CLASS = 1, 45
LAST_GOODS_CLASS = 34
MAX_ITEMS_PER_CLASS = 1000  # far beyond any real list; keeps quantities sane


def localised(entry: dict[str, Any], key: str) -> str:
    """``entry[key_vi]`` or ``entry[key_en]`` for the current language."""
    value = entry.get(f"{key}_{current_locale()}") or entry.get(f"{key}_en") or ""
    return str(value)


def in_locale(vi: str, en: str) -> str:
    """The Vietnamese or the English text, for the current language."""
    return vi if current_locale() == "vi" else en


# -- month arithmetic ----------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """Calendar months; a day the target month lacks becomes its last day
    (31 January + 1 month = 28 or 29 February). ``months`` may be negative."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


# -- statutory periods -------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    code: str
    months: int
    party: str  # office | applicant | owner: who has to act by then
    raw: dict[str, Any]

    @property
    def label(self) -> str:
        return localised(self.raw, "label")

    @property
    def basis(self) -> str:
        return localised(self.raw, "basis")


@dataclass(frozen=True)
class Durations:
    version: str
    valid_from: date
    raw: dict[str, Any]
    periods: dict[str, Period]
    reminder_days_before: tuple[int, ...]

    @property
    def legal_basis(self) -> str:
        return localised(self.raw, "legal_basis")

    def months(self, code: str) -> int:
        return self.periods[code].months


def _durations(raw: dict[str, Any]) -> Durations:
    periods = {
        code: Period(code=code, months=int(p["months"]), party=p["party"], raw=p)
        for code, p in raw["periods"].items()
    }
    required = {
        "formality_examination",
        "defect_response",
        "publication",
        "substantive_examination",
        "office_action_response",
        "grant_fees",
        "opposition_response",
        "protection",
        "renewal_window",
        "renewal_grace",
    }
    if missing := required - periods.keys():
        raise ValueError(f"durations.json {raw['version']}: missing {sorted(missing)}")
    return Durations(
        version=raw["version"],
        valid_from=date.fromisoformat(raw["valid_from"]),
        raw=raw,
        periods=periods,
        reminder_days_before=tuple(sorted(set(raw.get("reminder_days_before", [])), reverse=True)),
    )


@lru_cache(maxsize=1)
def _durations_file() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA_DIR / "durations.json").read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=1)
def duration_tables() -> tuple[Durations, ...]:
    tables = [_durations(t) for t in _durations_file()["tables"]]
    return tuple(sorted(tables, key=lambda t: t.valid_from))


def durations_on(day: date) -> Durations:
    tables = duration_tables()
    in_force = [t for t in tables if t.valid_from <= day]
    return in_force[-1] if in_force else tables[0]


# -- the dossier checklist ---------------------------------------------------------------------


@dataclass(frozen=True)
class DossierItem:
    code: str
    # always | representative | collective_or_certification | priority |
    # geographical_collective_or_certification
    when: str
    raw: dict[str, Any]

    @property
    def label(self) -> str:
        return localised(self.raw, "label")

    def required(
        self, *, mark_type: str, representative: bool, priority: bool, geographical: bool = False
    ) -> bool:
        collective = mark_type in ("collective", "certification")
        return {
            "always": True,
            "representative": representative,
            "collective_or_certification": collective,
            "geographical_collective_or_certification": collective and geographical,
            "priority": priority,
        }.get(self.when, True)


def dossier_items() -> tuple[DossierItem, ...]:
    return tuple(
        DossierItem(code=d["code"], when=d["when"], raw=d) for d in _durations_file()["dossier"]
    )


# -- Nice classes --------------------------------------------------------------------------


@dataclass(frozen=True)
class NiceClass:
    number: int
    kind: str  # goods | services
    title_vi: str
    title_en: str
    keywords: str

    @property
    def title(self) -> str:
        return in_locale(self.title_vi, self.title_en)

    @property
    def haystack(self) -> str:
        return fold(f"{self.number} {self.title_vi} {self.title_en} {self.keywords}")


@dataclass(frozen=True)
class NiceClassification:
    edition: str
    valid_from: date
    classes: tuple[NiceClass, ...]

    def get(self, number: int) -> NiceClass | None:
        if FIRST_CLASS <= number <= LAST_CLASS:
            return self.classes[number - 1]
        return None

    def search(self, query: str) -> list[NiceClass]:
        """Classes whose number, titles or search words contain every word of ``query``,
        with or without Vietnamese diacritics."""
        words = fold(query).split()
        if not words:
            return list(self.classes)
        if len(words) == 1 and words[0].isdigit():
            found = self.get(int(words[0]))
            return [found] if found else []
        return [c for c in self.classes if all(w in c.haystack for w in words)]


def fold(text: str) -> str:
    """Lower case without diacritics, so "banh trang" finds "bánh tráng"."""
    text = text.lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _nice_classes(raw: list[dict[str, Any]], edition: str) -> tuple[NiceClass, ...]:
    classes = tuple(
        NiceClass(
            number=int(c["number"]),
            kind=c["kind"],
            title_vi=c["title_vi"],
            title_en=c["title_en"],
            keywords=c.get("keywords", ""),
        )
        for c in sorted(raw, key=lambda c: int(c["number"]))
    )
    numbers = [c.number for c in classes]
    if numbers != list(range(FIRST_CLASS, LAST_CLASS + 1)):
        raise ValueError(f"nice_classes.json {edition}: classes 1 to 45 once each")
    for c in classes:
        expected = "goods" if c.number <= LAST_GOODS_CLASS else "services"
        if c.kind != expected:
            raise ValueError(f"Nice class {c.number} must be {expected}")
    return classes


@lru_cache(maxsize=1)
def nice_editions() -> tuple[NiceClassification, ...]:
    """Every recorded edition, oldest first; one may reuse an earlier one's short headings."""
    raw = json.loads((DATA_DIR / "nice_classes.json").read_text(encoding="utf-8"))
    by_name: dict[str, NiceClassification] = {}
    for entry in sorted(raw["editions"], key=lambda e: e["valid_from"]):
        if "classes_as_in" in entry:
            classes = by_name[entry["classes_as_in"]].classes
        else:
            classes = _nice_classes(entry["classes"], entry["edition"])
        by_name[entry["edition"]] = NiceClassification(
            edition=entry["edition"],
            valid_from=date.fromisoformat(entry["valid_from"]),
            classes=classes,
        )
    return tuple(by_name.values())


def nice(on: date | None = None) -> NiceClassification:
    """The edition in force on ``on`` (today when not given): the filing date for a case."""
    day = on or utcnow().astimezone(LOCAL_TZ).date()
    editions = nice_editions()
    in_force = [e for e in editions if e.valid_from <= day]
    return in_force[-1] if in_force else editions[0]
