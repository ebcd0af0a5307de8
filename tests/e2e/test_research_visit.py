"""A teacher asks for a research visit, confirms the address through the emailed link, and staff
approve it with a room; the room shows on the calendar board and the teacher's page says so."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.support import (
    Hub,
    check_accessibility,
    link_in,
    log_in,
    phone_screenshot,
    screenshot,
    use_english,
    wait_for_mail,
)
from tests.helpers import next_open_day

pytestmark = pytest.mark.slow

TEACHER_EMAIL = "thu.nguyen@thcs-lochung.edu.vn"
SCHOOL = "Trường THCS Lộc Hưng"
ROOM = "Phòng họp Mai"  # demo room for 12 people


def test_teacher_requests_a_visit_and_staff_approve_it(
    page: Page, context: BrowserContext, hub: Hub
) -> None:
    day = next_open_day(15)  # visits need 14 days' notice
    page.goto("/")
    use_english(page)
    page.get_by_role("link", name="Ask for a visit").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_accessibility(page, "visit request")

    page.get_by_label("School or university").fill(SCHOOL)
    page.get_by_label("Contact teacher").fill("Nguyễn Thị Thu")
    page.get_by_label("Phone").fill("0276 3881 234")
    page.get_by_label("Email").fill(TEACHER_EMAIL)
    page.get_by_label("Level").select_option("lower_secondary")
    page.get_by_label("Grade or class").fill("Lớp 9A")
    page.get_by_label("Number of students").fill("8")
    page.get_by_label("Accompanying adults").fill("2")
    page.get_by_label("Topic or research area").fill("IoT trong nông nghiệp")
    page.get_by_label("Preferred date").fill(day.isoformat())
    page.get_by_label("Morning").check()
    page.locator("#f-consent").check()
    screenshot(page, "visit-request")
    phone_screenshot(context, hub.url("/visits"), "visit-request")
    with page.expect_navigation(url="**/visits/sent"):
        page.get_by_role("button", name="Send the request").click()

    _, text = wait_for_mail(hub.mail_dir, TEACHER_EMAIL)
    status_link = link_in(text, hub.base_url, "/visits/status/")
    page.goto(status_link)
    expect(page.locator(".visit-badge")).to_contain_text("Requested")
    screenshot(page, "visit-status-requested")

    log_in(page, "ngoc.tran@demo.hub.vn")
    use_english(page)
    expect(page).to_have_url(hub.url("/staff"))
    check_accessibility(page, "staff dashboard")
    screenshot(page, "staff-dashboard")

    page.click("header a[href='/staff/visits']")
    row = page.locator("tr", has_text=SCHOOL)
    expect(row).to_contain_text("Requested")
    check_accessibility(page, "staff visits")
    screenshot(page, "staff-visits")
    row.get_by_role("link").first.click()

    expect(page.get_by_role("heading", name=SCHOOL)).to_be_visible()
    expect(page.locator("#approve-date")).to_have_value(day.isoformat())
    room_label = page.locator("#approve-resource_id option", has_text=ROOM).inner_text()
    page.locator("#approve-resource_id").select_option(label=room_label)
    page.get_by_label("Message to the teacher (optional)").fill("Xe buýt đỗ ở cổng sau.")
    check_accessibility(page, "staff visit detail")
    with page.expect_navigation(url="**?done=approved"):
        page.get_by_role("button", name="Approve and reserve").click()
    expect(page.locator(".notice")).to_contain_text("The room is reserved")
    expect(page.locator(".visit-badge")).to_contain_text("Approved")
    screenshot(page, "staff-visit-approved")

    page.goto(f"/staff/board?date={day.isoformat()}")
    room_row = page.locator("section.board-row", has=page.get_by_role("heading", name=ROOM))
    reservation = room_row.locator("li.entry", has_text=SCHOOL)
    expect(reservation).to_contain_text("08:30–11:00")
    expect(reservation).to_contain_text("Research visit")
    # The day's summary counts the visit with the bookings.
    expect(page.locator(".board-summary")).not_to_contain_text("No bookings on this day")
    check_accessibility(page, "staff board")
    screenshot(page, "staff-board")
    # Nothing told by colour alone: every status mark on the board carries words.
    expect(reservation.locator(".st")).to_contain_text("Confirmed")
    marks = page.locator(".st").all_text_contents()
    assert marks and all(any(ch.isalpha() for ch in mark) for mark in marks), marks

    _, approval = wait_for_mail(hub.mail_dir, TEACHER_EMAIL, accept=lambda t: ROOM in t)
    assert "08:30" in approval
    page.goto(status_link)
    expect(page.locator(".visit-badge")).to_contain_text("Approved")
    expect(page.locator("main")).to_contain_text(ROOM)
