"""Paid bookings against a real localstripe server started by the suite.

The app is served on a loopback port inside the test's event loop so that localstripe's
webhooks reach it, exactly as Stripe's would."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time as clock
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from innovation_hub.bookings.tables import Booking
from innovation_hub.core.audit import AuditEntry
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.mail import OutboxMessage
from innovation_hub.core.settings import Settings
from innovation_hub.core.stripe import StripeClient, sign
from innovation_hub.payments.tables import Payment, Refund, StripeEvent
from innovation_hub.spaces.tables import Resource
from tests.helpers import api_token, at, bearer, free_port, make_user, next_open_day

pytestmark = pytest.mark.slow

WEBHOOK_SECRET = "whsec_test_innovation_hub"
PRICE = 150_000


def start_localstripe() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "localstripe", "--port", str(port), "--from-scratch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = clock.monotonic() + 20
    while clock.monotonic() < deadline:
        try:
            httpx.get(f"{base}/v1/payment_intents", auth=("sk_test_x", ""), timeout=1)
            return process, base
        except httpx.TransportError:
            clock.sleep(0.1)
    process.kill()
    raise RuntimeError("localstripe did not start")


@pytest.fixture(scope="module")
def localstripe() -> Iterator[str]:
    process, base = start_localstripe()
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


class AnsweredWebhooks:
    """The app as the test server runs it, counting the webhook deliveries it has answered,
    so a test waits for Stripe's event to be handled instead of sleeping."""

    def __init__(self, app: Any) -> None:
        self.app, self.answered = app, 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != "/stripe/webhook":
            await self.app(scope, receive, send)
            return

        async def counted(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.answered += 1

        await self.app(scope, receive, counted)


@dataclass
class Live:
    base: str
    stripe: StripeClient
    stripe_base: str
    http: httpx.AsyncClient
    webhooks: AnsweredWebhooks

    async def webhook_handled(self, event_type: str, seconds: float = 15) -> None:
        """Waits until Stripe's ``event_type`` event has arrived and every event that arrived
        has been answered (localstripe sends each once, one to three seconds later)."""
        deadline = clock.monotonic() + seconds
        while True:
            arrived = await StripeEvent.exists().where(StripeEvent.type == event_type)
            if arrived and self.webhooks.answered >= await StripeEvent.count():
                return
            assert clock.monotonic() < deadline, f"no {event_type} webhook was handled"
            await asyncio.sleep(0.05)


@pytest.fixture
async def live(settings: Settings, localstripe: str) -> AsyncIterator[Live]:
    from innovation_hub.app import create_app

    httpx.delete(f"{localstripe}/_config/data")
    paid_settings = replace(
        settings,
        stripe_api_base=localstripe,
        stripe_secret_key="sk_test_hub",
        stripe_publishable_key="pk_test_hub",
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_js_url=f"{localstripe}/js.stripe.com/v3/",
    )
    app = AnsweredWebhooks(create_app(paid_settings))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=localstripe) as admin:
        registered = await admin.post(
            "/_config/webhooks/hub",
            data={"url": f"{base}/stripe/webhook", "secret": WEBHOOK_SECRET},
        )
        assert registered.status_code == 200
    async with httpx.AsyncClient(base_url=base, timeout=20) as http:
        yield Live(base, StripeClient(localstripe, "sk_test_hub"), localstripe, http, app)
    server.should_exit = True
    await task


async def paid_room() -> Resource:
    from innovation_hub.spaces.services import create_resource

    return await create_resource(
        {
            "name": "Phòng họp Sen",
            "kind": "meeting_room",
            "capacity": 8,
            "price_per_hour_vnd": PRICE,
        },
        actor_id=None,
    )


