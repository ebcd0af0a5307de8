"""Member booking pages: the availability grid, the booking form with repeats, my bookings,
cancel and check-in, and the waitlist — as a member or a visitor sees them."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services
from innovation_hub.bookings.tables import Booking, WaitlistEntry
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.i18n import gettext, use_locale
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import Resource
from tests.helpers import csrf_token, log_in, make_user, next_open_day, post_form

POLICY = services.Policy()


def vi(message: str, **values: Any) -> str:
    """What a Vietnamese page says for an English message id."""
    with use_locale("vi"):
        return gettext(message, **values)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ)


async def add_space(**fields: Any) -> Resource:
    data = {"name": "Bàn 01", "kind": "desk", "capacity": 1, **fields}
    return await spaces.create_resource(data, actor_id=None)


async def book(user: User, resource: Resource, day: date, start: int, end: int) -> Booking:
    return await services.create_booking(
        user, resource.id, local(day, start), local(day, end), policy=POLICY
    )


async def member(client: httpx.AsyncClient, email: str, role: str = "student") -> User:
    user = await make_user(role, email=email)
    await log_in(client, email)
    return user


async def submit(
    client: httpx.AsyncClient, path: str, data: dict[str, str], *, htmx: bool = False
) -> httpx.Response:
    return await post_form(client, path, data, htmx=htmx, token_page="/bookings")


def row_of(page: str, resource: Resource) -> str:
    match = re.search(rf'<tr data-resource="{resource.id}">(.*?)</tr>', page, re.S)
    assert match, f"no grid row for {resource.name}"
    return match.group(1)


def cell_at(page: str, resource: Resource, hhmm: str) -> str:
    """The grid cell that starts at ``hhmm`` for a resource (merged cells start once)."""
    row = row_of(page, resource)
    match = re.search(rf'<td [^>]*data-start="{hhmm}"[^>]*>(.*?)</td>', row, re.S)
    assert match, f"no cell at {hhmm}"
    return match.group(0)


def field_error(page: str, name: str) -> str:
    match = re.search(rf'id="e-{name}"[^>]*>(.*?)</small>', page, re.S)
    assert match, f"no error shown next to {name}"
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip().lstrip("⚠ ")


def form_data(resource: Resource, day: date, start: str, end: str, **extra: str) -> dict[str, str]:
    return {
        "resource_id": str(resource.id),
        "date": day.isoformat(),
        "start_time": start,
        "end_time": end,
        "attendees": "1",
        "purpose": "Ôn thi học kỳ",
        "repeat": "none",
        **extra,
    }


# -- the availability grid -----------------------------------------------------------------


async def test_the_grid_shows_a_booked_slot_as_taken_and_a_free_slot_as_a_link(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    desk = await add_space()
    owner = await make_user("student", email="khoa@hs.vn")
    day = next_open_day()
    await book(owner, desk, day, 10, 11)

    visitor = await client.get("/spaces", params={"date": day.isoformat()})
    assert visitor.status_code == 200
    page = visitor.text
    assert "<caption" in page and 'scope="col"' in page and 'scope="row"' in page
    taken = cell_at(page, desk, "10:00")
    assert 'data-state="taken"' in taken and 'colspan="2"' in taken
    assert vi("Booked") in taken and "10:00–11:00" in taken
    assert 'action="/waitlist"' not in taken  # visitors cannot join a waitlist
    free = cell_at(page, desk, "09:00")
    assert 'data-state="free"' in free and vi("Free") in free
    # A visitor's link goes through the login page and comes back to the chosen slot.
    href = html.unescape(re.search(r'href="([^"]+)"', free).group(1))  # type: ignore[union-attr]
    assert href.startswith("/login?")
    target = parse_qs(urlsplit(href).query)["next"][0]
    assert target.startswith("/bookings/new?")

    await member(other_client, "ha@hs.vn")
    logged_in = (await other_client.get("/spaces", params={"date": day.isoformat()})).text
    free = cell_at(logged_in, desk, "09:00")
    href = html.unescape(re.search(r'href="([^"]+)"', free).group(1))  # type: ignore[union-attr]
    query = parse_qs(urlsplit(href).query)
    assert urlsplit(href).path == "/bookings/new"
    assert query["resource_id"] == [str(desk.id)]
    assert datetime.fromisoformat(query["start"][0]) == local(day, 9)
    assert datetime.fromisoformat(query["end"][0]) == local(day, 9, 30)
    assert 'action="/waitlist"' in cell_at(logged_in, desk, "10:00")

    # Following the link opens the form with the slot filled in.
    form = (await other_client.get(href)).text
    assert f'<option value="{desk.id}" selected>' in form
    assert f'value="{day.isoformat()}"' in form
    assert 'value="09:00"' in form and 'value="09:30"' in form


async def test_my_own_booking_is_marked_as_mine_without_a_waitlist_button(
    client: httpx.AsyncClient,
) -> None:
    user = await member(client, "khoa@hs.vn")
    desk = await add_space()
    day = next_open_day()
    await book(user, desk, day, 14, 15)
    page = (await client.get("/spaces", params={"date": day.isoformat()})).text
    mine = cell_at(page, desk, "14:00")
    assert 'data-state="mine"' in mine and html.escape(vi("Your booking")) in mine
    assert 'action="/waitlist"' not in mine
    # The waitlist-offer email links to /bookings/waitlist.
    link = await client.get("/bookings/waitlist")
    assert link.status_code == 303 and link.headers["location"] == "/bookings#waitlist"


async def test_the_grid_opens_on_today_or_the_next_open_day_and_greys_the_past(
    client: httpx.AsyncClient, frozen_clock: Callable[[datetime], None]
) -> None:
    desk = await add_space()
    saturday = date(2026, 12, 5)
    frozen_clock(local(saturday, 10))
    weekend = (await client.get("/spaces")).text
    assert "07/12/2026" in weekend  # Monday, the next open day
    assert 'data-state="free"' in cell_at(weekend, desk, "08:00")

    monday = date(2026, 12, 7)
    frozen_clock(local(monday, 10, 10))
    today = (await client.get("/spaces")).text
    past = cell_at(today, desk, "08:00")
    assert 'data-state="past"' in past and 'colspan="5"' in past  # 08:00–10:30
    assert html.escape(vi("Past")) in past
    assert 'data-state="free"' in cell_at(today, desk, "10:30")

    frozen_clock(local(monday, 17, 30))
    evening = (await client.get("/spaces")).text
    assert "08/12/2026" in evening  # closed for today: tomorrow


async def test_the_grid_filters_by_kind_and_capacity_and_moves_by_day(
    client: httpx.AsyncClient,
) -> None:
    desk = await add_space()
    room = await add_space(
        name="Phòng họp Sen", kind="meeting_room", capacity=10, price_per_hour_vnd=150_000
    )
    day = next_open_day()
    both = (await client.get("/spaces", params={"date": day.isoformat()})).text
    assert desk.name in both and room.name in both
    assert vi("Free") in row_of(both, desk)
    assert "150.000" in row_of(both, room)  # money in Vietnamese format

    rooms = (
        await client.get("/spaces", params={"date": day.isoformat(), "kind": "meeting_room"})
    ).text
    assert room.name in rooms and f'data-resource="{desk.id}"' not in rooms
    big = (await client.get("/spaces", params={"date": day.isoformat(), "min_capacity": "5"})).text
    assert f'data-resource="{room.id}"' in big and f'data-resource="{desk.id}"' not in big

    following = (day + timedelta(days=1)).isoformat()
    assert f"date={following}" in both and f"date={(day - timedelta(days=1)).isoformat()}" in both

    bad = await client.get(
        "/spaces", params={"date": "2026-02-30", "kind": "sofa", "min_capacity": "-3"}
    )
    assert bad.status_code == 422
    assert field_error(bad.text, "date") and field_error(bad.text, "min_capacity")
    assert field_error(bad.text, "kind")


async def test_a_holiday_shows_its_name_and_a_closure_its_reason(
    client: httpx.AsyncClient,
) -> None:
    desk = await add_space(max_days_ahead=366)
    new_year = date(datetime.now(LOCAL_TZ).year + 1, 1, 1)
    with use_locale("vi"):
        name = spaces.holiday_name(new_year)
    assert name
    page = (await client.get("/spaces", params={"date": new_year.isoformat()})).text
    assert html.escape(name) in page or name in page
    assert 'data-state="free"' not in page

    staff = await make_user("staff", email="ngoc@hub.vn")
    day = next_open_day()
    await spaces.create_closure(
        starts_at=local(day, 13),
        ends_at=local(day, 15),
        reason="Bảo trì điện",
        actor_id=staff.id,
        resource_id=desk.id,
    )
    closed = (await client.get("/spaces", params={"date": day.isoformat()})).text
    assert "Bảo trì điện" in closed
    cell = cell_at(closed, desk, "13:00")
    assert 'data-state="closed"' in cell and 'colspan="4"' in cell


# -- the booking form ----------------------------------------------------------------------


async def test_booking_through_the_form_confirms_it(client: httpx.AsyncClient) -> None:
    user = await member(client, "khoa@hs.vn")
    desk = await add_space()
    day = next_open_day()
    assert (await client.get("/bookings/new")).status_code == 200
    response = await submit(client, "/bookings/new", form_data(desk, day, "09:00", "10:30"))
    assert response.status_code == 303
    assert response.headers["location"].startswith("/bookings?booked=")
    booking = await Booking.objects().first().run()
    assert booking is not None and booking.user == user.id
    assert booking.start_at == local(day, 9) and booking.end_at == local(day, 10, 30)
    assert booking.status == "confirmed" and booking.purpose == "Ôn thi học kỳ"

    mine = (await client.get(response.headers["location"])).text
    assert "Bàn 01" in mine and "09:00–10:30" in mine
    assert html.escape(vi("Confirmed")) in mine


async def test_a_paid_room_waits_for_payment_with_amount_and_hold(
    client: httpx.AsyncClient,
) -> None:
    await member(client, "bao@agritn.vn", role="startup")
    room = await add_space(
        name="Phòng họp Sen", kind="meeting_room", capacity=10, price_per_hour_vnd=150_000
    )
    day = next_open_day()
    response = await submit(
        client, "/bookings/new", form_data(room, day, "13:00", "14:30", attendees="6")
    )
    assert response.status_code == 303
    mine = (await client.get(response.headers["location"])).text
    assert "225.000" in mine  # 1.5 hours at 150,000 VND
    booking = await Booking.objects().first().run()
    assert booking is not None and booking.status == "pending_payment"
    assert booking.hold_expires_at is not None
    with use_locale("vi"):
        from innovation_hub.core.i18n import format_datetime

        assert format_datetime(booking.hold_expires_at) in mine


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        ("18:00", "19:00", "start_time", "This is outside the opening hours."),
        ("10:00", "09:00", "end_time", "The end must be after the start."),
        ("09:10", "10:00", "start_time", None),  # off the 30-minute step
    ],
)
async def test_a_broken_rule_is_shown_next_to_its_field_and_books_nothing(
    client: httpx.AsyncClient, start: str, end: str, field: str, message: str | None
) -> None:
    await member(client, "khoa@hs.vn")
    desk = await add_space()
    day = next_open_day()
    response = await submit(client, "/bookings/new", form_data(desk, day, start, end))
    assert response.status_code == 422
    shown = field_error(response.text, field)
    if message:
        assert shown == vi(message)
    assert 'value="Ôn thi' not in response.text  # purpose is a textarea…
    assert "Ôn thi học kỳ</textarea>" in response.text  # …and what was typed is kept
    assert await Booking.count() == 0


async def test_an_overlap_is_409_next_to_the_start_and_offers_the_waitlist(
    client: httpx.AsyncClient,
) -> None:
    owner = await make_user("student", email="ha@hs.vn")
    await member(client, "khoa@hs.vn")
    desk = await add_space()
    day = next_open_day()
    await book(owner, desk, day, 9, 10)
    response = await submit(client, "/bookings/new", form_data(desk, day, "09:30", "10:30"))
    assert response.status_code == 409
    assert field_error(response.text, "start_time") == vi(
        "Someone has already booked this time. Choose another time or join the waitlist."
    )
    assert 'action="/waitlist"' in response.text
    assert await Booking.count() == 1

    join = await submit(
        client,
        "/waitlist",
        {
            "resource_id": str(desk.id),
            "start": local(day, 9, 30).isoformat(),
            "end": local(day, 10, 30).isoformat(),
        },
    )
    assert join.status_code == 303
    assert await WaitlistEntry.count() == 1


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"date": "2026-02-30"}, "date"),
        ({"date": "9999-12-31"}, "date"),
        ({"date": ""}, "date"),
        ({"start_time": "25:00"}, "start_time"),
        ({"end_time": "nine"}, "end_time"),
        ({"attendees": "abc"}, "attendees"),
        ({"attendees": "0"}, "attendees"),
        ({"resource_id": ""}, "resource_id"),
        ({"resource_id": "99999"}, "resource_id"),
        ({"repeat": "yearly"}, "repeat"),
        ({"repeat": "weekly", "repeat_end": "count", "count": "0"}, "count"),
        ({"repeat": "weekly", "repeat_end": "until", "until": "soon"}, "until"),
        ({"purpose": "x" * 301}, "purpose"),
    ],
)
async def test_malformed_input_is_a_field_error_never_a_500(
    client: httpx.AsyncClient, fields: dict[str, str], bad: str
) -> None:
    await member(client, "khoa@hs.vn")
    desk = await add_space()
    data = {**form_data(desk, next_open_day(), "09:00", "10:00"), **fields}
    response = await submit(client, "/bookings/new", data)
    assert response.status_code == 422, response.text[:500]
    assert field_error(response.text, bad)
    assert await Booking.count() == 0


async def test_a_role_that_may_not_book_sees_why(client: httpx.AsyncClient) -> None:
    await member(client, "khoa@hs.vn")
    lab = await add_space(name="Phòng Lab", kind="lab", allowed_roles=["startup", "enterprise"])
    day = next_open_day()
    grid = (await client.get("/spaces", params={"date": day.isoformat()})).text
    closed = cell_at(grid, lab, "08:00")
    assert "href=" not in closed
    assert html.escape(vi("Not open to your account type")) in closed
    response = await submit(client, "/bookings/new", form_data(lab, day, "09:00", "10:00"))
    assert response.status_code == 422
    assert field_error(response.text, "resource_id") == vi(
        "Your account type may not book this space."
    )


# -- repeating bookings --------------------------------------------------------------------


async def test_series_preview_lists_conflicts_and_booking_takes_the_free_dates(
    client: httpx.AsyncClient,
) -> None:
    owner = await make_user("student", email="ha@hs.vn")
    user = await member(client, "khoa@hs.vn")
    desk = await add_space(max_days_ahead=60)
    day = next_open_day()
    await book(owner, desk, day + timedelta(days=7), 9, 10)
    data = form_data(desk, day, "09:00", "10:00", repeat="weekly", repeat_end="count", count="3")

    preview = await submit(client, "/bookings/new/preview", data, htmx=True)
    assert preview.status_code == 200
    assert preview.text.lstrip().startswith('<div id="booking-form-area">')  # a fragment
    assert preview.text.count('<li class="preview-ok">') == 2
    conflict = re.search(r'<li class="preview-conflict">(.*?)</li>', preview.text, re.S)
    assert conflict and (day + timedelta(days=7)).strftime("%d/%m/%Y") in conflict.group(1)
    assert html.escape(
        vi("Someone has already booked this time. Choose another time or join the waitlist.")
    ) in conflict.group(1)
    assert await Booking.count() == 1  # a preview books nothing

    # Without JavaScript the same button shows the whole page with the dates.
    plain = await submit(client, "/bookings/new/preview", data)
    assert plain.status_code == 200 and "<html" in plain.text and "preview-conflict" in plain.text

    booked = await submit(client, "/bookings/new", data)
    assert booked.status_code == 303
    mine = await Booking.objects().where(Booking.user == user.id).order_by(Booking.start_at).run()
    assert [b.start_at for b in mine] == [local(day, 9), local(day + timedelta(days=14), 9)]
    assert mine[0].series is not None and mine[0].series == mine[1].series
    notice = (await client.get(booked.headers["location"])).text
    assert (day + timedelta(days=7)).strftime("%d/%m/%Y") in notice
    assert html.escape(vi("Dates booked in your repeating booking: %(n)s.", n=2)) in notice

    # Cancel all future dates: a confirmation page, then both dates go.
    series_id = mine[0].series
    assert f"/bookings/series/{series_id}/cancel" in notice
    confirm = await client.get(f"/bookings/series/{series_id}/cancel")
    assert confirm.status_code == 200 and confirm.text.count("09:00–10:00") == 2
    done = await submit(client, f"/bookings/series/{series_id}/cancel", {})
    assert done.status_code == 303
    statuses = {b.status for b in await Booking.objects().where(Booking.user == user.id).run()}
    assert statuses == {"cancelled"}


async def test_previewing_without_a_repeat_asks_for_one(client: httpx.AsyncClient) -> None:
    await member(client, "khoa@hs.vn")
    desk = await add_space()
    data = form_data(desk, next_open_day(), "09:00", "10:00")
    response = await submit(client, "/bookings/new/preview", data, htmx=True)
    assert response.status_code == 422
    assert field_error(response.text, "repeat")


# -- my bookings: cancel and check in ------------------------------------------------------


async def test_cancel_through_a_confirmation_page(client: httpx.AsyncClient) -> None:
    user = await member(client, "khoa@hs.vn")
    desk = await add_space()
    booking = await book(user, desk, next_open_day(), 9, 10)
    mine = (await client.get("/bookings")).text
    assert f'href="/bookings/{booking.id}/cancel"' in mine
    confirm = await client.get(f"/bookings/{booking.id}/cancel")
    assert confirm.status_code == 200 and f'action="/bookings/{booking.id}/cancel"' in confirm.text
    assert (await Booking.objects().get(Booking.id == booking.id).run()).status == "confirmed"

    done = await submit(client, f"/bookings/{booking.id}/cancel", {})
    assert done.status_code == 303
    assert (await Booking.objects().get(Booking.id == booking.id).run()).status == "cancelled"
    after = (await client.get(done.headers["location"])).text
    assert html.escape(vi("Your booking was cancelled.")) in after
    assert html.escape(vi("Cancelled")) in after
    again = (await client.get(f"/bookings/{booking.id}/cancel")).text
    assert f'action="/bookings/{booking.id}/cancel"' not in again


async def test_cancelling_too_late_is_refused_with_the_rule(client: httpx.AsyncClient) -> None:
    user = await member(client, "khoa@hs.vn")
    desk = await add_space(cancel_notice_hours=720)
    booking = await book(user, desk, next_open_day(), 9, 10)
    mine = (await client.get("/bookings")).text
    assert f'href="/bookings/{booking.id}/cancel"' not in mine
    rule = "Cần hủy trước giờ bắt đầu ít nhất 30 ngày."  # 720 hours, in days
    assert html.escape(rule) in mine
    refused = await submit(client, f"/bookings/{booking.id}/cancel", {})
    assert refused.status_code == 422
    assert html.escape(rule) in refused.text
    assert (await Booking.objects().get(Booking.id == booking.id).run()).status == "confirmed"


async def test_check_in_is_offered_from_just_before_the_start(
    client: httpx.AsyncClient, frozen_clock: Callable[[datetime], None]
) -> None:
    user = await member(client, "khoa@hs.vn")
    desk = await add_space()
    day = next_open_day()
    booking = await book(user, desk, day, 9, 10)
    action = f'action="/bookings/{booking.id}/check-in"'

    frozen_clock(local(day, 8, 30))
    early = (await client.get("/bookings")).text
    assert action not in early
    refused = await submit(client, f"/bookings/{booking.id}/check-in", {})
    assert refused.status_code == 422
    assert html.escape("Chỉ nhận chỗ được từ 10 phút trước giờ bắt đầu.") in refused.text

    frozen_clock(local(day, 8, 55))
    assert action in (await client.get("/bookings")).text
    done = await submit(client, f"/bookings/{booking.id}/check-in", {})
    assert done.status_code == 303
    assert (await Booking.objects().get(Booking.id == booking.id).run()).status == "checked_in"
    after = (await client.get(done.headers["location"])).text
    assert html.escape(vi("Checked in")) in after and action not in after


# -- the waitlist --------------------------------------------------------------------------


async def test_join_from_the_grid_then_book_the_offer(client: httpx.AsyncClient) -> None:
    owner = await make_user("student", email="ha@hs.vn")
    user = await member(client, "khoa@hs.vn")
    desk = await add_space()
    day = next_open_day()
    taken = await book(owner, desk, day, 9, 10)

    grid = (await client.get("/spaces", params={"date": day.isoformat()})).text
    form = cell_at(grid, desk, "09:00")
    values = dict(re.findall(r'name="(resource_id|start|end)" value="([^"]+)"', form))
    joined = await submit(client, "/waitlist", values)
    assert joined.status_code == 303
    mine = (await client.get("/bookings")).text
    assert html.escape(vi("Waiting")) in mine
    entry = await WaitlistEntry.objects().first().run()
    assert entry is not None and entry.user == user.id

    await services.cancel_booking(owner, taken.id, policy=POLICY)  # frees it; offers it to us
    offered = (await client.get("/bookings")).text
    assert f'action="/waitlist/{entry.id}/accept"' in offered
    accepted = await submit(client, f"/waitlist/{entry.id}/accept", {})
    assert accepted.status_code == 303
    mine_now = await Booking.objects().where(Booking.user == user.id).run()
    assert [b.start_at for b in mine_now] == [local(day, 9)]


async def test_joining_a_free_time_says_to_book_it_and_leaving_works(
    client: httpx.AsyncClient,
) -> None:
    owner = await make_user("student", email="ha@hs.vn")
    await member(client, "khoa@hs.vn")
    desk = await add_space()
    day = next_open_day()
    free = await submit(
        client,
        "/waitlist",
        {
            "resource_id": str(desk.id),
            "start": local(day, 9).isoformat(),
            "end": local(day, 10).isoformat(),
        },
    )
    assert free.status_code == 422
    assert html.escape(vi("This time is free: book it directly.")) in free.text
    garbled = await submit(client, "/waitlist", {"resource_id": "x", "start": "y", "end": ""})
    assert garbled.status_code == 400

    await book(owner, desk, day, 9, 10)
    await submit(
        client,
        "/waitlist",
        {
            "resource_id": str(desk.id),
            "start": local(day, 9).isoformat(),
            "end": local(day, 10).isoformat(),
        },
    )
    entry = await WaitlistEntry.objects().first().run()
    assert entry is not None
    left = await submit(client, f"/waitlist/{entry.id}/leave", {})
    assert left.status_code == 303
    assert (await WaitlistEntry.objects().get(WaitlistEntry.id == entry.id).run()).status == "left"
    assert f"/waitlist/{entry.id}/leave" not in (await client.get("/bookings")).text


# -- who may see what ----------------------------------------------------------------------


async def test_another_members_booking_is_404(client: httpx.AsyncClient) -> None:
    owner = await make_user("student", email="ha@hs.vn")
    desk = await add_space(max_days_ahead=60)
    day = next_open_day()
    booking = await book(owner, desk, day, 9, 10)
    series = await services.create_series(
        owner,
        desk.id,
        local(day, 11),
        local(day, 12),
        frequency="weekly",
        until=None,
        count=2,
        skip_conflicts=False,
        policy=POLICY,
    )
    await member(client, "khoa@hs.vn")
    assert (await client.get(f"/bookings/{booking.id}/cancel")).status_code == 404
    assert (await submit(client, f"/bookings/{booking.id}/cancel", {})).status_code == 404
    assert (await submit(client, f"/bookings/{booking.id}/check-in", {})).status_code == 404
    sid = series.series.id
    assert (await client.get(f"/bookings/series/{sid}/cancel")).status_code == 404
    assert (await submit(client, f"/bookings/series/{sid}/cancel", {})).status_code == 404
    assert "Bàn 01" not in (await client.get("/bookings")).text
    statuses = {b.status for b in await Booking.objects().run()}
    assert statuses == {"confirmed"}


async def test_visitors_are_sent_to_log_in(client: httpx.AsyncClient) -> None:
    for path in ("/bookings", "/bookings/new"):
        response = await client.get(path)
        assert response.status_code in (302, 303)
        assert response.headers["location"].startswith("/login?next=")
    assert (await client.get("/spaces")).status_code == 200


async def test_forms_need_the_csrf_token(client: httpx.AsyncClient) -> None:
    user = await member(client, "khoa@hs.vn")
    desk = await add_space()
    day = next_open_day()
    response = await client.post("/bookings/new", data=form_data(desk, day, "09:00", "10:00"))
    assert response.status_code == 403
    booking = await book(user, desk, day, 11, 12)
    assert (await client.post(f"/bookings/{booking.id}/cancel")).status_code == 403
    assert await Booking.count() == 1
    token = await csrf_token(client, "/bookings/new")
    ok = await client.post(
        "/bookings/new", data={**form_data(desk, day, "09:00", "10:00"), "_csrf_token": token}
    )
    assert ok.status_code == 303


async def test_the_pages_speak_english_too(client: httpx.AsyncClient) -> None:
    await make_user("student", email="ha@hs.vn", locale="en")
    await log_in(client, "ha@hs.vn")
    desk = await add_space()
    day = next_open_day()
    page = (await client.get("/spaces", params={"date": day.isoformat()})).text
    assert "Free" in cell_at(page, desk, "09:00")
    assert "Availability on" in page
