"""Spaces and bookings through the JSON API: rules, conflicts, cancellation, approval."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from innovation_hub.bookings.tables import Booking
from tests.helpers import api_token, at, bearer, make_user, next_open_day


@pytest.fixture
async def startup_token(client: httpx.AsyncClient) -> str:
    await make_user("startup", email="bao@agritn.vn")
    return await api_token(client, "bao@agritn.vn")


async def add_resource(client: httpx.AsyncClient, token: str, **fields: object) -> dict:
    body = {"name": "Bàn 01", "kind": "desk", "capacity": 1, **fields}
    response = await client.post("/api/v1/resources", json=body, headers=bearer(token))
    assert response.status_code == 201, response.text
    return response.json()


async def book(
    client: httpx.AsyncClient, token: str, resource_id: int, start: str, end: str, **extra: object
) -> httpx.Response:
    return await client.post(
        "/api/v1/bookings",
        headers=bearer(token),
        json={"resource_id": resource_id, "start": start, "end": end, **extra},
    )


async def test_staff_add_resources_to_the_default_location(
    client: httpx.AsyncClient, staff_token: str
) -> None:
    desk = await add_resource(client, staff_token)
    assert desk["kind"] == "desk" and desk["price_per_hour_vnd"] == 0
    listed = (await client.get("/api/v1/resources")).json()["items"]
    assert [r["id"] for r in listed] == [desk["id"]]
    locations = (await client.get("/api/v1/locations")).json()["items"]
    default = next(loc for loc in locations if loc["is_default"])
    assert desk["location_id"] == default["id"]
    weekdays = {
        h["weekday"]
        for h in default["opening_hours"]
        if h["opens"] <= "08:00" and h["closes"] >= "17:00"
    }
    assert {0, 1, 2, 3, 4} <= weekdays


async def test_members_cannot_add_resources_and_bad_kinds_are_refused(
    client: httpx.AsyncClient, staff_token: str, student_token: str
) -> None:
    body = {"name": "Bàn", "kind": "desk", "capacity": 1}
    assert (
        await client.post("/api/v1/resources", json=body, headers=bearer(student_token))
    ).status_code == 403
    bad = await client.post(
        "/api/v1/resources", json={**body, "kind": "sofa"}, headers=bearer(staff_token)
    )
    assert bad.status_code == 422 and "kind" in bad.json()["errors"]
    negative = await client.post(
        "/api/v1/resources", json={**body, "price_per_hour_vnd": -5}, headers=bearer(staff_token)
    )
    assert negative.status_code == 422
    nowhere = await client.post(
        "/api/v1/resources", json={**body, "location_id": 999}, headers=bearer(staff_token)
    )
    assert nowhere.status_code == 422
    assert (await client.get("/api/v1/resources")).json()["items"] == []


async def test_a_free_desk_is_confirmed_and_a_paid_room_waits_for_payment(
    client: httpx.AsyncClient, staff_token: str, student_token: str, startup_token: str
) -> None:
    day = next_open_day()
    desk = await add_resource(client, staff_token)
    room = await add_resource(
        client,
        staff_token,
        name="Phòng họp Sen",
        kind="meeting_room",
        capacity=10,
        price_per_hour_vnd=150_000,
    )
    response = await book(client, student_token, desk["id"], at(day, 9), at(day, 11))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "confirmed" and body["price_vnd"] == 0
    assert body["start"] == at(day, 9) and body["end"] == at(day, 11)

    paid = await book(client, startup_token, room["id"], at(day, 13), at(day, 14, 30), attendees=6)
    assert paid.status_code == 201
    assert paid.json()["status"] == "pending_payment"
    assert paid.json()["price_vnd"] == 225_000
    assert paid.json()["hold_expires_at"] is not None


async def test_naive_timestamps_are_400(
    client: httpx.AsyncClient, staff_token: str, student_token: str
) -> None:
    desk = await add_resource(client, staff_token)
    day = next_open_day()
    response = await book(client, student_token, desk["id"], f"{day}T09:00:00", f"{day}T10:00:00")
    assert response.status_code == 400
    assert response.json()["code"] == "naive_timestamp"
    availability = await client.get(
        "/api/v1/availability", params={"start": f"{day}T08:00:00", "end": at(day, 17)}
    )
    assert availability.status_code == 400
    assert await Booking.count() == 0


@pytest.mark.parametrize(
    ("hours", "fields", "code"),
    [
        ((10, 9), {}, "end_before_start"),
        ((9, 9), {}, "end_before_start"),
        ((7, 9), {}, "outside_opening_hours"),
        ((16, 18), {}, "outside_opening_hours"),
        ((9, 10), {"min_minutes": 120}, "too_short"),
        ((8, 17), {"max_minutes": 240}, "too_long"),
        ((9, 10), {"allowed_roles": ["startup", "enterprise"]}, "role_not_allowed"),
        ((9, 10), {"max_days_ahead": 1}, "too_far_ahead"),
    ],
)
async def test_each_rule_refuses_with_its_code(
    client: httpx.AsyncClient,
    staff_token: str,
    student_token: str,
    hours: tuple[int, int],
    fields: dict,
    code: str,
) -> None:
    desk = await add_resource(client, staff_token, **fields)
    day = next_open_day(3)
    response = await book(client, student_token, desk["id"], at(day, hours[0]), at(day, hours[1]))
    assert response.status_code == 422, response.text
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert await Booking.count() == 0


async def test_misaligned_and_over_capacity(
    client: httpx.AsyncClient, staff_token: str, student_token: str
) -> None:
    desk = await add_resource(client, staff_token)
    day = next_open_day()
    misaligned = await book(client, student_token, desk["id"], at(day, 9, 10), at(day, 10))
    assert misaligned.json()["code"] == "slot_misaligned"
    crowded = await book(client, student_token, desk["id"], at(day, 9), at(day, 10), attendees=3)
    assert crowded.json()["code"] == "over_capacity"


async def test_weekends_and_the_past_are_refused(
    client: httpx.AsyncClient, staff_token: str, student_token: str
) -> None:
    desk = await add_resource(client, staff_token)
    day = next_open_day(3)
    saturday = day + timedelta(days=(5 - day.weekday()) % 7)
    weekend = await book(client, student_token, desk["id"], at(saturday, 9), at(saturday, 10))
    assert weekend.json()["code"] == "outside_opening_hours"
    past = day - timedelta(days=14)
    while past.weekday() >= 5:
        past -= timedelta(days=1)
    old = await book(client, student_token, desk["id"], at(past, 9), at(past, 10))
    assert old.json()["code"] == "in_past"


async def test_tet_and_hung_kings_day_are_closed(
    client: httpx.AsyncClient, staff_token: str, student_token: str
) -> None:
    desk = await add_resource(client, staff_token, max_days_ahead=366)
    from datetime import date

    for holiday, name in ((date(2027, 2, 8), "Tết Nguyên Đán"), (date(2027, 4, 16), "Hùng Vương")):
        response = await book(client, student_token, desk["id"], at(holiday, 9), at(holiday, 10))
        assert response.status_code == 422
        assert response.json()["code"] == "holiday"
        assert name in response.json()["detail"] or "holiday" in response.json()["detail"]
    free = await client.get(
        "/api/v1/availability",
        params={"start": at(date(2027, 2, 8), 0), "end": at(date(2027, 2, 9), 0)},
    )
    assert free.json()["items"][0]["free"] == []


async def test_a_closure_refuses_bookings(
    client: httpx.AsyncClient, staff_token: str, student_token: str
) -> None:
    desk = await add_resource(client, staff_token)
    day = next_open_day()
    closure = await client.post(
        "/api/v1/closures",
        headers=bearer(staff_token),
        json={
            "resource_id": desk["id"],
            "start": at(day, 12),
            "end": at(day, 14),
            "reason": "Bảo trì điều hoà",
        },
    )
    assert closure.status_code == 201, closure.text
    refused = await book(client, student_token, desk["id"], at(day, 13), at(day, 15))
    assert refused.status_code == 422
    assert refused.json()["code"] == "closed"
    assert "Bảo trì điều hoà" in refused.json()["detail"]
    ok = await book(client, student_token, desk["id"], at(day, 14), at(day, 15))
    assert ok.status_code == 201
    bad = await client.post(
        "/api/v1/closures",
        headers=bearer(staff_token),
        json={"resource_id": desk["id"], "start": at(day, 14), "end": at(day, 12), "reason": "x"},
    )
    assert bad.status_code == 422


async def test_students_book_desks_free_up_to_their_weekly_quota(
    client: httpx.AsyncClient, staff_token: str, student_token: str
) -> None:
    desk = await add_resource(client, staff_token, free_weekly_hours={"student": 3})
    other_desk = await add_resource(
        client, staff_token, name="Bàn 02", free_weekly_hours={"student": 3}
    )
    day = next_open_day()
    assert (
        await book(client, student_token, desk["id"], at(day, 8), at(day, 10))
    ).status_code == 201
    over = await book(client, student_token, other_desk["id"], at(day, 10), at(day, 12))
    assert over.status_code == 422
    assert over.json()["code"] == "quota_exceeded"
    assert (
        await book(client, student_token, other_desk["id"], at(day, 10), at(day, 11))
    ).status_code == 201


async def test_overlaps_are_409_and_adjacent_times_both_succeed(
    client: httpx.AsyncClient, staff_token: str, student_token: str, startup_token: str
) -> None:
    desk = await add_resource(client, staff_token)
    day = next_open_day()
    assert (
        await book(client, student_token, desk["id"], at(day, 9), at(day, 10))
    ).status_code == 201
    assert (
        await book(client, startup_token, desk["id"], at(day, 10), at(day, 11))
    ).status_code == 201
    taken = await book(client, startup_token, desk["id"], at(day, 9, 30), at(day, 10, 30))
    assert taken.status_code == 409
    assert taken.json()["code"] == "slot_taken"


async def test_buffer_keeps_a_gap_between_bookings(
    client: httpx.AsyncClient, staff_token: str, startup_token: str, student_token: str
) -> None:
    hall = await add_resource(
        client, staff_token, name="Hội trường", kind="event_hall", capacity=120, buffer_minutes=30
    )
    day = next_open_day()
    assert (await book(client, staff_token, hall["id"], at(day, 9), at(day, 11))).status_code == 201
    too_close = await book(client, student_token, hall["id"], at(day, 11), at(day, 12))
    assert too_close.status_code == 409
    assert (
        await book(client, student_token, hall["id"], at(day, 11, 30), at(day, 12))
    ).status_code == 201
    before = await book(client, student_token, hall["id"], at(day, 8), at(day, 9))
    assert before.status_code == 409


async def test_another_members_booking_is_404(
    client: httpx.AsyncClient, staff_token: str, student_token: str, startup_token: str
) -> None:
    desk = await add_resource(client, staff_token)
    day = next_open_day()
    mine = (await book(client, student_token, desk["id"], at(day, 9), at(day, 10))).json()
    assert (
        await client.get(f"/api/v1/bookings/{mine['id']}", headers=bearer(startup_token))
    ).status_code == 404
    cancel = await client.post(
        f"/api/v1/bookings/{mine['id']}/cancel", headers=bearer(startup_token)
    )
    assert cancel.status_code == 404
    assert (
        await client.get(f"/api/v1/bookings/{mine['id']}", headers=bearer(student_token))
    ).status_code == 200
    assert (
        await client.get(f"/api/v1/bookings/{mine['id']}", headers=bearer(staff_token))
    ).status_code == 200
    listed = (await client.get("/api/v1/bookings", headers=bearer(startup_token))).json()["items"]
    assert listed == []
    everyone = await client.get(
        "/api/v1/bookings", params={"all": "true"}, headers=bearer(staff_token)
    )
    assert [b["id"] for b in everyone.json()["items"]] == [mine["id"]]
    ignored = await client.get(
        "/api/v1/bookings", params={"all": "true"}, headers=bearer(startup_token)
    )
    assert ignored.json()["items"] == []


async def test_cancel_frees_the_slot(
    client: httpx.AsyncClient, staff_token: str, student_token: str, startup_token: str
) -> None:
    desk = await add_resource(client, staff_token)
    day = next_open_day()
    mine = (await book(client, student_token, desk["id"], at(day, 9), at(day, 10))).json()
    cancelled = await client.post(
        f"/api/v1/bookings/{mine['id']}/cancel", headers=bearer(student_token)
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert (
        await book(client, startup_token, desk["id"], at(day, 9), at(day, 10))
    ).status_code == 201


async def test_approval_holds_the_slot_until_staff_decide(
    client: httpx.AsyncClient, staff_token: str, student_token: str, startup_token: str
) -> None:
    lab = await add_resource(
        client, staff_token, name="Phòng Lab IoT", kind="lab", capacity=8, requires_approval=True
    )
    day = next_open_day()
    pending = (await book(client, startup_token, lab["id"], at(day, 9), at(day, 11))).json()
    assert pending["status"] == "pending_approval"
    assert (
        await book(client, student_token, lab["id"], at(day, 10), at(day, 12))
    ).status_code == 409
    assert (
        await client.post(
            f"/api/v1/bookings/{pending['id']}/approve", headers=bearer(student_token)
        )
    ).status_code == 403
    approved = await client.post(
        f"/api/v1/bookings/{pending['id']}/approve", headers=bearer(staff_token)
    )
    assert approved.json()["status"] == "confirmed"
    again = await client.post(
        f"/api/v1/bookings/{pending['id']}/approve", headers=bearer(staff_token)
    )
    assert again.status_code == 422 and again.json()["code"] == "not_pending_approval"


async def test_declined_booking_frees_the_slot(
    client: httpx.AsyncClient, staff_token: str, student_token: str, startup_token: str
) -> None:
    lab = await add_resource(client, staff_token, kind="lab", requires_approval=True)
    day = next_open_day()
    pending = (await book(client, startup_token, lab["id"], at(day, 9), at(day, 11))).json()
    declined = await client.post(
        f"/api/v1/bookings/{pending['id']}/decline",
        headers=bearer(staff_token),
        json={"reason": "Phòng lab đang hiệu chuẩn thiết bị"},
    )
    assert declined.json()["status"] == "declined"
    assert (
        await book(client, student_token, lab["id"], at(day, 9), at(day, 11))
    ).status_code == 201


async def test_availability_shows_free_time_around_bookings(
    client: httpx.AsyncClient, staff_token: str, student_token: str
) -> None:
    desk = await add_resource(client, staff_token)
    day = next_open_day()
    await book(client, student_token, desk["id"], at(day, 10), at(day, 12))
    response = await client.get(
        "/api/v1/availability",
        params={"start": at(day, 0), "end": at(day + timedelta(days=1), 0), "kind": "desk"},
    )
    assert response.status_code == 200
    [item] = response.json()["items"]
    assert item["resource_id"] == desk["id"]
    assert item["free"] == [
        {"start": at(day, 8), "end": at(day, 10)},
        {"start": at(day, 12), "end": at(day, 17)},
    ]
    assert (
        await client.get(
            "/api/v1/availability", params={"start": at(day, 0), "end": at(day, 1), "kind": "lab"}
        )
    ).json()["items"] == []


async def test_fifty_concurrent_requests_for_one_slot_give_exactly_one_booking(
    app, staff_token: str, client: httpx.AsyncClient
) -> None:
    desk = await add_resource(client, staff_token)
    tokens = []
    for n in range(10):
        await make_user("startup", email=f"s{n}@x.vn")
        tokens.append(await api_token(client, f"s{n}@x.vn"))
    day = next_open_day()
    responses = await asyncio.gather(
        *[book(client, tokens[n % 10], desk["id"], at(day, 9), at(day, 10)) for n in range(50)]
    )
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == 1 and codes.count(409) == 49, codes
    assert await Booking.count() == 1


async def test_concurrent_partial_overlaps_and_adjacent_times(
    client: httpx.AsyncClient, staff_token: str, student_token: str
) -> None:
    desk = await add_resource(client, staff_token)
    other = await add_resource(client, staff_token, name="Bàn 02")
    day = next_open_day()
    # Every pair overlaps (all cover 09:30–10:00), so exactly one may win.
    overlapping = [(9, 0, 10, 0), (9, 30, 10, 30), (8, 30, 10, 0), (9, 0, 11, 0)] * 5
    responses = await asyncio.gather(
        *[
            book(client, staff_token, desk["id"], at(day, h1, m1), at(day, h2, m2))
            for h1, m1, h2, m2 in overlapping
        ]
    )
    assert sorted(r.status_code for r in responses).count(201) == 1
    adjacent = [(13, 14), (14, 15), (15, 16), (16, 17)]
    responses = await asyncio.gather(
        *[book(client, staff_token, desk["id"], at(day, a), at(day, b)) for a, b in adjacent],
        *[book(client, staff_token, other["id"], at(day, 9), at(day, 10))],
    )
    assert [r.status_code for r in responses] == [201] * 5


async def test_huge_ids_are_a_clear_4xx_not_a_crash(
    client: httpx.AsyncClient, student_token: str
) -> None:
    huge = 2**63
    response = await client.get(f"/api/v1/bookings/{huge}", headers=bearer(student_token))
    assert response.status_code in {400, 404}
    availability = await client.get(
        "/api/v1/availability",
        params={
            "start": at(next_open_day(), 8),
            "end": at(next_open_day(), 17),
            "resource_id": huge,
        },
    )
    assert availability.status_code in {400, 404}


async def test_declining_needs_a_reason(
    client: httpx.AsyncClient, staff_token: str, startup_token: str
) -> None:
    lab = await add_resource(client, staff_token, kind="lab", requires_approval=True)
    day = next_open_day()
    pending = (await book(client, startup_token, lab["id"], at(day, 9), at(day, 10))).json()
    refused = await client.post(
        f"/api/v1/bookings/{pending['id']}/decline", headers=bearer(staff_token)
    )
    assert refused.status_code == 422 and refused.json()["code"] == "reason_required"