async def booked_hour(
    live: Live, room_id: int, email: str, hour: int, *, paid: bool
) -> tuple[dict, str]:
    """A new member's booking of the hour from ``hour`` o'clock in a paid room, on an open day
    at least three days ahead: waiting for payment, or paid by card and confirmed."""
    await make_user("startup", email=email)
    token = await api_token(live.http, email)
    day = next_open_day(3)
    response = await live.http.post(
        "/api/v1/bookings",
        headers=bearer(token),
        json={"resource_id": room_id, "start": at(day, hour), "end": at(day, hour + 1)},
    )
    assert response.status_code == 201, response.text
    booking = response.json()
    if paid:
        await pay(live, intent_of(booking), "pm_card_visa")
        state = await live.http.get(
            f"/api/v1/bookings/{booking['id']}/payment", headers=bearer(token)
        )
        assert state.json()["booking_status"] == "confirmed"
    return booking, token


async def paid_room_booking(live: Live, email: str = "bao@agritn.vn") -> tuple[dict, str]:
    return await booked_hour(live, (await paid_room()).id, email, 9, paid=False)


async def pay(live: Live, intent_id: str, card: str) -> None:
    await live.stripe.request("POST", f"/v1/payment_intents/{intent_id}", {"payment_method": card})
    try:
        await live.stripe.request("POST", f"/v1/payment_intents/{intent_id}/confirm")
    except Exception:  # a declined card answers 402; the app learns of it from Stripe
        pass


async def wait_for_status(booking_id: int, status: str, seconds: float = 10) -> Booking:
    deadline = clock.monotonic() + seconds
    while True:
        booking = await Booking.objects().where(Booking.id == booking_id).first()
        assert booking is not None
        if booking.status == status or clock.monotonic() > deadline:
            return booking
        await asyncio.sleep(0.2)


def intent_of(booking: dict) -> str:
    return booking["payment"]["client_secret"].split("_secret_")[0]


async def test_paying_with_a_test_card_confirms_the_booking_through_the_webhook(live: Live) -> None:
    booking, _ = await paid_room_booking(live)
    assert booking["status"] == "pending_payment"
    assert booking["payment"]["amount_vnd"] == PRICE
    assert booking["payment"]["publishable_key"] == "pk_test_hub"
    intent = await live.stripe.retrieve_payment_intent(intent_of(booking))
    assert intent["amount"] == PRICE and intent["currency"] == "vnd"  # zero-decimal VND
    assert intent["metadata"]["booking_id"] == str(booking["id"])

    await pay(live, intent["id"], "pm_card_visa")
    confirmed = await wait_for_status(booking["id"], "confirmed")
    assert confirmed.status == "confirmed" and confirmed.hold_expires_at is None
    payment = await Payment.objects().where(Payment.booking == booking["id"]).first()
    assert payment is not None and payment.status == "succeeded" and payment.amount_vnd == 150000
    await live.webhook_handled("payment_intent.succeeded")
    assert await AuditEntry.count().where(AuditEntry.action == "booking.paid") == 1


async def test_returning_member_is_confirmed_before_the_webhook(live: Live) -> None:
    booking, token = await paid_room_booking(live)
    await pay(live, intent_of(booking), "pm_card_visa")
    state = await live.http.get(f"/api/v1/bookings/{booking['id']}/payment", headers=bearer(token))
    assert state.status_code == 200
    assert state.json()["booking_status"] == "confirmed"
    await live.webhook_handled("payment_intent.succeeded")  # afterwards: nothing twice
    assert await AuditEntry.count().where(AuditEntry.action == "booking.paid") == 1


async def test_a_declined_card_keeps_the_hold_and_tells_why(live: Live) -> None:
    booking, token = await paid_room_booking(live)
    await pay(live, intent_of(booking), "pm_card_chargeCustomerFail")
    await live.webhook_handled("payment_intent.payment_failed")
    state = await live.http.get(f"/api/v1/bookings/{booking['id']}/payment", headers=bearer(token))
    assert state.json()["booking_status"] == "pending_payment"
    assert state.json()["payment_status"] == "requires_payment"
    assert state.json()["message"] == "Your card was declined."
    hold = await Booking.objects().where(Booking.id == booking["id"]).first()
    assert hold is not None and hold.hold_expires_at is not None


