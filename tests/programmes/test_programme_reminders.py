"""Reminders to the enterprise: its draft when the call is about to close, a follow-up report
coming due. Once each, in its language, none when submitted, done or opted out, none twice
with racing jobs."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from innovation_hub.accounts import services as accounts
from innovation_hub.accounts.tables import User
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.programmes.services.reminders import (
    ProgrammeReminders,
    send_programme_reminders,
)
from innovation_hub.programmes.tables import Application, Milestone, Programme
from tests.helpers import make_user
from tests.reminder_helpers import LINKS, empty_outbox, outbox, parsed, race

RULES = ProgrammeReminders(days_before=7, base_url="http://testserver", links=LINKS)
TODAY = date(2027, 3, 1)
NOW = datetime.combine(TODAY, time(9), LOCAL_TZ)


async def call(closes_in_days: int) -> Programme:
    programme = Programme(
        name="Hỗ trợ nâng cao năng suất chất lượng 2027",
        year=2027,
        opens_at=NOW - timedelta(days=30),
        closes_at=datetime.combine(TODAY + timedelta(days=closes_in_days), time(17), LOCAL_TZ),
        budget_vnd=500_000_000,
    )
    await programme.save()
    return programme


async def application(programme: Programme, owner: User, status: str) -> Application:
    row = Application(
        programme=programme.id,
        applicant=owner.id,
        status=status,
        enterprise_name="Công ty TNHH Mía đường Biên Hòa",
        tax_code="0100109106",
        locale=owner.locale,
    )
    await row.save()
    return row


async def milestone(app: Application, due_in_days: int, status: str = "pending") -> Milestone:
    row = Milestone(
        application=app.id,
        title="Báo cáo áp dụng 5S tại xưởng",
        due_on=TODAY + timedelta(days=due_in_days),
        status=status,
    )
    await row.save()
    return row


async def remind(now: datetime = NOW) -> int:
    return await send_programme_reminders(rules=RULES, now=now)


async def test_a_draft_is_reminded_once_when_its_call_closes_within_a_week() -> None:
    owner = await make_user("enterprise", email="ha@mia.vn")
    await application(await call(closes_in_days=10), owner, "draft")
    assert await remind() == 0
    closing = await call(closes_in_days=5)
    await application(closing, owner, "draft")
    await application(closing, await make_user("enterprise", email="b@mia.vn"), "submitted")
    assert await remind() == 1
    assert await remind(NOW + timedelta(days=1)) == 0
    [message] = await outbox()
    assert message["to_address"] == "ha@mia.vn"
    closes = TODAY + timedelta(days=5)
    assert message["subject"] == (
        f"Đợt hỗ trợ kết thúc nhận hồ sơ lúc {closes:%d/%m/%Y} 17:00: hồ sơ của bạn vẫn là bản nháp"
    )
    assert "Công ty TNHH Mía đường Biên Hòa" in message["body_text"]
    assert parsed(message)["List-Unsubscribe"] == f"<{LINKS.unsubscribe_url(owner.id)}>"


async def test_a_report_due_within_a_week_is_reminded_once_in_english() -> None:
    owner = await make_user("enterprise", email="ha@mia.vn", locale="en")
    project = await application(await call(closes_in_days=-60), owner, "implementing")
    await milestone(project, due_in_days=6)
    await milestone(project, due_in_days=20)
    await milestone(project, due_in_days=3, status="reported")
    assert await remind() == 1
    assert await remind() == 0
    [message] = await outbox()
    due = TODAY + timedelta(days=6)
    assert message["subject"] == f"Report due on {due:%d/%m/%Y}: Báo cáo áp dụng 5S tại xưởng"
    assert "http://testserver/applications/" in message["body_text"]


async def test_none_when_reminders_are_off() -> None:
    owner = await make_user("enterprise", email="ha@mia.vn")
    await accounts.set_reminders(owner, False, actor_id=owner.id)
    await application(await call(closes_in_days=2), owner, "draft")
    project = await application(await call(closes_in_days=-60), owner, "implementing")
    await milestone(project, due_in_days=2)
    assert await remind() == 0
    assert await outbox() == []


@pytest.mark.usefixtures("pooled_connections")
async def test_racing_jobs_remind_each_once() -> None:
    for round_ in range(3):
        owner = await make_user("enterprise", email=f"dn{round_}@mia.vn")
        await application(await call(closes_in_days=3), owner, "draft")
        project = await application(await call(closes_in_days=-60), owner, "implementing")
        await milestone(project, due_in_days=4)
        now = NOW + timedelta(minutes=round_)
        assert await race(lambda now=now: remind(now)) == 2, f"round {round_}"
        assert len(await outbox()) == 2
        await empty_outbox()
