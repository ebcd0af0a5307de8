"""Student research visits: the public request, the rules, staff decisions that reserve a room,
the teacher's private page and calendar file — through the API and the pages."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from icalendar import Calendar

from innovation_hub.bookings.tables import Booking
from innovation_hub.core.audit import AuditEntry
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.mail import OutboxMessage
from innovation_hub.core.settings import Settings, SettingsError
from innovation_hub.visits import services
from innovation_hub.visits.tables import Visit, VisitMessage
from tests.helpers import api_token, at, bearer, log_in, make_user, next_open_day, post_form

TEACHER = "lan.nguyen@hoanglekha.edu.vn"
LINK = re.compile(r"/visits/status/([A-Za-z0-9_-]{30,})")


def visit_day(min_days: int = 21) -> date:
    return next_open_day(min_days)


def request_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "school_name": "Trường THPT chuyên Hoàng Lê Kha",
        "contact_name": "Nguyễn Thị Lan",
        "contact_email": TEACHER,
        "contact_phone": "0276 3822 333",
        "grade": "Lớp 11 Tin",
        "student_count": 30,
        "supervisor_count": 3,
        "topic": "IoT trong nông nghiệp",
        "preferred_date": visit_day().isoformat(),
        "alternate_dates": [visit_day(28).isoformat()],
        "notes": "Một học sinh đi xe lăn",
        "consent": True,
    }
    body.update(changes)
    return body


@pytest.fixture
async def staff_token(client: httpx.AsyncClient) -> str:
    await make_user("staff", email="ngoc@hub.vn", name="Trần Thị Bích Ngọc")
    return await api_token(client, "ngoc@hub.vn")


async def add_room(
    client: httpx.AsyncClient, token: str, name: str = "Hội trường nhỏ", capacity: int = 40
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/resources",
        json={"name": name, "kind": "meeting_room", "capacity": capacity},
        headers=bearer(token),
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def ask(client: httpx.AsyncClient, **changes: Any) -> httpx.Response:
    return await client.post("/api/v1/visits", json=request_body(**changes))


async def asked(client: httpx.AsyncClient, **changes: Any) -> int:
    response = await ask(client, **changes)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def approve(
    client: httpx.AsyncClient,
    token: str,
    visit_id: int,
    room_id: int,
    day: date,
    hours: tuple[int, int] = (9, 11),
    **extra: Any,
) -> httpx.Response:
    return await client.post(
        f"/api/v1/visits/{visit_id}/decision",
        headers=bearer(token),
        json={
            "decision": "approve",
            "start": at(day, hours[0]),
            "end": at(day, hours[1]),
            "resource_id": room_id,
            **extra,
        },
    )


async def private_token(email: str = TEACHER) -> str:
    rows = await OutboxMessage.select(OutboxMessage.body_text).where(
        OutboxMessage.to_address == email
    )
    tokens = [m.group(1) for r in rows if (m := LINK.search(r["body_text"]))]
    assert tokens, "no private link was emailed"
    return tokens[-1]


# -- the request --------------------------------------------------------------------------


async def test_a_valid_request_is_stored_as_requested_with_its_email_queued(
    client: httpx.AsyncClient,
) -> None:
    response = await ask(client)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] == "requested"
    visit = await Visit.objects().where(Visit.id == created["id"]).first()
    assert visit is not None and visit.status == "requested"
    assert visit.student_count == 30 and visit.supervisor_count == 3
    assert visit.email_confirmed_at is None
    [mail] = await OutboxMessage.select().where(OutboxMessage.to_address == TEACHER)
    assert "Trường THPT chuyên Hoàng Lê Kha" in mail["subject"]
    token = LINK.search(mail["body_text"])
    assert token, mail["body_text"]
    # Only the token's digest is stored, never the token itself.
    assert token.group(1) not in str(await Visit.select().run())
    assert await AuditEntry.count().where(AuditEntry.action == "visit.requested") == 1


async def test_one_adult_per_ten_students_is_exactly_enough(client: httpx.AsyncClient) -> None:
    assert (await ask(client, student_count=20, supervisor_count=2)).status_code == 201
    refused = await ask(client, student_count=21, supervisor_count=2)
    assert refused.status_code == 422
    assert refused.json()["code"] == "not_enough_supervisors"
    assert (await ask(client, student_count=60, supervisor_count=6)).status_code == 201
    assert (await ask(client, student_count=1, supervisor_count=1)).status_code == 201


def short_notice_day() -> str:
    day = datetime.now(LOCAL_TZ).date() + timedelta(days=5)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.isoformat()


BROKEN = [
    ({"student_count": 30, "supervisor_count": 2}, "not_enough_supervisors", "supervisor_count"),
    ({"preferred_date": "SHORT"}, "too_short_notice", "preferred_date"),
    ({"student_count": 61, "supervisor_count": 7}, "too_many_students", "student_count"),
    ({"student_count": 0, "supervisor_count": 1}, "too_few_students", "student_count"),
    ({"consent": False}, "consent_required", "consent"),
    ({"contact_email": "lan.nguyen@"}, "invalid_email", "contact_email"),
    ({"contact_email": "lan nguyen@hoanglekha.edu.vn"}, "invalid_email", "contact_email"),
]


@pytest.mark.parametrize(("changes", "code", "field"), BROKEN)
async def test_each_broken_rule_is_a_422_with_its_code_and_stores_nothing(
    client: httpx.AsyncClient, changes: dict[str, Any], code: str, field: str
) -> None:
    if changes.get("preferred_date") == "SHORT":
        changes = {"preferred_date": short_notice_day()}
    response = await ask(client, **changes)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == code
    assert field in problem["errors"] and problem["errors"][field]
    assert problem["codes"][field] == code
    assert await Visit.count() == 0
    assert await OutboxMessage.count() == 0


async def test_missing_consent_weekend_and_too_many_alternates_are_refused(
    client: httpx.AsyncClient,
) -> None:
    body = request_body()
    del body["consent"]
    missing = await client.post("/api/v1/visits", json=body)
    assert missing.status_code == 422 and missing.json()["code"] == "consent_required"
    saturday = visit_day()
    while saturday.weekday() != 5:
        saturday += timedelta(days=1)
    weekend = await ask(client, preferred_date=saturday.isoformat())
    assert weekend.status_code == 422 and weekend.json()["code"] == "day_not_allowed"
    many = [visit_day(d).isoformat() for d in (22, 23, 24, 25)]
    alternates = await ask(client, alternate_dates=many)
    assert alternates.status_code == 422 and alternates.json()["code"] == "too_many_alternates"
    malformed = await ask(client, student_count="ba mươi")
    assert malformed.status_code == 400
    assert await Visit.count() == 0


async def test_the_form_shows_each_reason_next_to_its_field_and_stores_nothing(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/visits")
    assert page.status_code == 200
    assert 'name="consent"' in page.text and 'name="alternate_date_3"' in page.text
    form = {
        "school_name": "Trường THCS Trảng Bàng",
        "contact_name": "Lê Văn Tư",
        "contact_email": "tu.le@",
        "contact_phone": "0276 388 1234",
        "level": "lower_secondary",
        "grade": "Lớp 8",
        "student_count": "61",
        "supervisor_count": "2",
        "topic": "Robot",
        "preferred_date": short_notice_day(),
    }
    response = await post_form(client, "/visits", form, token_page="/visits")
    assert response.status_code == 422
    for field in ("contact_email", "student_count", "preferred_date", "consent"):
        assert f'id="e-f-{field}"' in response.text, field
    assert 'aria-invalid="true"' in response.text
    assert "Trường THCS Trảng Bàng" in response.text  # what was typed is kept
    assert await Visit.count() == 0 and await OutboxMessage.count() == 0
    # With htmx only the form comes back, still with its messages.
    fragment = await post_form(client, "/visits", form, htmx=True, token_page="/visits")
    assert fragment.status_code == 422
    assert fragment.text.lstrip().startswith("<form") and 'id="e-f-consent"' in fragment.text

    too_few = {**form, "contact_email": "tu.le@thcstrangbang.edu.vn", "student_count": "25"}
    too_few["preferred_date"] = visit_day().isoformat()
    too_few["consent"] = "yes"
    response = await post_form(client, "/visits", too_few, token_page="/visits")
    assert response.status_code == 422
    assert 'id="e-f-supervisor_count"' in response.text
    assert 'id="e-f-student_count"' not in response.text


async def test_a_valid_form_request_is_sent_and_emailed(client: httpx.AsyncClient) -> None:
    form = {
        "school_name": "Trường Đại học Kinh tế Công nghiệp Long An",
        "contact_name": "Phan Minh Tâm",
        "contact_email": "tam.phan@daihoclongan.edu.vn",
        "contact_phone": "+84 272 3512 888",
        "level": "university",
        "grade": "Sinh viên năm 3",
        "student_count": "40",
        "supervisor_count": "2",  # universities: one adult per 20 students
        "topic": "Khởi nghiệp nông nghiệp số",
        "preferred_date": visit_day().isoformat(),
        "alternate_date_2": visit_day(30).isoformat(),
        "preferred_time": "morning",
        "consent": "yes",
    }
    response = await post_form(client, "/visits", form, token_page="/visits")
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/visits/sent"
    visit = await Visit.objects().first()
    assert visit is not None and visit.level == "university" and visit.preferred_time == "morning"
    assert services.alternate_dates(visit) == [visit_day(30)]
    assert await private_token("tam.phan@daihoclongan.edu.vn")
    assert (await client.get("/visits/sent")).status_code == 200


# -- the private link ---------------------------------------------------------------------


async def test_the_private_link_confirms_the_email_and_a_wrong_token_is_404(
    client: httpx.AsyncClient,
) -> None:
    visit_id = await asked(client)
    token = await private_token()
    response = await client.get(f"/visits/status/{token}")
    assert response.status_code == 200
    assert "Trường THPT chuyên Hoàng Lê Kha" in response.text
    assert 'class="visit-badge visit-requested"' in response.text
    visit = await services.get_visit(visit_id)
    assert visit.email_confirmed_at is not None
    wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert (await client.get(f"/visits/status/{wrong}")).status_code == 404
    assert (await client.get("/visits/status/nothing-here")).status_code == 404
    assert (await client.get(f"/visits/status/{wrong}/visit.ics")).status_code == 404


async def test_the_requester_and_staff_read_a_visit_others_get_404(
    client: httpx.AsyncClient, staff_token: str
) -> None:
    visit_id = await asked(client, contact_email="Lan.Nguyen@HoangLeKha.edu.vn")
    await make_user("student", email=TEACHER, name="Nguyễn Thị Lan")
    await make_user("student", email="khoa@hs.vn")
    mine = await client.get(
        f"/api/v1/visits/{visit_id}", headers=bearer(await api_token(client, TEACHER))
    )
    assert mine.status_code == 200 and mine.json()["status"] == "requested"
    other = await client.get(
        f"/api/v1/visits/{visit_id}", headers=bearer(await api_token(client, "khoa@hs.vn"))
    )
    assert other.status_code == 404
    staff = await client.get(f"/api/v1/visits/{visit_id}", headers=bearer(staff_token))
    assert staff.status_code == 200 and staff.json()["school_name"].startswith("Trường")
    assert (await client.get(f"/api/v1/visits/{visit_id}")).status_code == 401
    listed = await client.get(
        "/api/v1/visits", params={"status": "requested"}, headers=bearer(staff_token)
    )
    assert [v["id"] for v in listed.json()["items"]] == [visit_id]
    none = await client.get(
        "/api/v1/visits", params={"status": "approved"}, headers=bearer(staff_token)
    )
    assert none.json() == {"items": []}
    bad = await client.get("/api/v1/visits", params={"status": "x"}, headers=bearer(staff_token))
    assert bad.status_code == 400


# -- decisions and the room ---------------------------------------------------------------


async def test_approval_reserves_the_room_as_a_visit_booking(
    client: httpx.AsyncClient, staff_token: str
) -> None:
    room = await add_room(client, staff_token)
    visit_id = await asked(client)
    day = visit_day()
    response = await approve(
        client, staff_token, visit_id, room["id"], day, message="Xe buýt đỗ ở cổng sau."
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "approved"
    assert body["start"] == at(day, 9) and body["resource_id"] == room["id"]
    [booking] = await Booking.objects().where(Booking.resource == room["id"])
    assert booking.kind == "visit" and booking.status == "confirmed"
    assert booking.attendees == 33 and booking.id == body["booking_id"]
    assert booking.purpose == "Tham quan: Trường THPT chuyên Hoàng Lê Kha"
    # The room is taken: a member's booking of that time is refused.
    await make_user("startup", email="bao@agritn.vn")
    startup = await api_token(client, "bao@agritn.vn")
    clash = await client.post(
        "/api/v1/bookings",
        headers=bearer(startup),
        json={"resource_id": room["id"], "start": at(day, 10), "end": at(day, 12)},
    )
    assert clash.status_code == 409 and clash.json()["code"] == "slot_taken"
    # The teacher was told, with the calendar file attached.
    approved_mail = (
        await OutboxMessage.select()
        .where(OutboxMessage.to_address == TEACHER)
        .order_by(OutboxMessage.id, ascending=False)
        .first()
    )
    assert approved_mail is not None and "Xe buýt đỗ ở cổng sau." in approved_mail["body_text"]
    assert "visit-" in str(approved_mail["attachments"])


async def test_two_approvals_into_the_same_room_and_time_give_one_visit_and_one_409(
    client: httpx.AsyncClient, staff_token: str
) -> None:
    room = await add_room(client, staff_token)
    first = await asked(client)
    second = await asked(client, school_name="Trường THCS Trảng Bàng", contact_email="tu@tb.vn")
    day = visit_day()
    responses = await asyncio.gather(
        approve(client, staff_token, first, room["id"], day, (9, 11)),
        approve(client, staff_token, second, room["id"], day, (10, 12)),
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409], [r.text for r in responses]
    refused = next(r for r in responses if r.status_code == 409)
    assert refused.json()["code"] == "slot_taken"
    visits = {v.id: v for v in await Visit.objects()}
    assert sorted(v.status for v in visits.values()) == ["approved", "requested"]
    loser = next(v for v in visits.values() if v.status == "requested")
    assert loser.booking is None and loser.start_at is None
    assert await Booking.count() == 1
    assert await VisitMessage.count().where(VisitMessage.visit == loser.id) == 0


async def test_a_declined_visit_frees_the_room(client: httpx.AsyncClient, staff_token: str) -> None:
    room = await add_room(client, staff_token)
    visit_id = await asked(client)
    day = visit_day()
    assert (await approve(client, staff_token, visit_id, room["id"], day)).status_code == 200
    declined = await client.post(
        f"/api/v1/visits/{visit_id}/decision",
        headers=bearer(staff_token),
        json={"decision": "decline", "message": "Hội trường phải sửa chữa đột xuất."},
    )
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    [booking] = await Booking.objects()
    assert booking.status == "cancelled"
    await make_user("startup", email="bao@agritn.vn")
    startup = await api_token(client, "bao@agritn.vn")
    retaken = await client.post(
        "/api/v1/bookings",
        headers=bearer(startup),
        json={"resource_id": room["id"], "start": at(day, 9), "end": at(day, 11)},
    )
    assert retaken.status_code == 201, retaken.text


async def test_a_visit_cancelled_by_the_teacher_frees_the_room(
    client: httpx.AsyncClient, staff_token: str
) -> None:
    room = await add_room(client, staff_token)
    visit_id = await asked(client)
    day = visit_day()
    assert (await approve(client, staff_token, visit_id, room["id"], day)).status_code == 200
    token = await private_token()
    confirm = await client.get(f"/visits/status/{token}/cancel")
    assert confirm.status_code == 200 and 'class="danger"' in confirm.text
    response = await post_form(
        client,
        f"/visits/status/{token}/cancel",
        {"reason": "Trường đổi lịch thi"},
        token_page=f"/visits/status/{token}",
    )
    assert response.status_code == 303
    assert (await services.get_visit(visit_id)).status == "cancelled"
    [booking] = await Booking.objects()
    assert booking.status == "cancelled"
    second = await asked(client, school_name="Trường THCS Trảng Bàng")
    assert (await approve(client, staff_token, second, room["id"], day)).status_code == 200
    # Cancelling twice is refused with a reason, not a crash.
    again = await post_form(
        client,
        f"/visits/status/{token}/cancel",
        {"reason": ""},
        token_page=f"/visits/status/{token}",
    )
    assert again.status_code == 422


async def test_only_staff_decide(client: httpx.AsyncClient, staff_token: str) -> None:
    room = await add_room(client, staff_token)
    visit_id = await asked(client)
    await make_user("student", email="khoa@hs.vn")
    student = await api_token(client, "khoa@hs.vn")
    day = visit_day()
    assert (await approve(client, student, visit_id, room["id"], day)).status_code == 403
    anonymous = await client.post(
        f"/api/v1/visits/{visit_id}/decision", json={"decision": "decline"}
    )
    assert anonymous.status_code == 401
    assert (await client.get("/api/v1/visits", headers=bearer(student))).status_code == 403
    assert (await services.get_visit(visit_id)).status == "requested"
    assert await Booking.count() == 0
    await log_in(client, "khoa@hs.vn")
    assert (await client.get("/staff/visits")).status_code == 403
    assert (await client.get(f"/staff/visits/{visit_id}")).status_code == 403


async def test_approval_rules_are_refused_with_their_codes(
    client: httpx.AsyncClient, staff_token: str
) -> None:
    room = await add_room(client, staff_token, capacity=20)
    hall = await add_room(client, staff_token, name="Hội trường Đổi mới", capacity=120)
    visit_id = await asked(client)
    day = visit_day()

    async def code_of(response: httpx.Response) -> str:
        return str(response.json().get("code"))

    small = await approve(client, staff_token, visit_id, room["id"], day)
    assert small.status_code == 422 and await code_of(small) == "room_too_small"
    early = await approve(client, staff_token, visit_id, hall["id"], day, (7, 9))
    assert early.status_code == 422 and await code_of(early) == "outside_visit_hours"
    late = await approve(client, staff_token, visit_id, hall["id"], day, (16, 18))
    assert late.status_code == 422 and await code_of(late) == "outside_visit_hours"
    sunday = day + timedelta(days=6 - day.weekday())
    weekend = await approve(client, staff_token, visit_id, hall["id"], sunday)
    assert weekend.status_code == 422 and await code_of(weekend) == "day_not_allowed"
    incomplete = await client.post(
        f"/api/v1/visits/{visit_id}/decision",
        headers=bearer(staff_token),
        json={"decision": "approve"},
    )
    assert incomplete.status_code == 422 and set(incomplete.json()["errors"]) == {
        "start",
        "end",
        "resource_id",
    }
    naive = await client.post(
        f"/api/v1/visits/{visit_id}/decision",
        headers=bearer(staff_token),
        json={
            "decision": "approve",
            "start": f"{day.isoformat()}T09:00:00",
            "end": f"{day.isoformat()}T11:00:00",
            "resource_id": hall["id"],
        },
    )
    assert naive.status_code == 400
    odd = await client.post(
        f"/api/v1/visits/{visit_id}/decision",
        headers=bearer(staff_token),
        json={"decision": "maybe"},
    )
    assert odd.status_code == 422 and await code_of(odd) == "invalid_decision"
    assert await Booking.count() == 0
    assert (await services.get_visit(visit_id)).status == "requested"
    # Approving twice: the second is refused, the room held once.
    assert (await approve(client, staff_token, visit_id, hall["id"], day)).status_code == 200
    twice = await approve(client, staff_token, visit_id, hall["id"], day, (13, 15))
    assert twice.status_code == 422 and await code_of(twice) == "not_decidable"
    assert await Booking.count() == 1


async def test_the_teachers_ics_has_the_visit_at_0900_local_0200_utc(
    client: httpx.AsyncClient, staff_token: str
) -> None:
    room = await add_room(client, staff_token)
    visit_id = await asked(client)
    token = await private_token()
    assert (await client.get(f"/visits/status/{token}/visit.ics")).status_code == 404
    day = visit_day()
    assert (await approve(client, staff_token, visit_id, room["id"], day)).status_code == 200
    page = await client.get(f"/visits/status/{token}")
    assert f'href="/visits/status/{token}/visit.ics"' in page.text
    response = await client.get(f"/visits/status/{token}/visit.ics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["uid"]) == f"visit-{visit_id}@innovation-hub"
    start = event.decoded("dtstart")
    assert start.hour == 9 and start.utcoffset() == timedelta(hours=7)
    assert start.astimezone(UTC) == datetime(day.year, day.month, day.day, 2, tzinfo=UTC)
    assert event.decoded("dtend").astimezone(UTC).hour == 4
    assert "DTSTART;TZID=Asia/Ho_Chi_Minh:" in response.text
    assert "Hội trường nhỏ" in str(event["location"])


# -- more information, hosts, attendance, feedback ---------------------------------------


async def test_staff_propose_a_day_and_the_teacher_accepts_it(
    client: httpx.AsyncClient, staff_token: str
) -> None:
    visit_id = await asked(client)
    other_day = visit_day(35)
    response = await client.post(
        f"/api/v1/visits/{visit_id}/more-info",
        headers=bearer(staff_token),
        json={
            "message": "Ngày này hội trường đã kín, thầy cô xem ngày khác nhé.",
            "proposed_date": other_day.isoformat(),
        },
    )
    assert response.status_code == 200 and response.json()["status"] == "more_info"
    token = await private_token()
    page = await client.get(f"/visits/status/{token}")
    assert "hội trường đã kín" in page.text and 'name="accept"' in page.text
    accepted = await post_form(
        client,
        f"/visits/status/{token}/reply",
        {"accept": "yes"},
        token_page=f"/visits/status/{token}",
    )
    assert accepted.status_code == 303
    visit = await services.get_visit(visit_id)
    assert visit.status == "requested" and visit.preferred_date == other_day
    # Replying when nobody asked is refused on the page, not a crash.
    again = await post_form(
        client,
        f"/visits/status/{token}/reply",
        {"message": "?"},
        token_page=f"/visits/status/{token}",
    )
    assert again.status_code == 422


async def test_a_new_host_takes_over_the_reservation(
    client: httpx.AsyncClient, staff_token: str
) -> None:
    host = await make_user("staff", email="phuc@hub.vn", name="Lê Hoàng Phúc")
    room = await add_room(client, staff_token)
    visit_id = await asked(client)
    day = visit_day()
    assert (await approve(client, staff_token, visit_id, room["id"], day)).status_code == 200
    response = await client.post(
        f"/api/v1/visits/{visit_id}/host", headers=bearer(staff_token), json={"host_id": host.id}
    )
    assert response.status_code == 200 and response.json()["host_id"] == host.id
    active = await Booking.objects().where(Booking.status == "confirmed")
    assert [(b.user, b.kind, b.resource) for b in active] == [(host.id, "visit", room["id"])]
    assert response.json()["booking_id"] == active[0].id
    # The visit is in the host's staff calendar.
    feeds = await client.get(
        "/api/v1/me/feeds", headers=bearer(await api_token(client, "phuc@hub.vn"))
    )
    staff_feed = next(f for f in feeds.json()["items"] if f["kind"] == "staff")
    calendar = await client.get(staff_feed["url"].removeprefix("http://testserver"))
    summaries = [str(e["summary"]) for e in Calendar.from_ical(calendar.content).walk("VEVENT")]
    assert summaries == ["Hội trường nhỏ – Tham quan: Trường THPT chuyên Hoàng Lê Kha"]
    student = await make_user("student", email="khoa@hs.vn")
    refused = await client.post(
        f"/api/v1/visits/{visit_id}/host", headers=bearer(staff_token), json={"host_id": student.id}
    )
    assert refused.status_code == 422


async def test_attendance_completes_the_visit_and_the_teacher_leaves_feedback(
    client: httpx.AsyncClient, staff_token: str
) -> None:
    staff = (await services.list_hosts())[0]
    room = await add_room(client, staff_token)
    visit_id = await asked(client)
    day = visit_day()
    assert (await approve(client, staff_token, visit_id, room["id"], day)).status_code == 200
    too_early = await client.post(
        f"/api/v1/visits/{visit_id}/attendance",
        headers=bearer(staff_token),
        json={"students": 28, "supervisors": 3},
    )
    assert too_early.status_code == 422 and too_early.json()["code"] == "visit_not_started"
    after = datetime(day.year, day.month, day.day, 11, 30, tzinfo=LOCAL_TZ)
    visit = await services.record_attendance(
        staff, visit_id, outcome="completed", students=28, supervisors=3, base_url="", now=after
    )
    assert visit.status == "completed" and visit.attended_students == 28
    assert await services.visit_counts(day, day) == {"visits": 1, "visit_students": 28}
    token = await private_token()
    page = await client.get(f"/visits/status/{token}")
    assert 'action="/visits/status/' in page.text and 'name="rating"' in page.text
    bad = await post_form(
        client,
        f"/visits/status/{token}/feedback",
        {"rating": "9"},
        token_page=f"/visits/status/{token}",
    )
    assert bad.status_code == 422 and 'id="e-rating"' in bad.text
    good = await post_form(
        client,
        f"/visits/status/{token}/feedback",
        {"rating": "5", "feedback": "Các em rất thích phòng Lab."},
        token_page=f"/visits/status/{token}",
    )
    assert good.status_code == 303
    visit = await services.get_visit(visit_id)
    assert visit.feedback_rating == 5 and visit.feedback_text == "Các em rất thích phòng Lab."


# -- staff pages --------------------------------------------------------------------------


async def test_staff_queue_filters_and_decides_from_the_pages(
    client: httpx.AsyncClient, staff_token: str
) -> None:
    room = await add_room(client, staff_token)
    first = await asked(client)
    second = await asked(client, school_name="Trường THCS Trảng Bàng", contact_email="tu@tb.vn")
    await log_in(client, "ngoc@hub.vn")
    queue = await client.get("/staff/visits")
    assert queue.status_code == 200
    assert "Trường THCS Trảng Bàng" in queue.text and "<caption>" in queue.text
    assert 'scope="col"' in queue.text
    filtered = await client.get("/staff/visits", params={"status": "approved"})
    assert "Trường THCS Trảng Bàng" not in filtered.text
    far = (visit_day() + timedelta(days=100)).isoformat()
    later = await client.get("/staff/visits", params={"from": far})
    assert "Trường THCS Trảng Bàng" not in later.text
    assert (await client.get("/staff/visits", params={"from": "hôm qua"})).status_code == 422

    detail = await client.get(f"/staff/visits/{first}")
    assert detail.status_code == 200 and 'action="/staff/visits/' in detail.text
    day = visit_day()
    form = {
        "date": day.isoformat(),
        "start": "09:00",
        "end": "11:00",
        "resource_id": str(room["id"]),
        "host_id": "",
        "message": "",
    }
    path = f"/staff/visits/{first}"
    approved = await post_form(client, f"{path}/approve", form, token_page=path)
    assert approved.status_code == 303, approved.text
    assert (await services.get_visit(first)).status == "approved"
    # The same room and time for the second school: told on the page, nothing reserved.
    path2 = f"/staff/visits/{second}"
    taken = await post_form(client, f"{path2}/approve", form, token_page=path2)
    assert taken.status_code == 409 and 'role="alert"' in taken.text
    early = await post_form(
        client, f"{path2}/approve", {**form, "start": "07:00"}, token_page=path2
    )
    assert early.status_code == 422 and 'id="e-approve-start"' in early.text
    assert await Booking.count() == 1
    # Declining asks for confirmation first.
    confirm = await post_form(
        client, f"{path2}/decline", {"message": "Đã kín lịch"}, token_page=path2
    )
    assert confirm.status_code == 200 and 'name="confirm"' in confirm.text
    assert (await services.get_visit(second)).status == "requested"
    declined = await post_form(
        client, f"{path2}/decline", {"message": "Đã kín lịch", "confirm": "yes"}, token_page=path2
    )
    assert declined.status_code == 303
    assert (await services.get_visit(second)).status == "declined"
    empty = await post_form(client, f"{path}/cancel", {"reason": ""}, token_page=path)
    assert empty.status_code == 422 and 'id="e-cancel-reason"' in empty.text
    cancelled = await post_form(
        client, f"{path}/cancel", {"reason": "Mất điện", "confirm": "yes"}, token_page=path
    )
    assert cancelled.status_code == 303
    assert [b.status for b in await Booking.objects()] == ["cancelled"]
    assert (await client.get("/staff/visits/999999")).status_code == 404


async def test_public_requests_are_rate_limited_per_address(settings: Settings) -> None:
    from innovation_hub.app import create_app

    app = create_app(replace(settings, visit_requests_per_hour=2))
    transport = httpx.ASGITransport(app=app, client=("203.0.113.10", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        await _two_requests_then_limited(client)


async def _two_requests_then_limited(client: httpx.AsyncClient) -> None:
    assert (await ask(client)).status_code == 201
    assert (await ask(client)).status_code == 201
    limited = await ask(client)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert await Visit.count() == 2
    page = await client.get("/visits")
    assert page.status_code == 200  # reading the form stays open


async def test_the_visit_rules_are_the_settings(settings: Settings) -> None:
    from innovation_hub.app import create_app

    app = create_app(replace(settings, visit_max_students=20, visit_min_notice_days=3))
    transport = httpx.ASGITransport(app=app, client=("203.0.113.10", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        refused = await ask(client, student_count=25, supervisor_count=3)
        assert refused.status_code == 422 and refused.json()["code"] == "too_many_students"
        assert "20" in refused.json()["errors"]["student_count"]
        soon = next_open_day(5)
        assert (
            await ask(client, student_count=15, preferred_date=soon.isoformat(), alternate_dates=[])
        ).status_code == 201
        form = await client.get("/visits")
        assert 'max="20"' in form.text


def test_visit_settings_are_read_and_checked(tmp_path: Any) -> None:
    env = {
        "HUB_VAR_DIR": str(tmp_path),
        "HUB_VISIT_WEEKDAYS": "1,2,3,4,5,6",
        "HUB_VISIT_DAY_STARTS": "07:30",
        "HUB_VISIT_STUDENTS_PER_SUPERVISOR_BY_LEVEL": "primary:6",
    }
    rules = services.VisitRules.from_settings(Settings.from_env(env))
    assert rules.weekdays == (0, 1, 2, 3, 4, 5) and rules.day_starts.hour == 7
    assert rules.ratio_for("primary") == 6 and rules.ratio_for("university") == 10
    assert services.VisitRules.from_settings(Settings.from_env({"HUB_VAR_DIR": str(tmp_path)})) == (
        services.DEFAULT_RULES
    )
    for name, value in [
        ("HUB_VISIT_WEEKDAYS", "0,1"),
        ("HUB_VISIT_DAY_ENDS", "07:00"),
        ("HUB_VISIT_MAX_STUDENTS", "0"),
        ("HUB_VISIT_STUDENTS_PER_SUPERVISOR_BY_LEVEL", "primary"),
        ("HUB_VISIT_MIN_NOTICE_DAYS", "-1"),
    ]:
        with pytest.raises(SettingsError):
            Settings.from_env({"HUB_VAR_DIR": str(tmp_path), name: value})


async def test_the_requester_cancels_through_the_api_and_visitors_are_sent_to_log_in(
    client: httpx.AsyncClient,
) -> None:
    visit_id = await asked(client)
    await make_user("student", email=TEACHER)
    token = await api_token(client, TEACHER)
    cancelled = await client.post(f"/api/v1/visits/{visit_id}/cancel", headers=bearer(token))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["messages"][-1]["kind"] == "cancelled"
    queue = await client.get("/staff/visits")
    assert queue.status_code in (302, 303) and "/login" in queue.headers["location"]


async def test_demo_visits_cover_the_states_and_load_once() -> None:
    from innovation_hub.demo import load_demo
    from innovation_hub.visits.demo import load_visits_demo

    await load_demo()
    await load_visits_demo()
    before = await Visit.count()
    assert await load_visits_demo() == []
    assert await Visit.count() == before
    statuses = {v["status"] for v in await Visit.select(Visit.status)}
    assert {"requested", "more_info", "approved", "declined", "completed"} <= statuses
    approved = await Visit.objects().where(Visit.status == "approved").first()
    assert approved is not None and approved.host is not None
    booking = await Booking.objects().where(Booking.id == approved.booking).first()
    assert booking is not None and booking.kind == "visit" and booking.user == approved.host
