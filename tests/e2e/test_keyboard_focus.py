"""Keyboard only: a member reaches a free slot in a few Tabs, moves through the grid with the
arrow keys and books; staff approve on the board and focus stays on the outcome, not <body>."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.support import (
    Hub,
    check_accessibility,
    has_visible_focus,
    log_in,
    phone_screenshot,
    screenshot,
    tab_to,
    use_english,
)
from tests.helpers import next_open_day

pytestmark = pytest.mark.slow

LAB = "Phòng Lab IoT"  # demo lab: free, staff approve each booking
MEMBER = "ha.vo@demo.hub.vn"  # a demo student whose account is in English
STAFF = "ngoc.tran@demo.hub.vn"
PURPOSE = "Đo thử mạch cảm biến bằng bàn phím"
# Before the grid: the skip link, the header's links and language switch (about ten), the
# three filters and their button, the day links. Chromium's date field alone takes four Tabs
# (month, day, year, picker). It was 88 when every slot before the first free one was a stop.
MAX_TABS_TO_A_SLOT = 20
MAX_TABS_AFTER_SKIP_LINK = 11

FOCUSED_SLOT = """() => {
    const a = document.activeElement;
    const cell = a.closest("td.slot");
    if (!cell) return null;
    return {state: cell.dataset.state, start: cell.dataset.start,
            row: a.closest("tr").dataset.resource, tabIndex: a.tabIndex,
            grid: Array.from(document.querySelectorAll("table.availability"))
                .indexOf(a.closest("table"))};
}"""


def tabs_until(page: Page, selector: str, limit: int = 120) -> int:
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return presses
    raise AssertionError(f"{selector} not reached in {limit} Tabs")


def focused(page: Page) -> dict[str, Any] | None:
    slot: dict[str, Any] | None = page.evaluate(FOCUSED_SLOT)
    return slot


def tab_stops_per_grid(page: Page) -> list[int]:
    """For each location's grid (its scroll region included), how many Tab stops it has."""
    counts: list[int] = page.evaluate(
        """() => Array.from(document.querySelectorAll(".grid-scroll")).map(region =>
            [region, ...region.querySelectorAll("a, button")]
                .filter(e => e.tabIndex >= 0 && (e !== region || e.hasAttribute("tabindex")))
                .length)"""
    )
    return counts


def walk_the_grid(page: Page, day: date) -> None:
    page.goto(f"/spaces?date={day.isoformat()}")
    stops = tab_stops_per_grid(page)
    assert stops and all(count == 1 for count in stops), f"each grid should be one stop: {stops}"
    # With the skip link: Tab, Enter, then the filters and the day links.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    skipped = tabs_until(page, "td.slot a, td.slot button")
    assert skipped <= MAX_TABS_AFTER_SKIP_LINK, f"{skipped} Tabs after the skip link"
    page.goto(f"/spaces?date={day.isoformat()}")
    presses = tabs_until(page, "td.slot a, td.slot button")
    print(f"Tabs to the first free slot: {presses} from the top, {skipped} after the skip link")
    assert presses <= MAX_TABS_TO_A_SLOT, f"{presses} Tabs from the top to the first slot"
    first = focused(page)
    assert first and first["state"] == "free", first
    assert first["start"] == page.eval_on_selector("td.slot-free", "td => td.dataset.start")
    assert has_visible_focus(page), "the focused slot shows no focus indicator"

    page.keyboard.press("ArrowRight")
    right = focused(page)
    assert right and right["row"] == first["row"] and right["start"] > first["start"], right
    page.keyboard.press("ArrowLeft")
    assert focused(page) == {**first, "tabIndex": 0}
    page.keyboard.press("ArrowDown")
    below = focused(page)
    assert below and below["row"] != first["row"], "ArrowDown stayed in the row"
    page.keyboard.press("ArrowUp")
    assert focused(page) and focused(page)["row"] == first["row"]  # type: ignore[index]
    page.keyboard.press("End")
    end = focused(page)
    assert end and end["row"] == first["row"] and end["start"] > right["start"]
    page.keyboard.press("Home")
    home = focused(page)
    assert home and home["row"] == first["row"] and home["start"] <= first["start"]

    # Tab leaves the grid in one press (to the next location's grid, if any); Shift+Tab
    # comes back to the slot last focused.
    page.keyboard.press("Tab")
    after = focused(page)
    assert after is None or after["grid"] != home["grid"], "Tab should leave the grid"
    page.keyboard.press("Shift+Tab")
    assert focused(page) == home
    assert all(count == 1 for count in tab_stops_per_grid(page))


