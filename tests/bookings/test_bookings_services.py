"""Booking rules that depend on time passing: check-in, no-shows, payment holds, the waitlist,
and recurring series — driven through the services with an explicit "now"."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta

import pytest

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services
from innovation_hub.bookings.tables import Booking, WaitlistEntry
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.errors import Conflict, RuleBroken
from innovation_hub.core.mail import OutboxMessage
from innovation_hub.spaces.services import create_resource
from innovation_hub.spaces.tables import Resource
from tests.helpers import make_user, next_open_day

POLICY = services.Policy(
    hold_minutes=15,
    check_in_early_minutes=10,
    no_show_grace_minutes=15,
    waitlist_offer_minutes=30,
    base_url="http://testserver",
)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LOCAL_TZ)


@pytest.fixture
async def desk() -> Resource:
    return await create_resource({"name": "Bàn 01", "kind": "desk", "capacity": 1}, actor_id=None)


@pytest.fixture
async def student() -> User:
    return await make_user("student")


@pytest.fixture
async def startup() -> User:
    return await make_user("startup")


async def test_check_in_window(desk: Resource, student: User) -> None:
    day = next_open_day()
    booking = await services.create_booking(
        student, desk.id, local(day, 9), local(day, 10), policy=POLICY
    )
    with pytest.raises(RuleBroken) as early:
        await services.check_in(student, booking.id, policy=POLICY, now=local(day, 8, 45))
    assert early.value.code == "too_early"
    checked = await services.check_in(student, booking.id, policy=POLICY, now=local(day, 8, 52))
    assert checked.status == "checked_in" and checked.checked_in_at is not None


async def test_no_show_releases_the_slot_after_the_grace_time(
    desk: Resource, student: User, startup: User
) -> None:
    day = next_open_day()
    booking = await services.create_booking(
        student, desk.id, local(day, 9), local(day, 11), policy=POLICY
    )
    assert await services.release_no_shows(policy=POLICY, now=local(day, 9, 14)) == 0
    assert await services.release_no_shows(policy=POLICY, now=local(day, 9, 16)) == 1
    released = await Booking.objects().where(Booking.id == booking.id).first()
    assert released is not None and released.status == "no_show"
    with pytest.raises(RuleBroken) as late:
        await services.check_in(student, booking.id, policy=POLICY, now=local(day, 9, 20))
    assert late.value.code == "not_checkable"
    taken_over = await services.create_booking(
        startup, desk.id, local(day, 10), local(day, 11), policy=POLICY, now=local(day, 9, 20)
    )
    assert taken_over.status == "confirmed"


async def test_checked_in_bookings_are_not_released(desk: Resource, student: User) -> None:
    day = next_open_day()
    booking = await services.create_booking(
        student, desk.id, local(day, 9), local(day, 11), policy=POLICY
    )
    await services.check_in(student, booking.id, policy=POLICY, now=local(day, 9, 5))
    assert await services.release_no_shows(policy=POLICY, now=local(day, 10)) == 0


async def test_unpaid_hold_expires_and_frees_the_slot(startup: User, student: User) -> None:
    room = await create_resource(
        {
            "name": "Phòng họp Sen",
            "kind": "meeting_room",
            "capacity": 8,
            "price_per_hour_vnd": 200_000,
        },
        actor_id=None,
    )
    day = next_open_day()
    now = local(day, 7) - timedelta(days=1)
    booking = await services.create_booking(
        startup, room.id, local(day, 9), local(day, 10), policy=POLICY, now=now
    )
    assert booking.status == "pending_payment" and booking.price_vnd == 200_000
    assert await services.expire_holds(policy=POLICY, now=now + timedelta(minutes=14)) == 0
    assert await services.expire_holds(policy=POLICY, now=now + timedelta(minutes=16)) == 1
    expired = await Booking.objects().where(Booking.id == booking.id).first()
    assert expired is not None and expired.status == "expired"
    again = await services.create_booking(
        student,
        room.id,
        local(day, 9),
        local(day, 10),
        policy=POLICY,
        now=now + timedelta(minutes=20),
    )
    assert again.id != booking.id


async def test_cancellation_notice(desk: Resource, student: User) -> None:
    day = next_open_day()
    booking = await services.create_booking(
        student, desk.id, local(day, 9), local(day, 10), policy=POLICY
    )
    with pytest.raises(RuleBroken) as late:
        await services.cancel_booking(student, booking.id, policy=POLICY, now=local(day, 8))
    assert late.value.code == "cancellation_too_late"
    cancelled = await services.cancel_booking(
        student, booking.id, policy=POLICY, now=local(day, 6, 59)
    )
    assert cancelled.status == "cancelled"


async def test_staff_cancel_someone_elses_booking_only_with_a_reason(
    desk: Resource, student: User
) -> None:
    staff = await make_user("staff")
    day = next_open_day()
    booking = await services.create_booking(
        student, desk.id, local(day, 9), local(day, 10), policy=POLICY
    )
    with pytest.raises(RuleBroken) as no_reason:
        await services.cancel_booking(staff, booking.id, policy=POLICY)
    assert no_reason.value.code == "reason_required"
    done = await services.cancel_booking(staff, booking.id, reason="Sự cố điện", policy=POLICY)
    assert done.status == "cancelled" and done.status_reason == "Sự cố điện"


async def test_waitlist_offers_a_freed_slot_to_the_first_in_line(
    desk: Resource, student: User, startup: User
) -> None:
    third = await make_user("enterprise")
    day = next_open_day()
    booking = await services.create_booking(
        student, desk.id, local(day, 9), local(day, 10), policy=POLICY
    )
    with pytest.raises(RuleBroken) as free:
        await services.join_waitlist(startup, desk.id, local(day, 10), local(day, 11))
    assert free.value.code == "slot_free"
    first = await services.join_waitlist(startup, desk.id, local(day, 9), local(day, 10))
    second = await services.join_waitlist(third, desk.id, local(day, 9), local(day, 10))
    with pytest.raises(Conflict):
        await services.join_waitlist(startup, desk.id, local(day, 9), local(day, 10))

    await services.cancel_booking(student, booking.id, policy=POLICY)
    entries = {e.id: e for e in await WaitlistEntry.objects()}
    assert entries[first.id].status == "offered" and entries[second.id].status == "waiting"
    offer_mail = (
        await OutboxMessage.objects().where(OutboxMessage.to_address == startup.email).first()
    )
    assert offer_mail is not None and "Bàn 01" in offer_mail.subject

    # The first does not answer in time: the offer passes to the next in line.
    expiry = entries[first.id].offer_expires_at + timedelta(minutes=1)
    with pytest.raises(RuleBroken):
        await services.accept_offer(startup, first.id, policy=POLICY, now=expiry)
    assert await services.expire_offers(policy=POLICY, now=expiry) == 1
    entries = {e.id: e for e in await WaitlistEntry.objects()}
    assert entries[first.id].status == "expired" and entries[second.id].status == "offered"
    booked = await services.accept_offer(third, second.id, policy=POLICY)
    assert booked.status == "confirmed" and booked.user == third.id


async def test_an_offer_accepted_as_it_expires_goes_to_one_member_only(
    desk: Resource, student: User, startup: User
) -> None:
    third = await make_user("enterprise")
    day = next_open_day()
    booking = await services.create_booking(
        student, desk.id, local(day, 9), local(day, 10), policy=POLICY
    )
    first = await services.join_waitlist(startup, desk.id, local(day, 9), local(day, 10))
    second = await services.join_waitlist(third, desk.id, local(day, 9), local(day, 10))
    await services.cancel_booking(student, booking.id, policy=POLICY)
    offered = await WaitlistEntry.objects().where(WaitlistEntry.id == first.id).first()
    assert offered is not None and offered.offer_expires_at is not None
    # The member answers in the offer's last second while the expiry job already runs.
    last_second = offered.offer_expires_at - timedelta(seconds=1)
    after = offered.offer_expires_at + timedelta(seconds=1)
    accepted, expired = await asyncio.gather(
        services.accept_offer(startup, first.id, policy=POLICY, now=last_second),
        services.expire_offers(policy=POLICY, now=after),
        return_exceptions=True,
    )
    entries = {e.id: e for e in await WaitlistEntry.objects()}
    if isinstance(accepted, Booking):
        assert expired == 0
        assert entries[first.id].status == "booked" and entries[second.id].status == "waiting"
    else:
        assert isinstance(accepted, RuleBroken) and expired == 1
        assert entries[first.id].status == "expired" and entries[second.id].status == "offered"


async def test_series_books_free_dates_and_lists_conflicts(
    desk: Resource, student: User, startup: User
) -> None:
    day = next_open_day()
    start, end = local(day, 9), local(day, 10)
    # Someone already holds the second week.
    await services.create_booking(
        startup, desk.id, start + timedelta(days=7), end + timedelta(days=7), policy=POLICY
    )
    preview = await services.preview_series(
        student, desk.id, start, end, frequency="weekly", until=None, count=3
    )
    assert [o.code for o in preview] == [None, "slot_taken", None]
    with pytest.raises(Conflict) as refused:
        await services.create_series(
            student,
            desk.id,
            start,
            end,
            frequency="weekly",
            until=None,
            count=3,
            skip_conflicts=False,
            policy=POLICY,
        )
    assert refused.value.code == "series_conflicts"
    assert len(refused.value.extra["conflicts"]) == 1
    assert await Booking.count().where(Booking.user == student.id) == 0
    result = await services.create_series(
        student,
        desk.id,
        start,
        end,
        frequency="weekly",
        until=None,
        count=3,
        skip_conflicts=True,
        policy=POLICY,
    )
    assert len(result.booked) == 2 and [o.code for o in result.skipped] == ["slot_taken"]
    cancelled, kept = await services.cancel_series(student, result.series.id, policy=POLICY)
    assert len(cancelled) == 2 and kept == []


async def test_series_limits(desk: Resource, student: User) -> None:
    day = next_open_day()
    for kwargs, code in (
        ({"frequency": "yearly", "until": None, "count": 3}, "invalid_frequency"),
        ({"frequency": "daily", "until": None, "count": None}, "invalid_repeat"),
        (
            {"frequency": "daily", "until": day + timedelta(days=400), "count": None},
            "series_too_long",
        ),
        ({"frequency": "weekly", "until": None, "count": 500}, "invalid_repeat"),
    ):
        with pytest.raises(RuleBroken) as broken:
            await services.preview_series(student, desk.id, local(day, 9), local(day, 10), **kwargs)
        assert broken.value.code == code


async def test_a_daily_series_skips_weekends_as_outside_opening_hours(
    desk: Resource, student: User
) -> None:
    day = next_open_day()
    preview = await services.preview_series(
        student, desk.id, local(day, 9), local(day, 10), frequency="daily", until=None, count=7
    )
    weekend = [o for o in preview if o.start.astimezone(LOCAL_TZ).weekday() >= 5]
    assert weekend and all(o.code in {"outside_opening_hours", "holiday"} for o in weekend)


async def test_concurrent_series_never_double_book(desk: Resource) -> None:
    members = [await make_user("startup", email=f"s{n}@x.vn") for n in range(6)]
    day = next_open_day()
    results = await asyncio.gather(
        *[
            services.create_series(
                m,
                desk.id,
                local(day, 9),
                local(day, 10),
                frequency="weekly",
                until=None,
                count=4,
                skip_conflicts=True,
                policy=POLICY,
            )
            for m in members
        ],
        return_exceptions=True,
    )
    for result in results:
        assert isinstance(result, (services.SeriesResult, Conflict)), result
    rows = await Booking.select(Booking.start_at).where(Booking.status == "confirmed")
    starts = [r["start_at"] for r in rows]
    assert len(starts) == len(set(starts)) == 4


async def test_the_database_itself_refuses_an_overlap(desk: Resource, student: User) -> None:
    day = next_open_day()
    await services.create_booking(student, desk.id, local(day, 9), local(day, 10), policy=POLICY)
    intruder = Booking(
        resource=desk.id,
        user=student.id,
        status="confirmed",
        start_at=local(day, 9, 30),
        end_at=local(day, 10, 30),
        occupied_until=local(day, 10, 30),
    )
    with pytest.raises(Exception) as refused:
        await intruder.save()
    assert services.is_overlap_violation(refused.value)
    # Inactive rows may overlap freely (a cancelled booking keeps its time for the record).
    cancelled = Booking(
        resource=desk.id,
        user=student.id,
        status="cancelled",
        start_at=local(day, 9, 30),
        end_at=local(day, 10, 30),
        occupied_until=local(day, 10, 30),
    )
    await cancelled.save()
    # And an update that would create an overlap is refused too.
    with pytest.raises(Exception) as reactivated:
        await Booking.update({Booking.status: "confirmed"}).where(Booking.id == cancelled.id)
    assert services.is_overlap_violation(reactivated.value)


async def test_jobs_run_by_two_instances_handle_each_booking_once(desk: Resource) -> None:
    members = [await make_user("student", email=f"m{n}@x.vn") for n in range(5)]
    day = next_open_day()
    for n, member in enumerate(members):
        await services.create_booking(
            member, desk.id, local(day, 8 + n), local(day, 9 + n), policy=POLICY
        )
    late = local(day, 16)
    counts = await asyncio.gather(
        services.release_no_shows(policy=POLICY, now=late),
        services.release_no_shows(policy=POLICY, now=late),
    )
    assert sum(counts) == 5
    from innovation_hub.core.audit import AuditEntry

    assert await AuditEntry.count().where(AuditEntry.action == "booking.no_show") == 5
