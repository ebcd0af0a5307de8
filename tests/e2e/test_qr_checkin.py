"""A member with a desk booked from now scans the desk's QR sign on a phone, logs in, checks in,
and the front desk's kiosk screen shows them checked in after its own 30-second refresh."""

from __future__ import annotations

from datetime import datetime

import holidays
import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from innovation_hub.core.clock import LOCAL_TZ
from tests.e2e.seed import CORNER, QR_DESK
from tests.e2e.support import (
    DEMO_PASSWORD,
    PHONE,
    Hub,
    check_accessibility,
    phone_screenshot,
    screenshot,
)
from tests.e2e.test_student_desk import soon_slot

pytestmark = pytest.mark.slow

MEMBER = "khoa.pham@demo.hub.vn"  # Phạm Minh Khoa, a student with a Vietnamese account
STAFF = "ngoc.tran@demo.hub.vn"


def book_the_desk_from_now(hub: Hub) -> tuple[int, datetime]:
    """The member's booking of the QR desk, made through the API; the desk's id."""
    start, end = soon_slot(datetime.now(LOCAL_TZ))
    if start.date() in holidays.Vietnam(years=start.year):
        pytest.skip("the study corner is closed on public holidays")
    if start.date() != datetime.now(LOCAL_TZ).date():
        pytest.skip("too close to midnight: the booking would start tomorrow")
    with httpx.Client(base_url=hub.base_url) as api:
        token = api.post("/api/v1/auth/tokens", json={"email": MEMBER, "password": DEMO_PASSWORD})
        headers = {"authorization": f"Bearer {token.json()['token']}"}
        spaces = api.get("/api/v1/resources").json()["items"]
        desk = next(r["id"] for r in spaces if r["name"] == QR_DESK)
        booked = api.post(
            "/api/v1/bookings",
            json={"resource_id": desk, "start": start.isoformat(), "end": end.isoformat()},
            headers=headers,
        )
        assert booked.status_code == 201, booked.text
    return desk, start


def staff_makes_a_kiosk_and_prints_the_sign(page: Page, hub: Hub, desk: int) -> tuple[str, str]:
    """The kiosk screen's secret link, and the URL the desk's QR sign holds."""
    page.goto("/login")
    page.fill("#f-email", STAFF)
    page.fill("#f-password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("form[action='/login'] button[type=submit]")
    page.goto("/staff/kiosks")
    page.get_by_label("Tên màn hình").fill("Quầy lễ tân góc tự học")
    page.get_by_label("Cơ sở").select_option(label=CORNER)
    with page.expect_navigation():
        page.get_by_role("button", name="Tạo màn hình").click()
    kiosk_url = page.locator(".secret-link").inner_text()
    check_accessibility(page, "kiosk screens")
    screenshot(page, "desk-kiosks")

    page.goto(f"/staff/spaces/{desk}/sign")
    sign_url = page.locator(".sign-url").inner_text()
    assert sign_url == hub.url(f"/spaces/{desk}/here")
    expect(page.locator(".sign-qr svg title")).to_have_text(f"Mã QR của {QR_DESK}")
    expect(page.locator(".sign-call")).to_have_text("Quét để nhận chỗ / Scan to check in")
    check_accessibility(page, "QR sign")
    screenshot(page, "desk-sign")
    phone_screenshot(page.context, page.url, "desk-sign")
    return kiosk_url, sign_url


def test_a_member_checks_in_by_the_qr_sign_and_the_kiosk_shows_it(
    browser: Browser, page: Page, hub: Hub
) -> None:
    desk, start = book_the_desk_from_now(hub)
    kiosk_url, sign_url = staff_makes_a_kiosk_and_prints_the_sign(page, hub, desk)

    # The front desk's screen: no login, only its link; its timers run on a clock we move.
    screen_context = browser.new_context(
        viewport={"width": 1280, "height": 800}, timezone_id="Asia/Ho_Chi_Minh"
    )
    screen = screen_context.new_page()
    screen.clock.install()
    screen.goto(kiosk_url)
    entry = screen.locator(".kiosk-space", has_text=QR_DESK).locator(".kiosk-entry")
    expect(entry).to_contain_text("P. M. Khoa")
    expect(entry).to_contain_text("Sắp đến")
    expect(screen.locator("body")).not_to_contain_text("Phạm Minh Khoa")
    check_accessibility(screen, "kiosk")
    screenshot(screen, "desk-kiosk")

    # The member scans the sign with a phone: log in, come back, check in.
    phone_context = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        base_url=hub.base_url,
        timezone_id="Asia/Ho_Chi_Minh",
    )
    phone = phone_context.new_page()
    phone.goto(sign_url)
    assert "/login?next=" in phone.url
    phone.fill("#f-email", MEMBER)
    phone.fill("#f-password", DEMO_PASSWORD)
    with phone.expect_navigation(url=sign_url):
        phone.click("form[action='/login'] button[type=submit]")
    expect(phone.get_by_role("heading", name=QR_DESK)).to_be_visible()
    expect(phone.locator(".here-time")).to_contain_text(start.strftime("%H:%M"))
    check_accessibility(phone, "QR check-in (phone)")
    screenshot(phone, "desk-here-phone")
    with phone.expect_navigation(url=sign_url):
        phone.get_by_role("button", name="Nhận chỗ ngay").click()
    expect(phone.locator(".notice")).to_contain_text("Bạn đã nhận chỗ lúc")
    expect(phone.locator(".status-badge")).to_contain_text("Đã nhận chỗ")
    check_accessibility(phone, "QR checked in (phone)")
    screenshot(phone, "desk-here-checked-in-phone")
    phone.set_viewport_size({"width": 1280, "height": 800})
    screenshot(phone, "desk-here-checked-in")
    phone_context.close()

    # The screen has not been reloaded: its own polling brings the check-in in.
    expect(entry).to_contain_text("Sắp đến")
    screen.clock.fast_forward("00:31")
    expect(entry).to_contain_text("Đã nhận chỗ lúc")
    expect(screen.locator(".kiosk-counts")).to_contain_text("Đã nhận chỗ: 1")
    check_accessibility(screen, "kiosk after refresh")
    screenshot(screen, "desk-kiosk-refreshed")
    phone_screenshot(screen_context, kiosk_url, "desk-kiosk")
    screen_context.close()
