"""The member hears of every step of a booking: exactly one email per step, to the booking's
member, in their language, written with the step (so a refused step writes none)."""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services
from innovation_hub.bookings.tables import Booking
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.database import transaction
from innovation_hub.core.mail import OutboxMessage
from innovation_hub.core.settings import Settings
from innovation_hub.payments.tables import Payment, Refund
from innovation_hub.spaces.services import create_resource
from innovation_hub.spaces.tables import Resource
from tests.bookings.test_board_web import act
from tests.helpers import api_token, at, bearer, free_port, log_in, make_user, next_open_day

POLICY = services.Policy(base_url="http://testserver")
MEMBER = "bao@agritn.vn"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Refunds go to a Stripe that refuses the connection at once: they stay pending.
    return replace(settings, stripe_api_base=f"http://127.0.0.1:{free_port()}")


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LOCAL_TZ)


async def mails(to: str = MEMBER) -> list[OutboxMessage]:
    return (
        await OutboxMessage.objects()
        .where(OutboxMessage.to_address == to)
        .order_by(OutboxMessage.id)
    )


async def only_mail(to: str = MEMBER) -> OutboxMessage:
    found = await mails(to)
    assert len(found) == 1, [m.subject for m in found]
    return found[0]


def attachments(message: OutboxMessage) -> list[dict[str, Any]]:
    items = message.attachments
    return json.loads(items) if isinstance(items, str) else items


async def set_locale(email: str, locale: str) -> None:
    await User.update({User.locale: locale}).where(User.email == email)


async def resource(name: str, **fields: Any) -> Resource:
    return await create_resource(
        {"name": name, "kind": "meeting_room", "capacity": 8, **fields}, actor_id=None
    )


@pytest.fixture
async def member_token(client: httpx.AsyncClient) -> str:
    await make_user("startup", email=MEMBER, name="Trần Gia Bảo")
    return await api_token(client, MEMBER)


