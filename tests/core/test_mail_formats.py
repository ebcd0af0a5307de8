"""What a mail client shows: whole subjects, plain and HTML parts, the centre's footer."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest

from innovation_hub.core import mail
from innovation_hub.core.mail import FileTransport, OutboxMessage, build_message

MAIL_FROM = "Trung tâm Khởi nghiệp <no-reply@hub.test>"
LONG_SUBJECTS = [
    "Chúng tôi đã nhận yêu cầu tham quan của quý thầy cô – Trường THCS Hòa Thành, "
    "huyện Châu Thành, tỉnh Tây Ninh",
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
