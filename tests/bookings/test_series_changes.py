"""Changing part of a repeating booking: monthly repeats ("the first Monday"), cancelling one
date and the later ones, and staff moving one date and the later ones together."""

from __future__ import annotations

import asyncio
import itertools
import re
from datetime import date, datetime, time, timedelta

import holidays
import httpx
import pytest

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services
from innovation_hub.bookings.tables import Booking
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.errors import Conflict, HubError, RuleBroken
from innovation_hub.core.mail import OutboxMessage
from innovation_hub.spaces.services import create_resource
from innovation_hub.spaces.tables import Resource
from tests.bookings.test_board_web import act
from tests.helpers import api_token, bearer, csrf_token, log_in, make_user, next_open_day

POLICY = services.Policy(base_url="http://testserver")
MEMBER = "linh@nongsan.vn"


def open_weeks(count: int, min_days: int = 3) -> date:
    """A working day at least ``min_days`` ahead whose next ``count - 1`` weeks are working
    days too (no public holiday among them), whatever day the suite runs."""
    day = next_open_day(min_days)
    while not all(is_open(day + timedelta(weeks=k)) for k in range(count)):
        day = next_open_day((day - datetime.now(LOCAL_TZ).date()).days + 1)
    return day


def is_open(day: date) -> bool:
    return day.weekday() < 5 and day not in holidays.Vietnam(years=day.year)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LOCAL_TZ)


def days_of(bookings: list[Booking]) -> list[str]:
    return [f"{b.start_at.astimezone(LOCAL_TZ):%d/%m %H:%M}" for b in bookings]


async def desk(name: str = "Bàn 01") -> Resource:
    return await create_resource({"name": name, "kind": "desk", "capacity": 1}, actor_id=None)


async def weekly(member: User, resource: Resource, count: int = 4) -> list[Booking]:
    day = open_weeks(count)
    result = await services.create_series(
        member,
        resource.id,
        local(day, 9),
        local(day, 10),
        frequency="weekly",
        until=None,
        count=count,
        skip_conflicts=False,
        policy=POLICY,
    )
    return result.booked


async def active(series_id: int) -> list[Booking]:
    return (
        await Booking.objects()
        .where((Booking.series == series_id) & Booking.status.is_in(["confirmed"]))
        .order_by(Booking.start_at)
    )


def test_a_monthly_series_keeps_the_weekday_of_the_month() -> None:
    # 04/01/2027 is the first Monday of January 2027.
    first = local(date(2027, 1, 4), 14)
    dates = services.series_dates(first, first + timedelta(hours=2), "monthly", until=None, count=4)
    assert [start.date() for start, _end in dates] == [
        date(2027, 1, 4),
        date(2027, 2, 1),
        date(2027, 3, 1),
        date(2027, 4, 5),
    ]
    assert all(
        (start.hour, end.hour) == (14, 16) and start.tzinfo == LOCAL_TZ for start, end in dates
    )
    # A fifth Tuesday (29/12/2026) repeats as the month's last Tuesday: not every month has five.
    fifth = local(date(2026, 12, 29), 9)
    last = services.series_dates(
        fifth, fifth + timedelta(hours=1), "monthly", until=date(2027, 3, 31), count=None
    )
    assert [start.date() for start, _end in last] == [
        date(2026, 12, 29),
        date(2027, 1, 26),
        date(2027, 2, 23),
        date(2027, 3, 30),
    ]
    with pytest.raises(RuleBroken) as refused:
        services.series_dates(first, first + timedelta(hours=1), "yearly", until=None, count=2)
    assert refused.value.code == "invalid_frequency"


async def test_cancelling_one_date_and_the_later_ones_keeps_the_earlier_ones() -> None:
    member = await make_user("student", email=MEMBER)
    booked = await weekly(member, await desk())
    series_id = booked[0].series
    assert series_id is not None
    cancelled, kept = await services.cancel_series(
        member, series_id, policy=POLICY, from_booking_id=booked[2].id
    )
    assert [b.id for b in cancelled] == [booked[2].id, booked[3].id] and kept == []
    assert [b.id for b in await active(series_id)] == [booked[0].id, booked[1].id]
    # A date of another series (or one already cancelled) is not a place to start from.
    with pytest.raises(RuleBroken) as refused:
        await services.cancel_series(member, series_id, policy=POLICY, from_booking_id=booked[3].id)
    assert refused.value.code == "not_in_series"
    assert [b.id for b in await active(series_id)] == [booked[0].id, booked[1].id]


