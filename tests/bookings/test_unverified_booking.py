"""An account whose email address nobody has confirmed books nothing: not one booking, not a
series, not a place on the waitlist, on the page or the API; once confirmed, it books."""

from __future__ import annotations

import re

import httpx
from litestar import Litestar

from innovation_hub.accounts import services as accounts
from innovation_hub.accounts.tables import User
from innovation_hub.bookings.tables import Booking, WaitlistEntry
from innovation_hub.core.mail import OutboxMessage
from innovation_hub.spaces import services as spaces
from tests.helpers import PASSWORD, api_token, at, bearer, log_in, next_open_day, post_form

EMAIL = "mai@hs.vn"


async def _register(app: Litestar) -> None:
    await accounts.register(
        accounts.NewAccount(
            email=EMAIL, password=PASSWORD, name="Nguyễn Thị Mai", role="student", school="THPT"
        ),
        base_url="http://testserver",
        token_hours=24,
        ip="203.0.113.9",
        mail_limiter=app.state.mail_limiter,
    )


async def _verification_links() -> list[str]:
    mails = await OutboxMessage.select(OutboxMessage.body_text).where(
        OutboxMessage.to_address == EMAIL
    )
    return [
        m.group(1).rstrip(".")
        for mail in mails
        if (m := re.search(r"/verify-email/(\S+)", mail["body_text"]))
    ]


async def test_an_unverified_account_cannot_book_until_it_confirms_its_email(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    desk = await spaces.create_resource(
        {"name": "Bàn 01", "kind": "desk", "capacity": 1}, actor_id=None
    )
    await _register(app)
    token = await api_token(client, EMAIL)
    day = next_open_day()
    slot = {"resource_id": desk.id, "start": at(day, 9), "end": at(day, 10)}

    refused = await client.post("/api/v1/bookings", json=slot, headers=bearer(token))
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "email_not_verified"
    assert "xác nhận địa chỉ email" in refused.json()["detail"]
    series = {**slot, "frequency": "weekly", "count": 2}
    for path in ("/api/v1/booking-series", "/api/v1/booking-series/preview"):
        answer = await client.post(path, json=series, headers=bearer(token))
        assert answer.status_code == 403 and answer.json()["code"] == "email_not_verified"
    assert await Booking.count() == 0

    # The booking page says so before anything is typed, with a button for a new link.
    await log_in(client, EMAIL)
    form_page = await client.get("/bookings/new")
    assert "Hãy xác nhận địa chỉ email trước khi đặt chỗ." in form_page.text
    assert 'action="/verify-email/resend"' in form_page.text
    form = {
        "resource_id": str(desk.id),
        "date": day.isoformat(),
        "start_time": "09:00",
        "end_time": "10:00",
        "attendees": "1",
        "repeat": "none",
    }
    page = await post_form(client, "/bookings/new", form, token_page="/bookings/new")
    assert page.status_code == 403 and "mở liên kết chúng tôi đã gửi" in page.text
    assert await Booking.count() == 0 and await WaitlistEntry.count() == 0
    resend = await post_form(client, "/verify-email/resend", {}, token_page="/bookings/new")
    assert resend.status_code == 303
    links = await _verification_links()
    assert len(links) == 2

    await accounts.verify_email(links[-1])
    booked = await client.post("/api/v1/bookings", json=slot, headers=bearer(token))
    assert booked.status_code == 201, booked.text
    assert "Hãy xác nhận địa chỉ email" not in (await client.get("/bookings/new")).text
    user = await User.objects().get(User.email == EMAIL)
    assert (await Booking.objects().first()).user == user.id
