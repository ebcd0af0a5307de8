"""The staff report page: presets, figures, SVG charts, CSV/XLSX exports and a print layout."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from innovation_hub.core.auth import STAFF
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.errors import HubError, RuleBroken
from innovation_hub.core.exports import csv_bytes, xlsx_bytes
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.web import page
from innovation_hub.reports import dashboard, services, svg

Req = Request[Any, Any, Any]
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


def role_names() -> dict[str, str]:
    return {
        "student": _("Student"),
        "startup": _("Startup"),
        "enterprise": _("Enterprise"),
        "staff": _("Staff"),
        "admin": _("Administrator"),
    }


def tables(s: services.Summary) -> dict[str, Table]:
    """Every table of the report: the page's text tables, the CSV files and the XLSX sheets."""
    roles = role_names()
    return {
        "figures": (
            _("Figures"),
            [_("Figure"), _("Value")],
            [
                [_("Bookings"), s.bookings],
                [_("Booked hours"), s.booked_hours],
                [_("Unique members"), s.unique_members],
                [_("Research visits"), s.visits],
                [_("Students on visits"), s.visit_students],
                [_("Trademark cases opened"), s.trademark_cases_opened],
                [_("Organisations guided on trademarks"), s.trademark_organisations_guided],
                [_("Marks granted"), s.marks_granted],
                [_("Programme applications submitted"), s.programme_applications],
                [_("Enterprises supported"), s.enterprises_supported],
                [_("Support approved (VND)"), s.support_approved_vnd],
                [_("Support settled (VND)"), s.support_settled_vnd],
            ],
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
            [[roles.get(role, role), n] for role, n in s.members_by_role.items()],
        ),
        "hours": (
            _("Bookings by weekday and starting hour"),
            [_("Weekday"), *[f"{h:02d}" for h in range(24)]],
            [[label, *row] for label, row in zip(weekday_labels(), s.heat, strict=True)],
        ),
    }


def _period(request: Req) -> tuple[date, date, str, dict[str, str]]:
    """The period from a preset or from the `from`/`to` fields; errors by field."""
    today = utcnow().astimezone(LOCAL_TZ).date()
    choices = presets(today)
    q = request.query_params
    preset = q.get("preset", "")
    if preset in choices:
        first, last = choices[preset]
        return first, last, preset, {}
    if not q.get("from") and not q.get("to"):
        first, last = choices["this_half"]
        return first, last, "this_half", {}
    errors: dict[str, str] = {}
    parsed: dict[str, date] = {}
    for key in ("from", "to"):
        try:
            parsed[key] = date.fromisoformat(q.get(key, ""))
        except ValueError:
            errors[key] = _("Enter a date.")
    if errors:
        return today, today, "", errors
    try:
        services.check_period(parsed["from"], parsed["to"])
    except HubError as exc:
        return parsed["from"], parsed["to"], "", {"to": exc.detail}
    return parsed["from"], parsed["to"], "", {}


@get("/staff/reports", access=STAFF, name="reports")
async def report_page(request: Req) -> Template:
    first, last, preset, errors = _period(request)
    context: dict[str, Any] = {
        "first": first,
        "last": last,
        "preset": preset,
        "errors": errors,
        "preset_labels": preset_labels(),
        "weekdays": weekday_labels(),
        "summary": None,
    }
    if errors:
        return page(request, "reports/report.html", context, status_code=422)
    s = await services.summary(first, last)
    bars, bars_height = svg.bars(s.resources)
    cells, peak = svg.heat_cells(s.heat)
    context.update(
        summary=s,
        tables=tables(s),
        bars=bars,
        bars_height=bars_height,
        cells=cells,
        peak=peak,
        svg=svg,
        query=f"from={first.isoformat()}&to={last.isoformat()}",
    )
    return page(request, "reports/report.html", context)


def _export_period(request: Req) -> tuple[date, date]:
    first, last, _preset, errors = _period(request)
    if errors:
        raise RuleBroken(next(iter(errors.values())), code="bad_period")
    return first, last


async def report_csv(request: Req, table: str) -> Response[bytes]:
    first, last = _export_period(request)
    all_tables = tables(await services.summary(first, last))
    if table not in all_tables:
        raise NotFoundException()
    _title, headers, rows = all_tables[table]
    name = f"report-{table}-{first.isoformat()}-{last.isoformat()}.csv"
    return Response(
        csv_bytes([headers, *rows]),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


def workbook(s: services.Summary) -> bytes:
    return xlsx_bytes(
        (key, [[title], headers, *rows]) for key, (title, headers, rows) in tables(s).items()
    )


async def report_xlsx(request: Req) -> Response[bytes]:
    first, last = _export_period(request)
    name = f"report-{first.isoformat()}-{last.isoformat()}.xlsx"
    return Response(
        workbook(await services.summary(first, last)),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


@get("/staff/reports/{file:str}", access=STAFF)
async def report_file(request: Req, file: FromPath[str]) -> Response[bytes]:
    """`{table}.csv` for one table, `report.xlsx` for the workbook (a path parameter is a
    whole segment, so the suffix is read here)."""
    if file == "report.xlsx":
        return await report_xlsx(request)
    if file.endswith(".csv"):
        return await report_csv(request, file.removesuffix(".csv"))
    raise NotFoundException()


@get("/staff", access=STAFF, name="staff_home")
async def staff_home(request: Request[Any, Any, Any]) -> Template:
    """The staff home: today's work and what waits for someone, each linking to its page."""
    return page(request, "staff/home.html", {"board": await dashboard.dashboard(request.user.id)})


WEB_ROUTES = [staff_home, report_page, report_file]
