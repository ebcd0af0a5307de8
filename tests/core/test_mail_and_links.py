"""Email: the outbox, delivery through a real SMTP server, and one-use links."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller

from innovation_hub.accounts.tables import User
from innovation_hub.core import mail
from innovation_hub.core.clock import utcnow
from innovation_hub.core.mail import Attachment, FileTransport, OutboxMessage, SmtpTransport
from tests.helpers import PASSWORD, free_port, log_in, make_user, post_form

MAIL_FROM = "Trung tâm <no-reply@hub.test>"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, str]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


def body_of(message: Message) -> str:
    part = message.get_body(preferencelist=("plain",)) if hasattr(message, "get_body") else message
    payload = (part or message).get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


async def test_password_reset_email_arrives_over_smtp_and_its_link_works_once(
    client: httpx.AsyncClient, smtp_server: tuple[Inbox, str]
) -> None:
    inbox, smtp_url = smtp_server
    await make_user("student", email="khoa@hs.vn")
    await log_in(client, "khoa@hs.vn")  # an existing session that the reset must end
    other = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")

    response = await post_form(other, "/password/forgot", {"email": "khoa@hs.vn"})
    assert response.status_code == 200
    assert "chúng tôi đã gửi đường dẫn" in response.text

    sent = await mail.deliver_due(SmtpTransport(smtp_url), MAIL_FROM)
    assert sent == 1
    assert len(inbox.messages) == 1
    message = email.message_from_string(inbox.messages[0].as_string(), policy=email.policy.default)
    assert message["To"] == "khoa@hs.vn"
    assert "Đặt mật khẩu mới" in str(message["Subject"])
    link = re.search(r"http://testserver(/password/reset/\S+)", body_of(message))
    assert link, body_of(message)
    path = link.group(1)

    form = await other.get(path)
    assert form.status_code == 200
    changed = await post_form(
        other,
        path,
        {"password": "a brand new password", "password_confirm": "a brand new password"},
        token_page=path,
    )
    assert changed.status_code == 303 and changed.headers["location"] == "/login?reset=1"

    # The link is spent.
    assert (await other.get(path)).status_code == 404
    again = await post_form(
        other,
        path,
        {"password": "another new password", "password_confirm": "another new password"},
    )
    assert again.status_code == 404

    # The new password works, the old one does not, and the old session has ended.
    await log_in(other, "khoa@hs.vn", "a brand new password")
    wrong = await post_form(
        httpx.AsyncClient(transport=client._transport, base_url="http://testserver"),
        "/login",
        {"email": "khoa@hs.vn", "password": PASSWORD},
    )
    assert wrong.status_code == 422
    assert (await client.get("/profile")).status_code == 302
    await other.aclose()


async def test_forgot_password_says_the_same_for_unknown_addresses(
    client: httpx.AsyncClient,
) -> None:
    response = await post_form(client, "/password/forgot", {"email": "nobody@nowhere.vn"})
    assert response.status_code == 200
    assert "chúng tôi đã gửi đường dẫn" in response.text
    assert await OutboxMessage.count() == 0


async def test_reset_needs_matching_long_passwords(client: httpx.AsyncClient) -> None:
    await make_user("student", email="khoa@hs.vn")
    await post_form(client, "/password/forgot", {"email": "khoa@hs.vn"})
    row = await OutboxMessage.objects().first()
    assert row is not None
    path = re.search(r"http://testserver(/password/reset/\S+)", row.body_text).group(1)  # type: ignore[union-attr]
    short = await post_form(
        client, path, {"password": "short", "password_confirm": "short"}, token_page=path
    )
    assert short.status_code == 422 and "Cần ít nhất 12 ký tự." in short.text
    differ = await post_form(
        client,
        path,
        {"password": "long enough one", "password_confirm": "long enough two"},
        token_page=path,
    )
    assert differ.status_code == 422 and "Hai mật khẩu không khớp nhau." in differ.text
    # The refused attempts did not spend the link.
    assert (await client.get(path)).status_code == 200


async def test_email_verification_link_works_once(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    response = await post_form(
        client,
        "/register",
        {
            "role": "student",
            "name": "Võ Thu Hà",
            "email": "ha@sv.vn",
            "password": "twelve chars!",
            "school": "ĐH Kinh tế Công nghiệp Long An",
        },
    )
    assert response.status_code == 303
    await mail.deliver_due(FileTransport(tmp_path), MAIL_FROM)
    files = list(tmp_path.glob("*.eml"))
    assert len(files) == 1
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    path = re.search(r"http://testserver(/verify-email/\S+)", body_of(message)).group(1)  # type: ignore[union-attr]

    first = await client.get(path)
    assert first.status_code == 200 and "đã được xác nhận" in first.text
    user = await User.objects().where(User.email == "ha@sv.vn").first()
    assert user is not None and user.email_verified_at is not None
    second = await client.get(path)
    assert second.status_code == 404


async def test_email_is_written_in_the_members_language(client: httpx.AsyncClient) -> None:
    await make_user("student", email="en@sv.vn", locale="en")
    await post_form(client, "/password/forgot", {"email": "en@sv.vn"})
    row = await OutboxMessage.objects().first()
    assert row is not None
    assert row.subject.startswith("Choose a new password")
    assert "Hello Người dùng student," in row.body_text


class FlakyTransport:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[Message] = []

    async def send(self, message: Message) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionRefusedError("SMTP server down")
        self.sent.append(message)


async def queue_one(**extra: object) -> None:
    await mail.enqueue(
        to="a@b.vn",
        template="reset_password",
        context={"name": "A", "link": "http://x/y", "hours": 2},
        locale="vi",
        **extra,
    )  # type: ignore[arg-type]


async def test_failed_delivery_is_retried_with_backoff() -> None:
    await queue_one()
    transport = FlakyTransport(failures=2)
    assert await mail.deliver_due(transport, MAIL_FROM) == 0
    row = await OutboxMessage.objects().first()
    assert row is not None and row.status == "pending" and row.attempts == 1
    assert "SMTP server down" in row.last_error
    first_delay = row.next_attempt_at - utcnow()
    assert timedelta(seconds=20) < first_delay <= timedelta(seconds=30)

    # Not due yet: nothing is sent.
    assert await mail.deliver_due(transport, MAIL_FROM) == 0
    assert transport.failures == 1

    await OutboxMessage.update({OutboxMessage.next_attempt_at: utcnow()}).where(
        OutboxMessage.id == row.id
    )
    await mail.deliver_due(transport, MAIL_FROM)
    row = await OutboxMessage.objects().first()
    assert row is not None and row.attempts == 2
    assert row.next_attempt_at - utcnow() > first_delay  # the wait grows

    await OutboxMessage.update({OutboxMessage.next_attempt_at: utcnow()}).where(
        OutboxMessage.id == row.id
    )
    assert await mail.deliver_due(transport, MAIL_FROM) == 1
    row = await OutboxMessage.objects().first()
    assert row is not None and row.status == "sent" and row.sent_at is not None
    assert len(transport.sent) == 1


async def test_message_gives_up_after_the_last_attempt() -> None:
    await queue_one()
    await OutboxMessage.update({OutboxMessage.attempts: mail.MAX_ATTEMPTS - 1}).where(
        OutboxMessage.id > 0
    )
    await mail.deliver_due(FlakyTransport(failures=1), MAIL_FROM)
    row = await OutboxMessage.objects().first()
    assert row is not None and row.status == "failed"


async def test_two_senders_at_once_send_each_message_once() -> None:
    for _ in range(5):
        await queue_one()
    first, second = FlakyTransport(0), FlakyTransport(0)
    await asyncio.gather(mail.deliver_due(first, MAIL_FROM), mail.deliver_due(second, MAIL_FROM))
    assert len(first.sent) + len(second.sent) == 5
    assert await OutboxMessage.count().where(OutboxMessage.status == "sent") == 5


async def test_attachments_are_delivered(tmp_path: Path) -> None:
    ics = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    await queue_one(attachments=(Attachment("booking.ics", "text/calendar", ics),))
    await mail.deliver_due(FileTransport(tmp_path), MAIL_FROM)
    message = email.message_from_bytes(
        next(tmp_path.glob("*.eml")).read_bytes(), policy=email.policy.default
    )
    parts = [p for p in message.iter_attachments()]
    assert [p.get_filename() for p in parts] == ["booking.ics"]
    assert parts[0].get_content() in (ics, ics.decode())
