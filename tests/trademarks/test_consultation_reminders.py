"""The member's reminder before a trademark consultation: once, in their language, none
once the consultation is cancelled or reminders are off, none twice with racing jobs."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from innovation_hub.accounts import services as accounts
from innovation_hub.accounts.tables import User
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.spaces.services import create_resource
from innovation_hub.trademarks import services
from innovation_hub.trademarks.tables import TrademarkConsultation
from tests.helpers import make_user, next_open_day
from tests.reminder_helpers import LINKS, empty_outbox, outbox, parsed, race

RULES = services.ConsultationReminders(minutes_before=60, base_url="http://testserver", links=LINKS)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LOCAL_TZ)


async def consultation(
    owner: User, staff: User, day: date, hour: int, room: str = "Phòng tư vấn"
) -> TrademarkConsultation:
    case = await services.create_case(
        owner,
        services.NewCase(
            mark_name="Bánh tráng Trảng Bàng",
            mark_type="word",
            classes=[services.ClassEntry(30, ["Bánh tráng"])],
            organisation_name=owner.organisation_name,
        ),
    )
    resource = await create_resource(
        {"name": room, "kind": "meeting_room", "capacity": 4}, actor_id=None
    )
    booked = await services.book_consultation(
        staff,
        case.id,
        resource_id=resource.id,
        start=local(day, hour),
        end=local(day, hour + 1),
        topic="Tra cứu nhãn hiệu",
    )
    await empty_outbox()
    return booked


async def remind(now: datetime) -> int:
    return await services.send_consultation_reminders(rules=RULES, now=now)


async def test_the_member_is_reminded_once_an_hour_before() -> None:
    day = next_open_day()
    owner = await make_user("startup", email="tam@banhtrang.vn", name="Lê Minh Tâm")
    staff = await make_user("staff", email="ngoc@hub.vn", name="Trần Bích Ngọc")
    await consultation(owner, staff, day, 14)
    assert await remind(local(day, 12, 50)) == 0
    assert await remind(local(day, 13, 10)) == 1
    assert await remind(local(day, 13, 40)) == 0
    [message] = await outbox()
    assert message["to_address"] == "tam@banhtrang.vn"
    assert message["subject"] == (
        f"Nhắc lịch: buổi tư vấn nhãn hiệu lúc {day:%d/%m/%Y} 14:00 – Bánh tráng Trảng Bàng"
    )
    body = message["body_text"]
    assert "Xin chào Lê Minh Tâm," in body and "Trần Bích Ngọc" in body
    assert "Phòng tư vấn" in body and "Tra cứu nhãn hiệu" in body
    assert parsed(message)["List-Unsubscribe"] == f"<{LINKS.unsubscribe_url(owner.id)}>"


async def test_english_member_reads_it_in_english() -> None:
    day = next_open_day()
    owner = await make_user("startup", email="tam@banhtrang.vn", locale="en")
    await consultation(owner, await make_user("staff", email="ngoc@hub.vn"), day, 9)
    assert await remind(local(day, 8, 30)) == 1
    [message] = await outbox()
    assert message["subject"].startswith(f"Reminder: trademark consultation at {day:%d/%m/%Y}")


async def test_none_when_cancelled_or_reminders_off() -> None:
    day = next_open_day()
    staff = await make_user("staff", email="ngoc@hub.vn")
    owner = await make_user("startup", email="tam@banhtrang.vn")
    cancelled = await consultation(owner, staff, day, 14, "Phòng 1")
    await services.cancel_consultation(staff, cancelled.trademark_case, cancelled.id)
    quiet = await make_user("startup", email="quiet@agri.vn")
    await accounts.set_reminders(quiet, False, actor_id=quiet.id)
    await consultation(quiet, staff, day, 14, "Phòng 2")
    await empty_outbox()
    assert await remind(local(day, 13, 30)) == 0
    assert await outbox() == []


@pytest.mark.usefixtures("pooled_connections")
async def test_racing_jobs_remind_each_consultation_once() -> None:
    day = next_open_day()
    staff = await make_user("staff", email="ngoc@hub.vn")
    for round_ in range(3):
        hour = 9 + 2 * round_
        for n in range(3):
            owner = await make_user("startup", email=f"su{round_}-{n}@agri.vn")
            await consultation(owner, staff, day, hour, f"Phòng {round_}-{n}")
        now = local(day, hour) - timedelta(minutes=30)
        assert await race(lambda now=now: remind(now)) == 3, f"round {round_}"
        assert len(await outbox()) == 3
        await empty_outbox()
