"""The staff calendar board and the staff spaces page, through the HTML pages."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import httpx
import pytest

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services
from innovation_hub.bookings.tables import Booking
from innovation_hub.bookings.workflow import BOOKINGS
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.i18n import use_locale
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import Closure, Resource
from tests.helpers import csrf_token, log_in, make_user, next_open_day

POLICY = services.Policy()


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ)


async def add_resource(name: str, kind: str = "meeting_room", **fields: object) -> Resource:
    return await spaces.create_resource(
        {"name": name, "kind": kind, "capacity": 6, **fields}, actor_id=None
    )


@pytest.fixture
async def staff(client: httpx.AsyncClient) -> User:
    # English pages, so the assertions do not depend on the catalogue being merged.
    user = await make_user("staff", email="ngoc@hub.vn", name="Trần Bích Ngọc", locale="en")
    await log_in(client, "ngoc@hub.vn")
    return user


@pytest.fixture
async def khoa() -> User:
    return await make_user("student", email="khoa@hs.vn", name="Phạm Minh Khoa")


@pytest.fixture
async def bao() -> User:
    return await make_user("startup", email="bao@agritn.vn", name="Đặng Quốc Bảo")


async def book(user: User, resource: Resource, day: date, start: int, end: int) -> Booking:
    return await services.create_booking(
        user, resource.id, local(day, start), local(day, end), policy=POLICY
    )


async def status_of(booking: Booking) -> str:
    row = await Booking.select(Booking.status).where(Booking.id == booking.id).first().run()
    assert row is not None
    return str(row["status"])


async def act(
    client: httpx.AsyncClient,
    path: str,
    data: dict[str, str],
    *,
    day: date,
    htmx: bool = True,
    token: str | None = None,
) -> httpx.Response:
    token = token or await csrf_token(client, f"/staff/board?date={day.isoformat()}")
    headers = {"hx-request": "true"} if htmx else {}
    body = {"board_date": day.isoformat(), "_csrf_token": token, **data}
    return await client.post(path, data=body, headers=headers)


def card(html: str, booking_id: int) -> str:
    """The text of one booking's card on the board."""
    match = re.search(rf'<li id="b-{booking_id}".*?</li>', html, re.S)
    assert match, f"booking {booking_id} is not on the board"
    return match.group(0)


def row(html: str, resource_id: int) -> str:
    match = re.search(rf'<section id="res-{resource_id}".*?</section>', html, re.S)
    assert match, f"resource {resource_id} is not on the board"
    return match.group(0)


# -- access --------------------------------------------------------------------------------


async def test_students_get_403_and_visitors_are_sent_to_log_in(
    client: httpx.AsyncClient, khoa: User
) -> None:
    anonymous = await client.get("/staff/board")
    assert anonymous.status_code in (302, 303)
    assert anonymous.headers["location"].startswith("/login?next=/staff/board")
    assert (await client.get("/staff/spaces")).status_code in (302, 303)
    await log_in(client, "khoa@hs.vn")
    assert (await client.get("/staff/board")).status_code == 403
    assert (await client.get("/staff/spaces")).status_code == 403
    token = await csrf_token(client, "/")
    refused = await client.post(
        "/staff/spaces/resources",
        data={"name": "Bàn", "kind": "desk", "capacity": "1", "_csrf_token": token},
    )
    assert refused.status_code == 403
    assert await Resource.count().run() == 0


# -- what the board shows ------------------------------------------------------------------


async def test_a_booking_reads_the_same_on_my_bookings_and_on_the_board(
    client: httpx.AsyncClient, staff: User
) -> None:
    # Member and staff read a state in one set of words and icons, the workflow's.
    lan = await make_user("student", email="lan@hs.vn", name="Lê Thị Lan", locale="en")
    day = next_open_day()
    room = await add_resource("Phòng họp Sen", requires_approval=True)
    desk = await add_resource("Bàn A01", kind="desk", capacity=1)
    bookings = [await book(lan, room, day, 9, 10), await book(lan, desk, day, 13, 14)]
    board = (await client.get(f"/staff/board?date={day.isoformat()}")).text
    await log_in(client, "lan@hs.vn")
    mine = (await client.get("/bookings")).text
    member_badges = re.findall(
        r'class="status-badge status-(\w+)"><span aria-hidden="true">(.*?)</span> (.*?)</span>',
        mine,
    )
    assert {b.status for b in bookings} == {"pending_approval", "confirmed"}
    for booking in bookings:
        on_board = re.search(
            r'class="st st-(\w+)"><span class="st-icon" aria-hidden="true">(.*?)</span> (.*?)<',
            card(board, booking.id),
        )
        assert on_board is not None
        with use_locale("en"):
            declared = BOOKINGS.view(booking.status)
        assert on_board.groups() == (booking.status, declared.icon, declared.text)
        assert (booking.status, declared.icon, declared.text) in member_badges


