"""The main pages on a 390×844 phone, for a member and for staff: nothing runs off the side of
the screen, the header is one compact line with a menu, and on the spaces page, the booking form
and the staff board the first thing to act on is in the first screen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.support import (
    PHONE,
    Hub,
    check_accessibility,
    log_in,
    screenshot,
)

pytestmark = pytest.mark.slow

MEMBER_EMAIL = "bao.dang@demo.hub.vn"  # a startup: books rooms, has bookings and trademark cases
STAFF_EMAIL = "ngoc.tran@demo.hub.vn"
HEADER_MAX_PX = 72

PUBLIC_PAGES = ["/", "/spaces", "/login", "/register", "/password/forgot", "/visits", "/trademarks"]
MEMBER_PAGES = [
    "/",
    "/spaces",
    "/bookings",
    "/profile",
    "/me/feeds",
    "/trademarks/cases",
    "/trademarks",
    "/visits",
    "/programmes",
]
STAFF_PAGES = [
    "/staff",
    "/staff/board",
    "/staff/board?view=week",
    "/staff/visits",
    "/staff/programmes",
    "/staff/trademarks",
    "/staff/reports",
    "/staff/spaces",
]


@pytest.fixture
def phone(browser: Browser, hub: Hub) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport=PHONE,
        base_url=hub.base_url,
        is_mobile=True,
        has_touch=True,
        timezone_id="Asia/Ho_Chi_Minh",
    )
    context.set_default_timeout(15_000)
    yield context
    context.close()


def assert_fits(page: Page) -> None:
    """No sideways scrolling: the page is no wider than the window, nor than the phone (a phone
    browser widens its window to fit content that is too wide)."""
    widths = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    scroll_width, inner_width = widths
    assert scroll_width <= inner_width <= PHONE["width"], (
        f"{page.url} is {scroll_width} px wide in a {inner_width} px window"
    )


def top_of(page: Page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown on {page.url}"
    return box["y"] + page.evaluate("window.scrollY")


def assert_compact_header(page: Page) -> None:
    height = page.evaluate("document.querySelector('.site-header').offsetHeight")
    assert height <= HEADER_MAX_PX, f"the header of {page.url} is {height} px tall"


def test_member_pages_fit_a_phone(phone: BrowserContext) -> None:
    page = phone.new_page()
    for path in PUBLIC_PAGES:
        page.goto(path)
        assert_fits(page)
        assert_compact_header(page)
        check_accessibility(page, f"{path} (phone, visitor)")
    log_in(page, MEMBER_EMAIL)
    for path in MEMBER_PAGES:
        page.goto(path)
        assert_fits(page)
        assert_compact_header(page)
        check_accessibility(page, f"{path} (phone, member)")

    page.goto("/spaces")
    # The day list, not the wide grid: the first free time is a button in the first screen.
    expect(page.locator("table.availability").first).to_be_hidden()
    first_slot = page.locator(".day-list .free-time").first
    expect(first_slot).to_be_visible()
    assert top_of(page, ".day-list .free-time") < PHONE["height"]
    # The filters are folded behind one button and open on a tap.
    expect(page.locator("#f-date")).to_be_hidden()
    page.click(".filters-fold > summary")
    expect(page.locator("#f-date")).to_be_visible()
    page.click(".filters-fold > summary")
    check_accessibility(page, "spaces (phone)")
    screenshot(page, "phone-spaces")

    with page.expect_navigation():
        first_slot.click()
    assert page.url.split("?")[0].endswith("/bookings/new")
    assert_fits(page)
    field = "main form input:not([type=hidden]), main form select, main form textarea"
    assert top_of(page, field) < PHONE["height"]
    # The slot's time is filled in: the Book button is in the first screen too, the repeat
    # options folded away below a button that opens them.
    assert top_of(page, "#booking-form .form-actions button[type=submit]") < PHONE["height"]
    expect(page.locator("#f-repeat")).to_be_hidden()
    page.click(".repeat-fold > summary")
    expect(page.locator("#f-repeat")).to_be_visible()
    check_accessibility(page, "booking form (phone)")
    screenshot(page, "phone-booking")


def test_long_email_stays_on_the_profile_screen(phone: BrowserContext, hub: Hub) -> None:
    page = phone.new_page()
    log_in(page, MEMBER_EMAIL)
    page.goto("/profile")
    # However long the address, the definition list wraps it instead of widening the page.
    page.evaluate(
        """() => document.querySelectorAll("main dd").forEach(dd => {
            if (dd.textContent.includes("@")) dd.textContent = "nguyen.thi.thanh.huong." +
                "phong.ke.hoach.tai.chinh@so-khoa-hoc-cong-nghe-tay-ninh.gov.vn";
        })"""
    )
    assert_fits(page)


def test_the_menu_opens_by_tap_and_keyboard(phone: BrowserContext) -> None:
    page = phone.new_page()
    log_in(page, MEMBER_EMAIL)
    page.goto("/bookings")
    menu = page.locator(".site-menu > summary")
    expect(page.locator("#site-nav a[href='/profile']")).to_be_hidden()
    expect(menu).to_have_attribute("aria-controls", "site-nav")
    menu.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#site-nav a[href='/profile']")).to_be_visible()
    expect(page.locator(".language-switch button[value=en]")).to_be_visible()
    # The open menu lies over the page; the header itself stays one line.
    assert_compact_header(page)
    assert_fits(page)
    check_accessibility(page, "menu open (phone)")
    screenshot(page, "phone-menu")
    page.keyboard.press("Enter")
    expect(page.locator("#site-nav a[href='/profile']")).to_be_hidden()
    # Escape closes it from inside and gives the focus back to its button.
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#site-nav') !== null")
    page.keyboard.press("Escape")
    expect(page.locator("#site-nav a[href='/profile']")).to_be_hidden()
    assert page.evaluate("document.activeElement.matches('.site-menu > summary')")


def test_staff_pages_fit_a_phone(phone: BrowserContext) -> None:
    page = phone.new_page()
    log_in(page, STAFF_EMAIL)
    for path in STAFF_PAGES:
        page.goto(path)
        assert_fits(page)
        assert_compact_header(page)
        check_accessibility(page, f"{path} (phone, staff)")

    # A day with bookings (the demo's are on the coming working days): its first entry, in
    # the day's agenda, is in the first screen and leads to the entry with its actions.
    page.goto("/staff/board")
    for _ in range(7):
        if page.locator(".board li.entry").count():
            break
        with page.expect_navigation():
            page.click(".board-steps a[rel=next]")
    first = page.locator(".board-agenda .agenda-entry").first
    assert top_of(page, ".board-agenda .agenda-entry") < PHONE["height"]
    target = first.get_attribute("href")
    assert target is not None and target.startswith("#b-")
    first.click()
    expect(page.locator(target)).to_be_in_viewport()
    check_accessibility(page, "board (phone)")
    screenshot(page, "phone-board")


def test_wide_screens_show_the_navigation_without_a_menu_button(page: Page) -> None:
    log_in(page, STAFF_EMAIL)
    page.goto("/spaces")
    expect(page.locator(".site-menu > summary")).to_be_hidden()
    expect(page.locator("#site-nav a[href='/staff/board']")).to_be_visible()
    expect(page.locator("#f-date")).to_be_visible()
    expect(page.locator("table.availability").first).to_be_visible()
    expect(page.locator(".day-list").first).to_be_hidden()
    check_accessibility(page, "spaces (desktop)")
    screenshot(page, "desktop-spaces")
