"""Staff drag three desks of the reading room onto its floor plan and save; a member opens the
plan from the spaces page, keeps the desks with a monitor, clicks a free one and books it, and
the plan then shows it taken."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.seed import READING_DESKS, READING_ROOM
from tests.e2e.support import (
    DESKTOP,
    Hub,
    check_accessibility,
    log_in,
    phone_screenshot,
    screenshot,
)
from tests.helpers import next_open_day

pytestmark = pytest.mark.slow

STAFF = "ngoc.tran@demo.hub.vn"
MEMBER = "khoa.pham@demo.hub.vn"  # a demo student, Vietnamese pages
# Where each desk is dropped, as parts of the plan's width and height.
DROPS = {"Bàn đọc 01": (0.2, 0.4), "Bàn đọc 02": (0.8, 0.5), "Bàn đọc 03": (0.45, 0.7)}


def drag_onto_plan(page: Page, name: str, at: tuple[float, float]) -> None:
    item = page.locator(".tray-item", has_text=name).bounding_box()
    plan = page.locator(".plan-markers").bounding_box()
    assert item is not None and plan is not None
    page.mouse.move(item["x"] + item["width"] / 2, item["y"] + item["height"] / 2)
    page.mouse.down()
    page.mouse.move(plan["x"] + plan["width"] * at[0], plan["y"] + plan["height"] * at[1], steps=8)
    page.mouse.up()


def staff_place_the_desks(page: Page) -> str:
    log_in(page, STAFF)
    page.goto("/staff/spaces#plans")
    with page.expect_navigation():
        page.locator(".plan-location", has_text=READING_ROOM).get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(READING_ROOM)
    check_accessibility(page, "plan placement")
    # The list of spaces to place and the whole plan in view at once, as on a staff monitor.
    page.set_viewport_size({"width": DESKTOP["width"], "height": 1200})
    page.locator(".plan-tray").scroll_into_view_if_needed()
    for name, at in DROPS.items():
        drag_onto_plan(page, name, at)
    expect(page.locator("[data-plan-tray]")).to_be_hidden()  # every desk is on the plan
    rows = {name: page.locator("tr", has_text=name) for name in READING_DESKS}
    for name, (x, y) in DROPS.items():
        placed_x = float(rows[name].locator("input[data-axis=x]").input_value())
        placed_y = float(rows[name].locator("input[data-axis=y]").input_value())
        assert abs(placed_x - x * 100) < 2 and abs(placed_y - y * 100) < 2, (name, placed_x)
    # The arrow keys move the focused marker one step.
    first = page.locator(".spot-edit", has_text="Bàn đọc 01").locator("[tabindex]")
    first.focus()
    before = float(rows["Bàn đọc 01"].locator("input[data-axis=x]").input_value())
    page.keyboard.press("ArrowRight")
    after = float(rows["Bàn đọc 01"].locator("input[data-axis=x]").input_value())
    assert round(after - before, 1) == 1.0
    screenshot(page, "plan-placement")
    with page.expect_navigation(url="**/placement?saved=1"):
        page.get_by_role("button", name="Lưu vị trí").click()
    expect(page.locator(".notice")).to_contain_text("Đã lưu vị trí")
    expect(page.locator(".spot-edit:not(.is-unplaced)")).to_have_count(3)
    return page.url.split("/locations/")[1].split("/")[0]


def test_staff_place_desks_and_a_member_books_one_from_the_plan(
    page: Page, browser: Browser, hub: Hub
) -> None:
    location_id = staff_place_the_desks(page)
    member: BrowserContext = browser.new_context(
        viewport=DESKTOP, base_url=hub.base_url, timezone_id="Asia/Ho_Chi_Minh"
    )
    try:
        plan = member.new_page()
        log_in(plan, MEMBER)
        plan.goto("/spaces")
        with plan.expect_navigation():
            plan.get_by_role("link", name=re.compile("Xem sơ đồ mặt bằng")).click()
        day = next_open_day()
        plan.select_option("#p-location", location_id)
        plan.fill("#p-date", day.isoformat())
        plan.fill("#p-time", "09:00")
        plan.get_by_label("Màn hình").check()
        with plan.expect_navigation():
            plan.get_by_role("button", name="Xem", exact=True).click()
        markers = plan.locator(".plan-markers .spot")
        expect(markers).to_have_count(2)  # desks 01 and 03 have a monitor
        expect(plan.locator(".plan-space")).to_have_count(2)
        expect(plan.locator(".plan-space", has_text="Bàn đọc 02")).to_have_count(0)
        check_accessibility(plan, "floor plan")
        screenshot(plan, "plan-member")
        phone_screenshot(member, plan.url, "plan-member")

        desk = plan.locator('.spot[data-state="free"] a[aria-label^="Bàn đọc 03"]')
        with plan.expect_navigation(url="**/bookings/new?**"):
            desk.click()
        expect(plan.locator("#f-start_time")).to_have_value("09:00")
        expect(plan.locator("#f-date")).to_have_value(day.isoformat())
        chosen = plan.locator("#f-resource_id option:checked")
        expect(chosen).to_contain_text("Bàn đọc 03")
        plan.fill("#f-purpose", "Đọc tài liệu nghiên cứu")
        with plan.expect_navigation(url="**/bookings?booked=*"):
            plan.locator("#booking-form .form-actions button[type=submit]").click()

        plan.go_back()  # the booking form
        plan.go_back()  # the plan
        plan.reload()
        taken = plan.locator('.spot[data-state="taken"]')
        expect(taken).to_have_count(1)
        expect(taken.locator("[aria-label]")).to_have_attribute(
            "aria-label", re.compile(r"^Bàn đọc 03: Đã đặt")
        )
        expect(plan.locator(".plan-space", has_text="Bàn đọc 03")).to_contain_text("Đã đặt")
    finally:
        member.close()
