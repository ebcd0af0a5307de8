"""Reminders before bookings: who gets one, what it says and in which language, the evening
before a morning booking, none twice even with several job runners, and the one-click
unsubscribe link every reminder carries."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from email import policy as email_policy
from email.parser import BytesParser
from typing import Any

import httpx
import pytest

from innovation_hub.accounts import services as accounts
from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services
from innovation_hub.bookings.tables import Booking
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.mail import OutboxMessage, build_message
from innovation_hub.spaces.services import create_resource
from innovation_hub.spaces.tables import Resource
from tests.helpers import api_token, bearer, log_in, make_user, next_open_day, post_form

SECRET = "test-secret-key-that-is-long-enough-0123456789"  # as tests/conftest.py sets it
POLICY = services.Policy(
    hold_minutes=15,
    check_in_early_minutes=10,
    no_show_grace_minutes=15,
    waitlist_offer_minutes=30,
    base_url="http://testserver",
)
LINKS = accounts.ReminderLinks("http://testserver", SECRET)
REMINDERS = services.ReminderPolicy(minutes_before=60, evening_hour=19, links=LINKS, booking=POLICY)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LOCAL_TZ)


async def desk(name: str = "Bàn 01") -> Resource:
    return await create_resource({"name": name, "kind": "desk", "capacity": 1}, actor_id=None)


async def book(member: User, resource: Resource, day: date, start: int, end: int) -> Booking:
    booking = await services.create_booking(
        member, resource.id, local(day, start), local(day, end), policy=POLICY
    )
    # Only what the job sends counts here, not the booking's own confirmation.
    await OutboxMessage.delete(force=True).run()
    return booking


async def sent() -> list[dict[str, Any]]:
    return await OutboxMessage.select().order_by(OutboxMessage.id).run()


async def remind(now: datetime) -> int:
    return await services.send_booking_reminders(policy=REMINDERS, now=now)


async def test_one_reminder_an_hour_before_in_the_members_language() -> None:
    day = next_open_day()
    anna = await make_user("student", email="anna@hs.vn", locale="en")
    booking = await book(anna, await desk(), day, 14, 16)
    assert await remind(local(day, 12, 55)) == 0  # more than an hour ahead
    assert await remind(local(day, 13, 5)) == 1
    assert await remind(local(day, 13, 30)) == 0
    assert await remind(local(day, 13, 59)) == 0
    [message] = await sent()
    assert message["to_address"] == "anna@hs.vn"
    assert message["subject"] == f"Reminder: Bàn 01 at {day:%d/%m/%Y} 14:00"
    body = message["body_text"]
    assert "Hello Người dùng student," in body
    assert f"When: {day:%d/%m/%Y} 14:00–16:00" in body
    assert "Check in from 10 minutes before the start" in body
    assert "http://testserver/bookings" in body
    row = await Booking.objects().where(Booking.id == booking.id).first()
    assert row is not None and row.reminded_at is not None


async def test_vietnamese_member_reads_it_in_vietnamese() -> None:
    day = next_open_day()
    binh = await make_user("student", email="binh@hs.vn", name="Trần Bình")
    await book(binh, await desk(), day, 15, 16)
    assert await remind(local(day, 14, 30)) == 1
    [message] = await sent()
    assert message["subject"] == f"Nhắc lịch: Bàn 01 lúc {day:%d/%m/%Y} 15:00"
    assert "Xin chào Trần Bình," in message["body_text"]
    assert "nhận chỗ" in message["body_text"]


async def test_a_morning_booking_is_reminded_the_evening_before_and_an_hour_before() -> None:
    day = next_open_day()
    anna = await make_user("student", email="anna@hs.vn", locale="en")
    await book(anna, await desk(), day, 8, 10)
    evening = local(day - timedelta(days=1), 19)
    assert await remind(evening - timedelta(minutes=1)) == 0
    assert await remind(evening + timedelta(minutes=2)) == 1
    assert await remind(evening + timedelta(hours=3)) == 0
    assert await remind(local(day, 7, 10)) == 1
    assert await remind(local(day, 7, 50)) == 0
    tomorrow, soon = await sent()
    assert tomorrow["subject"] == f"Tomorrow: Bàn 01 at {day:%d/%m/%Y} 08:00"
    assert "tomorrow morning" in tomorrow["body_text"]
    assert soon["subject"] == f"Reminder: Bàn 01 at {day:%d/%m/%Y} 08:00"


async def test_an_afternoon_booking_has_no_evening_reminder() -> None:
    day = next_open_day()
    anna = await make_user("student", email="anna@hs.vn")
    await book(anna, await desk(), day, 13, 14)
    assert await remind(local(day - timedelta(days=1), 20)) == 0
    assert await sent() == []


async def test_none_for_cancelled_opted_out_unconfirmed_or_staff_blocks() -> None:
    day = next_open_day()
    cancelled_by = await make_user("student", email="huy@hs.vn")
    cancelled = await book(cancelled_by, await desk("Bàn 01"), day, 14, 15)
    await services.cancel_booking(cancelled_by, cancelled.id, policy=POLICY)
    quiet = await make_user("student", email="quiet@hs.vn")
    await accounts.set_reminders(quiet, False, actor_id=quiet.id)
    await book(quiet, await desk("Bàn 02"), day, 14, 15)
    room = await create_resource(
        {"name": "Phòng họp A", "kind": "meeting_room", "capacity": 8, "requires_approval": True},
        actor_id=None,
    )
    waiting = await book(await make_user("startup"), room, day, 14, 15)
    assert waiting.status == "pending_approval"
    staff = await make_user("staff", email="staff@hub.vn")
    await services.create_block(
        staff, (await desk("Bàn 03")).id, local(day, 14), local(day, 15), reason="Bảo trì"
    )
    await OutboxMessage.delete(force=True).run()
    assert await remind(local(day, 13, 30)) == 0
    assert await sent() == []


async def test_a_moved_booking_is_reminded_of_its_new_time() -> None:
    day = next_open_day()
    anna = await make_user("student", email="anna@hs.vn", locale="en")
    booking = await book(anna, await desk(), day, 14, 15)
    assert await remind(local(day, 13, 30)) == 1
    later = local(day, 16)
    # Moved as staff would move it (the move itself is lifecycle's, tested there).
    ends = later + timedelta(hours=1)
    await (
        Booking.update(
            {Booking.start_at: later, Booking.end_at: ends, Booking.occupied_until: ends}
        )
        .where(Booking.id == booking.id)
        .run()
    )
    assert await remind(local(day, 14, 30)) == 0
    assert await remind(local(day, 15, 10)) == 1
    assert [m["subject"] for m in await sent()][-1].endswith("16:00")


@pytest.mark.usefixtures("pooled_connections")
async def test_two_runners_at_once_send_no_duplicate() -> None:
    """Two (here 24) instances running the job at the same moment, in several rounds."""
    day = next_open_day()
    for round_ in range(3):
        start = 9 + 2 * round_
        members = [await make_user("student", email=f"sv{round_}-{n}@hs.vn") for n in range(5)]
        for n, member in enumerate(members):
            await book(member, await desk(f"Bàn {round_}-{n}"), day, start, start + 1)
        now = local(day, start) - timedelta(minutes=30)
        counts = await asyncio.gather(*[remind(now) for _ in range(24)])
        assert sum(counts) == 5, f"round {round_}"
        addresses = sorted(m["to_address"] for m in await sent())
        assert addresses == sorted(m.email for m in members), f"round {round_}"
        await OutboxMessage.delete(force=True).run()


def parsed(row: dict[str, Any]) -> Any:
    raw = bytes(build_message(row, "Hub <no-reply@hub.vn>"))
    return BytesParser(policy=email_policy.default).parsebytes(raw)


async def test_reminder_carries_a_one_click_unsubscribe_header(client: httpx.AsyncClient) -> None:
    day = next_open_day()
    anna = await make_user("student", email="anna@hs.vn", locale="en")
    await book(anna, await desk(), day, 14, 15)
    await remind(local(day, 13, 30))
    [row] = await sent()
    message = parsed(row)
    link = LINKS.unsubscribe_url(anna.id)
    assert message["List-Unsubscribe"] == f"<{link}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in row["body_text"]

    path = link.removeprefix("http://testserver")
    page = await client.get(path)  # a mail scanner opening the link changes nothing
    # A visitor's page, in the site's language (Vietnamese unless they chose English).
    assert page.status_code == 200 and "Tắt nhắc lịch?" in page.text
    assert (await User.objects().where(User.id == anna.id).first()).reminders_enabled
    # The mail program's one-click POST: no session, no form token.
    done = await client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "Đã tắt nhắc lịch" in done.text
    assert not (await User.objects().where(User.id == anna.id).first()).reminders_enabled

    await book(anna, await desk("Bàn 02"), day, 16, 17)
    assert await remind(local(day, 15, 30)) == 0


@pytest.mark.parametrize("token", ["1.forged", "abc.def", "999999.xyz", "", "1", "1." + "A" * 43])
async def test_a_bad_unsubscribe_link_is_a_clear_404(client: httpx.AsyncClient, token: str) -> None:
    anna = await make_user("student", email="anna@hs.vn")
    other = LINKS.unsubscribe_url(anna.id).rsplit(".", 1)[1]
    for path in (f"/reminders/off/{token}", f"/reminders/off/{anna.id + 1}.{other}"):
        got = await client.get(path)
        assert got.status_code == 404, path
        if not path.endswith("/"):  # "/reminders/off/" itself is no link at all
            assert "Đường dẫn không hợp lệ" in got.text, path
        posted = await client.post(path)
        assert posted.status_code == 404, path
    assert (await User.objects().where(User.id == anna.id).first()).reminders_enabled


async def test_member_turns_reminders_off_and_on_on_the_profile_page(
    client: httpx.AsyncClient,
) -> None:
    anna = await make_user("student", email="anna@hs.vn", locale="en")
    await log_in(client, "anna@hs.vn")
    profile = await client.get("/profile")
    assert 'name="reminders_enabled" value="1" checked' in profile.text
    off = await post_form(client, "/profile/reminders", {}, htmx=True, token_page="/profile")
    assert off.status_code == 200 and "Your choice was saved." in off.text
    assert 'value="1" checked' not in off.text
    assert not (await User.objects().where(User.id == anna.id).first()).reminders_enabled
    on = await post_form(
        client, "/profile/reminders", {"reminders_enabled": "1"}, token_page="/profile"
    )
    assert on.status_code == 303
    assert (await User.objects().where(User.id == anna.id).first()).reminders_enabled


async def test_api_shows_and_sets_the_reminder_choice(client: httpx.AsyncClient) -> None:
    await make_user("student", email="anna@hs.vn")
    headers = bearer(await api_token(client, "anna@hs.vn"))
    assert (await client.get("/api/v1/me", headers=headers)).json()["reminders_enabled"] is True
    changed = await client.put("/api/v1/me/reminders", json={"enabled": False}, headers=headers)
    assert changed.status_code == 200 and changed.json()["reminders_enabled"] is False
    assert (await client.get("/api/v1/me", headers=headers)).json()["reminders_enabled"] is False
    bad = await client.put("/api/v1/me/reminders", json={"enabled": "sometimes"}, headers=headers)
    assert bad.status_code == 400


async def test_demo_bookings_are_reminded_except_for_the_member_who_turned_them_off() -> None:
    from innovation_hub.core.database import close_pool, open_pool
    from innovation_hub.demo import load_demo

    await open_pool()
    try:
        await load_demo()
    finally:
        await close_pool()
    linh = await User.objects().where(User.email == "linh.huynh@demo.hub.vn").first()
    assert linh is not None and not linh.reminders_enabled
    await OutboxMessage.delete(force=True).run()
    upcoming = sorted(
        {
            b.start_at.astimezone(LOCAL_TZ).date()
            for b in await Booking.objects().where(Booking.kind == "booking").run()
            if b.start_at.astimezone(LOCAL_TZ).date() > datetime.now(LOCAL_TZ).date()
        }
    )
    for day in upcoming[:2]:
        await remind(local(day - timedelta(days=1), 19, 5))  # the evening before
        for hour in range(7, 17):
            await remind(local(day, hour, 30))
    to = sorted({m["to_address"] for m in await sent()})
    assert "khoa.pham@demo.hub.vn" in to and "ha.vo@demo.hub.vn" in to
    assert "bao.dang@demo.hub.vn" in to
    assert "linh.huynh@demo.hub.vn" not in to  # her meeting on the second day gets none


async def test_with_zalo_on_a_member_with_a_zalo_id_is_reminded_there_too(
    tmp_path: Any,
) -> None:
    import os

    from innovation_hub.core import channels, mail
    from innovation_hub.core.settings import Settings
    from innovation_hub.core.templating import make_environment

    env = {**os.environ, "HUB_VAR_DIR": str(tmp_path), "HUB_ZALO_ACCESS_TOKEN": "zalo-test-token"}
    before = mail._environment
    mail.configure(make_environment(Settings.from_env(env)))
    try:
        day = next_open_day()
        bao = await make_user("startup", email="bao@agritn.vn", zalo_user_id="8123456789012345678")
        await book(bao, await desk(), day, 14, 15)
        assert await remind(local(day, 13, 30)) == 1
        assert await remind(local(day, 13, 40)) == 0
    finally:
        mail._environment = before
    email, zalo = await sent()
    assert email["to_address"] == "bao@agritn.vn"
    assert zalo["channel"] == channels.ZALO and zalo["to_address"] == "8123456789012345678"
    assert zalo["subject"] == email["subject"]
