"""The report as people read it: period presets, labels, and the tables the page, the CSV
files and the workbook share. Pure: no request, no database."""

from __future__ import annotations

from datetime import date
from typing import Any

from innovation_hub.core.auth import role_label
from innovation_hub.core.exports import xlsx_bytes
from innovation_hub.core.i18n import N_, Labels
from innovation_hub.core.i18n import gettext as _
from innovation_hub.reports import services

Table = tuple[str, list[str], list[list[Any]]]


def presets(today: date) -> dict[str, tuple[date, date]]:
    half = 1 if today.month <= 6 else 2
    if half == 1:
        this_half = (date(today.year, 1, 1), date(today.year, 6, 30))
        last_half = (date(today.year - 1, 7, 1), date(today.year - 1, 12, 31))
    else:
        this_half = (date(today.year, 7, 1), date(today.year, 12, 31))
        last_half = (date(today.year, 1, 1), date(today.year, 6, 30))
    return {
        "this_half": this_half,
        "last_half": last_half,
        "this_year": (date(today.year, 1, 1), date(today.year, 12, 31)),
    }


def preset_labels() -> dict[str, str]:
    return {
        "this_half": _("This half-year"),
        "last_half": _("Last half-year"),
        "this_year": _("This year"),
    }


def weekday_labels() -> list[str]:
    return [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]


# The rows of the figures table, in order: the Summary field and its label.
figure_label = Labels(
    {
        "bookings": N_("Bookings"),
        "booked_hours": N_("Booked hours"),
        "unique_members": N_("Unique members"),
        "visits": N_("Research visits"),
        "visit_students": N_("Students on visits"),
        "trademark_cases_opened": N_("Trademark cases opened"),
        "trademark_organisations_guided": N_("Organisations guided on trademarks"),
        "marks_granted": N_("Marks granted"),
        "programme_applications": N_("Programme applications submitted"),
        "enterprises_supported": N_("Enterprises supported"),
        "support_approved_vnd": N_("Support approved (VND)"),
        "support_settled_vnd": N_("Support settled (VND)"),
    }
)


def tables(s: services.Summary) -> dict[str, Table]:
    """Every table of the report: the page's text tables, the CSV files and the XLSX sheets."""
    return {
        "figures": (
            _("Figures"),
            [_("Figure"), _("Value")],
            [[figure_label(name), getattr(s, name)] for name in figure_label.codes],
        ),
        "resources": (
            _("Use per resource"),
            [_("Resource"), _("Bookings"), _("Booked hours"), _("Open hours"), _("Utilisation %")],
            [
                [u.name, u.bookings, u.booked_hours, u.open_hours, round(u.utilisation * 100, 1)]
                for u in s.resources
            ],
        ),
        "members": (
            _("Members by role"),
            [_("Role"), _("Members")],
            [[role_label(role), n] for role, n in s.members_by_role.items()],
        ),
        "hours": (
            _("Bookings by weekday and starting hour"),
            [_("Weekday"), *[f"{h:02d}" for h in range(24)]],
            [[label, *row] for label, row in zip(weekday_labels(), s.heat, strict=True)],
        ),
    }


# A sheet's name is short (a spreadsheet allows 31 characters) and in the reader's language.
sheet_label = Labels(
    {
        "figures": N_("Figures"),
        "resources": N_("By space"),
        "members": N_("Members"),
        "hours": N_("By weekday and hour"),
    }
)


def workbook(s: services.Summary) -> bytes:
    return xlsx_bytes(
        (sheet_label(key), [[title], headers, *rows])
        for key, (title, headers, rows) in tables(s).items()
    )