def test_a_member_books_the_lab_by_keyboard_in_few_tabs(
    page: Page, context: BrowserContext, hub: Hub
) -> None:
    log_in(page, MEMBER)
    use_english(page)
    day = next_open_day(9)
    walk_the_grid(page, day)
    check_accessibility(page, "spaces, grid focused")
    screenshot(page, "spaces-grid-focus")
    phone_screenshot(context, hub.url(f"/spaces?date={day.isoformat()}"), "spaces-grid-keys")

    # The lab's row, by keyboard: down the rows until the focused slot is in the lab's row.
    lab_row = page.eval_on_selector(f"tr:has(th:has-text('{LAB}'))", "tr => tr.dataset.resource")
    page.keyboard.press("Control+Home")
    for _ in range(30):
        slot = focused(page)
        if slot and slot["row"] == lab_row and slot["state"] == "free":
            break
        page.keyboard.press("ArrowDown" if slot and slot["row"] != lab_row else "ArrowRight")
    else:
        raise AssertionError("no free slot of the lab reached by arrow keys")
    with page.expect_navigation(url="**/bookings/new?**"):
        page.keyboard.press("Enter")
    expect(page.locator("#f-resource_id option:checked")).to_contain_text(LAB)
    tab_to(page, "#f-attendees")
    page.keyboard.type("2")
    tab_to(page, "#f-purpose")
    page.keyboard.type(PURPOSE)
    tab_to(page, "#booking-form .form-actions button[type=submit]")
    with page.expect_navigation(url="**/bookings?booked=*"):
        page.keyboard.press("Enter")
    card = page.locator(".booking-card", has_text=LAB).filter(has_text=PURPOSE)
    expect(card.locator(".status-badge")).to_contain_text("approval")
    # After the action the page opens on its outcome, not at the top of the page.
    expect(page.locator(".notice[role=status]")).to_be_focused()

    # Staff approve on the board by keyboard: after the swap focus is on the outcome.
    page.context.clear_cookies()
    log_in(page, STAFF)
    use_english(page)
    page.goto(f"/staff/board?date={day.isoformat()}")
    entry = page.locator("li.entry", has_text=PURPOSE)
    entry.get_by_role("button", name="Approve").focus()
    page.keyboard.press("Enter")
    expect(page.locator("li.entry", has_text=PURPOSE).locator(".st")).to_contain_text("Confirmed")
    notice = page.locator(".board-row .notice[role=status]")
    expect(notice).to_be_focused()
    expect(notice).to_contain_text("approved")
    assert page.evaluate("document.activeElement !== document.body")
    check_accessibility(page, "board after approve")
    screenshot(page, "board-approved-focus")

    # A block without a reason: focus goes to the field to fix, not to the top of the page.
    block = page.locator(".board-row", has=page.locator("h3", has_text=LAB)).locator(".block-form")
    block.locator("summary").focus()
    page.keyboard.press("Enter")
    block.locator("input[name=start]").fill("16:00")
    block.locator("input[name=end]").fill("17:00")
    block.get_by_role("button", name="Block the space").focus()
    page.keyboard.press("Enter")
    form = page.locator(".board-row", has=page.locator("h3", has_text=LAB)).locator(".block-form")
    expect(form.locator("[role=alert]").first).to_contain_text("why the space is blocked")
    # The reason field (marked aria-invalid) or, while the form macros drop that attribute,
    # its error message: either way the place to fix, inside the block form.
    # Focus moves once htmx has settled the swap: wait for it rather than read it at once.
    page.wait_for_function(
        """() => {
            const a = document.activeElement;
            return !!a.closest(".block-form")
                && (a.name === "reason" || a.getAttribute("role") === "alert");
        }""",
        timeout=5000,
    )


def test_the_grid_stays_plain_links_without_javascript(browser: Browser, hub: Hub) -> None:
    context = browser.new_context(base_url=hub.base_url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"/spaces?date={next_open_day(9).isoformat()}")
        # Every free slot is a link of its own (to log in first, for a visitor), in the Tab
        # order; the arrow-key hint stays hidden.
        assert page.locator("td.slot-free a.slot-link[href]").count() > 1
        assert (
            page.locator(
                "table.availability a[tabindex], table.availability button[tabindex]"
            ).count()
            == 0
        )
        assert page.locator(".grid-scroll[tabindex='0']").count() >= 1
        expect(page.locator(".grid-keys-hint").first).to_be_hidden()
    finally:
        context.close()


def test_the_report_tables_scroll_by_keyboard(
    page: Page, context: BrowserContext, hub: Hub
) -> None:
    log_in(page, STAFF)
    use_english(page)
    page.goto("/staff/reports?preset=this_half")
    check_accessibility(page, "reports")
    screenshot(page, "reports")
    phone_screenshot(context, hub.url("/staff/reports?preset=this_half"), "reports")
    # Each wide table's scroll box is a Tab stop named by the table's caption, so the
    # arrow keys can scroll it; the hours table is one of them.
    hours = page.get_by_role("group", name="Bookings by weekday and starting hour")
    expect(hours).to_have_attribute("tabindex", "0")
    tab_to(page, ".report-table-wrap:has(#table-hours-caption)", limit=120)
    assert has_visible_focus(page), "the focused table region shows no focus indicator"
    if hours.evaluate("region => region.scrollWidth > region.clientWidth"):
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => document.activeElement.scrollLeft > 0", timeout=5000)


def test_saving_the_profile_keeps_focus_on_its_message(page: Page) -> None:
    log_in(page, MEMBER)
    use_english(page)
    page.goto("/profile")
    form = page.locator("form[action='/profile']")
    form.get_by_role("button", name="Save changes").focus()
    page.keyboard.press("Enter")
    saved = page.locator("form[action='/profile'] .notice[role=status]")
    expect(saved).to_contain_text("Your changes were saved")
    # The form was swapped out under the focused button: focus goes to the message, not <body>.
    expect(saved).to_be_focused()
    check_accessibility(page, "profile saved")


def test_a_visit_request_with_errors_keeps_focus_on_the_first_field_to_fix(page: Page) -> None:
    page.goto("/visits")
    use_english(page)
    page.locator("#visit-form button[type=submit]").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#visit-form .form-summary[role=alert]")).to_be_visible()
    # The form was swapped out under the button: focus goes to the first field marked invalid.
    page.wait_for_function(
        """() => {
            const a = document.activeElement;
            return !!a.closest("#visit-form") && a.getAttribute("aria-invalid") === "true"
                && a === document.querySelector("#visit-form [aria-invalid=true]");
        }""",
        timeout=5000,
    )
    check_accessibility(page, "visit request, errors")
