"""The staff's pages of figures: the staff home (today's work) and the period report with
its SVG charts, CSV/XLSX exports and print layout."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from innovation_hub.bookings import services as bookings
from innovation_hub.bookings.web.edge import BookingPolicy
from innovation_hub.core.auth import STAFF
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.errors import HubError, RuleBroken
from innovation_hub.core.exports import csv_bytes
from innovation_hub.core.forms import parse_day, parse_id, parse_int, text
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.web import FormBody, go_to, page
from innovation_hub.reports import dashboard, services, svg, waiting
from innovation_hub.reports.views import preset_labels, presets, tables, weekday_labels, workbook

Req = Request[Any, Any, Any]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    parsed = {key: parse_day(q.get(key)) for key in ("from", "to")}
    errors = {key: _("Enter a date.") for key, day in parsed.items() if day is None}
    start, end = parsed["from"], parsed["to"]
    if start is None or end is None:
        return today, today, "", errors
    try:
        services.check_period(start, end)
    except HubError as exc:
        return start, end, "", {"to": exc.detail}
    return start, end, "", {}


def _export_period(request: Req) -> tuple[date, date]:
    first, last, _preset, errors = _period(request)
    if errors:
        raise RuleBroken(next(iter(errors.values())), code="bad_period")
    return first, last


def _download(body: bytes, media_type: str, name: str) -> Response[bytes]:
    disposition = f'attachment; filename="{name}"'
    return Response(body, media_type=media_type, headers={"content-disposition": disposition})


async def report_csv(request: Req, table: str) -> Response[bytes]:
    first, last = _export_period(request)
    all_tables = tables(await services.summary(first, last))
    if table not in all_tables:
        raise NotFoundException()
    _title, headers, rows = all_tables[table]
    name = f"report-{table}-{first.isoformat()}-{last.isoformat()}.csv"
    return _download(csv_bytes([headers, *rows]), "text/csv; charset=utf-8", name)


async def report_xlsx(request: Req) -> Response[bytes]:
    first, last = _export_period(request)
    name = f"report-{first.isoformat()}-{last.isoformat()}.xlsx"
    return _download(workbook(await services.summary(first, last)), XLSX, name)


class StaffPages(Controller):
    path = "/staff"
    # The audience is on each handler, not in the controller's ``opt``: Litestar gives a
    # path's OPTIONS handler the controller's ``opt``, and the guard would refuse OPTIONS.

    @get("/", name="staff_home", access=STAFF)
    async def staff_home(self, request: Req) -> Template:
        """The staff home: today's work and what waits for someone, each linking to its page."""
        board = await dashboard.dashboard(request.user.id)
        return page(request, "staff/home.html", {"board": board})

    @get("/waiting", name="staff_waiting", access=STAFF)
    async def waiting_page(self, request: Req) -> Template:
        """Everything waiting for staff, by kind, oldest first, each row linking to where
        it is handled; booking requests can be answered several at once."""
        q = request.query_params
        done = {key: parse_int(q.get(key)) or 0 for key in ("decided", "refused")}
        context = {"queue": await waiting.waiting(), "done": done if q.get("answer") else None}
        context["answer"] = q.get("answer") if q.get("answer") in {"approve", "decline"} else None
        return page(request, "reports/waiting.html", context)

    @post("/waiting/bookings", access=STAFF)
    async def answer_bookings(
        self, request: Req, data: FormBody, booking_policy: BookingPolicy
    ) -> Response[Any] | Template:
        """The same answer to the booking requests ticked on the queue."""
        answer = text(data.get("answer"))
        chosen = data.get("booking_id") or []
        ids = [n for n in map(parse_id, chosen if isinstance(chosen, list) else [chosen]) if n]
        decision = bookings.Decision(approve=answer == "approve", reason=text(data.get("reason")))
        try:
            if answer not in {"approve", "decline"}:
                raise RuleBroken(_("Choose to approve or to decline."), code="invalid_answer")
            decided, refused = await bookings.decide_many(
                request.user, ids, decision, policy=booking_policy
            )
        except HubError as exc:
            field = "reason" if exc.code == "reason_required" else "booking_id"
            context = {
                "queue": await waiting.waiting(),
                "errors": {field: exc.detail},
                "form": {"reason": text(data.get("reason")), "chosen": set(ids)},
            }
            return page(request, "reports/waiting.html", context, status_code=exc.status_code)
        query = urlencode({"answer": answer, "decided": len(decided), "refused": len(refused)})
        return go_to(request, f"/staff/waiting?{query}#bookings")

    @get("/reports", name="reports", access=STAFF)
    async def report_page(self, request: Req) -> Template:
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

    @get("/reports/{file:str}", access=STAFF)
    async def report_file(self, request: Req, file: FromPath[str]) -> Response[bytes]:
        """`{table}.csv` for one table, `report.xlsx` for the workbook (a path parameter is a
        whole segment, so the suffix is read here)."""
        if file == "report.xlsx":
            return await report_xlsx(request)
        if file.endswith(".csv"):
            return await report_csv(request, file.removesuffix(".csv"))
        raise NotFoundException()


WEB_ROUTES = [StaffPages]
