"""Demo data: realistic Vietnamese accounts for every role. Running it twice changes nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from innovation_hub.accounts.services import (
    NewAccount,
    change_account,
    create_account,
    set_reminders,
)
from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services as bookings
from innovation_hub.bookings.demo import at, demo_kiosk, demo_series, demo_today, open_days
from innovation_hub.bookings.tables import Booking
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.database import transaction
from innovation_hub.core.settings import get_settings
from innovation_hub.payments.tables import Payment
from innovation_hub.programmes.demo import load_programmes_demo
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.demo import load_floor_plan_demo
from innovation_hub.spaces.tables import Location, Resource
from innovation_hub.trademarks.demo import load_trademarks_demo
from innovation_hub.visits.demo import load_visits_demo

DEMO_PASSWORD = "demo-matkhau-2026"  # noqa: S105 (documented in the README for local use)


def _demo_account(**profile: str) -> NewAccount:
    return NewAccount(password=DEMO_PASSWORD, **profile)


DEMO_ACCOUNTS = [
    _demo_account(
        email="admin@demo.hub.vn",
        name="Nguyễn Văn An",
        role="admin",
        organisation_name="Sở Khoa học và Công nghệ tỉnh Tây Ninh",
    ),
    _demo_account(
        email="ngoc.tran@demo.hub.vn",
        name="Trần Thị Bích Ngọc",
        role="staff",
        organisation_name="Trung tâm Khởi nghiệp và Đổi mới sáng tạo",
    ),
    _demo_account(
        email="phuc.le@demo.hub.vn",
        name="Lê Hoàng Phúc",
        role="staff",
        organisation_name="Trung tâm Khởi nghiệp và Đổi mới sáng tạo",
    ),
    _demo_account(
        email="khoa.pham@demo.hub.vn",
        name="Phạm Minh Khoa",
        role="student",
        school="Trường THPT chuyên Hoàng Lê Kha",
    ),
    _demo_account(
        email="ha.vo@demo.hub.vn",
        name="Võ Thị Thu Hà",
        role="student",
        school="Trường Đại học Kinh tế Công nghiệp Long An",
        locale="en",
    ),
    _demo_account(
        email="bao.dang@demo.hub.vn",
        name="Đặng Quốc Bảo",
        role="startup",
        organisation_name="Nông Nghiệp Số Tây Ninh (AgriTN)",
        phone="0903 123 456",
        # Follows the centre's Zalo OA: with HUB_ZALO_ACCESS_TOKEN set, his emails also
        # come as short Zalo messages.
        zalo_user_id="2512790357924638194",
    ),
    _demo_account(
        email="linh.huynh@demo.hub.vn",
        name="Huỳnh Mỹ Linh",
        role="startup",
        organisation_name="Mãng Cầu Xanh",
    ),
    _demo_account(
        email="tam.nguyen@demo.hub.vn",
        name="Nguyễn Thanh Tâm",
        role="enterprise",
        organisation_name="Công ty Cổ phần Bánh tráng Trảng Bàng",
        tax_code="3901234577",
        phone="0276 3822 111",
    ),
    _demo_account(
        email="hung.tran@demo.hub.vn",
        name="Trần Văn Hùng",
        role="enterprise",
        organisation_name="Hợp tác xã Muối tôm Gò Dầu",
        tax_code="3902345671",
    ),
    # A household business: since 1 July 2025 its tax code is the owner's 12-digit personal
    # identification number (072: birth registered in Tây Ninh; 1: a woman born 1900-1999).
    _demo_account(
        email="cuc.le@demo.hub.vn",
        name="Lê Thị Cúc",
        role="enterprise",
        organisation_name="Hộ kinh doanh Bánh tráng phơi sương Cô Cúc",
        tax_code="072186003517",
        phone="0918 226 404",
    ),
]


STUDENT_DESK_HOURS = 20

# Meeting rooms members of startups and enterprises pay for by the hour.
PAID_MEETING_ROOM = {
    "kind": "meeting_room",
    "allowed_roles": ["startup", "enterprise", "staff", "admin"],
    "max_minutes": 240,
}
DEMO_RESOURCES: list[dict[str, Any]] = [
    *[
        {
            "name": f"Bàn làm việc {n:02d}",
            "kind": "desk",
            "capacity": 1,
            "free_weekly_hours": {"student": STUDENT_DESK_HOURS},
            "max_days_ahead": 30,
            "description": "Trang bị: Wi-Fi, đèn bàn.",
            # 01–06 by the windows (01–04 with a monitor), 07–12 in the quiet area.
            "amenities": ["power", *(["window"] if n <= 6 else ["quiet"])]
            + (["monitor"] if n <= 4 else []),
        }
        for n in range(1, 13)
    ],
    *[
        {
            "name": f"Bàn linh hoạt {n:02d}",
            "kind": "hot_desk",
            "capacity": 1,
            "free_weekly_hours": {"student": STUDENT_DESK_HOURS},
            "max_days_ahead": 14,
            "max_minutes": 9 * 60,
            "description": "Trang bị: Wi-Fi.",
            # 13–16 along the wall sockets; 17–20 by the entrance and the lift.
            "amenities": ["power"] if n <= 16 else ["step_free"],
        }
        for n in range(13, 21)
    ],
    {
        **PAID_MEETING_ROOM,
        "name": "Phòng họp Sen",
        "capacity": 8,
        "price_per_hour_vnd": 150_000,
        "description": "Màn hình 65 inch, bảng trắng.",
        "amenities": ["monitor", "power", "window", "step_free"],
    },
    {
        **PAID_MEETING_ROOM,
        "name": "Phòng họp Mai",
        "capacity": 12,
        "price_per_hour_vnd": 200_000,
        "description": "Máy chiếu, hội nghị truyền hình.",
        "amenities": ["monitor", "power", "window"],
    },
    {
        "name": "Phòng họp Trúc",
        "kind": "meeting_room",
        "capacity": 4,
        "price_per_hour_vnd": 0,
        "description": "Bảng trắng.",
        "amenities": ["quiet", "power", "step_free"],
        "max_minutes": 120,
        "max_days_ahead": 100,  # the founders' club books it a quarter ahead, monthly
        "free_weekly_hours": {"student": 4},
    },
    {
        "name": "Hội trường Đổi mới",
        "kind": "event_hall",
        "capacity": 120,
        "price_per_hour_vnd": 500_000,
        "requires_approval": True,
        "buffer_minutes": 30,
        "min_minutes": 60,
        "max_days_ahead": 90,
        "min_notice_minutes": 48 * 60,
        "description": "Âm thanh, máy chiếu, sân khấu.",
        "amenities": ["monitor", "power", "step_free"],
    },
    {
        "name": "Phòng Lab IoT",
        "kind": "lab",
        "capacity": 10,
        "requires_approval": True,
        "description": "Máy in 3D, bộ kit Arduino, máy hàn.",
        "amenities": ["power"],
    },
]


# Members who turned reminders off: their bookings get none (confirmations still go out).
# The others' bookings of the next open day are reminded (the morning ones the evening before).
REMINDERS_OFF = ("linh.huynh@demo.hub.vn",)


async def _demo_bookings(resources: dict[str, Resource]) -> int:
    """A realistic week: desks in use, rooms booked, a lab request waiting, a maintenance block."""
    users = {u.email: u for u in await User.objects().run()}
    policy = bookings.Policy.from_settings(get_settings())  # the links in the members' emails
    today = datetime.now(LOCAL_TZ).date()
    upcoming = open_days(5, today + timedelta(days=1))
    past = open_days(3, today - timedelta(days=10))
    made = 0
    for n, day in enumerate(past):
        booked_at = at(day, 7) - timedelta(days=2)
        for email, desk in (
            ("khoa.pham@demo.hub.vn", "Bàn làm việc 01"),
            ("ha.vo@demo.hub.vn", "Bàn làm việc 02"),
        ):
            booking = await bookings.create_booking(
                users[email],
                resources[desk].id,
                at(day, 8),
                at(day, 12),
                purpose="Làm đồ án tốt nghiệp",
                policy=policy,
                now=booked_at,
            )
            if n % 2 == 0:
                await bookings.check_in(users[email], booking.id, policy=policy, now=at(day, 8, 5))
            made += 1
    plans = [
        (
            "khoa.pham@demo.hub.vn",
            "Bàn làm việc 01",
            0,
            (8, 0),
            (12, 0),
            "Nghiên cứu cảm biến độ ẩm đất",
        ),
        ("ha.vo@demo.hub.vn", "Bàn làm việc 02", 0, (13, 0), (17, 0), "Viết kế hoạch kinh doanh"),
        (
            "bao.dang@demo.hub.vn",
            "Bàn linh hoạt 13",
            1,
            (8, 0),
            (17, 0),
            "Phát triển ứng dụng AgriTN",
        ),
        ("linh.huynh@demo.hub.vn", "Phòng họp Trúc", 1, (9, 0), (10, 0), "Họp nhóm sáng lập"),
        ("bao.dang@demo.hub.vn", "Phòng họp Sen", 2, (14, 0), (16, 0), "Gặp nhà đầu tư thiên thần"),
        (
            "tam.nguyen@demo.hub.vn",
            "Phòng họp Mai",
            3,
            (9, 0),
            (11, 0),
            "Đào tạo 5S cho tổ sản xuất",
        ),
        ("bao.dang@demo.hub.vn", "Phòng Lab IoT", 2, (8, 0), (11, 0), "Thử nghiệm trạm đo mặn"),
        (
            "khoa.pham@demo.hub.vn",
            "Bàn làm việc 03",
            4,
            (8, 0),
            (10, 0),
            "Ôn thi học sinh giỏi tin học",
        ),
    ]
    for email, name, day_index, (h1, m1), (h2, m2), purpose in plans:
        day = upcoming[day_index]
        await bookings.create_booking(
            users[email],
            resources[name].id,
            at(day, h1, m1),
            at(day, h2, m2),
            purpose=purpose,
            policy=policy,
        )
        made += 1
    made += await demo_today(users, resources, policy)
    await _mark_demo_payments_paid(policy)
    staff = users["ngoc.tran@demo.hub.vn"]
    made += await _demo_staff_changes(staff, users, resources, upcoming, policy)
    await bookings.create_block(
        staff,
        resources["Phòng họp Mai"].id,
        at(upcoming[1], 13),
        at(upcoming[1], 17),
        reason="Bảo trì máy chiếu",
    )
    # Public events already held (the report counts them): one with its attendance recorded.
    hall = resources["Hội trường Đổi mới"].id
    await bookings.create_block(
        staff,
        hall,
        at(past[0], 8),
        at(past[0], 11, 30),
        reason="Ngày hội khởi nghiệp đổi mới sáng tạo tỉnh Tây Ninh",
        public=True,
        attendees=150,
    )
    await bookings.create_block(
        staff, hall, at(past[2], 14), at(past[2], 16), reason="Tọa đàm chuyển đổi số", public=True
    )
    await spaces.create_closure(
        starts_at=at(upcoming[4], 13),
        ends_at=at(upcoming[4], 17),
        reason="Tổng vệ sinh khu làm việc chung",
        actor_id=staff.id,
        resource_id=resources["Bàn linh hoạt 14"].id,
    )
    return made + 3


async def _demo_staff_changes(
    staff: User,
    users: dict[str, User],
    resources: dict[str, Resource],
    upcoming: list[date],
    policy: bookings.Policy,
) -> int:
    """Staff decline a hall request and move a desk booking: the members' emails say so."""
    request = await bookings.create_booking(
        users["tam.nguyen@demo.hub.vn"],
        resources["Hội trường Đổi mới"].id,
        at(upcoming[4], 8),
        at(upcoming[4], 11),
        purpose="Hội nghị khách hàng",
        attendees=80,
        policy=policy,
    )
    await bookings.decide(
        staff,
        request.id,
        bookings.Decision(approve=False, reason="Hội trường đã dành cho Ngày hội khởi nghiệp tỉnh"),
        policy=policy,
    )
    series_dates = await demo_series(staff, users, resources, upcoming, policy)
    desk = await Booking.objects().where(Booking.purpose == "Ôn thi học sinh giỏi tin học").first()
    if desk is not None:
        await bookings.move_booking(
            staff,
            desk.id,
            start=desk.start_at,
            end=desk.end_at,
            resource_id=resources["Bàn làm việc 01"].id,
            reason="Bàn làm việc 03 đang thay màn hình",
            policy=policy,
        )
    return 1 + series_dates


