"""Availability is kept between requests, yet every change shows at once: bookings,
cancellations, closures, resources and opening hours, whoever wrote them — this process,
another app instance or a plain SQL client — and the pooled SQLite connections work as
Piccolo's own."""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta

import httpx
import pytest

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.database import (
    close_pool,
    data_versions,
    get_engine,
    open_pool,
    transaction,
)
from innovation_hub.core.errors import Conflict
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import OpeningHours, Resource
from tests.helpers import api_token, at, bearer, make_user, next_open_day

POLICY = services.Policy(base_url="http://testserver")


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LOCAL_TZ)


@pytest.fixture(autouse=True, params=["pooled", "unpooled"])
async def connections(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """Every test runs with the app's connection pool (as the server runs) and without,
    on a database whose version rows are in place as migration 0009 leaves them (the
    emptying before each test removes them)."""
    await write_elsewhere("DELETE FROM data_version")
    tokens = secrets.randbits(62), secrets.randbits(62)
    await write_elsewhere(
        f"INSERT INTO data_version (name, token) VALUES ('spaces', {tokens[0]}), "
        f"('bookings', {tokens[1]})"
    )
    if request.param != "pooled":
        yield str(request.param)
        return
    await open_pool()
    try:
        yield str(request.param)
    finally:
        await close_pool()


@pytest.fixture
async def desk() -> Resource:
    return await spaces.create_resource(
        {"name": "Bàn 01", "kind": "desk", "capacity": 1}, actor_id=None
    )


@pytest.fixture
async def student() -> User:
    return await make_user("student")


async def free_of(resource: Resource, day: date) -> list[tuple[datetime, datetime]]:
    found = await services.availability(
        local(day, 0), local(day + timedelta(days=1), 0), now=local(day, 0) - timedelta(days=1)
    )
    return next(item.free for item in found if item.resource.id == resource.id)


async def write_elsewhere(sql: str) -> None:
    """A change made on a connection of its own, as another app instance or a staff
    member's SQL client would make it."""
    engine = get_engine()
    if engine.engine_type == "sqlite":
        connection = sqlite3.connect(engine.path)  # type: ignore[attr-defined]
        try:
            with connection:
                connection.execute(sql)
        finally:
            connection.close()
        return
    import asyncpg

    pg = await asyncpg.connect(engine.config["dsn"])  # type: ignore[attr-defined]
    try:
        await pg.execute(sql)
    finally:
        await pg.close()


async def test_a_booking_and_its_cancellation_show_at_once(desk: Resource, student: User) -> None:
    day = next_open_day()
    assert await free_of(desk, day) == [(local(day, 8), local(day, 17))]
    booking = await services.create_booking(
        student, desk.id, local(day, 9), local(day, 10), policy=POLICY
    )
    assert await free_of(desk, day) == [
        (local(day, 8), local(day, 9)),
        (local(day, 10), local(day, 17)),
    ]
    await services.cancel_booking(student, booking.id, policy=POLICY, now=local(day, 0))
    assert await free_of(desk, day) == [(local(day, 8), local(day, 17))]


async def test_closures_resource_changes_and_opening_hours_show_at_once(
    desk: Resource, student: User
) -> None:
    day = next_open_day()
    await free_of(desk, day)
    staff = await make_user("staff")
    await spaces.create_closure(
        starts_at=local(day, 13),
        ends_at=local(day, 14),
        reason="Bảo trì",
        actor_id=staff.id,
        resource_id=desk.id,
    )
    assert await free_of(desk, day) == [
        (local(day, 8), local(day, 13)),
        (local(day, 14), local(day, 17)),
    ]

    await Resource.update({Resource.min_minutes: 240}).where(Resource.id == desk.id)
    assert await free_of(desk, day) == [(local(day, 8), local(day, 13))]

    await OpeningHours.update({OpeningHours.opens: time(10, 0)}).where(
        OpeningHours.weekday == day.weekday()
    )
    assert await free_of(desk, day) == []  # 10:00–13:00 is shorter than 240 minutes

    await Resource.update({Resource.is_active: False}).where(Resource.id == desk.id)
    found = await services.availability(local(day, 0), local(day + timedelta(days=1), 0))
    assert desk.id not in {item.resource.id for item in found}


async def test_changes_written_by_another_connection_show_at_once(desk: Resource) -> None:
    day = next_open_day()
    await free_of(desk, day)
    starts, ends = utc_text(local(day, 14)), utc_text(local(day, 15))
    await write_elsewhere(
        "INSERT INTO closure (location, resource, starts_at, ends_at, reason, created_by, "
        f"created_at) VALUES (NULL, {desk.id}, '{starts}', '{ends}', 'Sự kiện', NULL, '{starts}')"
    )
    assert await free_of(desk, day) == [
        (local(day, 8), local(day, 14)),
        (local(day, 15), local(day, 17)),
    ]
    await write_elsewhere("DELETE FROM closure")
    assert await free_of(desk, day) == [(local(day, 8), local(day, 17))]


def utc_text(moment: datetime) -> str:
    """A timestamp literal both engines read back as Piccolo writes it (UTC text)."""
    return str(moment.astimezone(UTC))


async def test_free_time_starts_no_earlier_than_now_as_time_passes(desk: Resource) -> None:
    day = next_open_day()
    start, end = local(day, 0), local(day + timedelta(days=1), 0)
    first = await services.availability(start, end, now=local(day, 9, 10))
    later = await services.availability(start, end, now=local(day, 11, 40))
    free = (
        {item.resource.id: item.free for item in first},
        {item.resource.id: item.free for item in later},
    )
    assert free[0][desk.id] == [(local(day, 9, 10), local(day, 17))]
    assert free[1][desk.id] == [(local(day, 11, 40), local(day, 17))]
    too_late = await services.availability(start, end, now=local(day, 16, 45))
    assert [item.free for item in too_late if item.resource.id == desk.id] == [[]]


async def test_booked_over_the_api_then_gone_from_availability(
    client: httpx.AsyncClient, desk: Resource, student: User
) -> None:
    day = next_open_day()
    token = await api_token(client, student.email)
    query = {"start": at(day, 0), "end": at(day + timedelta(days=1), 0)}

    async def free_hours() -> list[str]:
        answer = await client.get("/api/v1/availability", params=query)
        assert answer.status_code == 200
        item = next(i for i in answer.json()["items"] if i["resource_id"] == desk.id)
        return [f"{span['start'][11:16]}-{span['end'][11:16]}" for span in item["free"]]

    assert await free_hours() == ["08:00-17:00"]
    booked = await client.post(
        "/api/v1/bookings",
        json={"resource_id": desk.id, "start": at(day, 13), "end": at(day, 14)},
        headers=bearer(token),
    )
    assert booked.status_code == 201
    assert await free_hours() == ["08:00-13:00", "14:00-17:00"]
    cancelled = await client.post(
        f"/api/v1/bookings/{booked.json()['id']}/cancel", headers=bearer(token)
    )
    assert cancelled.status_code == 200
    assert await free_hours() == ["08:00-17:00"]


async def test_concurrent_requests_for_one_slot_book_it_once(desk: Resource) -> None:
    day = next_open_day()
    members = [await make_user("student", f"member{n}@example.vn") for n in range(6)]
    results = await asyncio.gather(
        *(
            services.create_booking(m, desk.id, local(day, 9), local(day, 10), policy=POLICY)
            for m in members
        ),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(
        isinstance(r, Conflict) and r.code == "slot_taken"
        for r in results
        if isinstance(r, BaseException)
    ), [repr(r) for r in results]
    assert await free_of(desk, day) == [
        (local(day, 8), local(day, 9)),
        (local(day, 10), local(day, 17)),
    ]


async def test_a_failed_transaction_leaves_nothing_behind(desk: Resource) -> None:
    with pytest.raises(RuntimeError):
        async with transaction():
            await Resource.update({Resource.name: "Đổi tên"}).where(Resource.id == desk.id)
            raise RuntimeError("stop")
    assert (await spaces.get_resource(desk.id)).name == "Bàn 01"
    # The pool hands out connections that are usable, not stuck in the failed transaction.
    for _ in range(20):
        assert (await spaces.get_resource(desk.id)).name == "Bàn 01"


async def test_a_booking_change_gives_bookings_a_new_version_and_places_keep_theirs(
    connections: str, desk: Resource, student: User
) -> None:
    assert (getattr(get_engine(), "pool", None) is not None) == (connections == "pooled")
    day = next_open_day()
    booking = await services.create_booking(
        student, desk.id, local(day, 9), local(day, 10), policy=POLICY
    )
    before = await data_versions()
    await services.cancel_booking(student, booking.id, policy=POLICY, now=local(day, 0))
    after = await data_versions()
    assert before is not None and after is not None
    assert dict(before)["spaces"] == dict(after)["spaces"]
    assert dict(before)["bookings"] != dict(after)["bookings"]


async def test_an_emptied_version_table_means_nothing_is_kept(desk: Resource) -> None:
    day = next_open_day()
    await write_elsewhere("DELETE FROM data_version")
    assert await data_versions() is None
    assert await free_of(desk, day) == [(local(day, 8), local(day, 17))]
    await write_elsewhere(f"UPDATE resource SET min_minutes = 600 WHERE id = {desk.id}")
    assert await free_of(desk, day) == []


def booking_values(resource: Resource, user: User, start: datetime, occupied: datetime) -> str:
    return (
        'INSERT INTO booking (resource, "user", kind, status, start_at, end_at, occupied_until, '
        "purpose, attendees, price_vnd, is_public, status_reason, sequence, created_at, "
        f"updated_at) VALUES ({resource.id}, {user.id}, 'block', 'confirmed', "
        f"'{utc_text(start)}', '{utc_text(occupied)}', '{utc_text(occupied)}', '', 0, 0, "
        f"FALSE, '', 0, '{utc_text(start)}', '{utc_text(start)}')"
    )


async def test_a_reservation_from_the_day_before_still_blocks_the_slot(
    desk: Resource, student: User
) -> None:
    """The overlap check looks back 28 hours, the longest a reservation may hold a space."""
    day = next_open_day()
    staff = await make_user("staff")
    start = local(day, 13) - timedelta(hours=27)
    await write_elsewhere(booking_values(desk, staff, start, local(day, 13)))
    with pytest.raises(Conflict) as refused:
        await services.create_booking(
            student, desk.id, local(day, 12), local(day, 13), policy=POLICY
        )
    assert refused.value.code == "slot_taken"
    assert await free_of(desk, day) == [(local(day, 13), local(day, 17))]


async def test_the_database_refuses_a_reservation_longer_than_28_hours(desk: Resource) -> None:
    day = next_open_day()
    staff = await make_user("staff")
    start = local(day, 8)
    with pytest.raises(Exception, match=r"reservation_too_long|booking_max_length"):
        await write_elsewhere(booking_values(desk, staff, start, start + timedelta(hours=29)))
    await write_elsewhere(booking_values(desk, staff, start, start + timedelta(hours=28)))
