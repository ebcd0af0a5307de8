"""Rules that must hold when many requests arrive at once: each race, run over several rounds,
ends exactly as the same requests sent one by one would (both engines). The refund races,
which need Stripe, are in test_payments.py."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date, datetime, time, timedelta

import asyncpg
import httpx
import pytest

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services
from innovation_hub.bookings.tables import Booking, BookingSeries, WaitlistEntry
from innovation_hub.core.audit import AuditEntry
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.errors import Conflict, RuleBroken
from innovation_hub.payments.tables import Payment
from innovation_hub.spaces.services import create_resource
from innovation_hub.spaces.tables import Resource
from tests.helpers import api_token, at, bearer, make_user, next_open_day

pytestmark = pytest.mark.usefixtures("pooled_connections")

ROUNDS = 3
RACERS = 20
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


def clean_week() -> date:
    """The Monday of the first week, from next week on, whose five working days are open."""
    import holidays

    today = next_open_day(1)
    monday = today + timedelta(days=7 - today.weekday())
    vn = holidays.Vietnam(years=range(monday.year, monday.year + 2))
    while any(monday + timedelta(days=n) in vn for n in range(5)):
        monday += timedelta(days=7)
    assert monday - today < timedelta(days=25), "no open week within the booking horizon"
    return monday


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


async def test_racing_waitlist_accepts_stop_exactly_at_the_weekly_quota(
    client: httpx.AsyncClient,
) -> None:
    day = next_open_day()
    for round_ in range(ROUNDS):
        desks = await free_desks(10, f"w{round_}")
        student, token = await member(client, "student", f"sv{round_}@hs.vn")
        offers = []
        for desk in desks:
            for start in (8, 12):
                begins = datetime.combine(day, time(start), LOCAL_TZ)
                entry = WaitlistEntry(
                    resource=desk.id,
                    user=student.id,
                    start_at=begins,
                    end_at=begins + timedelta(hours=4),
                    status="offered",
                    offer_expires_at=utcnow() + timedelta(minutes=30),
                )
                await entry.save()
                offers.append(entry.id)
        responses = await asyncio.gather(
            *[
                client.post(f"/api/v1/waitlist/{entry_id}/accept", headers=bearer(token))
                for entry_id in offers
            ]
        )
        assert outcome(responses) == [(201, "")] * 5 + [(422, "quota_exceeded")] * 15
        assert await Booking.count().where(Booking.user == student.id) == 5
        # A refused acceptance leaves the offer open, as it was.
        statuses = await WaitlistEntry.select(WaitlistEntry.status).where(
            WaitlistEntry.user == student.id
        )
        assert sorted(r["status"] for r in statuses) == ["booked"] * 5 + ["offered"] * 15


def series_body(resource_id: int, monday: date, hours: tuple[int, int]) -> dict[str, object]:
    return {
        "resource_id": resource_id,
        "start": at(monday, hours[0]),
        "end": at(monday, hours[1]),
        "frequency": "daily",
        "count": 5,
        "skip_conflicts": False,
    }


async def test_a_series_without_skipping_is_all_or_nothing(client: httpx.AsyncClient) -> None:
    monday = clean_week()
    (desk,) = await free_desks(1, "s")
    student, token = await member(client, "student", "sv@hs.vn")
    # Five eight-hour days: the preview finds them free, but 20 free hours cover only two.
    response = await client.post(
        "/api/v1/booking-series", headers=bearer(token), json=series_body(desk.id, monday, (8, 16))
    )
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["code"] == "series_conflicts"
    refused = [(c["start"][:10], c["code"]) for c in body["conflicts"]]
    assert refused == [
        ((monday + timedelta(days=n)).isoformat(), "quota_exceeded") for n in (2, 3, 4)
    ]
    assert await Booking.count().where(Booking.user == student.id) == 0
    assert await BookingSeries.count() == 0
    # With skip_conflicts the two that fit are booked and the rest reported as skipped.
    skipping = await client.post(
        "/api/v1/booking-series",
        headers=bearer(token),
        json={**series_body(desk.id, monday, (8, 16)), "skip_conflicts": True},
    )
    assert skipping.status_code == 201
    assert len(skipping.json()["bookings"]) == 2 and len(skipping.json()["skipped"]) == 3


async def test_a_series_over_the_unpaid_holds_limit_writes_nothing(
    client: httpx.AsyncClient,
) -> None:
    monday = clean_week()
    (room,) = await paid_rooms(1)
    startup, token = await member(client, "startup", "bao@agritn.vn")
    response = await client.post(
        "/api/v1/booking-series", headers=bearer(token), json=series_body(room.id, monday, (9, 10))
    )
    assert response.status_code == 409
    assert [c["code"] for c in response.json()["conflicts"]] == ["too_many_unpaid_holds"] * 3
    assert await Booking.count().where(Booking.user == startup.id) == 0


async def test_racing_series_of_one_student_stay_within_the_quota(
    client: httpx.AsyncClient,
) -> None:
    monday = clean_week()
    desks = await free_desks(RACERS, "r")
    for round_ in range(ROUNDS):
        student, token = await member(client, "student", f"sv{round_}@hs.vn")
        # Each series is ten of the week's 20 free hours; one by one, two are booked and
        # every later one is refused whole.
        hours = (8 + 2 * round_, 10 + 2 * round_)
        responses = await asyncio.gather(
            *[
                client.post(
                    "/api/v1/booking-series",
                    headers=bearer(token),
                    json=series_body(desk.id, monday, hours),
                )
                for desk in desks
            ]
        )
        assert outcome(responses) == [(201, "")] * 2 + [(409, "series_conflicts")] * (RACERS - 2)
        assert await Booking.count().where(Booking.user == student.id) == 10
        assert await BookingSeries.count().where(BookingSeries.user == student.id) == 2


async def test_racing_decisions_on_a_booking_leave_exactly_one(
    client: httpx.AsyncClient, staff_token: str
) -> None:
    day = next_open_day()
    desk = await create_resource(
        {"name": "Bàn duyệt", "kind": "desk", "capacity": 1, "requires_approval": True},
        actor_id=None,
    )
    _, token = await member(client, "startup", "bao@agritn.vn")
    for round_ in range(ROUNDS):
        made = await book(client, token, desk.id, at(day, 8 + round_), at(day, 9 + round_))
        booking_id = made.json()["id"]
        assert made.json()["status"] == "pending_approval"
        # Half the staff approve while the other half decline: one decision stands.
        decisions = await asyncio.gather(
            *[
                client.post(
                    f"/api/v1/bookings/{booking_id}/{'approve' if n % 2 else 'decline'}",
                    headers=bearer(staff_token),
                    json=None if n % 2 else {"reason": "Phòng đã có lịch"},
                )
                for n in range(RACERS)
            ]
        )
        assert [code for code, _ in outcome(decisions)] == [200] + [422] * (RACERS - 1)
        assert {r.json()["code"] for r in decisions if r.status_code == 422} == {
            "not_pending_approval"
        }
        decided = await AuditEntry.count().where(
            (AuditEntry.record_id == str(booking_id))
            & AuditEntry.action.is_in(["booking.confirmed", "booking.declined"])
        )
        assert decided == 1
        # The decision that answered 200 is the one the booking keeps.
        (winner,) = [r.json()["status"] for r in decisions if r.status_code == 200]
        stored = await Booking.select(Booking.status).where(Booking.id == booking_id).first()
        assert stored is not None and stored["status"] == winner


async def _check_in(student: User, booking_id: int, now: datetime) -> str:
    try:
        checked = await services.check_in(student, booking_id, policy=services.Policy(), now=now)
    except RuleBroken as exc:
        return exc.code
    return checked.status


async def test_a_check_in_racing_the_no_show_job_leaves_one_outcome(
    client: httpx.AsyncClient,
) -> None:
    """Members checking in 20 minutes after the start while the job marks no-shows (grace 15
    minutes): the booking ends checked in or a no-show, never both, with one audit entry."""
    day = next_open_day()
    (desk,) = await free_desks(1, "n")
    student, token = await member(client, "student", "sv.n@hs.vn")
    for round_ in range(ROUNDS):
        made = await book(client, token, desk.id, at(day, 8 + round_), at(day, 9 + round_))
        booking_id = made.json()["id"]
        booking = await Booking.objects().where(Booking.id == booking_id).first()
        assert booking is not None and booking.status == "confirmed"
        now = booking.start_at + timedelta(minutes=20)
        results = await asyncio.gather(
            *[
                _check_in(student, booking_id, now)
                if n % 2
                else services.release_no_shows(policy=services.Policy(), now=now)
                for n in range(RACERS)
            ]
        )
        stored = await Booking.objects().where(Booking.id == booking_id).first()
        assert stored is not None
        checked_in = {r for r in results if isinstance(r, str)}
        released = sum(r for r in results if isinstance(r, int))
        if stored.status == "checked_in":
            assert checked_in == {"checked_in"} and released == 0
        else:
            assert stored.status == "no_show" and released == 1
            assert checked_in <= {"checked_in", "not_checkable"}
        moves = await AuditEntry.count().where(
            (AuditEntry.record_id == str(booking_id))
            & AuditEntry.action.is_in(["booking.checked_in", "booking.no_show"])
        )
        assert moves == 1


async def test_racing_cancels_of_a_booking_cancel_it_once(client: httpx.AsyncClient) -> None:
    day = next_open_day()
    (desk,) = await free_desks(1, "c")
    _, token = await member(client, "student", "sv@hs.vn")
    for round_ in range(ROUNDS):
        made = await book(client, token, desk.id, at(day, 8 + round_), at(day, 9 + round_))
        booking_id = made.json()["id"]
        cancels = await asyncio.gather(
            *[
                client.post(f"/api/v1/bookings/{booking_id}/cancel", headers=bearer(token))
                for _ in range(RACERS)
            ]
        )
        # Every caller is told it is cancelled; it was cancelled (and would be refunded) once.
        assert {(r.status_code, r.json()["status"]) for r in cancels} == {(200, "cancelled")}
        cancelled = await AuditEntry.count().where(
            (AuditEntry.record_id == str(booking_id)) & (AuditEntry.action == "booking.cancelled")
        )
        assert cancelled == 1


async def test_the_database_refuses_a_refunded_total_outside_the_amount_paid() -> None:
    desk = await create_resource({"name": "Bàn", "kind": "desk", "capacity": 1}, actor_id=None)
    startup = await make_user("startup")
    start = (utcnow() + timedelta(days=3)).astimezone(LOCAL_TZ).replace(microsecond=0)
    booking = Booking(
        resource=desk.id,
        user=startup.id,
        status="confirmed",
        start_at=start,
        end_at=start + timedelta(hours=1),
        occupied_until=start + timedelta(hours=1),
        price_vnd=PRICE,
    )
    await booking.save()
    payment = Payment(
        booking=booking.id, amount_vnd=PRICE, idempotency_key="k-1", status="succeeded"
    )
    await payment.save()
    refused = (sqlite3.IntegrityError, asyncpg.exceptions.CheckViolationError)
    for total in (PRICE + 1, -1):
        with pytest.raises(refused):
            await Payment.update({Payment.refunded_vnd: total}).where(Payment.id == payment.id)
    with pytest.raises(refused):
        await Payment.update({Payment.refunded_vnd: Payment.refunded_vnd + PRICE * 10}).where(
            Payment.id == payment.id
        )
    with pytest.raises(refused):
        await Payment(
            booking=booking.id, amount_vnd=PRICE, refunded_vnd=PRICE + 1, idempotency_key="k-2"
        ).save()
    await Payment.update({Payment.refunded_vnd: PRICE}).where(Payment.id == payment.id)
    with pytest.raises(refused):  # nor may the amount drop below what was refunded
        await Payment.update({Payment.amount_vnd: PRICE - 1}).where(Payment.id == payment.id)
    rows = await Payment.select(Payment.refunded_vnd, Payment.amount_vnd)
    assert rows == [{"refunded_vnd": PRICE, "amount_vnd": PRICE}]


def test_a_deadlock_in_the_overlap_constraint_is_a_lost_slot_not_an_error() -> None:
    """Three racing writers of one time can deadlock in PostgreSQL's exclusion constraint (seen
    under load in the concurrent-creates test): the aborted one is told the slot is taken."""
    from asyncpg.exceptions import DeadlockDetectedError

    from innovation_hub.bookings.services.rules import overlaps_refused

    with pytest.raises(Conflict) as lost, overlaps_refused():
        raise DeadlockDetectedError("deadlock detected")
    assert lost.value.code == "slot_taken"
    with pytest.raises(ValueError), overlaps_refused():
        raise ValueError("not a race")