async def _mark_demo_payments_paid(policy: bookings.Policy) -> None:
    """Demo rooms were 'paid' already: a laptop has no Stripe to pay them through. Each is
    confirmed as a payment confirms it, so its member has the confirmation email too."""
    waiting = await Booking.objects().where(Booking.status == "pending_payment").run()
    for booking in waiting:
        intent_id = f"pi_demo_{booking.id:06d}"
        async with transaction():
            await Payment.insert(
                Payment(
                    booking=booking.id,
                    attempt=1,
                    idempotency_key=f"demo-booking-{booking.id}",
                    intent_id=intent_id,
                    amount_vnd=booking.price_vnd,
                    status="succeeded",
                )
            ).run()
            detail = {"intent": intent_id, "amount_vnd": booking.price_vnd}
            await bookings.confirm_paid(booking.id, detail=detail, policy=policy)


# An account that has not confirmed its email (it cannot book until it does), and one an
# administrator deactivated, whose booking still to come stays for staff to decide on.
UNVERIFIED_ACCOUNT = _demo_account(
    email="yen.truong@demo.hub.vn",
    name="Trương Thị Hải Yến",
    role="student",
    school="Trường Cao đẳng Nghề Tây Ninh",
)
DEACTIVATED_ACCOUNT = _demo_account(
    email="tai.lam@demo.hub.vn",
    name="Lâm Văn Tài",
    role="startup",
    organisation_name="Cà phê Núi Bà",
    phone="0918 456 789",
)
DEACTIVATION_REASON = "Nhóm khởi nghiệp đã dừng hoạt động; chủ tài khoản đề nghị khóa tài khoản."