async def test_staff_see_the_days_bookings_with_names_and_statuses(
    client: httpx.AsyncClient, staff: User, khoa: User, bao: User
) -> None:
    day = next_open_day()
    room = await add_resource("Phòng họp Sen", requires_approval=True)
    paid = await add_resource("Hội trường", kind="event_hall", price_per_hour_vnd=200_000)
    desk = await add_resource("Bàn A01", kind="desk", capacity=1)
    pending = await book(khoa, room, day, 9, 10)
    unpaid = await book(bao, paid, day, 13, 15)
    confirmed = await book(khoa, desk, day, 8, 12)
    gone = await book(bao, desk, day, 14, 15)
    await services.cancel_booking(bao, gone.id, policy=POLICY)
    tomorrow = await book(bao, desk, day + timedelta(days=1), 9, 10)

    response = await client.get(f"/staff/board?date={day.isoformat()}")
    assert response.status_code == 200
    html = response.text
    assert "Phòng họp Sen" in html and "Hội trường" in html and "Bàn A01" in html
    assert "Phạm Minh Khoa" in card(html, pending.id)
    assert "khoa@hs.vn" in card(html, pending.id)
    assert "Waiting for approval" in card(html, pending.id)
    assert "09:00–10:00" in card(html, pending.id)
    assert "Đặng Quốc Bảo" in card(html, unpaid.id)
    assert "Waiting for payment" in card(html, unpaid.id)
    assert "Confirmed" in card(html, confirmed.id)
    assert "Not checked in yet" in card(html, confirmed.id)
    assert "Cancelled" in card(html, gone.id)
    assert f'id="b-{tomorrow.id}"' not in html
    # Only a pending request offers approval; each status has its own icon, not only colour.
    assert "/approve" in card(html, pending.id) and "/approve" not in card(html, confirmed.id)
    assert BOOKINGS.icon("pending_approval") in card(html, pending.id)
    assert BOOKINGS.icon("confirmed") in card(html, confirmed.id)

    rooms_only = await client.get(f"/staff/board?date={day.isoformat()}&kind=meeting_room")
    assert f'id="res-{room.id}"' in rooms_only.text
    assert f'id="res-{desk.id}"' not in rooms_only.text

    week = await client.get(f"/staff/board?view=week&date={day.isoformat()}")
    assert week.status_code == 200
    assert "Phạm Minh Khoa" in week.text and "Đặng Quốc Bảo" in week.text
    assert "Waiting for approval" in week.text
    # The week view leaves cancelled bookings to the day view.
    assert f"#b-{gone.id}" not in week.text and f"#b-{tomorrow.id}" in week.text


async def test_a_holiday_and_a_closure_show_on_the_board(
    client: httpx.AsyncClient, staff: User
) -> None:
    room = await add_resource("Phòng họp Sen")
    new_year = date(utcnow().year + 1, 1, 1)
    response = await client.get(f"/staff/board?date={new_year.isoformat()}")
    assert response.status_code == 200
    assert "Public holiday: New Year&#39;s Day" in response.text
    week = await client.get(f"/staff/board?view=week&date={new_year.isoformat()}")
    assert "New Year&#39;s Day" in week.text

    day = next_open_day()
    await spaces.create_closure(
        starts_at=local(day, 13),
        ends_at=local(day, 17),
        reason="Sửa điều hòa",
        actor_id=staff.id,
        resource_id=room.id,
    )
    board = await client.get(f"/staff/board?date={day.isoformat()}")
    assert "Sửa điều hòa" in row(board.text, room.id)
    assert "13:00–17:00" in row(board.text, room.id)


