"""What a mail client shows: whole subjects, plain and HTML parts, the centre's footer."""

from __future__ import annotations

import email
import email.policy
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from email.header import decode_header, make_header
from pathlib import Path

import pytest

from innovation_hub.core import mail
from innovation_hub.core.mail import FileTransport, OutboxMessage, build_message
from innovation_hub.core.settings import Settings
from innovation_hub.core.templating import TEMPLATE_DIR, make_environment

MAIL_FROM = "Trung tâm Khởi nghiệp <no-reply@hub.test>"
LONG_SUBJECTS = [
    "Chúng tôi đã nhận yêu cầu tham quan của quý thầy cô – Trường THCS Hòa Thành, "
    "Phường Hòa Thành, tỉnh Tây Ninh",
    "Đặt chỗ thành công: Phòng họp Muối Ớt Tây Ninh, tầng 2, Trung tâm Khởi nghiệp và "
    "Đổi mới sáng tạo",
]


def parsed(raw: bytes) -> email.message.EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


@pytest.mark.parametrize("subject", LONG_SUBJECTS)
def test_long_vietnamese_subjects_keep_their_spaces_at_every_length(subject: str) -> None:
    for length in range(8, len(subject) + 1):
        text = subject[:length].strip()
        row = {"id": 7, "to_address": "a@b.vn", "subject": text, "body_text": "x\n"}
        message = build_message({**row, "attachments": []}, MAIL_FROM)
        for raw in (bytes(message), message.as_string().encode()):
            assert str(parsed(raw)["Subject"]) == text
            # And as the RFC 2047 decoder of the older email API reads it.
            folded = email.message_from_bytes(raw, policy=email.policy.compat32)["Subject"]
            assert str(make_header(decode_header(folded))) == text
            assert all(len(line) <= 78 for line in raw.split(b"\n"))


async def test_subject_of_a_queued_email_arrives_whole(tmp_path: Path) -> None:
    await queue_reset("vi")
    row = await OutboxMessage.objects().first()
    assert row is not None and len(row.subject) > 50
    await mail.deliver_due(FileTransport(tmp_path), MAIL_FROM)
    message = parsed(next(tmp_path.glob("*.eml")).read_bytes())
    assert str(message["Subject"]) == row.subject
    assert "Trung tâm Khởi nghiệp và Đổi mới sáng tạo" in str(message["Subject"])


async def queue_reset(locale: str) -> None:
    await mail.enqueue(
        to="co.lan@thcs-hoathanh.edu.vn",
        template="reset_password",
        context={"name": "Cô Lan", "link": "http://testserver/password/reset/abc", "hours": 2},
        locale=locale,
    )


async def delivered_one(tmp_path: Path) -> email.message.EmailMessage:
    await mail.deliver_due(FileTransport(tmp_path), MAIL_FROM)
    (path,) = tmp_path.glob("*.eml")
    return parsed(path.read_bytes())


async def test_email_has_a_plain_and_an_accessible_html_alternative(tmp_path: Path) -> None:
    await mail.enqueue(
        to="co.lan@thcs-hoathanh.edu.vn",
        template="reset_password",
        context={
            "name": "Cô <Lan> & Hòa",
            "link": "http://testserver/password/reset/abc?x=1&y=2",
            "hours": 2,
        },
        locale="en",
    )
    message = await delivered_one(tmp_path)
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    text, markup = plain.get_content(), html.get_content()
    assert "Hello Cô <Lan> & Hòa," in text
    assert "http://testserver/password/reset/abc?x=1&y=2" in text
    assert '<html lang="en">' in markup
    assert "Hello Cô &lt;Lan&gt; &amp; Hòa," in markup and "<Lan>" not in markup
    assert (
        '<a href="http://testserver/password/reset/abc?x=1&amp;y=2">'
        "http://testserver/password/reset/abc?x=1&amp;y=2</a>"
    ) in markup
    assert "<title>Choose a new password for" in markup


async def test_vietnamese_html_lists_and_attachment_stays_attached(tmp_path: Path) -> None:
    ics = "BEGIN:VCALENDAR\r\nLOCATION:Phòng họp 1\r\nEND:VCALENDAR\r\n".encode()
    await mail.enqueue(
        to="nam@startup.vn",
        template="trademark_consultation",
        context={
            "name": "Anh Nam",
            "case": {"mark_name": "Muối Ớt Tây Ninh"},
            "start": datetime(2026, 12, 10, 2, 0, tzinfo=UTC),
            "end": datetime(2026, 12, 10, 3, 0, tzinfo=UTC),
            "place": "Phòng họp 1",
            "staff_name": "Chị Thảo",
            "topic": "",
            "link": "http://testserver/trademarks/1",
        },
        locale="vi",
        attachments=(mail.Attachment("tu-van.ics", "text/calendar", ics),),
    )
    message = await delivered_one(tmp_path)
    assert message.get_content_type() == "multipart/mixed"
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    markup = html.get_content()
    assert '<html lang="vi">' in markup
    assert "<li>Địa điểm: Phòng họp 1</li>" in markup
    (calendar,) = message.iter_attachments()
    assert calendar.get_filename() == "tu-van.ics"
    # Read back as a mail client would: the Vietnamese letters survive (UTF-8, said so).
    assert "LOCATION:Phòng họp 1" in calendar.get_content()


@pytest.fixture
def centre(tmp_path: Path) -> Iterator[Settings]:
    """The outbox renders with a centre of its own settings, until the test ends."""
    env = dict(os.environ)
    env.update(
        HUB_VAR_DIR=str(tmp_path / "var"),
        HUB_CENTRE_NAME="Trung tâm Hỗ trợ Khởi nghiệp Đức Hòa",
        HUB_DEPARTMENT_NAME="Sở Khoa học và Công nghệ",
        HUB_PROVINCE_NAME="Tây Ninh",
        HUB_CENTRE_ADDRESS="Số 12 Hùng Vương, Phường Long An, tỉnh Tây Ninh",
        HUB_CENTRE_CONTACT="Điện thoại 0272 3822 123",
    )
    settings = Settings.from_env(env)
    before = mail._environment
    mail.configure(make_environment(settings))
    yield settings
    mail._environment = before


async def test_every_email_ends_with_one_footer_naming_the_centre(
    centre: Settings, tmp_path: Path
) -> None:
    await queue_reset("vi")
    message = await delivered_one(tmp_path)
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    text, markup = plain.get_content(), html.get_content()
    footer = (
        "-- \nTrung tâm Hỗ trợ Khởi nghiệp Đức Hòa\nSở Khoa học và Công nghệ tỉnh Tây Ninh\n"
        "Số 12 Hùng Vương, Phường Long An, tỉnh Tây Ninh\nĐiện thoại 0272 3822 123\nhttp://testserver\n"
    )
    assert text.endswith(footer)
    # Named once in the subject, once in the footer: the template has no signature of its own.
    assert text.count("Trung tâm Hỗ trợ Khởi nghiệp Đức Hòa") == 1
    assert "Sở Khoa học và Công nghệ tỉnh Tây Ninh" in markup
    assert markup.count("Số 12 Hùng Vương, Phường Long An, tỉnh Tây Ninh") == 1


def test_no_email_template_signs_off_by_itself() -> None:
    for template in sorted((TEMPLATE_DIR / "email").glob("*.txt")):
        body = template.read_text().split("{% block body %}", 1)[1]
        last_lines = [line for line in body.splitlines() if line.strip()][-3:]
        assert not any("settings.centre_name" in line for line in last_lines), template.name
        assert "settings.department_name" not in body, template.name
