"""What a phone shows in place of wide tables: the spaces page's day list of free times (the same
booking links as the grid) and the board's agenda of the day (each entry's time, space and who,
linking to the entry). The browser test tests/e2e/test_phone_layout.py checks they are what a
phone shows; these check what they say."""

from __future__ import annotations

import html
import re
from datetime import date, datetime

import httpx

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services
from innovation_hub.bookings.tables import Booking
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import Resource
from tests.helpers import log_in, make_user, next_open_day

POLICY = services.Policy()


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ)


async def add_space(name: str, **fields: object) -> Resource:
    data = {"name": name, "kind": "desk", "capacity": 1, **fields}
    return await spaces.create_resource(data, actor_id=None)


async def book(user: User, resource: Resource, day: date, start: int, end: int) -> Booking:
    return await services.create_booking(
        user, resource.id, local(day, start), local(day, end), policy=POLICY
    )


def day_list_item(page: str, name: str) -> str:
    """The day list's entry for one space."""
    day_list = page.split('<div class="day-list">', 1)[1].split('<div class="table-scroll', 1)[0]
    for item in day_list.split('<li class="day-list-space">')[1:]:
        if f"<strong>{name}</strong>" in item:
            return item
    raise AssertionError(f"{name} is not in the day list")


def grid_free_links(page: str, resource: Resource) -> list[str]:
    row = re.search(rf'<tr data-resource="{resource.id}">(.*?)</tr>', page, re.S)
    assert row, f"no grid row for {resource.name}"
    cells = re.findall(r'<td [^>]*data-state="free"[^>]*>\s*<a href="([^"]+)"', row.group(1))
    return [html.unescape(href) for href in cells]


def free_times(item: str) -> list[tuple[str, str]]:
    """(time shown, link) of each free-time button."""
    found = re.findall(r'<a href="([^"]+)" class="free-time"><time>([^<]+)</time>', item)
    return [(shown, html.unescape(href)) for href, shown in found]


async def test_the_day_list_offers_the_grids_free_times_as_buttons(
    client: httpx.AsyncClient,
) -> None:
    desk = await add_space("Bàn 01")
    await add_space("Phòng họp Sen", kind="meeting_room", capacity=8, allowed_roles=["startup"])
    me = await make_user("student", email="khoa@hs.vn", locale="en")
    other = await make_user("student", email="ha@hs.vn")
    day = next_open_day()
    await book(me, desk, day, 9, 10)
    await book(other, desk, day, 14, 15)
    busy = await add_space("Phòng họp Mai", kind="meeting_room", capacity=8, max_minutes=600)
    await book(await make_user("startup", email="bao@agritn.vn"), busy, day, 8, 17)
    await log_in(client, "khoa@hs.vn")

    page = (await client.get("/spaces", params={"date": day.isoformat()})).text

    item = day_list_item(page, "Bàn 01")
    buttons = free_times(item)
    assert [href for _, href in buttons] == grid_free_links(page, desk)
    shown = [time for time, _ in buttons]
    assert "08:00" in shown and "10:00" in shown
    assert "09:00" not in shown and "14:00" not in shown  # mine and someone else's
    assert "Your booking: 09:00–10:00" in item
    # Each space folds behind its name and number of free times; the first one starts open.
    assert f"{len(buttons)} free times" in item
    assert '<details class="day-list-fold" open>' in item
    assert page.count('<details class="day-list-fold" open>') == 1
    assert "book Bàn 01, 10:00–10:30" in item  # what a screen reader hears on a button
    # A space booked all day says so; one this member may not book says why.
    busy = day_list_item(page, "Phòng họp Mai")
    assert "No free times on this day" in busy and "free-time" not in busy
    room = day_list_item(page, "Phòng họp Sen")
    assert "Not open to your account type" in room and "free-time" not in room


def agenda_of(page: str) -> list[tuple[str, str]]:
    """(link, text) of each entry in the board's agenda of the day, in page order."""
    agenda = re.search(r'<section class="board-agenda".*?</section>', page, re.S)
    assert agenda, "the board has no agenda of the day"
    found = re.findall(r'<a href="(#b-\d+)" class="agenda-entry">(.*?)</a>', agenda.group(0), re.S)
    return [(href, " ".join(re.sub(r"<[^>]+>", " ", text).split())) for href, text in found]


async def test_the_board_agenda_lists_the_days_bookings_in_time_order(
    client: httpx.AsyncClient,
) -> None:
    await make_user("staff", email="ngoc@hub.vn", name="Trần Bích Ngọc", locale="en")
    khoa = await make_user("student", email="khoa@hs.vn", name="Phạm Minh Khoa")
    ha = await make_user("student", email="ha@hs.vn", name="Võ Thị Hà")
    first, second = await add_space("Bàn 01"), await add_space("Bàn 02")
    day = next_open_day()
    afternoon = await book(khoa, first, day, 14, 16)
    morning = await book(ha, second, day, 9, 10)
    cancelled = await book(ha, first, day, 10, 11)
    await services.cancel_booking(ha, cancelled.id, policy=POLICY)
    await log_in(client, "ngoc@hub.vn")

    page = (await client.get("/staff/board", params={"date": day.isoformat()})).text

    assert agenda_of(page) == [
        (f"#b-{morning.id}", "09:00–10:00 Bàn 02 · Võ Thị Hà"),
        (f"#b-{afternoon.id}", "14:00–16:00 Bàn 01 · Phạm Minh Khoa"),
    ]
    # Each link leads to the entry with its actions further down the board.
    assert f'id="b-{morning.id}"' in page and f'id="b-{afternoon.id}"' in page
    assert "Bookings on this day" in page


async def test_a_day_without_bookings_has_no_agenda(client: httpx.AsyncClient) -> None:
    await make_user("staff", email="ngoc@hub.vn", locale="en")
    await add_space("Bàn 01")
    await log_in(client, "ngoc@hub.vn")
    day = next_open_day()
    page = (await client.get("/staff/board", params={"date": day.isoformat()})).text
    assert 'class="board-agenda"' not in page and "No bookings on this day." in page