async def test_the_holiday_is_named_in_vietnamese_for_vietnamese_staff(
    client: httpx.AsyncClient,
) -> None:
    await make_user("staff", email="phuc@hub.vn", name="Lê Hoàng Phúc")
    await log_in(client, "phuc@hub.vn")
    new_year = date(utcnow().year + 1, 1, 1)
    response = await client.get(f"/staff/board?date={new_year.isoformat()}")
    assert response.status_code == 200
    assert "Tết Dương lịch" in response.text


async def test_bad_dates_and_locations_fall_back_to_today(
    client: httpx.AsyncClient, staff: User
) -> None:
    response = await client.get("/staff/board?date=31/12/2026&location_id=999999")
    assert response.status_code == 200
    assert "That is not a date; showing today." in response.text
    assert "No such location; showing the main one." in response.text
    for far in ("0001-01-01", "9999-12-31"):
        assert (await client.get(f"/staff/board?date={far}&view=week")).status_code == 200


# -- actions -------------------------------------------------------------------------------


async def test_approve_and_decline_change_the_board(
    client: httpx.AsyncClient, staff: User, khoa: User, bao: User
) -> None:
    day = next_open_day()
    room = await add_resource("Phòng họp Sen", requires_approval=True)
    first = await book(khoa, room, day, 9, 10)
    second = await book(bao, room, day, 10, 11)

    approved = await act(client, f"/staff/board/bookings/{first.id}/approve", {}, day=day)
    assert approved.status_code == 200
    assert 'id="res-' in approved.text and "Booking approved." in approved.text
    assert "Confirmed" in card(approved.text, first.id)
    assert await status_of(first) == "confirmed"

    no_reason = await act(client, f"/staff/board/bookings/{second.id}/decline", {}, day=day)
    assert no_reason.status_code == 422
    assert f'id="dc-{second.id}-reason-error"' in no_reason.text
    assert "Give the member a reason." in card(no_reason.text, second.id)
    assert await status_of(second) == "pending_approval"

    declined = await act(
        client,
        f"/staff/board/bookings/{second.id}/decline",
        {"reason": "Phòng đã dành cho hội thảo"},
        day=day,
        htmx=False,
    )
    assert declined.status_code == 303
    assert "done=declined" in declined.headers["location"]
    assert await status_of(second) == "declined"
    board = await client.get(declined.headers["location"])
    assert "Booking declined" in board.text
    assert "Declined" in card(board.text, second.id)
    assert "Phòng đã dành cho hội thảo" in card(board.text, second.id)

    again = await act(client, f"/staff/board/bookings/{second.id}/approve", {}, day=day)
    assert again.status_code == 422
    assert "Only bookings waiting for approval can be decided." in card(again.text, second.id)


async def test_cancel_needs_a_reason_shown_next_to_the_field(
    client: httpx.AsyncClient, staff: User, khoa: User
) -> None:
    day = next_open_day()
    desk = await add_resource("Bàn A01", kind="desk", capacity=1)
    booking = await book(khoa, desk, day, 9, 11)

    refused = await act(client, f"/staff/board/bookings/{booking.id}/cancel", {}, day=day)
    assert refused.status_code == 422
    html = card(refused.text, booking.id)
    assert f'id="cx-{booking.id}-reason-error"' in html and "Give the member a reason." in html
    assert '<details class="entry-form" open>' in html  # the form stays open
    assert await status_of(booking) == "confirmed"

    # Without JavaScript the whole board comes back, the message next to the field.
    plain = await act(
        client, f"/staff/board/bookings/{booking.id}/cancel", {"reason": " "}, day=day, htmx=False
    )
    assert plain.status_code == 422
    assert "<html" in plain.text and "Give the member a reason." in card(plain.text, booking.id)

    done = await act(
        client,
        f"/staff/board/bookings/{booking.id}/cancel",
        {"reason": "Mất điện cả tầng"},
        day=day,
    )
    assert done.status_code == 200
    assert "Booking cancelled" in done.text
    assert "Cancelled" in card(done.text, booking.id)
    assert "Mất điện cả tầng" in card(done.text, booking.id)
    assert await status_of(booking) == "cancelled"