async def test_cancelling_early_refunds_in_full(live: Live) -> None:
    booking, token = await paid_room_booking(live)
    await pay(live, intent_of(booking), "pm_card_visa")
    await wait_for_status(booking["id"], "confirmed")
    # Stripe's webhook confirmed it, and the member's confirmation was written with it, once.
    subjects = await OutboxMessage.select(OutboxMessage.subject).where(
        OutboxMessage.to_address == "bao@agritn.vn"
    )
    assert [s["subject"].split(":")[0] for s in subjects] == [
        "Hãy thanh toán để xác nhận lượt đặt chỗ",
        "Đã xác nhận lượt đặt chỗ",
    ]
    cancelled = await live.http.post(
        f"/api/v1/bookings/{booking['id']}/cancel", headers=bearer(token)
    )
    assert cancelled.json()["status"] == "cancelled"
    refunds = await live.stripe.request("GET", "/v1/refunds", {"limit": 100})
    mine = [r for r in refunds["data"] if r["payment_intent"] == intent_of(booking)]
    assert len(mine) == 1 and mine[0]["amount"] == PRICE
    state = await live.http.get(f"/api/v1/bookings/{booking['id']}/payment", headers=bearer(token))
    assert state.json()["refunded_vnd"] == PRICE
    assert state.json()["refunds"][0]["status"] == "succeeded"


async def test_staff_refund_with_a_reason(live: Live) -> None:
    booking, _ = await paid_room_booking(live)
    await pay(live, intent_of(booking), "pm_card_visa")
    await wait_for_status(booking["id"], "confirmed")
    await make_user("staff", email="ngoc@hub.vn")
    staff = await api_token(live.http, "ngoc@hub.vn")
    no_reason = await live.http.post(
        f"/api/v1/bookings/{booking['id']}/refunds", headers=bearer(staff), json={"reason": " "}
    )
    assert no_reason.status_code == 422
    partial = await live.http.post(
        f"/api/v1/bookings/{booking['id']}/refunds",
        headers=bearer(staff),
        json={"reason": "Máy chiếu hỏng 30 phút", "amount_vnd": 50_000},
    )
    assert partial.status_code == 201 and partial.json()["amount_vnd"] == 50_000
    too_much = await live.http.post(
        f"/api/v1/bookings/{booking['id']}/refunds",
        headers=bearer(staff),
        json={"reason": "x", "amount_vnd": 200_000},
    )
    assert too_much.status_code == 422 and too_much.json()["code"] == "invalid_refund"


def signed(body: bytes, timestamp: int | None = None) -> dict[str, str]:
    return {
        "stripe-signature": sign(body, WEBHOOK_SECRET, timestamp or int(clock.time())),
        "content-type": "application/json",
    }


async def test_webhook_signatures_are_checked(live: Live) -> None:
    event = json.dumps({"id": "evt_1", "type": "ping", "data": {"object": {}}}).encode()
    good = await live.http.post("/stripe/webhook", content=event, headers=signed(event))
    assert good.status_code == 200
    flipped = bytearray(event)
    flipped[10] ^= 0x01
    bad = await live.http.post("/stripe/webhook", content=bytes(flipped), headers=signed(event))
    assert bad.status_code == 400
    stale = await live.http.post(
        "/stripe/webhook", content=event, headers=signed(event, int(clock.time()) - 301)
    )
    assert stale.status_code == 400
    unsigned = await live.http.post(
        "/stripe/webhook", content=event, headers={"content-type": "application/json"}
    )
    assert unsigned.status_code == 400
    assert await StripeEvent.count() == 1


async def test_the_same_event_five_times_is_processed_once(live: Live) -> None:
    booking, _ = await paid_room_booking(live)
    await pay(live, intent_of(booking), "pm_card_visa")
    intent = await live.stripe.retrieve_payment_intent(intent_of(booking))
    await wait_for_status(booking["id"], "confirmed")
    event = json.dumps(
        {"id": "evt_dup", "type": "payment_intent.succeeded", "data": {"object": intent}}
    ).encode()
    answers = [
        await live.http.post("/stripe/webhook", content=event, headers=signed(event))
        for _ in range(5)
    ]
    assert [a.status_code for a in answers] == [200] * 5
    assert [a.json()["status"] for a in answers][1:] == ["duplicate"] * 4
    assert await StripeEvent.count().where(StripeEvent.event_id == "evt_dup") == 1
    assert await AuditEntry.count().where(AuditEntry.action == "booking.paid") == 1


