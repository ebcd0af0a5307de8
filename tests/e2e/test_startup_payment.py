"""A startup books a paid meeting room, pays with a test card, and finds the booking in the
iCal feed shown on its feeds page.

The pay page loads Stripe.js from localstripe, whose stand-in mounts plain card inputs and, on
"Pay", runs only the 3-D Secure step of confirmCardPayment: it never turns the typed card into a
PaymentMethod. The journey therefore does that one step the way Stripe.js would, against
localstripe's API and with the card the user typed (a card that asks for 3-D Secure); everything
else is the real page: pay.js, the 3-D Secure dialog, the return URL and the receipt.
"""

from __future__ import annotations

from datetime import datetime, time

import httpx
import icalendar
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
)
from tests.helpers import next_open_day

pytestmark = pytest.mark.slow

ROOM = "Phòng họp Sen"  # demo room, 150,000 VND an hour, startups may book it
THREE_D_SECURE_CARD = {
    "number": "4000002500003155",
    "exp_month": "12",
    "exp_year": "30",
    "cvc": "123",
    "postal_code": "70000",
}


def stripe_js_confirms_card(hub: Hub, client_secret: str, card: dict[str, str]) -> None:
    """What Stripe.js does with the card field on confirmCardPayment: a PaymentMethod from the
    typed card, set on the PaymentIntent, confirmed (this card then asks for 3-D Secure)."""
    intent = client_secret.split("_secret_")[0]
    with httpx.Client(base_url=hub.stripe_base, auth=(hub.stripe_secret_key, "")) as stripe:
        method = stripe.post(
            "/v1/payment_methods",
            data={
                "type": "card",
                "card[number]": card["number"],
                "card[exp_month]": card["exp_month"],
                "card[exp_year]": card["exp_year"],
                "card[cvc]": card["cvc"],
            },
        )
        assert method.status_code == 200, method.text
        chosen = stripe.post(
            f"/v1/payment_intents/{intent}", data={"payment_method": method.json()["id"]}
        )
        assert chosen.status_code == 200, chosen.text
        confirmed = stripe.post(f"/v1/payment_intents/{intent}/confirm")
        assert confirmed.json()["status"] == "requires_action", confirmed.text


def test_startup_pays_for_a_room_and_finds_it_in_its_calendar_feed(
    page: Page, context: BrowserContext, hub: Hub
) -> None:
    day = next_open_day(3)
    starts = datetime.combine(day, time(9, 0), LOCAL_TZ)
    log_in(page, "bao.dang@demo.hub.vn")
    use_english(page)

    page.click("header a[href='/spaces']")
    page.fill("#f-date", day.isoformat())
    page.select_option("#f-kind", "meeting_room")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    row = page.locator("tr", has=page.locator("th", has_text=ROOM))
    with page.expect_navigation(url="**/bookings/new?**"):
        row.locator(f"a.slot-link[href*='start={day.isoformat()}T09%3A00']").click()
    expect(page.locator("#f-start_time")).to_have_value("09:00")
    page.fill("#f-end_time", "10:00")
    page.fill("#f-attendees", "5")
    page.fill("#f-purpose", "Gặp nhà đầu tư")
    with page.expect_navigation(url="**/bookings?booked=*"):
        page.get_by_role("button", name="Book", exact=True).click()

    booking = page.locator(".booking-card", has_text=ROOM).filter(has_text="09:00–10:00")
    expect(page.locator(".notice")).to_contain_text("is held for you")
    expect(booking.locator(".status-badge")).to_contain_text("Waiting for payment")
    with page.expect_navigation(url="**/pay"):
        booking.get_by_role("button", name="Pay now").click()
    expect(page.get_by_role("heading", name="Pay for your booking")).to_be_visible()
    card_field = page.locator("#card-element")
    for name, value in THREE_D_SECURE_CARD.items():
        card_field.locator(f"input[placeholder={name}]").fill(value)
    check_accessibility(page, "pay")
    screenshot(page, "pay")

    client_secret = page.get_attribute("#payment-form", "data-client-secret")
    assert client_secret
    stripe_js_confirms_card(hub, client_secret, THREE_D_SECURE_CARD)
    page.locator("#pay-button").click()
    with page.expect_navigation(url="**/receipt?paid=1"):
        page.get_by_role("button", name="Complete authentication").click()
    expect(page.locator(".notice")).to_contain_text("your payment was received")
    expect(page.locator(".receipt")).to_contain_text("150,000")
    check_accessibility(page, "receipt")
    screenshot(page, "receipt")

    page.get_by_role("link", name="Back to my bookings").click()
    expect(booking.locator(".status-badge")).to_contain_text("Confirmed")

    page.locator("header a.who").click()
    with page.expect_navigation(url="**/feeds"):
        page.get_by_role("link", name="Calendar feeds").click()
    check_accessibility(page, "feeds")
    screenshot(page, "feeds")
    phone_screenshot(context, hub.url("/feeds"), "feeds")
    feed_url = page.locator("#feed-member").input_value()
    assert feed_url.startswith(hub.base_url)

    # A calendar app fetches the address with no session.
    feed = httpx.get(feed_url)
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(feed.text).walk("VEVENT")
    room_events = [e for e in events if ROOM in str(e.get("SUMMARY")) + str(e.get("LOCATION"))]
    assert [e.decoded("DTSTART") for e in room_events if e.decoded("DTSTART") == starts], (
        f"no {ROOM} event at {starts} in the feed:\n{feed.text}"
    )