async def test_move_to_a_taken_slot_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, staff: User, khoa: User, bao: User
) -> None:
    day = next_open_day()
    room = await add_resource("Phòng họp Sen")
    other = await add_resource("Phòng họp Súng")
    first = await book(khoa, room, day, 9, 10)
    await book(bao, room, day, 10, 11)

    taken = await act(
        client,
        f"/staff/board/bookings/{first.id}/move",
        {"date": day.isoformat(), "start": "10:00", "end": "11:00", "resource_id": str(room.id)},
        day=day,
    )
    assert taken.status_code == 422
    html = card(taken.text, first.id)
    assert f'id="mv-{first.id}-when"' in html and "Slot taken" in html
    assert 'value="10:00"' in html  # what the staff member typed is kept
    stored = await Booking.objects().where(Booking.id == first.id).first().run()
    assert stored is not None and stored.start_at == local(day, 9) and stored.resource == room.id

    bad = await act(
        client,
        f"/staff/board/bookings/{first.id}/move",
        {"date": "mai", "start": "9h", "end": "", "resource_id": str(room.id)},
        day=day,
    )
    assert bad.status_code == 422
    assert "Enter a date." in bad.text and "Enter a time such as 09:00." in bad.text

    moved = await act(
        client,
        f"/staff/board/bookings/{first.id}/move",
        {
            "date": day.isoformat(),
            "start": "14:00",
            "end": "15:00",
            "resource_id": str(other.id),
            "row": str(room.id),
        },
        day=day,
    )
    assert moved.status_code == 200
    assert f'id="b-{first.id}"' not in row(moved.text, room.id)
    # The new row comes along out of band, with the booking in it.
    assert f'<section id="res-{other.id}"' in moved.text and 'hx-swap-oob="true"' in moved.text
    assert "14:00–15:00" in card(row(moved.text, other.id), first.id)
    stored = await Booking.objects().where(Booking.id == first.id).first().run()
    assert stored is not None and stored.resource == other.id
    assert stored.start_at == local(day, 14)


async def test_staff_block_a_space_with_a_reason(
    client: httpx.AsyncClient, staff: User, khoa: User
) -> None:
    day = next_open_day()
    hall = await add_resource("Hội trường", kind="event_hall")
    await book(khoa, hall, day, 9, 10)

    no_reason = await act(
        client,
        f"/staff/board/resources/{hall.id}/block",
        {"date": day.isoformat(), "start": "13:00", "end": "17:00", "block_type": "event"},
        day=day,
    )
    assert no_reason.status_code == 422
    assert f'id="bl-{hall.id}-reason-error"' in no_reason.text
    overlap = await act(
        client,
        f"/staff/board/resources/{hall.id}/block",
        {"date": day.isoformat(), "start": "09:30", "end": "12:00", "reason": "Sửa máy chiếu"},
        day=day,
    )
    assert overlap.status_code == 422
    assert f'id="bl-{hall.id}-when"' in overlap.text and "Slot taken" in overlap.text
    assert await Booking.count().where(Booking.kind == "block").run() == 0

    blocked = await act(
        client,
        f"/staff/board/resources/{hall.id}/block",
        {
            "date": day.isoformat(),
            "start": "13:00",
            "end": "17:00",
            "block_type": "event",
            "reason": "Ngày hội khởi nghiệp",
        },
        day=day,
        htmx=False,
    )
    assert blocked.status_code == 303
    board = await client.get(blocked.headers["location"])
    hall_row = row(board.text, hall.id)
    assert "Space blocked." in hall_row
    assert "Event: Ngày hội khởi nghiệp" in hall_row and "Blocked" in hall_row
    assert "13:00–17:00" in hall_row
    assert "1 staff block (an event or maintenance)." in board.text
    # Members now find the time taken.
    found = await services.availability(local(day, 8), local(day, 17), resource_id=hall.id)
    assert all(end <= local(day, 13) for _start, end in found[0].free)


