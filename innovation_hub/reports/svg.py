"""Geometry for the server-drawn charts; the template writes the SVG elements."""

from __future__ import annotations

from dataclasses import dataclass

from innovation_hub.reports.services import ResourceUse

BAR_HEIGHT = 24
BAR_GAP = 10
LABEL_WIDTH = 180
PLOT_WIDTH = 420


@dataclass(frozen=True)
class Bar:
    y: int
    width: int
    label: str
    percent: int


def bars(uses: list[ResourceUse]) -> tuple[list[Bar], int]:
    """One bar per resource, widths on a 0–100 % scale (capped at 100 %)."""
    out = []
    for i, use in enumerate(uses):
        percent = round(use.utilisation * 100)
        width = round(PLOT_WIDTH * min(percent, 100) / 100)
        out.append(Bar(y=i * (BAR_HEIGHT + BAR_GAP), width=width, label=use.name, percent=percent))
    height = max(len(uses), 1) * (BAR_HEIGHT + BAR_GAP)
    return out, height


@dataclass(frozen=True)
class Cell:
    x: int
    y: int
    count: int
    shade: str


CELL = 22
SHADES = ("#f4f6f8", "#cfe3f5", "#8dbde8", "#3f8fd2", "#0f5ea8")


def heat_cells(heat: list[list[int]]) -> tuple[list[Cell], int]:
    """Cells of a 7×24 grid; shade steps by share of the busiest hour (5 steps)."""
    peak = max((n for row in heat for n in row), default=0)
    cells = []
    for weekday, row in enumerate(heat):
        for hour, n in enumerate(row):
            step = 0 if n == 0 or peak == 0 else 1 + min(3, (n * 4 - 1) // peak)
            cells.append(Cell(x=hour * CELL, y=weekday * CELL, count=n, shade=SHADES[step]))
    return cells, peak
