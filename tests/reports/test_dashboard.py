"""The staff home shows what needs attention, each item linking to where it is handled."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import httpx

from innovation_hub.bookings.services import Policy, create_booking
from innovation_hub.bookings.tables import Booking
from innovation_hub.bookings.workflow import BOOKINGS
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.mail import OutboxMessage
from innovation_hub.spaces.services import create_resource
from tests.helpers import log_in, make_user, next_open_day


async def test_staff_home_lists_todays_bookings_pending_work_and_failed_emails(
    client: httpx.AsyncClient,
) -> None:
    staff = await make_user("staff", email="ngoc@hub.vn")
    member = await make_user("startup", name="Đặng Quốc Bảo")
    lab = await create_resource(
        {"name": "Phòng Lab IoT", "kind": "lab", "capacity": 8, "requires_approval": True},
        actor_id=None,
    )
    desk = await create_resource({"name": "Bàn 07", "kind": "desk", "capacity": 1}, actor_id=None)
    day = next_open_day()
    await create_booking(
        member,
        lab.id,
        datetime.combine(day, time(9), LOCAL_TZ),
        datetime.combine(day, time(10), LOCAL_TZ),
        policy=Policy(),
    )
    # Today may be a weekend, so today's booking is written directly.
    today = utcnow().astimezone(LOCAL_TZ).date()
    start = datetime.combine(today, time(9), LOCAL_TZ)
    await Booking.insert(
        Booking(
            resource=desk.id,
            user=member.id,
            status="checked_in",
            start_at=start,
            end_at=start + timedelta(hours=2),
            occupied_until=start + timedelta(hours=2),
            created_at=utcnow(),
            updated_at=utcnow(),
        )
    )
    await OutboxMessage.insert(
        OutboxMessage(
            to_address="mai@banhtrang.vn",
            subject="Thư lỗi",
            body_text="x",
            status="failed",
            attempts=8,
            last_error="ConnectionRefusedError: SMTP down",
        )
    )
    assert staff
    await log_in(client, "ngoc@hub.vn")
    page = await client.get("/staff")
    assert page.status_code == 200
    text = page.text
    assert "Lượt đặt chỗ chờ duyệt</a>" not in text  # numbers sit inside the links
    assert "Lượt đặt chỗ chờ duyệt: <strong>1</strong>" in text
    checked_in = BOOKINGS.view("checked_in")  # the board's and the member pages' words and icon
    assert "Bàn 07" in text and "Đặng Quốc Bảo" in text and checked_in.icon in text
    assert "1 đã nhận chỗ / 1" in text
    assert "mai@banhtrang.vn" in text and "SMTP down" in text
    for link in ("/staff/board", "/staff/visits", "/staff/programmes"):
        assert f'href="{link}"' in text


async def test_members_cannot_open_the_staff_home(client: httpx.AsyncClient) -> None:
    await make_user("student")
    await log_in(client, "student@example.vn")
    assert (await client.get("/staff")).status_code == 403