async def test_staff_check_a_member_in_on_their_behalf(
    client: httpx.AsyncClient, staff: User, khoa: User
) -> None:
    desk = await add_resource("Bàn A01", kind="desk", capacity=1)
    booking = await book(khoa, desk, next_open_day(), 9, 10)
    # Bring the booking to now (moves are refused only by overlaps), so it can be checked in.
    now = utcnow().astimezone(LOCAL_TZ).replace(second=0, microsecond=0)
    await services.move_booking(
        staff,
        booking.id,
        start=now - timedelta(minutes=5),
        end=now + timedelta(minutes=55),
        resource_id=None,
        reason="",
        policy=POLICY,
    )
    today = (now - timedelta(minutes=5)).date()
    board = await client.get(f"/staff/board?date={today.isoformat()}")
    assert "Check in for the member" in card(board.text, booking.id)

    checked = await act(client, f"/staff/board/bookings/{booking.id}/check-in", {}, day=today)
    assert checked.status_code == 200
    html = card(checked.text, booking.id)
    assert "Checked in at" in html and "✓" in html
    assert "Check in for the member" not in html
    assert await status_of(booking) == "checked_in"


async def test_refused_check_in_is_shown_on_the_card(
    client: httpx.AsyncClient, staff: User, khoa: User
) -> None:
    day = next_open_day(3)
    desk = await add_resource("Bàn A01", kind="desk", capacity=1)
    booking = await book(khoa, desk, day, 9, 10)
    early = await act(client, f"/staff/board/bookings/{booking.id}/check-in", {}, day=day)
    assert early.status_code == 422
    assert "Check in from 10 minutes before the start." in card(early.text, booking.id)
    assert await status_of(booking) == "confirmed"
    missing = await act(client, "/staff/board/bookings/999999/check-in", {}, day=day)
    assert missing.status_code == 422
    assert missing.headers["hx-retarget"] == "#board-alert"
    assert "No such booking." in missing.text
    huge = await act(client, f"/staff/board/bookings/{2**63}/cancel", {"reason": "x"}, day=day)
    assert huge.status_code == 422 and "No such booking." in huge.text
    nowhere = await act(
        client,
        f"/staff/board/resources/{2**40}/block",
        {"date": day.isoformat(), "start": "09:00", "end": "10:00", "reason": "x"},
        day=day,
        htmx=False,
    )
    assert nowhere.status_code == 404 and "No such space." in nowhere.text


async def test_board_actions_need_the_csrf_token(
    client: httpx.AsyncClient, staff: User, khoa: User
) -> None:
    day = next_open_day()
    desk = await add_resource("Bàn A01", kind="desk", capacity=1)
    booking = await book(khoa, desk, day, 9, 10)
    response = await client.post(
        f"/staff/board/bookings/{booking.id}/cancel",
        data={"reason": "Không có token", "board_date": day.isoformat()},
    )
    assert response.status_code == 403
    assert await status_of(booking) == "confirmed"
    forged = await act(
        client,
        f"/staff/board/bookings/{booking.id}/cancel",
        {"reason": "Token giả"},
        day=day,
        token="forged-token",
    )
    assert forged.status_code == 403
    assert await status_of(booking) == "confirmed"
    closure = await client.post(
        "/staff/spaces/closures",
        data={"target": "location:1", "reason": "x", "starts_at": "", "ends_at": ""},
    )
    assert closure.status_code == 403


# -- spaces --------------------------------------------------------------------------------


async def test_spaces_page_lists_resources_with_their_rules(
    client: httpx.AsyncClient, staff: User
) -> None:
    await add_resource(
        "Phòng họp Sen",
        requires_approval=True,
        price_per_hour_vnd=150_000,
        buffer_minutes=15,
        free_weekly_hours={"startup": 4},
    )
    response = await client.get("/staff/spaces")
    assert response.status_code == 200
    html = response.text
    assert "Phòng họp Sen" in html and "Meeting room" in html
    assert "150,000" in html  # English money format
    assert "Staff approve each booking" in html
    assert "30 minutes / 30 minutes / 8 hours" in html
    assert "Startup: 4 hours" in html