async def book(
    client: httpx.AsyncClient, token: str, resource_id: int, day: date, start: int, end: int
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/bookings",
        headers=bearer(token),
        json={"resource_id": resource_id, "start": at(day, start), "end": at(day, end)},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def pending_booking(
    client: httpx.AsyncClient, token: str, day: date, **fields: Any
) -> dict[str, Any]:
    room = await resource("Phòng họp Sen", requires_approval=True, **fields)
    made = await book(client, token, room.id, day, 9, 11)
    assert made["status"] == "pending_approval"
    await OutboxMessage.delete(force=True)  # the "request received" notice, tested on its own
    return made


async def test_a_confirmed_booking_is_told_in_vietnamese_with_the_calendar_file_and_check_in(
    client: httpx.AsyncClient, member_token: str
) -> None:
    day = next_open_day()
    desk = await resource("Bàn 01", kind="desk", capacity=1)
    made = await book(client, member_token, desk.id, day, 9, 11)
    assert made["status"] == "confirmed"
    message = await only_mail()
    assert message.subject == f"Đã xác nhận lượt đặt chỗ: Bàn 01, Cơ sở chính, {day:%d/%m/%Y} 09:00"
    assert "Xin chào Trần Gia Bảo," in message.body_text
    assert f"{day:%d/%m/%Y} 09:00–11:00" in message.body_text
    # The check-in rule in the booking's own times (10 minutes early, 15 minutes' grace).
    assert "Nhận chỗ từ 08:50" in message.body_text
    assert "đến 09:15" in message.body_text and "vắng mặt" in message.body_text
    assert "http://testserver/bookings" in message.body_text
    [ics] = attachments(message)
    assert ics["filename"] == f"booking-{made['id']}.ics" and ics["content_type"] == "text/calendar"
    calendar = base64.b64decode(ics["data_b64"]).decode()
    assert f"UID:booking-{made['id']}@innovation-hub" in calendar
    assert f"DTSTART;TZID=Asia/Ho_Chi_Minh:{day:%Y%m%d}T090000" in calendar


async def test_a_request_for_a_room_that_needs_approval_is_acknowledged_in_english(
    client: httpx.AsyncClient, member_token: str
) -> None:
    await set_locale(MEMBER, "en")
    day = next_open_day()
    room = await resource("Phòng họp Sen", requires_approval=True)
    await book(client, member_token, room.id, day, 9, 11)
    message = await only_mail()
    assert message.subject.startswith("Booking request received, waiting for approval: Phòng họp")
    assert "needs staff approval" in message.body_text
    assert "Hello Trần Gia Bảo," in message.body_text
    assert attachments(message) == []


async def test_approving_a_free_room_confirms_it(
    client: httpx.AsyncClient, member_token: str, staff_token: str
) -> None:
    await set_locale(MEMBER, "en")
    made = await pending_booking(client, member_token, next_open_day())
    response = await client.post(
        f"/api/v1/bookings/{made['id']}/approve", headers=bearer(staff_token)
    )
    assert response.json()["status"] == "confirmed"
    message = await only_mail()
    assert message.subject.startswith("Booking approved and confirmed: Phòng họp Sen")
    assert "Staff approved your booking. It is confirmed" in message.body_text
    assert "Check in from 08:50" in message.body_text
    assert len(attachments(message)) == 1
    assert await mails("staff@hub.vn") == []


async def test_approving_a_paid_room_asks_to_pay_by_the_deadline(
    client: httpx.AsyncClient, member_token: str, staff_token: str
) -> None:
    made = await pending_booking(client, member_token, next_open_day(), price_per_hour_vnd=150_000)
    response = await client.post(
        f"/api/v1/bookings/{made['id']}/approve", headers=bearer(staff_token)
    )
    assert response.json()["status"] == "pending_payment"
    stored = await Booking.objects().where(Booking.id == made["id"]).first()
    assert stored is not None and stored.hold_expires_at is not None
    deadline = stored.hold_expires_at.astimezone(LOCAL_TZ)
    message = await only_mail()
    assert message.subject.startswith("Đã duyệt lượt đặt chỗ, hãy thanh toán để xác nhận")
    assert f"http://testserver/bookings/{made['id']}/pay" in message.body_text
    assert "300.000\xa0₫" in message.body_text
    assert f"trước {deadline:%d/%m/%Y %H:%M}" in message.body_text
    assert attachments(message) == []


async def test_declining_tells_the_member_why(
    client: httpx.AsyncClient, member_token: str, staff_token: str
) -> None:
    await set_locale(MEMBER, "en")
    made = await pending_booking(client, member_token, next_open_day())
    response = await client.post(
        f"/api/v1/bookings/{made['id']}/decline",
        headers=bearer(staff_token),
        json={"reason": "Phòng đã có hội thảo"},
    )
    assert response.json()["status"] == "declined"
    message = await only_mail()
    assert message.subject.startswith("Booking request declined: Phòng họp Sen")
    assert "Reason: Phòng đã có hội thảo" in message.body_text


async def test_a_decline_on_the_staff_board_reaches_the_member_in_vietnamese(
    client: httpx.AsyncClient, member_token: str
) -> None:
    day = next_open_day()
    made = await pending_booking(client, member_token, day)
    await make_user("staff", email="ngoc@hub.vn", name="Trần Bích Ngọc", locale="en")
    await log_in(client, "ngoc@hub.vn")
    path = f"/staff/board/bookings/{made['id']}/decline"
    assert (await act(client, path, {}, day=day)).status_code == 422  # no reason, no email
    assert await mails() == []
    declined = await act(client, path, {"reason": "Phòng đang sửa điều hòa"}, day=day)
    assert declined.status_code == 200
    message = await only_mail()
    assert message.subject == (
        f"Yêu cầu đặt chỗ bị từ chối: Phòng họp Sen, Cơ sở chính, {day:%d/%m/%Y} 09:00"
    )
    assert "Rất tiếc, cán bộ trung tâm đã từ chối" in message.body_text
    assert "Lý do: Phòng đang sửa điều hòa" in message.body_text
    assert await mails("ngoc@hub.vn") == []


async def test_a_decision_on_a_decided_booking_writes_no_message(
    client: httpx.AsyncClient, member_token: str, staff_token: str
) -> None:
    made = await pending_booking(client, member_token, next_open_day())
    path = f"/api/v1/bookings/{made['id']}"
    assert (await client.post(f"{path}/approve", headers=bearer(staff_token))).status_code == 200
    assert len(await mails()) == 1
    again = await client.post(
        f"{path}/decline", headers=bearer(staff_token), json={"reason": "Nhầm"}
    )
    assert again.status_code == 422 and again.json()["code"] == "not_pending_approval"
    no_reason = await pending_booking(client, member_token, next_open_day(3))
    refused = await client.post(
        f"/api/v1/bookings/{no_reason['id']}/decline", headers=bearer(staff_token)
    )
    assert refused.status_code == 422
    assert await mails() == []


async def test_a_move_names_the_old_and_new_time_and_place(
    client: httpx.AsyncClient, member_token: str, staff_token: str
) -> None:
    await set_locale(MEMBER, "en")
    day = next_open_day()
    sen = await resource("Phòng họp Sen")
    sen_room = await book(client, member_token, sen.id, day, 9, 11)
    sen_second = await book(client, member_token, sen.id, day, 14, 15)
    sen_third = await resource("Phòng họp Sen 2")
    await OutboxMessage.delete(force=True)
    moved = await client.post(
        f"/api/v1/bookings/{sen_room['id']}/move",
        headers=bearer(staff_token),
        json={
            "start": at(day, 13),
            "end": at(day, 14),
            "resource_id": sen_third.id,
            "reason": "Phòng Sen sửa điều hòa",
        },
    )
    assert moved.status_code == 200, moved.text
    message = await only_mail()
    assert (
        message.subject
        == f"Your booking has been moved: Phòng họp Sen 2, Cơ sở chính, {day:%d/%m/%Y} 13:00"
    )
    assert (
        f"Old time and place: {day:%d/%m/%Y} 09:00–11:00, Phòng họp Sen, Cơ sở chính"
        in message.body_text
    )
    assert (
        f"New time and place: {day:%d/%m/%Y} 13:00–14:00, Phòng họp Sen 2, Cơ sở chính"
        in message.body_text
    )
    assert "Reason: Phòng Sen sửa điều hòa" in message.body_text
    calendar = base64.b64decode(attachments(message)[0]["data_b64"]).decode()
    assert "SEQUENCE:1" in calendar and f"{day:%Y%m%d}T130000" in calendar

    # A move into a taken slot is refused and tells nobody anything.
    taken = await client.post(
        f"/api/v1/bookings/{sen_room['id']}/move",
        headers=bearer(staff_token),
        json={"start": at(day, 14), "end": at(day, 15), "resource_id": sen.id, "reason": "x"},
    )
    assert taken.status_code == 409, taken.text
    assert len(await mails()) == 1
    assert sen_second["status"] == "confirmed"


async def test_a_staff_cancellation_names_the_reason_and_the_refund(
    client: httpx.AsyncClient, member_token: str, staff_token: str
) -> None:
    day = next_open_day()
    room = await resource("Phòng họp Sen", price_per_hour_vnd=150_000)
    made = await book(client, member_token, room.id, day, 9, 10)
    async with transaction():  # paid by card, as Stripe's webhook would have settled it
        await Payment.insert(
            Payment(
                booking=made["id"],
                idempotency_key="hub-test-1",
                intent_id="pi_test_1",
                amount_vnd=150_000,
                status="succeeded",
            )
        )
        assert await services.confirm_paid(made["id"], detail={}, policy=POLICY)
    paid_mail = (await mails())[-1]
    assert paid_mail.subject.startswith("Đã xác nhận lượt đặt chỗ: Phòng họp Sen")
    assert len(attachments(paid_mail)) == 1
    await OutboxMessage.delete(force=True)

    cancelled = await client.post(
        f"/api/v1/bookings/{made['id']}/cancel",
        headers=bearer(staff_token),
        json={"reason": "Mất điện cả tòa nhà"},
    )
    assert cancelled.json()["status"] == "cancelled"
    message = await only_mail()
    assert message.subject.startswith("Trung tâm đã hủy lượt đặt chỗ của bạn: Phòng họp Sen")
    assert "Lý do: Mất điện cả tòa nhà" in message.body_text
    assert "150.000\xa0₫" in message.body_text
    # The refund was recorded with the cancellation; Stripe was unreachable, so it waits for
    # reconciliation to send it.
    [refund] = await Refund.objects()
    assert refund.amount_vnd == 150_000 and refund.status == "pending"
    assert refund.last_error


async def test_a_staff_cancellation_of_an_unpaid_booking_promises_no_refund(
    client: httpx.AsyncClient, member_token: str, staff_token: str
) -> None:
    await set_locale(MEMBER, "en")
    day = next_open_day()
    desk = await resource("Bàn 01", kind="desk", capacity=1)
    made = await book(client, member_token, desk.id, day, 9, 10)
    await OutboxMessage.delete(force=True)
    no_reason = await client.post(
        f"/api/v1/bookings/{made['id']}/cancel", headers=bearer(staff_token)
    )
    assert no_reason.status_code == 422
    assert await mails() == []
    await client.post(
        f"/api/v1/bookings/{made['id']}/cancel",
        headers=bearer(staff_token),
        json={"reason": "Bàn hỏng"},
    )
    message = await only_mail()
    assert message.subject.startswith("Your booking has been cancelled by the centre: Bàn 01")
    assert "Reason: Bàn hỏng" in message.body_text and "back" not in message.body_text
    # The member's own cancellation is their own doing: no email.
    again = await book(client, member_token, desk.id, day, 14, 15)
    await OutboxMessage.delete(force=True)
    await client.post(f"/api/v1/bookings/{again['id']}/cancel", headers=bearer(member_token))
    assert await mails() == []


async def test_an_expired_hold_is_told_once_even_when_the_job_runs_twice() -> None:
    member = await make_user("startup", email=MEMBER)
    room = await resource("Phòng họp Sen", price_per_hour_vnd=200_000)
    day = next_open_day()
    now = local(day, 7) - timedelta(days=1)
    booking = await services.create_booking(
        member, room.id, local(day, 9), local(day, 10), policy=POLICY, now=now
    )
    due = await only_mail()
    assert due.subject.startswith("Hãy thanh toán để xác nhận lượt đặt chỗ: Phòng họp Sen")
    assert f"http://testserver/bookings/{booking.id}/pay" in due.body_text
    await OutboxMessage.delete(force=True)
    later = now + timedelta(minutes=16)
    results = await asyncio.gather(
        services.expire_holds(policy=POLICY, now=later),
        services.expire_holds(policy=POLICY, now=later),
    )
    assert sorted(results) == [0, 1]
    message = await only_mail()
    assert message.subject.startswith("Quá hạn thanh toán, lượt đặt chỗ đã bị hủy: Phòng họp Sen")
    assert f"{day:%d/%m/%Y} 09:00–10:00" in message.body_text


async def test_a_no_show_is_told_in_english() -> None:
    member = await make_user("student", email=MEMBER)
    await set_locale(MEMBER, "en")
    desk = await resource("Bàn 01", kind="desk", capacity=1)
    day = next_open_day()
    await services.create_booking(member, desk.id, local(day, 9), local(day, 10), policy=POLICY)
    await OutboxMessage.delete(force=True)
    assert await services.release_no_shows(policy=POLICY, now=local(day, 9, 10)) == 0
    assert await mails() == []
    assert await services.release_no_shows(policy=POLICY, now=local(day, 9, 16)) == 1
    message = await only_mail()
    assert message.subject.startswith("Booking released, no check-in: Bàn 01")
    assert "within 15 minutes of the start" in message.body_text


async def test_a_series_is_told_in_one_email_naming_its_dates(
    client: httpx.AsyncClient, member_token: str
) -> None:
    day = next_open_day(3)
    desk = await resource("Bàn 01", kind="desk", capacity=1)
    response = await client.post(
        "/api/v1/booking-series",
        headers=bearer(member_token),
        json={
            "resource_id": desk.id,
            "start": at(day, 9),
            "end": at(day, 10),
            "frequency": "weekly",
            "count": 3,
        },
    )
    assert response.status_code == 201, response.text
    booked = response.json()["bookings"]
    assert len(booked) == 3
    message = await only_mail()
    assert message.subject == "Đặt chỗ định kỳ thành công: Bàn 01, Cơ sở chính, 3 buổi"
    for week in range(3):
        moment = day + timedelta(weeks=week)
        assert f"- {moment:%d/%m/%Y} 09:00–10:00: Đã xác nhận" in message.body_text
    [ics] = attachments(message)
    calendar = base64.b64decode(ics["data_b64"]).decode()
    assert all(f"UID:booking-{b['id']}@innovation-hub" in calendar for b in booked)


async def test_staff_blocks_and_waitlist_offers(
    client: httpx.AsyncClient, member_token: str, staff_token: str
) -> None:
    """A staff block tells no member; a freed slot is offered once, to the first in line."""
    day = next_open_day()
    desk = await resource("Bàn 01", kind="desk", capacity=1)
    block = await client.post(
        "/api/v1/blocks",
        headers=bearer(staff_token),
        json={"resource_id": desk.id, "start": at(day, 9), "end": at(day, 10), "reason": "Bảo trì"},
    )
    assert block.status_code == 201
    assert await OutboxMessage.count() == 0
    await make_user("student", email="khoa@hs.vn")
    other = await api_token(client, "khoa@hs.vn")
    taken = await book(client, other, desk.id, day, 14, 15)
    waiting = await client.post(
        "/api/v1/waitlist",
        headers=bearer(member_token),
        json={"resource_id": desk.id, "start": at(day, 14), "end": at(day, 15)},
    )
    assert waiting.status_code == 201, waiting.text
    await client.post(f"/api/v1/bookings/{taken['id']}/cancel", headers=bearer(other))
    offer = await only_mail()
    assert offer.subject == "Đã có chỗ trống: Bàn 01"
    assert "http://testserver/bookings/waitlist" in offer.body_text


@pytest.mark.usefixtures("pooled_connections")
async def test_racing_decisions_send_exactly_one_answer(
    client: httpx.AsyncClient, member_token: str, staff_token: str
) -> None:
    day = next_open_day()
    room = await resource("Phòng duyệt", requires_approval=True)
    for round_ in range(3):
        made = await book(client, member_token, room.id, day, 8 + round_, 9 + round_)
        await OutboxMessage.delete(force=True)
        decisions = await asyncio.gather(
            *[
                client.post(
                    f"/api/v1/bookings/{made['id']}/{'approve' if n % 2 else 'decline'}",
                    headers=bearer(staff_token),
                    json=None if n % 2 else {"reason": "Phòng đã có lịch"},
                )
                for n in range(20)
            ]
        )
        assert sorted(r.status_code for r in decisions) == [200] + [422] * 19
        (winner,) = [r.json()["status"] for r in decisions if r.status_code == 200]
        message = await only_mail()
        expected = "Đã duyệt và xác nhận" if winner == "confirmed" else "Yêu cầu đặt chỗ bị từ chối"
        assert expected in message.subject
