"""Rules that must hold when many requests arrive at once: each race, run over several rounds,
ends exactly as the same requests sent one by one would (both engines)."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta

import httpx
import pytest

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services
from innovation_hub.bookings.tables import Booking
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.errors import RuleBroken
from innovation_hub.spaces.services import create_resource
from innovation_hub.spaces.tables import Resource
from tests.helpers import api_token, at, bearer, make_user, next_open_day

pytestmark = pytest.mark.usefixtures("pooled_connections")

ROUNDS = 3
PRICE = 150_000


async def free_desks(count: int, tag: str) -> list[Resource]:
    """Free desks on which a student books 20 hours a week (then the quota refuses)."""
    return [
        await create_resource(
            {
                "name": f"Bàn {tag}-{n}",
                "kind": "desk",
                "capacity": 1,
                "free_weekly_hours": {"student": 20},
            },
            actor_id=None,
        )
        for n in range(count)
    ]


async def member(client: httpx.AsyncClient, role: str, email: str) -> tuple[User, str]:
    user = await make_user(role, email=email)
    return user, await api_token(client, email)


def book(
    client: httpx.AsyncClient, token: str, resource_id: int, start: str, end: str
) -> asyncio.Future[httpx.Response]:
    return asyncio.ensure_future(
        client.post(
            "/api/v1/bookings",
            headers=bearer(token),
            json={"resource_id": resource_id, "start": start, "end": end},
        )
    )


def outcome(responses: list[httpx.Response]) -> list[tuple[int, str]]:
    return sorted((r.status_code, r.json().get("code", "")) for r in responses)


async def test_racing_four_hour_bookings_stop_exactly_at_the_weekly_quota(
    client: httpx.AsyncClient,
) -> None:
    day = next_open_day()
    for round_ in range(ROUNDS):
        desks = await free_desks(10, f"q{round_}")
        student, token = await member(client, "student", f"sv{round_}@hs.vn")
        # 20 distinct free four-hour slots in one week; 20 free hours allow five of them.
        responses = await asyncio.gather(
            *[
                book(client, token, desk.id, at(day, start), at(day, start + 4))
                for desk in desks
                for start in (8, 12)
            ]
        )
        assert outcome(responses) == [(201, "")] * 5 + [(422, "quota_exceeded")] * 15
        kept = await Booking.count().where(Booking.user == student.id)
        assert kept == 5, f"round {round_}"


async def paid_rooms(count: int) -> list[Resource]:
    return [
        await create_resource(
            {
                "name": f"Phòng {n}",
                "kind": "meeting_room",
                "capacity": 6,
                "price_per_hour_vnd": PRICE,
            },
            actor_id=None,
        )
        for n in range(count)
    ]


async def test_racing_paid_bookings_stop_exactly_at_the_unpaid_holds_limit(
    client: httpx.AsyncClient,
) -> None:
    day = next_open_day()
    rooms = await paid_rooms(10)
    for round_ in range(ROUNDS):
        startup, token = await member(client, "startup", f"su{round_}@agritn.vn")
        # 20 distinct free slots: each round its own two hours of the day on every room.
        hours = (8 + 3 * round_, 9 + 3 * round_)
        responses = await asyncio.gather(
            *[
                book(client, token, room.id, at(day, hour), at(day, hour + 1))
                for room in rooms
                for hour in hours
            ]
        )
        # HUB_MAX_UNPAID_HOLDS is 2 by default.
        assert outcome(responses) == [(201, "")] * 2 + [(422, "too_many_unpaid_holds")] * 18
        held = await Booking.count().where(
            (Booking.user == startup.id) & (Booking.status == "pending_payment")
        )
        assert held == 2, f"round {round_}"
    message = next(r for r in responses if r.status_code == 422).json()["detail"]
    assert "chờ thanh toán" in message and "thanh toán hoặc hủy" in message


async def test_a_paid_cancelled_or_expired_hold_leaves_room_for_another() -> None:
    policy = services.Policy(max_unpaid_holds=2, hold_minutes=15)
    (room,) = await paid_rooms(1)
    startup = await make_user("startup", email="bao@agritn.vn")
    day = next_open_day()
    now = utcnow()

    async def hold(hour: int, at_time: datetime = now) -> Booking:
        start = datetime.combine(day, time(hour), LOCAL_TZ)
        return await services.create_booking(
            startup, room.id, start, start + timedelta(hours=1), policy=policy, now=at_time
        )

    first = await hold(8)
    await hold(9)
    with pytest.raises(RuleBroken) as refused:
        await hold(10)
    assert refused.value.code == "too_many_unpaid_holds"
    await services.cancel_booking(startup, first.id, policy=policy, now=now)
    await hold(10)
    # Sixteen minutes on, every hold has run out, even before the job marks them expired.
    later = now + timedelta(minutes=16)
    assert (await hold(11, later)).status == "pending_payment"
    assert (await hold(12, later)).status == "pending_payment"
