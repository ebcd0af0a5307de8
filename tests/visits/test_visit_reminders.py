"""The teacher's reminder the day before an approved visit: once, in the visit's language,
none for a cancelled visit or an account with reminders off, none twice with racing jobs."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from innovation_hub.accounts import services as accounts
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.visits.services.reminders import VisitReminders, send_visit_reminders
from innovation_hub.visits.tables import Visit
from tests.helpers import make_user, next_open_day
from tests.reminder_helpers import LINKS, empty_outbox, outbox, parsed, race

RULES = VisitReminders(hours_before=24, base_url="http://testserver", links=LINKS)


def local(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), LOCAL_TZ)


async def approved_visit(
    day: date, *, locale: str = "vi", email: str = "lan@thcs.edu.vn", **fields: object
) -> Visit:
    visit = Visit(
        school_name="Trường THCS Hòa Thành",
        contact_name="Nguyễn Thị Lan",
        contact_email=email,
        contact_phone="0912345678",
        student_count=30,
        supervisor_count=3,
        topic="Nông nghiệp thông minh",
        preferred_date=day,
        locale=locale,
        consent_at=datetime.now(UTC),
        start_at=local(day, 9),
        end_at=local(day, 11),
        **{"status": "approved", **fields},
    )
    await visit.save()
    return visit


async def remind(now: datetime) -> int:
    return await send_visit_reminders(rules=RULES, now=now)


async def test_the_teacher_is_reminded_once_the_day_before_in_vietnamese() -> None:
    day = next_open_day()
    await approved_visit(day)
    assert await remind(local(day, 8) - timedelta(days=1)) == 0  # 25 hours ahead
    assert await remind(local(day, 10) - timedelta(days=1)) == 1
    assert await remind(local(day, 7)) == 0
    [message] = await outbox()
    assert message["to_address"] == "lan@thcs.edu.vn"
    assert message["subject"] == (
        f"Nhắc lịch: chuyến tham quan lúc {day:%d/%m/%Y} 09:00 – Trường THCS Hòa Thành"
    )
    body = message["body_text"]
    assert "Xin chào Nguyễn Thị Lan," in body
    assert "30 học sinh" in body
    assert "http://testserver/visits/status/" in body
    # No account asked for it: there is nothing to unsubscribe from.
    assert parsed(message)["List-Unsubscribe"] is None


async def test_an_english_request_gets_an_english_reminder_with_the_unsubscribe_link() -> None:
    day = next_open_day()
    teacher = await make_user("student", email="mai@thpt.edu.vn", locale="en")
    await approved_visit(day, locale="en", email="mai@thpt.edu.vn", requested_by=teacher.id)
    assert await remind(local(day, 10) - timedelta(days=1)) == 1
    [message] = await outbox()
    assert message["subject"].startswith(f"Reminder: your visit on {day:%d/%m/%Y} 09:00")
    assert "A reminder of your group's research visit:" in message["body_text"]
    assert parsed(message)["List-Unsubscribe"] == f"<{LINKS.unsubscribe_url(teacher.id)}>"


async def test_none_for_a_cancelled_visit_or_a_teacher_with_reminders_off() -> None:
    day = next_open_day()
    await approved_visit(day, status="cancelled")
    teacher = await make_user("student", email="mai@thpt.edu.vn")
    await accounts.set_reminders(teacher, False, actor_id=teacher.id)
    await approved_visit(day, email="mai@thpt.edu.vn", requested_by=teacher.id)
    assert await remind(local(day, 10) - timedelta(days=1)) == 0
    assert await outbox() == []


@pytest.mark.usefixtures("pooled_connections")
async def test_racing_jobs_remind_each_visit_once() -> None:
    day = next_open_day()
    for round_ in range(3):
        for n in range(4):
            await approved_visit(day, email=f"gv{round_}-{n}@thcs.edu.vn")
        now = local(day, 10) - timedelta(days=1) + timedelta(minutes=round_)
        assert await race(lambda now=now: remind(now)) == 4, f"round {round_}"
        assert len(await outbox()) == 4
        await empty_outbox()