async def test_staff_move_a_date_and_the_later_ones_by_the_same_shift_in_one_email() -> None:
    member = await make_user("startup", email=MEMBER, name="Huỳnh Mỹ Linh")
    staff = await make_user("staff")
    first_desk, other_desk = await desk(), await desk("Bàn 02")
    booked = await weekly(member, first_desk)
    await OutboxMessage.delete(force=True)
    second = booked[1]
    moved = await services.move_following(
        staff,
        second.id,
        start=second.start_at + timedelta(hours=2),
        end=second.end_at + timedelta(hours=3),  # and an hour longer
        resource_id=other_desk.id,
        reason="Bàn 01 bảo trì",
        policy=POLICY,
    )
    assert [b.id for b in moved] == [b.id for b in booked[1:]]
    stored = await active(booked[0].series or 0)
    assert [
        (b.resource, b.start_at - o.start_at, b.end_at - b.start_at)
        for b, o in zip(stored, booked, strict=True)
    ] == [
        (first_desk.id, timedelta(0), timedelta(hours=1)),
        *[(other_desk.id, timedelta(hours=2), timedelta(hours=2))] * 3,
    ]
    [message] = await OutboxMessage.objects().where(OutboxMessage.to_address == MEMBER)
    assert message.subject.startswith("Lượt đặt chỗ định kỳ đã được dời: Bàn 02")
    assert "3 buổi" in message.subject
    for booking in stored[1:]:
        assert f"{booking.start_at.astimezone(LOCAL_TZ):%d/%m/%Y} 11:00–13:00" in message.body_text
    assert "Bàn 01 bảo trì" in message.body_text


async def test_moving_a_week_later_lands_on_the_series_own_dates_one_by_one() -> None:
    member = await make_user("student", email=MEMBER)
    staff = await make_user("staff")
    booked = await weekly(member, await desk(), count=3)
    moved = await services.move_following(
        staff,
        booked[0].id,
        start=booked[0].start_at + timedelta(weeks=1),
        end=booked[0].end_at + timedelta(weeks=1),
        resource_id=None,
        reason="",
        policy=POLICY,
    )
    week_after = booked[2].start_at + timedelta(weeks=1)
    assert days_of(moved) == [
        *days_of(booked[1:]),
        f"{week_after.astimezone(LOCAL_TZ):%d/%m %H:%M}",
    ]


async def test_a_move_that_one_date_cannot_take_moves_nothing() -> None:
    member = await make_user("student", email=MEMBER)
    someone = await make_user("startup", email="bao@agritn.vn")
    staff = await make_user("staff")
    resource = await desk()
    booked = await weekly(member, resource)
    # Someone holds the new time of the last date.
    last = booked[3]
    await services.create_booking(
        someone,
        resource.id,
        last.start_at + timedelta(hours=3),
        last.end_at + timedelta(hours=3),
        policy=POLICY,
    )
    await OutboxMessage.delete(force=True)
    with pytest.raises(Conflict) as refused:
        await services.move_following(
            staff,
            booked[1].id,
            start=booked[1].start_at + timedelta(hours=3),
            end=booked[1].end_at + timedelta(hours=3),
            resource_id=None,
            reason="",
            policy=POLICY,
        )
    assert refused.value.code == "slot_taken"
    assert f"{last.start_at.astimezone(LOCAL_TZ) + timedelta(hours=3):%d/%m/%Y %H:%M}" in (
        refused.value.detail
    )
    assert days_of(await active(booked[0].series or 0)) == days_of(booked)
    assert await OutboxMessage.count() == 0
    # A booking that is not a date of a series has no later dates.
    single = await services.create_booking(
        member, resource.id, local(next_open_day(3), 15), local(next_open_day(3), 16), policy=POLICY
    )
    with pytest.raises(RuleBroken) as not_series:
        await services.move_following(
            staff,
            single.id,
            start=single.start_at,
            end=single.end_at,
            resource_id=None,
            reason="",
            policy=POLICY,
        )
    assert not_series.value.code == "not_in_series"