async def test_stripe_unreachable_gives_a_clear_message_and_keeps_the_booking(
    settings: Settings, tmp_path: Path
) -> None:
    from innovation_hub.app import create_app
    from innovation_hub.spaces.services import create_resource

    down = replace(
        settings,
        stripe_api_base=f"http://127.0.0.1:{free_port()}",
        stripe_secret_key="sk_test_hub",
        stripe_webhook_secret=WEBHOOK_SECRET,
    )
    app = create_app(down)
    app.state.stripe_client.backoff_seconds = 0.01
    room = await create_resource(
        {
            "name": "Phòng họp Mai",
            "kind": "meeting_room",
            "capacity": 8,
            "price_per_hour_vnd": PRICE,
        },
        actor_id=None,
    )
    await make_user("startup", email="bao@agritn.vn")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        token = await api_token(http, "bao@agritn.vn")
        day = next_open_day(3)
        response = await http.post(
            "/api/v1/bookings",
            headers=bearer(token),
            json={"resource_id": room.id, "start": at(day, 9), "end": at(day, 10)},
        )
        assert response.status_code == 201
        body = response.json()
        assert body["status"] == "pending_payment" and body["payment"] is None
        assert "không kết nối được dịch vụ thanh toán" in body["payment_error"]
        retry = await http.post(f"/api/v1/bookings/{body['id']}/payment", headers=bearer(token))
        assert retry.status_code == 503
        assert retry.json()["code"] == "payment_unavailable"
    payments = await Payment.objects().where(Payment.booking == body["id"])
    # One payment row, reused by the retry with the same idempotency key.
    assert len(payments) == 1 and payments[0].status == "creating"
    assert payments[0].idempotency_key == f"hub-booking-{body['id']}-payment-1"


CRASH_SCRIPT = """
import asyncio, os, sys
from innovation_hub.bookings.tables import Booking
from innovation_hub.core.stripe import StripeClient
from innovation_hub.payments import services

class DiesAfterStripe(StripeClient):
    async def create_payment_intent(self, **kwargs):
        await super().create_payment_intent(**kwargs)
        os._exit(17)  # killed after Stripe made the intent, before we stored its id

async def main():
    booking = await Booking.objects().where(Booking.id == int(sys.argv[1])).first()
    await services.start_payment(booking, DiesAfterStripe(sys.argv[2], "sk_test_hub"))

asyncio.run(main())
"""


async def test_a_crash_between_stripe_and_commit_loses_nothing_and_charges_once(
    live: Live,
) -> None:
    from innovation_hub.payments import services

    config = services.PaymentsConfig(publishable_key="pk", webhook_secret=WEBHOOK_SECRET, js_url="")
    booked = await _unpaid_bookings(3)
    for booking in booked:
        # The process dies halfway through starting the payment, every time.
        crashed = subprocess.run(
            [sys.executable, "-c", CRASH_SCRIPT, str(booking["id"]), live.stripe_base],
            env=os.environ,
            check=False,
            timeout=60,
        )
        assert crashed.returncode == 17
    # Reconciliation finds the intents Stripe made and ties them to the waiting payments.
    counts = await services.reconcile(live.stripe, config, now=utcnow() + timedelta(minutes=5))
    assert counts["attached"] == len(booked)
    for booking in booked:
        row = await Booking.objects().where(Booking.id == booking["id"]).first()
        assert row is not None
        payment = await services.start_payment(row, live.stripe)  # the member tries again
        await pay(live, payment.intent_id or "", "pm_card_visa")
        await services.reconcile(live.stripe, config)
        assert (await wait_for_status(booking["id"], "confirmed")).status == "confirmed"
    intents = (await live.stripe.request("GET", "/v1/payment_intents", {"limit": 100}))["data"]
    for booking in booked:
        mine = [i for i in intents if i["metadata"].get("booking_id") == str(booking["id"])]
        # One intent per booking, despite the crash: the retry reused it; paid exactly once.
        assert [i["status"] for i in mine] == ["succeeded"]


