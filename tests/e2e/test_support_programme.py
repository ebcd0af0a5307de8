"""An enterprise applies to the productivity-and-quality support programme; staff screen it,
score it and approve an amount; the enterprise sees the decision and gets the letter."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from innovation_hub.programmes.demo import CURRENT_CALL
from tests.e2e.seed import ENTERPRISE_EMAIL, ENTERPRISE_NAME, ENTERPRISE_PASSWORD
from tests.e2e.support import (
    Hub,
    check_accessibility,
    log_in,
    phone_screenshot,
    screenshot,
    use_english,
    wait_for_mail,
)

pytestmark = pytest.mark.slow

ISO_9001_COST = "80000000"  # the call pays 50%, at most 50,000,000: 40,000,000
APPROVED = "40000000"


def apply_as_enterprise(page: Page, context: BrowserContext, hub: Hub) -> str:
    """Fills and submits the application; returns the address of its status page."""
    page.goto("/login")
    use_english(page)
    check_accessibility(page, "login")
    screenshot(page, "login")
    log_in(page, ENTERPRISE_EMAIL, ENTERPRISE_PASSWORD)
    use_english(page)
    page.get_by_role("link", name="Open calls").click()
    page.get_by_role("link", name=CURRENT_CALL, exact=True).click()
    with page.expect_navigation(url="**/apply"):
        page.get_by_role("button", name="Apply to this call").click()

    form = page.locator("#application-form")
    expect(form.get_by_label("Name of the enterprise")).to_have_value(ENTERPRISE_NAME)
    form.get_by_label("Number of employees").fill("35")
    form.get_by_label("Size").select_option("small")
    form.get_by_label("Sector").select_option(index=1)
    form.get_by_label("Main products or services").fill("Máy gặt đập liên hợp cỡ nhỏ")
    form.get_by_label("Address").fill("Khu công nghiệp Thành Thành Công, Trảng Bàng")
    form.locator("input[name=cost_iso_9001]").fill(ISO_9001_COST)
    form.get_by_label("Name of the consulting organisation").fill("Viện Năng suất Việt Nam")
    form.get_by_label("Output per worker per year (đồng)").fill("150000000")
    form.get_by_label("Defect rate (%)").fill("5.5")
    form.get_by_label("What you will do, with whom and by when").fill(
        "Áp dụng ISO 9001 cho xưởng cơ khí trong 9 tháng, với Viện Năng suất Việt Nam."
    )
    check_accessibility(page, "programme application")
    screenshot(page, "programme-application")
    phone_screenshot(context, page.url, "programme-application")
    with page.expect_navigation(url="**/applications/*?done=submitted"):
        form.get_by_role("button", name="Submit the application").click()
    expect(page.locator("main")).to_contain_text("Submitted")
    screenshot(page, "application-submitted")
    return page.url.split("?")[0]


def test_enterprise_applies_and_staff_decide(page: Page, context: BrowserContext, hub: Hub) -> None:
    status_page = apply_as_enterprise(page, context, hub)
    page.get_by_role("button", name="Log out").click()

    log_in(page, "ngoc.tran@demo.hub.vn")
    use_english(page)
    page.click("header a[href='/staff/programmes']")
    row = page.locator("tr", has_text=ENTERPRISE_NAME)
    expect(row).to_contain_text("Submitted")
    check_accessibility(page, "staff programme queue")
    row.get_by_role("link", name=ENTERPRISE_NAME).click()
    expect(page.get_by_role("heading", name="Screening")).to_be_visible()
    check_accessibility(page, "staff application")

    page.locator("#screening input[name=result][value=eligible]").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Record the screening").click()

    page.get_by_text("Score it yourself").click()
    for criterion in ("need", "plan", "consultant", "commitment", "impact"):
        page.locator(f"#r-score_{criterion}").select_option("4")
    page.locator("input[name=recommendation][value=yes]").check()
    page.locator("#r-comment").fill("Kế hoạch rõ ràng, đơn vị tư vấn có kinh nghiệm.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the review").click()

    decision = page.locator("#decision")
    decision.locator("input[name=outcome][value=approved]").check()
    amount = decision.get_by_label("Amount of support (đồng), when approving")
    # Offered at the most the call allows (half the cost), written as English readers write it.
    expect(amount).to_have_value("40,000,000")
    amount.fill(APPROVED)
    # The decision is the Department's: its number and date go on the letter.
    decision.get_by_label("Decision number").fill("512/QĐ-SKHCN")
    decision.get_by_label("Date of the decision").fill("2026-10-15")
    page.once("dialog", lambda dialog: dialog.accept())
    decision.get_by_role("button", name="Record the decision").click()
    expect(page.locator("main")).to_contain_text("Approved")
    screenshot(page, "staff-application-decided")

    subject, letter = wait_for_mail(
        hub.mail_dir, ENTERPRISE_EMAIL, accept=lambda text: "Amount of support approved" in text
    )
    assert "approved" in subject.lower(), subject
    assert "40,000,000" in letter, letter
    assert "Decision No. 512/QĐ-SKHCN of 15/10/2026" in letter, letter
    page.get_by_role("button", name="Log out").click()
    log_in(page, ENTERPRISE_EMAIL, ENTERPRISE_PASSWORD)
    page.goto(status_page)
    expect(page.locator("main")).to_contain_text("Approved")
    expect(page.locator("main")).to_contain_text("40,000,000")
    screenshot(page, "application-approved")
