"""The front desk: a space's QR check-in page as a member or a visitor finds it, the printable
signs, and the kiosk screen reached by its secret link alone."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import segno

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services
from innovation_hub.bookings.tables import Booking, KioskToken
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.i18n import gettext, use_locale
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import Resource
from tests.helpers import csrf_token, log_in, make_user, next_open_day, post_form

POLICY = services.Policy()
Freeze = Callable[[datetime], None]


def vi(message: str, **values: Any) -> str:
    """What a Vietnamese page says for an English message id, as the HTML escapes it."""
    with use_locale("vi"):
        return html.escape(gettext(message, **values))


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ)


async def add_space(name: str = "Bàn làm việc 01", **fields: Any) -> Resource:
    data = {"name": name, "kind": "desk", "capacity": 1, **fields}
    return await spaces.create_resource(data, actor_id=None)


async def book(user: User, resource: Resource, day: date, start: int, end: int) -> Booking:
    return await services.create_booking(
        user, resource.id, local(day, start), local(day, end), purpose="Ôn thi", policy=POLICY
    )


async def member(client: httpx.AsyncClient, email: str, name: str = "Phạm Minh Khoa") -> User:
    user = await make_user("student", email=email, name=name, phone="0912 345 678")
    await log_in(client, email)
    return user


async def submit(client: httpx.AsyncClient, path: str, data: dict[str, str]) -> httpx.Response:
    return await post_form(client, path, data, token_page="/bookings")


def here(resource: Resource) -> str:
    return f"/spaces/{resource.id}/here"


async def status_of(booking: Booking) -> str:
    return (await Booking.objects().get(Booking.id == booking.id).run()).status


# -- the QR check-in page ------------------------------------------------------------------


async def test_a_member_with_a_booking_now_checks_in_from_the_sign(
    client: httpx.AsyncClient, frozen_clock: Freeze
) -> None:
    user = await member(client, "khoa@hs.vn")
    desk = await add_space()
    day = next_open_day()
    booking = await book(user, desk, day, 9, 11)
    frozen_clock(local(day, 9, 4))
    page = (await client.get(here(desk))).text
    assert "Bàn làm việc 01" in page and "09:00–11:00" in page
    assert f'action="{here(desk)}/check-in"' in page
    assert f'action="{here(desk)}/book"' not in page  # no offer beside a booking to check in

    done = await submit(client, f"{here(desk)}/check-in", {})
    assert done.status_code == 303 and done.headers["location"] == here(desk)
    assert await status_of(booking) == "checked_in"
    after = (await client.get(here(desk))).text
    assert vi("You checked in at %(time)s. Enjoy your time at the centre.", time="09:04") in after
    assert f'action="{here(desk)}/check-in"' not in after
    assert vi("Checked in") in (await client.get("/bookings")).text
    again = await submit(client, f"{here(desk)}/check-in", {})  # a second scan changes nothing
    assert again.status_code == 303 and await status_of(booking) == "checked_in"


async def test_too_early_says_from_when_and_refuses_with_the_rule(
    client: httpx.AsyncClient, frozen_clock: Freeze
) -> None:
    user = await member(client, "khoa@hs.vn")
    desk = await add_space()
    day = next_open_day()
    booking = await book(user, desk, day, 14, 15)
    frozen_clock(local(day, 13, 0))
    page = (await client.get(here(desk))).text
    assert vi("Check in from %(time)s.", time="13:50") in page
    assert f'action="{here(desk)}/check-in"' not in page
    refused = await submit(client, f"{here(desk)}/check-in", {})
    assert refused.status_code == 422
    assert html.escape("Chỉ nhận chỗ được từ 10 phút trước giờ bắt đầu.") in refused.text
    assert await status_of(booking) == "confirmed"


async def test_a_free_space_is_offered_until_the_next_booking_and_booked_in_one_tap(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, frozen_clock: Freeze
) -> None:
    await member(client, "khoa@hs.vn")
    someone = await make_user("student", email="ha@hs.vn")
    desk = await add_space()
    day = next_open_day()
    await book(someone, desk, day, 11, 12)
    frozen_clock(local(day, 9, 10))
    page = (await client.get(here(desk))).text
    assert vi("Free from %(start)s until %(end)s.", start="09:30", end="11:00") in page
    assert vi("Book until %(time)s", time="11:00") in page
    link = html.unescape(re.search(r'href="(/bookings/new\?[^"]+)"', page).group(1))  # type: ignore[union-attr]
    query = parse_qs(urlsplit(link).query)
    assert query["resource_id"] == [str(desk.id)]
    assert datetime.fromisoformat(query["start"][0]) == local(day, 9, 30)

    start = re.search(r'name="start" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    end = re.search(r'name="end" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    done = await submit(client, f"{here(desk)}/book", {"start": start, "end": end})
    assert done.status_code == 303, done.text
    made = await Booking.objects().where(Booking.start_at == local(day, 9, 30)).first().run()
    assert made is not None and made.status == "confirmed"
    assert made.end_at == local(day, 11)
    after = (await client.get(done.headers["location"])).text
    assert vi("Booked: the space is yours, %(time)s.", time="09:30–11:00") in after
    # Taken now by the member: the same one-tap request again is the booking rule's refusal.
    again = await submit(client, f"{here(desk)}/book", {"start": start, "end": end})
    assert again.status_code == 409
    assert await Booking.count().where(Booking.resource == desk.id).run() == 2


async def test_a_space_taken_now_says_so_and_offers_nothing(
    client: httpx.AsyncClient, frozen_clock: Freeze
) -> None:
    await member(client, "khoa@hs.vn")
    someone = await make_user("student", email="ha@hs.vn")
    desk = await add_space()
    day = next_open_day()
    await book(someone, desk, day, 9, 12)
    frozen_clock(local(day, 10, 0))
    page = (await client.get(here(desk))).text
    assert vi("Someone has booked this space now.") in page
    assert f'action="{here(desk)}/book"' not in page
    assert "Ôn thi" not in page  # nothing of the other member's booking
    refused = await submit(client, f"{here(desk)}/check-in", {})
    assert refused.status_code == 422
    assert vi("You have no booking here today.") in refused.text


async def test_a_visitor_logs_in_and_comes_back_to_the_sign(
    client: httpx.AsyncClient, frozen_clock: Freeze
) -> None:
    user = await make_user("student", email="khoa@hs.vn")
    desk = await add_space()
    day = next_open_day()
    await book(user, desk, day, 9, 10)
    frozen_clock(local(day, 9, 0))
    visitor = await client.get(here(desk))
    assert visitor.status_code == 302
    login = visitor.headers["location"]
    assert parse_qs(urlsplit(login).query)["next"] == [here(desk)]
    form = (await client.get(login)).text
    assert f'name="next" value="{here(desk)}"' in form
    token = await csrf_token(client, login)
    logged_in = await client.post(
        "/login",
        data={
            "email": "khoa@hs.vn",
            "password": "correct horse battery",
            "next": here(desk),
            "_csrf_token": token,
        },
    )
    assert logged_in.status_code == 303 and logged_in.headers["location"] == here(desk)
    assert f'action="{here(desk)}/check-in"' in (await client.get(here(desk))).text


async def test_an_unknown_space_is_a_404(client: httpx.AsyncClient) -> None:
    await member(client, "khoa@hs.vn")
    assert (await client.get("/spaces/999999/here")).status_code == 404
    assert (await client.get("/spaces/99999999999/here")).status_code == 404
    assert (await submit(client, "/spaces/99999999999/here/check-in", {})).status_code == 404


# -- the signs -----------------------------------------------------------------------------


async def test_signs_are_for_staff_and_hold_the_spaces_qr_code(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    desk = await add_space()
    room = await add_space("Phòng họp Sen", kind="meeting_room", capacity=8)
    await member(other_client, "khoa@hs.vn")
    assert (await other_client.get(f"/staff/spaces/{desk.id}/sign")).status_code == 403
    await make_user("staff", email="ngoc@hub.vn")
    await log_in(client, "ngoc@hub.vn")

    sign = await client.get(f"/staff/spaces/{desk.id}/sign")
    assert sign.status_code == 200
    url = f"http://testserver/spaces/{desk.id}/here"
    with use_locale("vi"):
        svg = segno.make(url, error="m").svg_inline(
            omitsize=True, title=gettext("QR code of %(name)s", name=desk.name)
        )
    assert svg in sign.text
    assert f'<p class="sign-url">{url}</p>' in sign.text
    assert "Quét để nhận chỗ" in sign.text and "Scan to check in" in sign.text
    assert "Trung tâm Khởi nghiệp và Đổi mới sáng tạo" in sign.text
    css = (
        await client.get(re.search(r'href="(/static/css/desk.css[^"]*)"', sign.text).group(1))
    ).text  # type: ignore[union-attr]
    assert "@page { size: A6;" in css

    every = (await client.get("/staff/spaces/signs")).text
    assert every.count('<article class="sign"') == 2
    assert f"/spaces/{room.id}/here" in every and f"/spaces/{desk.id}/here" in every
    assert (await client.get("/staff/spaces/999999/sign")).status_code == 404


# -- the kiosk -----------------------------------------------------------------------------


async def make_kiosk(client: httpx.AsyncClient) -> str:
    """A staff member makes a screen on the staff page; its link is shown once."""
    location = await spaces.default_location()
    made = await post_form(
        client,
        "/staff/kiosks",
        {"label": "Quầy lễ tân tầng 3", "location_id": str(location.id)},
        token_page="/staff/kiosks",
    )
    assert made.status_code == 201, made.text
    found = re.search(r'href="http://testserver(/kiosk/[^"]+)"', made.text)
    assert found
    return found.group(1)


async def test_the_kiosk_shows_today_by_space_and_refreshes_with_each_check_in(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, frozen_clock: Freeze
) -> None:
    day = next_open_day()
    desk, room = await add_space(), await add_space("Phòng họp Trúc", kind="meeting_room")
    await add_space("Bàn làm việc 02")
    khoa = await make_user("student", email="khoa@hs.vn", name="Phạm Minh Khoa")
    ha = await make_user("startup", email="ha@agritn.vn", name="Võ Thị Hà")
    early = await book(khoa, desk, day, 8, 12)
    later = await book(ha, room, day, 14, 15)
    await book(ha, desk, day + timedelta(days=1), 9, 10)  # another day: not shown
    await make_user("staff", email="ngoc@hub.vn")
    await log_in(client, "ngoc@hub.vn")
    path = await make_kiosk(client)
    token = path.rsplit("/", 1)[1]
    stored = await KioskToken.objects().first().run()
    assert stored is not None and token not in stored.token_digest and len(token) >= 40

    frozen_clock(local(day, 8, 20))
    await services.release_no_shows(policy=POLICY)
    frozen_clock(local(day, 9, 30))
    await services.create_booking(
        khoa, room.id, local(day, 10), local(day, 11), purpose="Họp nhóm", policy=POLICY
    )
    screen = await other_client.get(path)  # no session at all: the link is the key
    assert screen.status_code == 200
    page = screen.text
    assert 'hx-trigger="every 30s"' in page and f'hx-get="{path}"' in page
    assert "P. M. Khoa" in page and "V. T. Hà" in page
    assert "Bàn làm việc 01" in page and "Phòng họp Trúc" in page
    assert vi("Free all day") in page and "Bàn làm việc 02" in page
    assert vi("No-show") in page and vi("Walk-in") in page and vi("Expected") in page
    for private in ("Phạm Minh Khoa", "khoa@hs.vn", "0912", "Ôn thi", "Họp nhóm", "AgriTN"):
        assert private not in page, private
    assert 'action="/logout"' not in page and "/staff/" not in page
    assert await status_of(early) == "no_show" and await status_of(later) == "confirmed"

    frozen_clock(local(day, 13, 55))
    await services.check_in(ha, later.id, policy=POLICY)
    board = await other_client.get(path, headers={"HX-Request": "true"})  # as htmx polls it
    assert board.status_code == 200 and board.text.lstrip().startswith('<div id="kiosk-board"')
    assert vi("Checked in at %(time)s", time="13:55") in board.text
    assert "<html" not in board.text


async def test_a_revoked_or_wrong_kiosk_link_opens_nothing(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    await make_user("staff", email="ngoc@hub.vn")
    await log_in(client, "ngoc@hub.vn")
    path = await make_kiosk(client)
    assert (await other_client.get(path)).status_code == 200
    listed = (await client.get("/staff/kiosks")).text
    assert "Quầy lễ tân tầng 3" in listed and path not in listed  # the link is shown once
    kiosk = await KioskToken.objects().first().run()
    assert kiosk is not None
    revoked = await post_form(
        client, f"/staff/kiosks/{kiosk.id}/revoke", {}, token_page="/staff/kiosks"
    )
    assert revoked.status_code == 303
    for wrong in (path, "/kiosk/not-a-real-token", "/kiosk/x"):
        answer = await other_client.get(wrong)
        assert answer.status_code == 404, wrong
        assert vi("Page not found") in answer.text and "kiosk-board" not in answer.text
    # The screen's link is no staff session: staff pages still want a login.
    assert (await other_client.get("/staff/board")).status_code == 302
    unknown = await post_form(
        client, "/staff/kiosks/99999999999/revoke", {}, token_page="/staff/kiosks"
    )
    assert unknown.status_code == 404
    # A member may not make or revoke screens.
    await member(other_client, "khoa@hs.vn")
    assert (await other_client.get("/staff/kiosks")).status_code == 403


async def test_a_screen_needs_a_name_and_a_location(client: httpx.AsyncClient) -> None:
    await make_user("staff", email="ngoc@hub.vn")
    await log_in(client, "ngoc@hub.vn")
    location = await spaces.default_location()
    unnamed = await post_form(
        client,
        "/staff/kiosks",
        {"label": "  ", "location_id": str(location.id)},
        token_page="/staff/kiosks",
    )
    assert unnamed.status_code == 422
    assert vi("Name the screen, e.g. Reception.") in unnamed.text
    nowhere = await post_form(
        client,
        "/staff/kiosks",
        {"label": "Quầy", "location_id": "999999"},
        token_page="/staff/kiosks",
    )
    assert nowhere.status_code == 422 and vi("No such location.") in nowhere.text
    assert await KioskToken.count().run() == 0


def test_the_screen_names_members_by_initials_and_given_name() -> None:
    assert services.desk_name("Phạm Minh Khoa") == "P. M. Khoa"
    assert services.desk_name("Nguyễn Văn An") == "N. V. An"
    assert services.desk_name("Linh") == "Linh"
