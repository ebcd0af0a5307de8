"""Zalo Official Account messages through the outbox, against a local fake of the OA API."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services as bookings
from innovation_hub.core import channels, mail
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.mail import FileTransport, OutboxMessage
from innovation_hub.core.settings import Settings
from innovation_hub.core.templating import make_environment
from innovation_hub.spaces.services import create_resource
from tests.helpers import free_port, log_in, make_user, next_open_day, post_form

TOKEN = "oa-access-token-for-tests"
OK = (200, {"error": 0, "message": "Success", "data": {"message_id": "m1", "user_id": "u"}})


@dataclass
class FakeZalo:
    """Records each request; answers from ``answers`` in turn, then with success."""

    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


@pytest.fixture
def fake_zalo() -> Iterator[FakeZalo]:
    port = free_port()
    fake = FakeZalo(url=f"http://127.0.0.1:{port}/v3.0/oa/message/cs")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            fake.requests.append(
                {
                    "path": self.path,
                    "access_token": self.headers.get("access_token"),
                    "content_type": self.headers.get("Content-Type"),
                    "json": json.loads(self.rfile.read(length)),
                }
            )
            status, answer = fake.answers.pop(0) if fake.answers else OK
            body = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        # Racing senders connect at once: a longer queue than the default 5 (the real API
        # does not refuse connections under load either).
        request_queue_size = 128
        daemon_threads = True

    server = Server(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def configure(tmp_path: Path, **env_vars: str) -> Settings:
    env = dict(os.environ)
    env.update(HUB_VAR_DIR=str(tmp_path / "var"), **env_vars)
    if "HUB_ZALO_ACCESS_TOKEN" not in env_vars:
        env.pop("HUB_ZALO_ACCESS_TOKEN", None)
    settings = Settings.from_env(env)
    mail.configure(make_environment(settings))
    return settings


@pytest.fixture
def restore_outbox() -> Iterator[None]:
    before = mail._environment
    yield
    mail._environment = before


@pytest.fixture
def zalo_on(fake_zalo: FakeZalo, tmp_path: Path, restore_outbox: None) -> Settings:
    return configure(tmp_path, HUB_ZALO_ACCESS_TOKEN=TOKEN, HUB_ZALO_API_URL=fake_zalo.url)


async def queue_offer(zalo_user_id: str | None = "8123456789012345678") -> None:
    await mail.enqueue(
        to="khoa@sv.vn",
        template="reset_password",
        context={"name": "Khoa", "link": "http://testserver/password/reset/abc", "hours": 2},
        locale="vi",
        zalo_user_id=zalo_user_id,
    )


async def send_zalo(settings: Settings) -> int:
    (job,) = [job for job in mail.outbox_jobs({"settings": settings}) if job.name == "send-zalo"]
    sent = await job.run()
    assert isinstance(sent, int)
    return sent


async def test_zalo_message_is_delivered_beside_the_email(
    zalo_on: Settings, fake_zalo: FakeZalo, tmp_path: Path
) -> None:
    await queue_offer()
    rows = await OutboxMessage.select().order_by(OutboxMessage.id).run()
    assert [row["channel"] for row in rows] == ["email", "zalo"]

    assert await send_zalo(zalo_on) == 1
    (request,) = fake_zalo.requests
    assert request["path"] == "/v3.0/oa/message/cs"
    assert request["access_token"] == TOKEN
    assert request["content_type"] == "application/json"
    assert request["json"]["recipient"] == {"user_id": "8123456789012345678"}
    text = request["json"]["message"]["text"]
    assert text.startswith("Đặt mật khẩu mới cho Trung tâm Khởi nghiệp")
    assert "Có yêu cầu đặt lại mật khẩu cho tài khoản của bạn." in text
    assert "http://testserver/password/reset/abc" in text
    assert "Xin chào Khoa," not in text and "-- " not in text

    # The email went to the email channel only, once.
    assert await mail.deliver_due(FileTransport(tmp_path / "mail"), "hub@test.vn") == 1
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1
    assert await OutboxMessage.count().where(OutboxMessage.status == "sent") == 2


async def test_zalo_server_error_is_retried(zalo_on: Settings, fake_zalo: FakeZalo) -> None:
    fake_zalo.answers.append((503, {"error": -1, "message": "busy"}))
    await queue_offer()
    assert await send_zalo(zalo_on) == 0
    row = await OutboxMessage.objects().where(OutboxMessage.channel == "zalo").first()
    assert row is not None and row.status == "pending" and row.attempts == 1
    assert "503" in row.last_error
    assert await send_zalo(zalo_on) == 0  # not due yet
    assert len(fake_zalo.requests) == 1

    await OutboxMessage.update({OutboxMessage.next_attempt_at: utcnow()}).where(
        OutboxMessage.id == row.id
    )
    assert await send_zalo(zalo_on) == 1
    row = await OutboxMessage.objects().where(OutboxMessage.channel == "zalo").first()
    assert row is not None and row.status == "sent" and row.attempts == 2
    assert row.last_error == ""
    assert len(fake_zalo.requests) == 2


async def test_zalo_error_answer_is_recorded(zalo_on: Settings, fake_zalo: FakeZalo) -> None:
    fake_zalo.answers.append((200, {"error": -213, "message": "User has not followed OA"}))
    await queue_offer()
    assert await send_zalo(zalo_on) == 0
    row = await OutboxMessage.objects().where(OutboxMessage.channel == "zalo").first()
    assert row is not None and row.status == "pending" and row.sent_at is None
    assert "-213" in row.last_error and "User has not followed OA" in row.last_error


async def test_nothing_goes_to_zalo_when_it_is_off(
    fake_zalo: FakeZalo, tmp_path: Path, restore_outbox: None
) -> None:
    settings = configure(tmp_path, HUB_ZALO_API_URL=fake_zalo.url)
    assert not settings.zalo_enabled
    await queue_offer()
    rows = await OutboxMessage.select(OutboxMessage.channel).run()
    assert rows == [{"channel": "email"}]
    assert [job.name for job in mail.outbox_jobs({"settings": settings})] == ["send-outbox"]
    assert fake_zalo.requests == []


async def test_no_zalo_message_for_a_member_without_a_zalo_id(
    zalo_on: Settings, fake_zalo: FakeZalo
) -> None:
    await queue_offer(zalo_user_id=None)
    assert await OutboxMessage.count().where(OutboxMessage.channel == "zalo") == 0
    assert await send_zalo(zalo_on) == 0 and fake_zalo.requests == []


def test_short_text_takes_the_key_line_and_the_link() -> None:
    body = (
        "Xin chào Lan,\n\nThời gian bạn chờ đã trống:\nBàn 3, 09:00–10:00.\n\n"
        "http://hub.vn/b/1\n\nGhi chú khác."
    )
    text = channels.short_text("Đã có chỗ trống: Bàn 3", body)
    assert text == (
        "Đã có chỗ trống: Bàn 3\n\nThời gian bạn chờ đã trống: Bàn 3, 09:00–10:00.\n\n"
        "http://hub.vn/b/1"
    )
    long_body = "Xin chào,\n\n" + "Rất dài. " * 400
    assert len(channels.short_text("Tiêu đề", long_body)) == channels.ZALO_MAX_TEXT


@pytest.fixture
def settings(tmp_path: Path, fake_zalo: FakeZalo) -> Settings:
    """The app of these tests has Zalo on, talking to the fake."""
    env = dict(os.environ)
    env.update(
        HUB_VAR_DIR=str(tmp_path / "var"),
        HUB_ZALO_ACCESS_TOKEN=TOKEN,
        HUB_ZALO_API_URL=fake_zalo.url,
    )
    return Settings.from_env(env)


async def test_member_adds_a_zalo_id_on_the_profile_and_gets_zalo_messages(
    restore_outbox: None, client: httpx.AsyncClient, settings: Settings, fake_zalo: FakeZalo
) -> None:
    await make_user("student", email="khoa@sv.vn", name="Lê Minh Khoa")
    await log_in(client, "khoa@sv.vn")
    page = await client.get("/profile")
    assert 'name="zalo_user_id"' in page.text and "Mã người dùng Zalo" in page.text

    fields = {"name": "Lê Minh Khoa", "school": "ĐH Tây Ninh", "phone": "", "locale": "vi"}
    wrong = await post_form(client, "/profile", {**fields, "zalo_user_id": "khoa.zalo"})
    assert wrong.status_code == 422
    assert "Mã người dùng Zalo là một dãy số" in wrong.text
    member = await User.objects().where(User.email == "khoa@sv.vn").first()
    assert member is not None and member.zalo_user_id is None

    saved = await post_form(client, "/profile", {**fields, "zalo_user_id": " 8123 4567 "})
    assert saved.status_code == 200 and 'value="81234567"' in saved.text
    member = await User.objects().where(User.email == "khoa@sv.vn").first()
    assert member is not None and member.zalo_user_id == "81234567"

    async with other_client_of(client) as visitor:
        await post_form(visitor, "/password/forgot", {"email": "khoa@sv.vn"})
    rows = await OutboxMessage.select().order_by(OutboxMessage.id).run()
    assert [(row["channel"], row["to_address"]) for row in rows] == [
        ("email", "khoa@sv.vn"),
        ("zalo", "81234567"),
    ]
    assert await send_zalo(settings) == 1
    assert "/password/reset/" in fake_zalo.requests[0]["json"]["message"]["text"]

    # Emptied, the id is gone: email only again.
    await post_form(client, "/profile", {**fields, "zalo_user_id": ""})
    member = await User.objects().where(User.email == "khoa@sv.vn").first()
    assert member is not None and member.zalo_user_id is None


def other_client_of(client: httpx.AsyncClient) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=client._transport, base_url="http://testserver")


async def test_waitlist_offer_also_goes_to_the_members_zalo(zalo_on: Settings) -> None:
    desk = await create_resource({"name": "Bàn 07", "kind": "desk", "capacity": 1}, actor_id=None)
    holder = await make_user("student")
    waiting = await make_user("startup", zalo_user_id="5550001112223334445")
    day = next_open_day()
    start = datetime.combine(day, time(9), LOCAL_TZ)
    end = start + timedelta(hours=1)
    policy = bookings.Policy(
        hold_minutes=15,
        check_in_early_minutes=10,
        no_show_grace_minutes=15,
        waitlist_offer_minutes=30,
        base_url="http://testserver",
    )
    booking = await bookings.create_booking(holder, desk.id, start, end, policy=policy)
    await bookings.join_waitlist(waiting, desk.id, start, end)
    await bookings.cancel_booking(holder, booking.id, policy=policy)
    zalo = await OutboxMessage.objects().where(OutboxMessage.channel == "zalo").first()
    assert zalo is not None and zalo.to_address == "5550001112223334445"
    assert "Bàn 07" in zalo.body_text and "http://testserver/bookings/waitlist" in zalo.body_text


async def test_racing_zalo_senders_send_each_message_exactly_once(
    zalo_on: Settings, fake_zalo: FakeZalo, pooled_connections: None
) -> None:
    zalo = channels.ZaloChannel(TOKEN, fake_zalo.url)
    for round_number in range(3):
        fake_zalo.requests.clear()
        ids = [f"9{round_number}{n:04d}" for n in range(20)]
        for zalo_user_id in ids:
            await queue_offer(zalo_user_id)
        sent = await asyncio.gather(*(mail.deliver(zalo, batch_size=2) for _ in range(25)))
        assert sum(sent) == 20
        delivered = [r["json"]["recipient"]["user_id"] for r in fake_zalo.requests]
        assert sorted(delivered) == sorted(ids)
        assert (
            await OutboxMessage.count().where(
                (OutboxMessage.channel == "zalo") & (OutboxMessage.status != "sent")
            )
            == 0
        )
