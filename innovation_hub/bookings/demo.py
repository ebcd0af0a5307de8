"""The bookings part of the demo: today's front desk, a kiosk screen, repeating bookings, and
the dates and times the other demo parts book on."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services as bookings
from innovation_hub.bookings.tables import KioskToken
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.settings import get_settings
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import Resource


def open_days(count: int, start: date) -> list[date]:
    days: list[date] = []
    day = start
    while len(days) < count:
        if day.weekday() < 5 and spaces.holiday_name(day) is None:
            days.append(day)
        day += timedelta(days=1)
    return days


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LOCAL_TZ)


async def demo_today(
    users: dict[str, User], resources: dict[str, Resource], policy: bookings.Policy
) -> int:
    """Today at the front desk, when the centre is open today: a student who checked in this
    morning, a member expected this afternoon and a walk-in booked at the desk."""
    today = datetime.now(LOCAL_TZ).date()
    if today.weekday() >= 5 or spaces.holiday_name(today) is not None:
        return 0
    booked_before = at(today, 7) - timedelta(days=1)
    plans = [
        ("khoa.pham@demo.hub.vn", "Bàn làm việc 04", (8, 0), (12, 0), booked_before),
        ("ha.vo@demo.hub.vn", "Bàn làm việc 05", (13, 0), (17, 0), booked_before),
        ("bao.dang@demo.hub.vn", "Bàn linh hoạt 15", (9, 30), (11, 30), at(today, 9, 20)),
    ]
    for email, name, (h1, m1), (h2, m2), booked_at in plans:
        booking = await bookings.create_booking(
            users[email],
            resources[name].id,
            at(today, h1, m1),
            at(today, h2, m2),
            purpose="Làm việc tại không gian chung",
            policy=policy,
            now=booked_at,
        )
        if email == "khoa.pham@demo.hub.vn":
            await bookings.check_in(users[email], booking.id, policy=policy, now=at(today, 8, 3))
    return len(plans)


async def demo_kiosk() -> str | None:
    """One front-desk screen for the main location; its secret link is printed only now."""
    if await KioskToken.exists().run():
        return None
    staff = await User.objects().where(User.email == "ngoc.tran@demo.hub.vn").first().run()
    if staff is None:
        return None
    location = await spaces.default_location()
    _kiosk, token = await bookings.create_kiosk(staff, location.id, "Quầy lễ tân tầng 3")
    return f"a kiosk screen at {get_settings().base_url.rstrip('/')}/kiosk/{token}"


async def demo_series(
    staff: User,
    users: dict[str, User],
    resources: dict[str, Resource],
    upcoming: list[date],
    policy: bookings.Policy,
) -> int:
    """A monthly club meeting (the same weekday of each month) and a weekly research group
    whose later dates staff moved together by an hour."""
    room = resources["Phòng họp Trúc"].id
    monthly = await bookings.create_series(
        users["linh.huynh@demo.hub.vn"],
        room,
        at(upcoming[0], 16),
        at(upcoming[0], 17),
        frequency="monthly",
        until=None,
        count=3,
        skip_conflicts=True,
        purpose="Họp câu lạc bộ nhà sáng lập hằng tháng",
        policy=policy,
    )
    weekly = await bookings.create_series(
        users["khoa.pham@demo.hub.vn"],
        room,
        at(upcoming[2], 14),
        at(upcoming[2], 15),
        frequency="weekly",
        until=None,
        count=3,
        skip_conflicts=True,
        purpose="Nhóm nghiên cứu robot phân loại nông sản",
        policy=policy,
    )
    if len(weekly.booked) > 1:
        second = weekly.booked[1]
        await bookings.move_following(
            staff,
            second.id,
            start=second.start_at + timedelta(hours=1),
            end=second.end_at + timedelta(hours=1),
            resource_id=None,
            reason="Phòng họp Trúc có buổi tư vấn nhãn hiệu lúc 14:00",
            policy=policy,
        )
    return len(monthly.booked) + len(weekly.booked)
