"""Every page a role can open reads in Vietnamese: no English words of the app's own left in
them (a stored reason, a unit, a sheet name), and lengths of time in words, never "2880 phút"."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx
import pytest
from litestar import Litestar

from innovation_hub.bookings.tables import Booking
from innovation_hub.bookings.workflow import HOLD_EXPIRED
from innovation_hub.spaces.tables import Resource
from tests.helpers import log_in
from tests.matrix_roles import ACCOUNTS, build_world, fill_path, http_routes

# English the app itself writes, never right on a Vietnamese page. Names people typed
# (spaces, organisations) are Vietnamese in the test world, so they do not trip these.
ENGLISH = (
    "payment not received",
    "paid after",
    "Sheet",
    "minutes",
    "hours",
    "min",
    "Note from staff",
    "Reason:",
    "Free of charge",
    "Booked",
    "cancel",
)
RAW_UNITS = re.compile(r"\b\d{3,} phút|\b\d+\.0 giờ|\b\d+[.,]0 (giờ|phút|ngày)")
SKIPPED = ("/api/", "/static/", "/schema", "/reminders/off", "/verify-email", "/password/reset")
SHOWN_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "data-label")


class ShownText(HTMLParser):
    """The text a person sees or hears: element text and the attributes read aloud."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.hidden += 1
        self.parts += [value or "" for name, value in attrs if name in SHOWN_ATTRIBUTES]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def shown_text(html: str) -> str:
    parser = ShownText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def english_in(text: str) -> list[str]:
    # Whole words only: "min" is English, "minh chứng" is Vietnamese.
    found = [word for word in ENGLISH if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text)]
    return found + [m.group(0) for m in RAW_UNITS.finditer(text)]


def page_paths(app: Litestar) -> list[str]:
    return sorted(
        {
            route.path
            for route in http_routes(app)
            for handler in route.route_handlers
            if "GET" in handler.http_methods
            and not route.path.startswith(SKIPPED)
            and not route.path.endswith((".csv", ".xlsx", ".ics", ".pdf"))
        }
    )


def test_the_scan_finds_english_and_raw_units() -> None:
    html = '<p title="Booked">Ghi chú: payment not received in time · 2880 phút · 18.0 giờ</p>'
    assert english_in(shown_text(html)) == [
        "payment not received",
        "Booked",
        "2880 phút",
        "18.0 giờ",
    ]
    assert english_in(shown_text('<input name="slot_minutes"><p>2 ngày, 1 giờ 30 phút</p>')) == []
    assert english_in("Hồ sơ minh chứng") == [] and english_in("Bước 30 min") == ["min"]


@pytest.mark.parametrize(
    "role", ["anonymous", "student", "startup", "enterprise", "staff", "admin"]
)
async def test_every_page_a_role_opens_reads_in_vietnamese(
    app: Litestar, client: httpx.AsyncClient, role: str
) -> None:
    world = await build_world(client)
    # What used to show raw: a hold the system expired, a two-day notice, a 48-hour cancel rule.
    await Booking.update({Booking.status_reason: HOLD_EXPIRED}).where(Booking.id > 0)
    await Resource.update(
        {Resource.min_notice_minutes: 2880, Resource.cancel_notice_hours: 48}
    ).where(Resource.id > 0)
    browser = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    if role != "anonymous":
        await log_in(browser, ACCOUNTS[role][1])
    problems: dict[str, list[str]] = {}
    seen: dict[str, str] = {}
    pages = 0
    for path in page_paths(app):
        response = await browser.get(fill_path(path, world))
        if response.status_code != 200 or "text/html" not in response.headers["content-type"]:
            continue
        pages += 1
        seen[path] = shown_text(response.text)
        assert '<html lang="vi">' in response.text, path
        found = english_in(seen[path])
        if found:
            problems[path] = found
    await browser.aclose()
    assert pages >= (3 if role == "anonymous" else 8), pages
    assert not problems, problems
    if role == "student":
        assert "Lý do: chưa nhận được thanh toán trong thời gian giữ chỗ" in seen["/bookings"]
    if role == "staff":
        assert "đặt trước 2 ngày; hủy trước 2 ngày" in seen["/staff/spaces"]
