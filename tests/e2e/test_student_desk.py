"""A student registers, confirms the email through the emailed link, books a desk with the
keyboard alone and checks in."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import holidays
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from innovation_hub.core.clock import LOCAL_TZ
from tests.e2e.seed import CORNER, STUDY_DESK
from tests.e2e.support import (
    Hub,
    check_accessibility,
    has_visible_focus,
    link_in,
    log_in,
    phone_screenshot,
    screenshot,
    tab_to,
    use_english,
    wait_for_mail,
)

pytestmark = pytest.mark.slow

STUDENT_EMAIL = "minh.anh@thpt-hoanglekha.edu.vn"
STUDENT_PASSWORD = "mot cau dai de nho 2026"


def soon_slot(now: datetime) -> tuple[datetime, datetime]:
    """A booking on the study desk's 5-minute step that starts 2–7 minutes from now (inside the
    10-minute check-in window) and ends by 23:55 (the corner closes at 23:59)."""
    start = (now + timedelta(minutes=2)).replace(second=0, microsecond=0)
    start += timedelta(minutes=(5 - start.minute % 5) % 5)
    if (start.hour, start.minute) >= (23, 55):
        start = datetime.combine(start.date() + timedelta(days=1), datetime.min.time(), LOCAL_TZ)
    last_end = start.replace(hour=23, minute=55)
    return start, min(start + timedelta(minutes=30), last_end)


def press_to_option(page: Page, select: str, label_part: str) -> None:
    """Move a focused closed <select> to the option whose text holds label_part, by arrow keys."""
    labels: list[str] = page.eval_on_selector(
        select, "s => Array.from(s.options).map(o => o.textContent)"
    )
    target = next(i for i, label in enumerate(labels) if label_part in label)
    current: int = page.eval_on_selector(select, "s => s.selectedIndex")
    key = "ArrowDown" if target > current else "ArrowUp"
    for _ in range(abs(target - current)):
        page.keyboard.press(key)
    assert label_part in page.eval_on_selector(select, "s => s.selectedOptions[0].textContent")


def arrow_to_row(page: Page, space: str) -> None:
    """ArrowDown from the focused slot to the row of ``space``, then ArrowRight to a free slot."""
    in_row = "name => document.activeElement.closest('tr')?.textContent.includes(name) ?? false"
    for _ in range(30):
        if page.evaluate(in_row, space):
            break
        page.keyboard.press("ArrowDown")
    else:
        raise AssertionError(f"the arrow keys did not reach the row of {space}")
    page.keyboard.press("Home")
    for _ in range(60):
        if page.evaluate("document.activeElement.matches('td.slot-free a')"):
            assert page.evaluate(in_row, space)
            return
        page.keyboard.press("ArrowRight")
    raise AssertionError(f"no free slot of {space} reached with ArrowRight")


def type_date(page: Page, day: date) -> None:
    # Chromium shows date fields in its own UI language here, en-US: month, day, year.
    page.keyboard.type(day.strftime("%m%d%Y"))


def type_time(page: Page, moment: datetime) -> None:
    # en-US time fields: hour (1–12), minute, then A or P.
    page.keyboard.type(moment.strftime("%I%M") + ("A" if moment.hour < 12 else "P"))


def register_and_confirm(page: Page, hub: Hub) -> None:
    page.goto("/")
    check_accessibility(page, "home (vi)")
    screenshot(page, "home-vi")
    use_english(page)
    check_accessibility(page, "home")
    screenshot(page, "home")
    phone_screenshot(page.context, hub.url("/"), "home")

    page.click("header a[href='/register']")
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    check_accessibility(page, "register")
    screenshot(page, "register")
    expect(page.get_by_label("Student")).to_be_checked()
    page.get_by_label("Full name").fill("Lê Minh Anh")
    page.get_by_label("Email").fill(STUDENT_EMAIL)
    page.get_by_label("Password").fill(STUDENT_PASSWORD)
    page.get_by_label("School or university").fill("Trường THPT chuyên Hoàng Lê Kha")
    with page.expect_navigation(url="**/register/sent"):
        page.get_by_role("button", name="Create account").click()
    # The same page whether or not the address had an account: no login yet.
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    check_accessibility(page, "registered")

    subject, text = wait_for_mail(hub.mail_dir, STUDENT_EMAIL)
    assert "confirm" in subject.lower()
    page.goto(link_in(text, hub.base_url, "/verify-email/"))
    expect(page.get_by_role("heading", name="Your email address is confirmed")).to_be_visible()
    with page.expect_navigation(url="**/login"):
        page.get_by_role("link", name="Continue").click()
    log_in(page, STUDENT_EMAIL, STUDENT_PASSWORD)
    page.goto("/profile")
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
    expect(page.get_by_text("Please confirm your email address.")).to_have_count(0)


def test_student_registers_books_a_desk_by_keyboard_and_checks_in(
    page: Page, context: BrowserContext, hub: Hub
) -> None:
    register_and_confirm(page, hub)

    start, end = soon_slot(datetime.now(LOCAL_TZ))
    page.goto("/spaces")
    check_accessibility(page, "spaces")
    screenshot(page, "spaces")
    phone_screenshot(context, hub.url("/spaces"), "spaces")
    # Nothing told by colour alone: every legend entry and slot cell carries words.
    for text in page.locator(".slot-legend li, td.slot").all_text_contents():
        assert any(ch.isalpha() for ch in text), f"a status shown without words: {text!r}"

    if start.date() in holidays.Vietnam(years=start.year):
        # The centre (the study corner too) is closed on public holidays: the page says so.
        page.goto(f"/spaces?date={start.date().isoformat()}")
        expect(page.locator(".holiday")).to_contain_text("Public holiday")
        return

    # From here on, keyboard only. The first Tab shows the skip link on screen.
    page.keyboard.press("Tab")
    skip_link = page.locator(".skip-link")
    expect(skip_link).to_be_focused()
    box = skip_link.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, f"the focused skip link is off screen: {box}"
    assert has_visible_focus(page), "the focused skip link shows no focus indicator"
    # Late in the evening today's grid has no free cell left (its last half-hour cell runs past
    # the corner's 23:59 closing), though the form still books the minutes before closing:
    # reach the form from tomorrow's grid then.
    no_free_cell_today = page.locator("a.slot-link").count() == 0
    if start.date() != datetime.now(LOCAL_TZ).date() or no_free_cell_today:
        tab_to(page, "a[rel=next]")
        with page.expect_navigation():
            page.keyboard.press("Enter")
    # Each location's grid is one Tab stop (its first free slot): Tab to the corner's grid,
    # then the arrow keys walk down to the desk.
    in_corner = (
        "name => document.activeElement.closest('table')?.caption?.textContent.includes(name)"
    )
    for _ in range(4):
        tab_to(page, "a.slot-link", limit=20)
        if page.evaluate(in_corner, CORNER):
            break
    else:
        raise AssertionError(f"Tab did not reach the grid of {CORNER}")
    assert has_visible_focus(page), "the focused slot link shows no focus indicator"
    arrow_to_row(page, STUDY_DESK)
    with page.expect_navigation(url="**/bookings/new?**"):
        page.keyboard.press("Enter")
    check_accessibility(page, "booking form")

    tab_to(page, "#f-resource_id")
    assert has_visible_focus(page), "the focused select shows no focus indicator"
    press_to_option(page, "#f-resource_id", STUDY_DESK)
    tab_to(page, "#f-date")
    type_date(page, start.date())
    tab_to(page, "#f-start_time")
    type_time(page, start)
    tab_to(page, "#f-end_time")
    type_time(page, end)
    expect(page.locator("#f-date")).to_have_value(start.date().isoformat())
    expect(page.locator("#f-start_time")).to_have_value(start.strftime("%H:%M"))
    expect(page.locator("#f-end_time")).to_have_value(end.strftime("%H:%M"))
    tab_to(page, "#f-purpose")
    page.keyboard.type("Ôn thi học sinh giỏi")
    screenshot(page, "booking-form")
    tab_to(page, "#booking-form .form-actions button[type=submit]")
    assert has_visible_focus(page), "the focused Book button shows no focus indicator"
    with page.expect_navigation(url="**/bookings?booked=*"):
        page.keyboard.press("Enter")

    booking = page.locator(".booking-card", has_text=STUDY_DESK)
    expect(page.locator(".notice")).to_contain_text("Your booking is confirmed")
    expect(booking.locator(".status-badge")).to_contain_text("Confirmed")
    check_accessibility(page, "my bookings")
    screenshot(page, "my-bookings")

    tab_to(page, ".booking-card form[action$='/check-in'] button")
    assert has_visible_focus(page), "the focused Check in button shows no focus indicator"
    with page.expect_navigation(url="**/bookings?checked_in=*"):
        page.keyboard.press("Space")
    expect(page.locator(".notice")).to_contain_text("You are checked in")
    expect(booking.locator(".status-badge")).to_contain_text("Checked in")
    phone_screenshot(context, hub.url("/bookings"), "my-bookings")