async def test_adding_a_resource_with_bad_input_shows_field_errors_and_creates_nothing(
    client: httpx.AsyncClient, staff: User
) -> None:
    token = await csrf_token(client, "/staff/spaces")
    response = await client.post(
        "/staff/spaces/resources",
        data={
            "_csrf_token": token,
            "name": "",
            "kind": "sofa",
            "capacity": "nhiều",
            "min_minutes": "120",
            "max_minutes": "60",
            "free_student": "abc",
            "allow_student": "on",
        },
        headers={"hx-request": "true"},
    )
    assert response.status_code == 422
    html = response.text
    for field in ("name", "kind", "capacity", "max_minutes", "free_weekly_hours"):
        assert f'id="e-{field}"' in html, field
    assert "Enter a name." in html and "Enter a whole number." in html
    assert 'value="nhiều"' in html  # what was typed is kept
    assert await Resource.count().run() == 0

    plain = await client.post(
        "/staff/spaces/resources",
        data={"_csrf_token": token, "name": "Bàn", "kind": "desk", "capacity": "1"},
    )
    assert plain.status_code == 422  # nobody may book it: no account type ticked
    assert 'id="e-allowed_roles"' in plain.text
    assert await Resource.count().run() == 0


async def test_adding_a_resource_shows_it_on_the_list_and_the_board(
    client: httpx.AsyncClient, staff: User
) -> None:
    token = await csrf_token(client, "/staff/spaces")
    response = await client.post(
        "/staff/spaces/resources",
        data={
            "_csrf_token": token,
            "name": "Phòng Lab IoT",
            "kind": "lab",
            "capacity": "12",
            "price_per_hour_vnd": "150.000",
            "requires_approval": "on",
            "slot_minutes": "60",
            "min_minutes": "60",
            "max_minutes": "240",
            "free_startup": "2",
            "allow_startup": "on",
            "allow_enterprise": "on",
            "allow_staff": "on",
        },
    )
    assert response.status_code == 303
    resource = await Resource.objects().where(Resource.name == "Phòng Lab IoT").first().run()
    assert resource is not None
    assert resource.price_per_hour_vnd == 150_000 and resource.requires_approval
    assert resource.slot_minutes == 60 and resource.capacity == 12
    assert set(spaces.allowed_roles(resource)) == {"startup", "enterprise", "staff", "admin"}
    assert spaces.free_weekly_hours(resource) == {"startup": 2}
    listed = await client.get(response.headers["location"])
    assert "Phòng Lab IoT was added." in listed.text
    board = await client.get(f"/staff/board?date={next_open_day().isoformat()}")
    assert "Phòng Lab IoT" in board.text


async def test_closures_are_added_listed_and_checked(
    client: httpx.AsyncClient, staff: User
) -> None:
    room = await add_resource("Phòng họp Sen")
    location = await spaces.default_location()
    day = next_open_day()
    token = await csrf_token(client, "/staff/spaces")
    bad = await client.post(
        "/staff/spaces/closures",
        data={
            "_csrf_token": token,
            "target": f"resource:{room.id}",
            "starts_at": f"{day.isoformat()}T15:00",
            "ends_at": f"{day.isoformat()}T09:00",
            "reason": "",
        },
    )
    assert bad.status_code == 422
    assert 'id="e-ends_at"' in bad.text and 'id="e-reason"' in bad.text
    unknown = await client.post(
        "/staff/spaces/closures",
        data={
            "_csrf_token": token,
            "target": "resource:999999",
            "starts_at": f"{day.isoformat()}T08:00",
            "ends_at": f"{day.isoformat()}T12:00",
            "reason": "Kiểm kê",
        },
    )
    assert unknown.status_code == 422 and 'id="e-target"' in unknown.text
    assert await Closure.count().run() == 0

    good = await client.post(
        "/staff/spaces/closures",
        data={
            "_csrf_token": token,
            "target": f"location:{location.id}",
            "starts_at": f"{day.isoformat()}T08:00",
            "ends_at": f"{day.isoformat()}T12:00",
            "reason": "Tổng vệ sinh",
        },
    )
    assert good.status_code == 303
    stored = await Closure.objects().first().run()
    assert stored is not None and stored.starts_at == local(day, 8)
    listed = await client.get("/staff/spaces")
    assert "Tổng vệ sinh" in listed.text and "Trần Bích Ngọc" in listed.text
    board = await client.get(f"/staff/board?date={day.isoformat()}")
    assert "Tổng vệ sinh" in board.text and "08:00–12:00" in board.text