async def _unpaid_bookings(count: int) -> list[dict]:
    """Bookings waiting for payment, made through the service so no payment was started."""
    from innovation_hub.bookings.services import Policy, create_booking
    from innovation_hub.spaces.services import create_resource

    room = await create_resource(
        {
            "name": "Phòng họp Mai",
            "kind": "meeting_room",
            "capacity": 8,
            "price_per_hour_vnd": PRICE,
        },
        actor_id=None,
    )
    day = next_open_day(3)
    made = []
    for n in range(count):
        member = await make_user("startup", email=f"crash{n}@x.vn")
        start = datetime.combine(day, time(9 + n), LOCAL_TZ)
        booking = await create_booking(
            member, room.id, start, start + timedelta(hours=1), policy=Policy()
        )
        assert booking.status == "pending_payment"
        made.append({"id": booking.id})
    return made


async def test_pay_page_return_and_receipt(live: Live) -> None:
    from tests.helpers import log_in

    booking, token = await paid_room_booking(live)
    # Staff close the room to new bookings: the booking already made can still be paid.
    await Resource.update({Resource.is_active: False}).where(Resource.id == booking["resource_id"])
    await log_in(live.http, "bao@agritn.vn")
    pay_page = await live.http.get(f"/bookings/{booking['id']}/pay")
    assert pay_page.status_code == 200
    assert "150.000" in pay_page.text and "₫" in pay_page.text
    assert f'data-client-secret="{booking["payment"]["client_secret"]}"' in pay_page.text
    csp = pay_page.headers["content-security-policy"]
    assert f"script-src 'self' {live.stripe_base}" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp

    await pay(live, intent_of(booking), "pm_card_visa")
    returned = await live.http.get(f"/bookings/{booking['id']}/payment-return")
    assert returned.status_code == 303
    assert returned.headers["location"] == f"/bookings/{booking['id']}/receipt?paid=1"
    receipt = await live.http.get(returned.headers["location"])
    assert receipt.status_code == 200
    assert intent_of(booking) in receipt.text and "150.000" in receipt.text
    assert "Đã xác nhận" in receipt.text and ">confirmed<" not in receipt.text

    await live.http.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=bearer(token))
    refunded = await live.http.get(f"/bookings/{booking['id']}/receipt")
    assert (
        "✓" in refunded.text and "Lượt đặt đã bị hủy" in refunded.text
    )  # the refund reason, in Vietnamese


async def test_someone_elses_pay_page_is_404(live: Live) -> None:
    from tests.helpers import log_in

    booking, _ = await paid_room_booking(live)
    await make_user("student", email="khoa@hs.vn")
    await log_in(live.http, "khoa@hs.vn")
    for path in ("pay", "payment-return", "receipt"):
        response = await live.http.get(f"/bookings/{booking['id']}/{path}")
        assert response.status_code == 404, path


RACERS = 20


async def refunds_of(live: Live, booking: dict) -> tuple[list[int], list[int], int]:
    """Amounts of the refund rows, of Stripe's refunds, and the payment's refunded total."""
    payment = await Payment.objects().where(Payment.booking == booking["id"]).first()
    assert payment is not None
    rows = await Refund.select(Refund.amount_vnd).where(Refund.payment == payment.id)
    listed = await live.stripe.request("GET", "/v1/refunds", {"limit": 100})
    at_stripe = [r["amount"] for r in listed["data"] if r["payment_intent"] == intent_of(booking)]
    return [r["amount_vnd"] for r in rows], at_stripe, payment.refunded_vnd


