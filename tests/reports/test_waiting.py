"""The staff "waiting for you" queue (page and API) and the daily digest of it."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

import httpx
import pytest

from innovation_hub.accounts.tables import User
from innovation_hub.app import wiring
from innovation_hub.bookings.services import Decision, Policy, create_booking, decide
from innovation_hub.bookings.tables import Booking
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.mail import OutboxMessage
from innovation_hub.core.settings import Settings, SettingsError
from innovation_hub.programmes import services as programmes
from innovation_hub.programmes.tables import Application
from innovation_hub.reports.digest import send_due_digests
from innovation_hub.reports.tables import StaffDigest
from innovation_hub.spaces.services import create_resource
from innovation_hub.trademarks import services as trademarks
from innovation_hub.trademarks.tables import TrademarkDossierItem
from innovation_hub.visits import services as visits
from innovation_hub.visits.tables import Visit
from tests.helpers import api_token, bearer, log_in, make_user, next_open_day

STAFF_EMAIL = "ngoc@hub.vn"


@dataclass
class Pending:
    """One of each kind waiting, made through the real services (bookings twice, on days far
    apart, the later-asked one for the nearer day)."""

    staff: User
    bookings: list[int]
    visit: int
    case: int
    application: int


async def _bookings(member: User) -> list[int]:
    lab = await create_resource(
        {"name": "Phòng Lab IoT", "kind": "lab", "capacity": 8, "requires_approval": True},
        actor_id=None,
    )
    ids = []
    for day in (next_open_day(20), next_open_day(3)):
        start = datetime.combine(day, time(9), LOCAL_TZ)
        booking = await create_booking(
            member, lab.id, start, start + timedelta(hours=1), policy=Policy()
        )
        ids.append(booking.id)
    return ids


async def _visit(client: httpx.AsyncClient) -> int:
    response = await client.post(
        "/api/v1/visits",
        json={
            "school_name": "Trường THCS Trảng Bàng",
            "contact_name": "Lê Văn Tư",
            "contact_email": "tu.le@trangbang.edu.vn",
            "contact_phone": "0276 3881 456",
            "grade": "Lớp 8A1",
            "student_count": 25,
            "supervisor_count": 3,
            "topic": "Robot và lập trình Scratch",
            "preferred_date": next_open_day(21).isoformat(),
            "consent": True,
        },
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def _case(staff: User) -> int:
    case = await trademarks.create_case(
        staff,
        trademarks.NewCase(
            mark_name="Muối Ớt Tây Ninh",
            mark_type="word",
            classes=[trademarks.ClassEntry(30, ["Muối tôm"])],
            organisation_name="Hợp tác xã Muối Ớt",
        ),
    )
    await trademarks.set_checklist_state(staff, case.id, "declaration", "draft")
    return case.id


async def _application(staff: User) -> int:
    now = utcnow()
    call = await programmes.create_programme(
        staff,
        programmes.NewProgramme(
            name="Hỗ trợ năng suất chất lượng 2026",
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=30),
            budget_vnd=1_000_000_000,
            support_types=[programmes.SupportTerm("iso_9001", 50, 50_000_000)],
        ),
    )
    enterprise = await make_user("enterprise", email="tam@banhtrang.vn")
    application = await programmes.create_application(
        enterprise,
        call.id,
        {
            "enterprise_name": "Công ty TNHH Bánh tráng Trảng Bàng",
            "tax_code": "0100109106",
            "support_items": [{"type": "iso_9001", "cost_vnd": 200_000_000}],
        },
    )
    await programmes.submit_application(enterprise, application.id)
    return application.id


async def _backdate(table: Any, column: Any, record_id: int, hours_ago: int) -> None:
    await table.update({column: utcnow() - timedelta(hours=hours_ago)}).where(table.id == record_id)


@pytest.fixture
async def pending(client: httpx.AsyncClient) -> Pending:
    staff = await make_user("staff", email=STAFF_EMAIL, name="Trần Thị Bích Ngọc")
    member = await make_user("startup", name="Đặng Quốc Bảo")
    made = Pending(
        staff,
        await _bookings(member),
        await _visit(client),
        await _case(staff),
        await _application(staff),
    )
    # Oldest first: the far-off booking was asked first, the near one later.
    await _backdate(Booking, Booking.created_at, made.bookings[0], 50)
    await _backdate(Booking, Booking.created_at, made.bookings[1], 2)
    await _backdate(Visit, Visit.created_at, made.visit, 30)
    await _backdate(Application, Application.submitted_at, made.application, 10)
    item = TrademarkDossierItem
    await item.update({item.updated_at: utcnow() - timedelta(hours=20)}).where(
        item.trademark_case == made.case
    )
    return made


def _rows(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)" class="waiting-open">', html)


async def test_each_kind_is_listed_oldest_first_with_the_page_to_act_on(
    client: httpx.AsyncClient, pending: Pending
) -> None:
    await log_in(client, STAFF_EMAIL)
    page = await client.get("/staff/waiting")
    assert page.status_code == 200
    html = page.text
    far, near = [
        await Booking.objects().where(Booking.id == booking_id).first()
        for booking_id in pending.bookings
    ]
    assert far and near
    far_day = far.start_at.astimezone(LOCAL_TZ).date()
    near_day = near.start_at.astimezone(LOCAL_TZ).date()
    assert _rows(html) == [
        f"/staff/board?date={far_day.isoformat()}&amp;location_id=1#b-{far.id}",
        f"/staff/board?date={near_day.isoformat()}&amp;location_id=1#b-{near.id}",
        f"/staff/visits/{pending.visit}",
        f"/staff/trademarks/{pending.case}#item-declaration",
        f"/staff/applications/{pending.application}#screening",
    ]
    for text in (
        "Phòng Lab IoT",
        "Đặng Quốc Bảo",
        "Trường THCS Trảng Bàng, 25 học sinh",
        "Lê Văn Tư",
        "“Muối Ớt Tây Ninh”",
        "Hợp tác xã Muối Ớt",
        "Công ty TNHH Bánh tráng Trảng Bàng",
        "Hồ sơ đăng ký “Hỗ trợ năng suất chất lượng 2026”",
    ):
        assert text in html, text
    assert far_day.strftime("%d/%m/%Y") in html  # a booking on any day, not only today
    counts = re.findall(r'<a href="#(\w+)"><strong>(\d+)</strong>', html)
    assert counts == [
        ("bookings", "2"),
        ("visits", "1"),
        ("trademark_documents", "1"),
        ("applications", "1"),
    ]


async def test_the_dashboard_count_opens_the_queue(
    client: httpx.AsyncClient, pending: Pending
) -> None:
    await log_in(client, STAFF_EMAIL)
    html = (await client.get("/staff")).text
    assert '<a href="/staff/waiting">' in html
    assert re.search(r'<a href="/staff/waiting#bookings">[^<]*: <strong>2</strong>', html)


async def test_decided_items_leave_the_queue(client: httpx.AsyncClient, pending: Pending) -> None:
    staff = pending.staff
    for booking_id in pending.bookings:
        await decide(
            staff, booking_id, Decision(approve=False, reason="Phòng bảo trì"), policy=Policy()
        )
    await visits.decline(staff, pending.visit, message="Kín lịch", base_url="http://testserver")
    await trademarks.set_checklist_state(staff, pending.case, "declaration", "ready")
    await programmes.screen(staff, pending.application, "eligible")
    await log_in(client, STAFF_EMAIL)
    html = (await client.get("/staff/waiting")).text
    assert _rows(html) == []
    assert "Không có việc nào đang chờ" in html
    token = await api_token(client, STAFF_EMAIL)
    body = (await client.get("/api/v1/staff/waiting", headers=bearer(token))).json()
    assert body["items"] == [] and body["total"] == 0


async def test_the_api_lists_the_same_oldest_first(
    client: httpx.AsyncClient, pending: Pending
) -> None:
    token = await api_token(client, STAFF_EMAIL)
    response = await client.get("/api/v1/staff/waiting", headers=bearer(token))
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(i["kind"], i["id"]) for i in body["items"]] == [
        ("bookings", pending.bookings[0]),
        ("visits", pending.visit),
        ("trademark_documents", body["items"][2]["id"]),
        ("applications", pending.application),
        ("bookings", pending.bookings[1]),
    ]
    assert body["counts"] == {
        "bookings": 2,
        "visits": 1,
        "trademark_documents": 1,
        "applications": 1,
    }
    assert body["items"][1]["url"] == f"/staff/visits/{pending.visit}"
    assert body["items"][0]["since"].endswith("+07:00")


async def test_members_are_refused_and_strangers_sent_to_log_in(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/api/v1/staff/waiting")).status_code == 401
    anonymous = await client.get("/staff/waiting")
    assert anonymous.status_code == 302
    assert anonymous.headers["location"] == "/login?next=/staff/waiting"
    await make_user("student", email="khoa@hs.vn")
    token = await api_token(client, "khoa@hs.vn")
    assert (await client.get("/api/v1/staff/waiting", headers=bearer(token))).status_code == 403
    await log_in(client, "khoa@hs.vn")
    assert (await client.get("/staff/waiting")).status_code == 403


# -- the daily digest ----------------------------------------------------------------------


def _at_local(hour: int) -> datetime:
    today = utcnow().astimezone(LOCAL_TZ).date()
    return datetime.combine(today, time(hour), LOCAL_TZ)


async def _digests() -> list[OutboxMessage]:
    return await OutboxMessage.objects().order_by(OutboxMessage.id).run()


async def _clear_outbox() -> None:
    await OutboxMessage.delete(force=True)


async def test_each_staff_member_gets_one_digest_a_day_in_their_language(
    pending: Pending, settings: Settings
) -> None:
    await make_user("admin", email="admin@hub.vn", name="Admin", locale="en")
    await make_user("staff", email="gone@hub.vn")
    await User.update({User.is_active: False}).where(User.email == "gone@hub.vn")
    await _clear_outbox()
    assert await send_due_digests(settings, now=_at_local(6)) == 0  # before the hour
    assert await _digests() == []
    assert await send_due_digests(settings, now=_at_local(7)) == 2
    assert await send_due_digests(settings, now=_at_local(9)) == 0  # decided for today
    sent = {m.to_address: m for m in await _digests()}
    assert set(sent) == {STAFF_EMAIL, "admin@hub.vn"}
    vi, en = sent[STAFF_EMAIL], sent["admin@hub.vn"]
    assert vi.subject.startswith("5 việc đang chờ bạn")
    # The trademark case is Ngọc's (she opened it): its document waits for her, not the admin.
    assert en.subject.startswith("4 items wait for you")
    assert "Yêu cầu tham quan chờ trả lời: 1" in vi.body_text
    assert "Tài liệu nhãn hiệu cần kiểm tra: 1" in vi.body_text
    assert "Bookings waiting for approval: 2" in en.body_text
    assert "Trademark documents to check: 0" in en.body_text
    assert "Visit requests waiting for an answer: 1" in en.body_text
    assert "Programme applications to screen: 1" in en.body_text
    assert "http://testserver/staff/waiting" in en.body_text
    # The oldest first: the booking asked 50 hours ago, then the visit.
    oldest = en.body_text.index("Phòng Lab IoT")
    assert oldest < en.body_text.index("Trường THCS Trảng Bàng")
    assert f"http://testserver/staff/visits/{pending.visit}" in en.body_text


async def test_no_digest_when_nothing_waits(settings: Settings) -> None:
    await make_user("staff", email=STAFF_EMAIL)
    assert await send_due_digests(settings, now=_at_local(8)) == 0
    assert await _digests() == []
    assert await StaffDigest.count() == 1  # the day is decided: nothing more today


@pytest.mark.usefixtures("pooled_connections")
async def test_many_instances_at_once_send_each_digest_once(
    pending: Pending, settings: Settings
) -> None:
    """Twenty-five job runs at once, in three rounds (three days): every staff member gets
    exactly one digest a day."""
    await make_user("staff", email="phuc@hub.vn", name="Lê Hoàng Phúc")
    await _clear_outbox()
    for day in range(3):
        moment = _at_local(7) + timedelta(days=day, minutes=5)
        results = await asyncio.gather(*[send_due_digests(settings, now=moment) for _ in range(25)])
        assert sum(results) == 2, results
        messages = await _digests()
        assert len(messages) == 2 * (day + 1)
        assert sorted(m.to_address for m in messages[-2:]) == ["ngoc@hub.vn", "phuc@hub.vn"]
    assert await StaffDigest.count() == 6


async def test_the_digest_runs_as_a_job_of_the_application(
    pending: Pending, settings: Settings, frozen_clock: Callable[[datetime], None]
) -> None:
    jobs = {job.name: job for job in wiring(settings).jobs}
    digest = jobs["staff-daily-digest"]
    assert digest.interval_seconds <= 15 * 60  # soon after the hour, whenever the app started
    await _clear_outbox()
    frozen_clock(_at_local(6) + timedelta(minutes=59))
    assert await digest.run() == 0
    frozen_clock(_at_local(7))
    assert await digest.run() == 1
    assert [m.to_address for m in await _digests()] == [STAFF_EMAIL]


def test_the_digest_hour_is_a_local_hour(settings: Settings) -> None:
    assert settings.staff_digest_hour == 7
    env = {**os.environ, "HUB_STAFF_DIGEST_HOUR": "18"}
    assert Settings.from_env(env).staff_digest_hour == 18
    with pytest.raises(SettingsError, match="HUB_STAFF_DIGEST_HOUR"):
        Settings.from_env({**env, "HUB_STAFF_DIGEST_HOUR": "24"})
