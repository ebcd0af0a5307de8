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
from innovation_hub.visits.services import level_label

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


def preset_labels(today: date) -> dict[str, str]:
    """The presets by what they cover: "6 tháng đầu năm 2026", "6 tháng cuối năm 2025"."""
    labels = {}
    for key, (first, _last) in presets(today).items():
        if key == "this_year":
            labels[key] = _("Year %(y)s", y=first.year)
        elif first.month == 1:
            labels[key] = _("First half of %(y)s", y=first.year)
        else:
            labels[key] = _("Second half of %(y)s", y=first.year)
    return labels


def weekday_labels() -> list[str]:
    return [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]


# The rows of the figures table, in order: the Summary field, its label and what it counts
# (the footnote the page, the CSV file and the workbook show with it).
figure_label = Labels(
    {
        "bookings": N_("Bookings"),
        "booked_hours": N_("Booked hours"),
        "unique_members": N_("Unique members"),
        "check_ins": N_("Check-ins"),
        "check_in_percent": N_("Check-ins as a share of bookings (%)"),
        "events_held": N_("Events held"),
        "event_participants": N_("Event participants"),
        "events_without_participants": N_("Events held without a participant count"),
        "visits": N_("Research visits"),
        "visit_students": N_("Students on visits"),
        "trademark_cases_opened": N_("Trademark cases opened"),
        "trademark_organisations_guided": N_("Organisations guided on trademarks"),
        "marks_granted": N_("Marks granted"),
        "programme_applications": N_("Programme applications submitted"),
        "enterprises_supported": N_("Enterprises supported"),
        "applications_supported": N_("Applications supported"),
        "support_approved_vnd": N_("Support approved (VND)"),
        "support_settled_vnd": N_("Support settled (VND)"),
    }
)
figure_note = Labels(
    {
        "bookings": N_(
            "Members' bookings starting in the period that were approved and, where a price "
            "applies, paid (confirmed or checked in). Not counted: bookings waiting for approval "
            "or payment, no-shows, and cancelled, declined or expired ones; nor staff blocks."
        ),
        "booked_hours": N_("The length of the counted bookings, in hours."),
        "unique_members": N_("Distinct members with at least one counted booking."),
        "check_ins": N_("Counted bookings whose member checked in on arrival."),
        "check_in_percent": N_("Check-ins divided by counted bookings."),
        "events_held": N_(
            "The centre's public events (shown on the public calendar) that have ended, and "
            "event-hall bookings whose organiser checked in, starting in the period."
        ),
        "event_participants": N_(
            "The attendance recorded on those events: the number of attendees stated when the "
            "hall was booked or held, not a head count at the door."
        ),
        "events_without_participants": N_(
            "Events held with no attendance recorded: they are not in the participants figure."
        ),
        "visits": N_(
            "Research and career-orientation visits of school and university groups that took "
            "place (marked completed) in the period."
        ),
        "visit_students": N_(
            "Students on those visits: those counted at the door, or else those announced."
        ),
        "trademark_cases_opened": N_("Trademark guidance cases opened in the period."),
        "trademark_organisations_guided": N_(
            "Distinct organisations with a trademark case opened, a consultation or a step "
            "recorded in the period, each counted once."
        ),
        "marks_granted": N_("Guided cases whose mark was granted in the period."),
        "programme_applications": N_(
            "Applications submitted to the support programme in the period, whatever became of "
            "them."
        ),
        "enterprises_supported": N_(
            "Distinct enterprises, by tax code (a branch counts as its enterprise), with support "
            "decided in the period that stands: approved, being carried out, accepted, or closed "
            "after acceptance. Not counted: rejected (and then closed), withdrawn, or ended early."
        ),
        "applications_supported": N_(
            "The applications behind those enterprises: one enterprise may have several."
        ),
        "support_approved_vnd": N_("The support approved for those applications, in đồng."),
        "support_settled_vnd": N_(
            "The support settled for those applications after acceptance, in đồng."
        ),
    }
)
# What the other tables count, shown under each.
table_note = Labels(
    {
        "resources": N_(
            "Counted bookings and their hours on each space; occupancy is booked hours divided "
            "by the opening hours of the period (above 100% when booked outside them)."
        ),
        "visits_by_level": N_(
            "Visits that took place, by the school level the teacher gave, and their students."
        ),
        "members": N_("Members with a counted booking, by account type."),
        "hours": N_("Counted bookings by the local weekday and hour they start."),
    }
)


def definitions() -> dict[str, str]:
    """Each figure's footnote, by field name, in the reader's language."""
    return {code: figure_note(code) for code in figure_label.codes}


def tables(s: services.Summary) -> dict[str, Table]:
    """Every table of the report: the page's text tables, the CSV files and the XLSX sheets.
    The figures carry what each counts as their last column."""
    return {
        "figures": (
            _("Figures"),
            [_("Figure"), _("Value"), _("What it counts")],
            [
                [figure_label(name), getattr(s, name), figure_note(name)]
                for name in figure_label.codes
            ],
        ),
        "resources": (
            _("Occupancy by space"),
            [
                _("Resource"),
                _("Bookings"),
                _("Booked hours"),
                _("Open hours"),
                _("Occupancy %"),
                _("Check-ins"),
            ],
            [
                [
                    u.name,
                    u.bookings,
                    u.booked_hours,
                    u.open_hours,
                    round(u.utilisation * 100, 1),
                    u.check_ins,
                ]
                for u in s.resources
            ],
        ),
        "visits_by_level": (
            _("Visits by school level"),
            [_("School level"), _("Visits"), _("Students")],
            [[level_label(v.level), v.visits, v.students] for v in s.visits_by_level],
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
        "visits_by_level": N_("By school level"),
        "members": N_("Members"),
        "hours": N_("By weekday and hour"),
    }
)


def workbook(s: services.Summary) -> bytes:
    return xlsx_bytes(
        (sheet_label(key), [[title], headers, *rows])
        for key, (title, headers, rows) in tables(s).items()
    )