async def _demo_account_states(resources: dict[str, Resource]) -> list[str]:
    made = []
    if not await User.exists().where(User.email == UNVERIFIED_ACCOUNT.email):
        user = await create_account(UNVERIFIED_ACCOUNT, actor_id=None)
        await User.update({User.email_verified_at: None}).where(User.id == user.id)
        made.append(f"{user.email} (email not confirmed: cannot book)")
    if not await User.exists().where(User.email == DEACTIVATED_ACCOUNT.email):
        user = await create_account(DEACTIVATED_ACCOUNT, actor_id=None)
        day = open_days(1, datetime.now(LOCAL_TZ).date() + timedelta(days=3))[0]
        policy = bookings.Policy.from_settings(get_settings())
        desk = resources["Bàn linh hoạt 18"]
        await bookings.create_booking(
            user, desk.id, at(day, 8), at(day, 12), purpose="Rang thử mẻ cà phê", policy=policy
        )
        admin = await User.objects().get(User.email == "admin@demo.hub.vn")
        assert admin is not None  # made with the other demo accounts above
        await change_account(admin, user.id, active=False, reason=DEACTIVATION_REASON)
        made.append(f"{user.email} (deactivated, one booking still to come)")
    return made


async def load_demo() -> list[str]:
    """Creates the demo data that is missing; returns what it created, e.g. "16 bookings"."""
    created = []
    accounts = []
    for account in DEMO_ACCOUNTS:
        if await User.exists().where(User.email == account.email).run():
            continue
        user = await create_account(account, actor_id=None)
        if account.email in REMINDERS_OFF:
            await set_reminders(user, False, actor_id=user.id)
        accounts.append(account.email)
    if accounts:
        created.append(f"{len(accounts)} accounts ({', '.join(accounts)})")
    location = await spaces.default_location()
    if not location.address:
        await (
            Location.update(
                {Location.address: "Tầng 3, số 12 Hùng Vương, Phường Long An, tỉnh Tây Ninh"}
            )
            .where(Location.id == location.id)
            .run()
        )
    resources: dict[str, Resource] = {r.name: r for r in await spaces.list_resources()}
    new_spaces = []
    for data in DEMO_RESOURCES:
        if data["name"] in resources:
            continue
        resources[data["name"]] = await spaces.create_resource(data, actor_id=None)
        new_spaces.append(data["name"])
    if new_spaces:
        created.append(f"{len(new_spaces)} spaces ({', '.join(new_spaces)})")
    location = await spaces.get_location(location.id)  # with the address set above
    created.extend(await load_floor_plan_demo(location, var_dir=get_settings().var_dir))
    if not await Booking.exists().where(Booking.kind == "booking").run():
        made = await _demo_bookings(resources)
        created.append(f"{made} bookings")
    if states := await _demo_account_states(resources):
        created.append(f"{len(states)} accounts to manage ({', '.join(states)})")
    created.extend(await load_visits_demo())  # already worded: ["5 visits"]
    if cases_made := await load_trademarks_demo():
        created.append(f"{cases_made} trademark cases")
    if programme_items := await load_programmes_demo():
        created.append(f"{programme_items} programme calls and applications")
    if kiosk := await demo_kiosk():
        created.append(kiosk)
    return created
