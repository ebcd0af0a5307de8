"""A member asks for a room that needs approval, staff approve it from their "waiting for you"
queue, and the member's mailbox holds both emails: the request received, then the approval with
the calendar file."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime, time

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from innovation_hub.core.clock import LOCAL_TZ
from tests.e2e.support import (
    Hub,
    check_accessibility,
    log_in,
    phone_screenshot,
    screenshot,
    use_english,
    wait_for_mail,
)
from tests.helpers import next_open_day

pytestmark = pytest.mark.slow

LAB = "Phòng Lab IoT"  # demo lab: free, staff approve each booking
MEMBER = "ha.vo@demo.hub.vn"  # a demo student whose account is in English
MEMBER_NAME = "Võ Thị Thu Hà"
PURPOSE = "Thử nghiệm cảm biến độ ẩm đất"


def book_the_lab(page: Page, starts: datetime) -> None:
    day = starts.date().isoformat()
    page.goto(f"/spaces?date={day}&kind=lab")
    row = page.locator("tr", has=page.locator("th", has_text=LAB))
    with page.expect_navigation(url="**/bookings/new?**"):
        row.locator(f"a.slot-link[href*='start={day}T{starts:%H}%3A{starts:%M}']").click()
    page.fill("#f-end_time", f"{starts.hour + 1:02d}:{starts:%M}")
    page.fill("#f-attendees", "3")
    page.fill("#f-purpose", PURPOSE)
    with page.expect_navigation(url="**/bookings?booked=*"):
        page.get_by_role("button", name="Book", exact=True).click()
    card = page.locator(".booking-card", has_text=LAB).filter(has_text=PURPOSE)
    expect(card.locator(".status-badge")).to_contain_text("approval")


def approve_from_the_queue(page: Page, hub: Hub) -> None:
    log_in(page, "ngoc.tran@demo.hub.vn")
    use_english(page)
    page.get_by_role("link", name="Waiting for you").first.click()
    expect(page).to_have_url(hub.url("/staff/waiting"))
    check_accessibility(page, "staff waiting queue")
    screenshot(page, "staff-waiting")
    phone_screenshot(page.context, hub.url("/staff/waiting"), "staff-waiting")
    row = page.locator("tr", has_text=LAB).filter(has_text=MEMBER_NAME)
    row.get_by_role("link", name="Handle").click()
    entry = page.locator("li.entry", has_text=PURPOSE)
    entry.get_by_role("button", name="Approve").click()
    expect(page.locator("li.entry", has_text=PURPOSE).locator(".st")).to_contain_text("Confirmed")


def test_a_member_hears_of_the_request_and_of_the_approval(
    page: Page, context: BrowserContext, hub: Hub
) -> None:
    starts = datetime.combine(next_open_day(5), time(15, 0), LOCAL_TZ)
    log_in(page, MEMBER)
    use_english(page)
    book_the_lab(page, starts)

    subject, text = wait_for_mail(hub.mail_dir, MEMBER, accept=lambda t: PURPOSE in t)
    assert "waiting for approval" in subject and LAB in subject
    assert "staff approval" in text and "15:00" in text

    page.context.clear_cookies()
    approve_from_the_queue(page, hub)

    subject, text = wait_for_mail(
        hub.mail_dir, MEMBER, accept=lambda t: PURPOSE in t and "approved" in t
    )
    assert subject.startswith("Booking approved and confirmed") and LAB in subject
    assert "Check in from 14:50" in text
    # The approval carries the booking as a calendar file, as the confirmation of any booking.
    approval = next(
        message
        for message in (
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(hub.mail_dir.glob("*.eml"))
        )
        if message["To"] == MEMBER and str(message["Subject"]) == subject
    )
    calendars = [
        part for part in approval.iter_attachments() if part.get_content_type() == "text/calendar"
    ]
    assert len(calendars) == 1
    event = calendars[0].get_content()
    assert f"LOCATION:{LAB}" in event and "STATUS:CONFIRMED" in event