@pytest.mark.usefixtures("pooled_connections")
async def test_racing_staff_refunds_never_pass_the_amount_paid(live: Live) -> None:
    room = await paid_room()
    await make_user("staff", email="ngoc@hub.vn")
    staff = await api_token(live.http, "ngoc@hub.vn")
    # (amount each racer asks for, how many fit in the 150,000 paid)
    for n, (amount, fit) in enumerate([(None, 1), (50_000, 3), (PRICE, 1)]):
        booking, _ = await booked_hour(live, room.id, f"m{n}@agritn.vn", 9 + n, paid=True)
        body: dict[str, object] = {"reason": "Máy chiếu hỏng"}
        if amount is not None:
            body["amount_vnd"] = amount
        responses = await asyncio.gather(
            *[
                live.http.post(
                    f"/api/v1/bookings/{booking['id']}/refunds", headers=bearer(staff), json=body
                )
                for _ in range(RACERS)
            ]
        )
        answers = sorted((r.status_code, r.json().get("code", "")) for r in responses)
        assert answers == [(201, "")] * fit + [(409, "already_refunded")] * (RACERS - fit)
        rows, at_stripe, total = await refunds_of(live, booking)
        assert sum(rows) == sum(at_stripe) == total == PRICE and len(rows) == fit
    state = await live.http.get(f"/api/v1/bookings/{booking['id']}/payment", headers=bearer(staff))
    assert state.json()["refunded_vnd"] == PRICE
    more = await live.http.post(
        f"/api/v1/bookings/{booking['id']}/refunds",
        headers=bearer(staff),
        json={"reason": "x", "amount_vnd": 1},
    )
    assert more.status_code == 409
    assert more.json()["detail"] == "Khoản thanh toán này đã được hoàn tiền đầy đủ."


@pytest.mark.usefixtures("pooled_connections")
async def test_racing_cancels_by_the_member_refund_once(live: Live) -> None:
    room = await paid_room()
    for n in range(3):
        booking, token = await booked_hour(live, room.id, f"c{n}@agritn.vn", 9 + n, paid=True)
        responses = await asyncio.gather(
            *[
                live.http.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=bearer(token))
                for _ in range(RACERS)
            ]
        )
        assert {(r.status_code, r.json()["status"]) for r in responses} == {(200, "cancelled")}
        assert await refunds_of(live, booking) == ([PRICE], [PRICE], PRICE)


@pytest.mark.usefixtures("pooled_connections")
async def test_a_late_payment_for_a_taken_slot_is_refunded_once_however_it_arrives(
    live: Live,
) -> None:
    from innovation_hub.bookings import services as bookings

    room = await paid_room()
    late, token = await booked_hour(live, room.id, "late@agritn.vn", 9, paid=False)
    assert await bookings.expire_holds(policy=bookings.Policy(), now=utcnow() + timedelta(hours=1))
    taker = await make_user("startup", email="taker@agritn.vn")
    start = datetime.fromisoformat(late["start"])
    taken = await bookings.create_booking(
        taker, room.id, start, start + timedelta(hours=1), policy=bookings.Policy()
    )
    # Paid after all: the member's return (many tabs at once) races the webhook.
    await pay(live, intent_of(late), "pm_card_visa")
    returns = await asyncio.gather(
        *[
            live.http.get(f"/api/v1/bookings/{late['id']}/payment", headers=bearer(token))
            for _ in range(RACERS)
        ]
    )
    assert {(r.status_code, r.json().get("booking_status")) for r in returns} == {(200, "expired")}
    await live.webhook_handled("payment_intent.succeeded")  # the webhook too
    assert await refunds_of(live, late) == ([PRICE], [PRICE], PRICE)
    kept = await Booking.objects().where(Booking.id == taken.id).first()
    assert kept is not None and kept.status == "pending_payment"


async def test_a_payment_that_lands_after_the_member_cancelled_is_refunded_in_full(
    live: Live,
) -> None:
    booking, token = await paid_room_booking(live)
    cancelled = await live.http.post(
        f"/api/v1/bookings/{booking['id']}/cancel", headers=bearer(token)
    )
    assert cancelled.json()["status"] == "cancelled"
    # The card was charged in another tab just as the member cancelled.
    await pay(live, intent_of(booking), "pm_card_visa")
    state = await live.http.get(f"/api/v1/bookings/{booking['id']}/payment", headers=bearer(token))
    assert state.json()["booking_status"] == "cancelled"
    await live.webhook_handled("payment_intent.succeeded")  # it must not refund a second time
    assert await refunds_of(live, booking) == ([PRICE], [PRICE], PRICE)