async def test_racing_series_moves_onto_one_time_leave_one_winner() -> None:
    """22 series, each on its own desk, all moved at once to the same later times of one desk:
    the database lets one series have them, and no time is held twice. Three rounds."""
    staff = await make_user("staff")
    target = await desk("Bàn đích")
    members = [await make_user("student", email=f"hs{n}@hocsinh.vn") for n in range(22)]
    desks = [await desk(f"Bàn {n:02d}") for n in range(22)]
    day = open_weeks(2)
    for round_number in range(3):  # each round at its own hours of the same two days
        firsts = []
        for member, resource in zip(members, desks, strict=True):
            result = await services.create_series(
                member,
                resource.id,
                local(day, 8 + round_number),
                local(day, 9 + round_number),
                frequency="weekly",
                until=None,
                count=2,
                skip_conflicts=False,
                policy=POLICY,
            )
            firsts.append(result.booked[0])
        outcomes = await asyncio.gather(
            *[
                services.move_following(
                    staff,
                    first.id,
                    start=local(day, 14 + round_number),
                    end=local(day, 15 + round_number),
                    resource_id=target.id,
                    reason="",
                    policy=POLICY,
                )
                for first in firsts
            ],
            return_exceptions=True,
        )
        winners = [o for o in outcomes if isinstance(o, list)]
        assert len(winners) == 1, outcomes
        assert all(isinstance(o, HubError) for o in outcomes if not isinstance(o, list)), [
            repr(o) for o in outcomes if not isinstance(o, (list, HubError))
        ]
        on_target = (
            await Booking.objects()
            .where((Booking.resource == target.id) & (Booking.status == "confirmed"))
            .order_by(Booking.start_at)
        )
        assert len(on_target) == 2 * (round_number + 1)
        assert all(a.end_at <= b.start_at for a, b in itertools.pairwise(on_target))


async def test_members_and_staff_do_it_from_their_pages_and_the_api(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    member = await make_user("student", email=MEMBER)
    await make_user("staff", email="ngoc@hub.vn")
    booked = await weekly(member, await desk())
    series_id = booked[0].series
    await log_in(client, MEMBER)
    # My bookings offers "this and the later dates" on a date after the first.
    mine = (await client.get("/bookings")).text
    assert f'href="/bookings/series/{series_id}/cancel?from={booked[2].id}"' in mine
    confirm = (await client.get(f"/bookings/series/{series_id}/cancel?from={booked[2].id}")).text
    listed = re.findall(r"<li>Bàn 01 · (.*?) ·", confirm)
    assert len(listed) == 2 and "Các buổi trước của chuỗi vẫn được giữ." in confirm
    assert (await client.get(f"/bookings/series/{series_id}/cancel?from=999999")).status_code == 404
    token = await csrf_token(client, "/bookings")
    done = await client.post(
        f"/bookings/series/{series_id}/cancel",
        data={"_csrf_token": token, "from_booking_id": str(booked[2].id)},
    )
    assert done.status_code == 303 and "series_cancelled=2" in done.headers["location"]
    assert [b.id for b in await active(series_id or 0)] == [booked[0].id, booked[1].id]

    # The API: the member cancels from the second date; nothing is left but the first.
    member_token = await api_token(other_client, MEMBER)
    answer = await other_client.post(
        f"/api/v1/booking-series/{series_id}/cancel",
        headers=bearer(member_token),
        json={"from_booking_id": booked[1].id},
    )
    assert answer.status_code == 200, answer.text
    assert [b["id"] for b in answer.json()["cancelled"]] == [booked[1].id]
    assert [b.id for b in await active(series_id or 0)] == [booked[0].id]

    # Staff move a new series' dates together from the board, and by the API.
    again = await weekly(member, await desk("Bàn 03"), count=3)
    day = again[0].start_at.astimezone(LOCAL_TZ).date()
    await log_in(other_client, "ngoc@hub.vn")
    board = (await other_client.get(f"/staff/board?date={day.isoformat()}")).text
    assert f'id="mv-{again[0].id}-following"' in board
    response = await act(
        other_client,
        f"/staff/board/bookings/{again[0].id}/move",
        {"date": day.isoformat(), "start": "13:00", "end": "14:00", "following": "on"},
        day=day,
    )
    assert response.status_code == 200, response.text
    times = [b.start_at.astimezone(LOCAL_TZ).hour for b in await active(again[0].series or 0)]
    assert times == [13, 13, 13]
    staff_token = await api_token(client, "ngoc@hub.vn")
    moved = await client.post(
        f"/api/v1/bookings/{again[1].id}/move",
        headers=bearer(staff_token),
        json={
            "start": (local(day, 15) + timedelta(weeks=1)).isoformat(),
            "end": (local(day, 16) + timedelta(weeks=1)).isoformat(),
            "following": True,
        },
    )
    assert moved.status_code == 200, moved.text
    times = [b.start_at.astimezone(LOCAL_TZ).hour for b in await active(again[0].series or 0)]
    assert times == [13, 15, 15]
