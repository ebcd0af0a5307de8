"""Official fees for a trademark, from the dated tables and reductions in ``data/fees.json``.

A table (Circular 263/2016/TT-BTC today) lists every fee line with the stage it is paid at
(filing, grant, renewal), what it is charged per, and whether it is a *lệ phí* (section A of the
Circular's schedule) or a *phí* (section B). A reduction (Circular 43/2024/TT-BTC: 50 % of the
section A lệ phí from 1 July to 31 December 2024) applies to the lệ phí lines on a date inside
its dates. An estimate names the table and the reduction it used. Pure: no database.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Literal

from innovation_hub.core.errors import FormInvalid
from innovation_hub.core.i18n import gettext as _
from innovation_hub.trademarks.config import (
    DATA_DIR,
    FIRST_CLASS,
    LAST_CLASS,
    MAX_ITEMS_PER_CLASS,
    in_locale,
)

# application: once; class: once per Nice class; further_class: each class after the first;
# extra_item: each item from the 7th in a class; priority_claim: each priority claimed.
Per = Literal["application", "class", "further_class", "extra_item", "priority_claim"]
PERS = ("application", "class", "further_class", "extra_item", "priority_claim")
Stage = Literal["filing", "grant", "renewal"]
Charge = Literal["le_phi", "phi"]
MAX_PRIORITY_CLAIMS = 20
# A line charged only when: priority is claimed, or the IP Office classifies the goods.
WHENS = ("", "priority", "office_classifies")


@dataclass(frozen=True)
class FeeLine:
    code: str
    label_vi: str
    label_en: str
    unit_vnd: int
    per: Per
    stage: Stage
    charge: Charge
    section: str  # of the Circular's schedule: A (lệ phí) or B (phí)
    when: str = ""

    @property
    def label(self) -> str:
        return in_locale(self.label_vi, self.label_en)


@dataclass(frozen=True)
class FeeTable:
    version: str
    valid_from: date
    valid_to: date | None
    legal_basis: str
    legal_basis_vi: str
    legal_basis_en: str
    class_items: int
    lines: tuple[FeeLine, ...]

    @property
    def basis(self) -> str:
        return in_locale(self.legal_basis_vi, self.legal_basis_en)


@dataclass(frozen=True)
class Reduction:
    """A share off the lệ phí lines for a while, set by a later circular."""

    code: str
    valid_from: date
    valid_to: date
    percent: int
    legal_basis_vi: str
    legal_basis_en: str

    @property
    def legal_basis(self) -> str:
        return in_locale(self.legal_basis_vi, self.legal_basis_en)

    def applies_on(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_to

    def reduced(self, amount: int) -> int:
        return amount * (100 - self.percent) // 100


@dataclass(frozen=True)
class ClassCount:
    number: int
    items: int


@dataclass(frozen=True)
class EstimateLine:
    code: str
    label: str
    legal_basis: str
    quantity: int
    unit_vnd: int  # after any reduction
    amount_vnd: int
    per: Per
    stage: Stage
    charge: Charge
    full_unit_vnd: int  # before any reduction

    @property
    def reduced(self) -> bool:
        return self.unit_vnd != self.full_unit_vnd


@dataclass(frozen=True)
class Estimate:
    version: str
    valid_from: date
    legal_basis: str
    class_items: int
    total_vnd: int  # filing and grant: what registering costs
    lines: list[EstimateLine]
    on: date | None = None  # the date whose table and reduction were used
    reduction: Reduction | None = None
    renewal_lines: list[EstimateLine] = field(default_factory=list)
    renewal_total_vnd: int = 0  # each renewal, paid every 10 years, on time
    classes: list[ClassCount] = field(default_factory=list)

    def stage_total(self, stage: str) -> int:
        return sum(line.amount_vnd for line in self.lines if line.stage == stage)

    def as_json(self) -> dict[str, Any]:
        """A snapshot to keep with a case (the figures it was given)."""
        return {
            "version": self.version,
            "valid_from": self.valid_from.isoformat(),
            "on": self.on.isoformat() if self.on else None,
            "legal_basis": self.legal_basis,
            "reduction": self.reduction.code if self.reduction else None,
            "class_items": self.class_items,
            "total_vnd": self.total_vnd,
            "renewal_total_vnd": self.renewal_total_vnd,
            "classes": [{"number": c.number, "items": c.items} for c in self.classes],
            "lines": [
                {
                    "code": line.code,
                    "quantity": line.quantity,
                    "unit_vnd": line.unit_vnd,
                    "amount_vnd": line.amount_vnd,
                    "per": line.per,
                    "stage": line.stage,
                }
                for line in [*self.lines, *self.renewal_lines]
            ],
        }


def _fee_line(line: dict[str, Any]) -> FeeLine:
    code = line["code"]
    if line["per"] not in PERS:
        raise ValueError(f"fee line {code}: unknown 'per' {line['per']!r}")
    if line["stage"] not in ("filing", "grant", "renewal"):
        raise ValueError(f"fee line {code}: unknown stage {line['stage']!r}")
    if (line["charge"], line["section"]) not in (("le_phi", "A"), ("phi", "B")):
        raise ValueError(f"fee line {code}: a le_phi is in section A, a phi in section B")
    if line.get("when", "") not in WHENS:
        raise ValueError(f"fee line {code}: unknown 'when' {line['when']!r}")
    unit = int(line["unit_vnd"])
    if unit < 0:
        raise ValueError(f"fee line {code}: negative amount")
    return FeeLine(
        code=code,
        label_vi=line["label_vi"],
        label_en=line["label_en"],
        unit_vnd=unit,
        per=line["per"],
        stage=line["stage"],
        charge=line["charge"],
        section=line["section"],
        when=line.get("when", ""),
    )


def _fee_table(raw: dict[str, Any]) -> FeeTable:
    valid_to = raw.get("valid_to")
    return FeeTable(
        version=raw["version"],
        valid_from=date.fromisoformat(raw["valid_from"]),
        valid_to=date.fromisoformat(valid_to) if valid_to else None,
        legal_basis=raw["legal_basis"],
        legal_basis_vi=raw.get("legal_basis_vi", raw["legal_basis"]),
        legal_basis_en=raw.get("legal_basis_en", raw["legal_basis"]),
        class_items=int(raw["class_items"]),
        lines=tuple(_fee_line(line) for line in raw["lines"]),
    )


def _reduction(raw: dict[str, Any]) -> Reduction:
    reduction = Reduction(
        code=raw["code"],
        valid_from=date.fromisoformat(raw["valid_from"]),
        valid_to=date.fromisoformat(raw["valid_to"]),
        percent=int(raw["percent"]),
        legal_basis_vi=raw["legal_basis_vi"],
        legal_basis_en=raw["legal_basis_en"],
    )
    if raw.get("applies_to") != "le_phi" or not 0 < reduction.percent <= 100:
        raise ValueError(f"fee reduction {reduction.code}: applies_to le_phi, percent 1–100")
    if reduction.valid_to < reduction.valid_from:
        raise ValueError(f"fee reduction {reduction.code}: ends before it starts")
    return reduction


@lru_cache(maxsize=1)
def _fees_file() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA_DIR / "fees.json").read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=1)
def fee_tables() -> tuple[FeeTable, ...]:
    tables = sorted((_fee_table(t) for t in _fees_file()["tables"]), key=lambda t: t.valid_from)
    if len({t.version for t in tables}) != len(tables):
        raise ValueError("fees.json: two tables share a version")
    return tuple(tables)


@lru_cache(maxsize=1)
def reductions() -> tuple[Reduction, ...]:
    found = sorted((_reduction(r) for r in _fees_file()["reductions"]), key=lambda r: r.valid_from)
    for earlier, later in itertools.pairwise(found):
        if later.valid_from <= earlier.valid_to:
            raise ValueError(f"fee reductions {earlier.code} and {later.code} overlap")
    return tuple(found)


def fee_table_on(day: date, tables: tuple[FeeTable, ...] | None = None) -> FeeTable:
    """The table in force on ``day``: the latest whose ``valid_from`` is not after it."""
    tables = tables if tables is not None else fee_tables()
    in_force = [t for t in tables if t.valid_from <= day]
    return in_force[-1] if in_force else tables[0]


def reduction_on(day: date) -> Reduction | None:
    """The reduction recorded for ``day``, if any."""
    return next((r for r in reductions() if r.applies_on(day)), None)


def fee_table(version: str) -> FeeTable:
    """A table by version (a case's own); an unknown version falls back to the current one."""
    for table in fee_tables():
        if table.version == version:
            return table
    return fee_tables()[-1]


def check_classes(classes: list[ClassCount]) -> None:
    """Refuses an empty list, a class outside 1–45, a repeated class, a negative count."""
    if not classes:
        message = _("Choose at least one Nice class.")
        raise FormInvalid({"classes": message}, code="no_classes")
    seen: set[int] = set()
    for entry in classes:
        if not FIRST_CLASS <= entry.number <= LAST_CLASS:
            message = _("Nice classes are numbered 1 to 45; %(n)s is not one.", n=entry.number)
            raise FormInvalid({"classes": message}, code="invalid_class")
        if entry.number in seen:
            message = _("Class %(n)s is listed twice.", n=entry.number)
            raise FormInvalid({"classes": message}, code="duplicate_class")
        seen.add(entry.number)
        if entry.items < 0:
            message = _("The number of items in class %(n)s cannot be negative.", n=entry.number)
            raise FormInvalid({"classes": message}, code="invalid_item_count")
        if entry.items > MAX_ITEMS_PER_CLASS:
            message = _(
                "At most %(max)s items per class (class %(n)s).",
                max=MAX_ITEMS_PER_CLASS,
                n=entry.number,
            )
            raise FormInvalid({"classes": message}, code="invalid_item_count")


@dataclass(frozen=True)
class Options:
    """What else decides the fees besides the classes."""

    priority_claims: int = 0
    office_classifies: bool = False  # the applicant leaves the classification to the Office


def _quantity(line: FeeLine, classes: list[ClassCount], extra: int, options: Options) -> int:
    if line.when == "priority" and not options.priority_claims:
        return 0
    if line.when == "office_classifies" and not options.office_classifies:
        return 0
    return {
        "application": 1,
        "class": len(classes),
        "further_class": len(classes) - 1,
        "extra_item": extra,
        "priority_claim": options.priority_claims,
    }[line.per]


def estimate(
    classes: list[ClassCount],
    table: FeeTable,
    *,
    on: date | None = None,
    options: Options | None = None,
) -> Estimate:
    """Every fee line of ``table`` for these classes, with the reduction recorded for ``on``
    taken off the lệ phí lines. Lines with nothing to pay are left out; the renewal lines are
    kept apart from the total (they fall due ten years on)."""
    check_classes(classes)
    options = options or Options()
    if not 0 <= options.priority_claims <= MAX_PRIORITY_CLAIMS:
        message = _("Give 0 to %(n)s priority claims.", n=MAX_PRIORITY_CLAIMS)
        raise FormInvalid({"priority_claims": message}, code="invalid_priority_claims")
    ordered = sorted(classes, key=lambda c: c.number)
    extra = sum(max(0, c.items - table.class_items) for c in ordered)
    reduction = reduction_on(on) if on else None
    lines = []
    for line in table.lines:
        quantity = _quantity(line, ordered, extra, options)
        if quantity <= 0:
            continue
        unit = line.unit_vnd
        if reduction is not None and line.charge == "le_phi":
            unit = reduction.reduced(unit)
        lines.append(
            EstimateLine(
                code=line.code,
                label=line.label,
                legal_basis=in_locale(
                    f"{table.basis}, mục {line.section}", f"{table.basis}, section {line.section}"
                ),
                quantity=quantity,
                unit_vnd=unit,
                amount_vnd=quantity * unit,
                per=line.per,
                stage=line.stage,
                charge=line.charge,
                full_unit_vnd=line.unit_vnd,
            )
        )
    registering = [line for line in lines if line.stage != "renewal"]
    renewal = [line for line in lines if line.stage == "renewal"]
    return Estimate(
        version=table.version,
        valid_from=table.valid_from,
        legal_basis=table.basis,
        class_items=table.class_items,
        total_vnd=sum(line.amount_vnd for line in registering),
        lines=registering,
        on=on,
        reduction=reduction,
        renewal_lines=renewal,
        renewal_total_vnd=sum(line.amount_vnd for line in renewal),
        classes=ordered,
    )


def case_estimate(
    classes: list[ClassCount], version: str, *, on: date, priority_claimed: bool
) -> Estimate:
    """A case's estimate: its own table version, the reduction recorded for ``on`` (its filing
    date once filed, else today), one priority claim when the case claims priority."""
    options = Options(priority_claims=1 if priority_claimed else 0)
    return estimate(classes, fee_table(version), on=on, options=options)
