"""Demo research visits from schools of Tây Ninh, in several states. Running it twice changes
nothing. Call after the demo accounts and spaces exist (``innovation_hub.demo.load_demo``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.settings import get_settings
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import Resource
from innovation_hub.visits import services
from innovation_hub.visits.tables import Visit

HOUR, DAY = timedelta(hours=1), timedelta(days=1)


@dataclass(frozen=True)
class _Demo:
    story: str  # what happens after the request: see STORIES
    days_ahead: int  # the preferred day, from today (the next open day from there)
    asked_ago: timedelta
    request: dict[str, Any]  # the NewVisit's own fields
    alternates: tuple[int, ...] = ()  # days after the preferred day
    opened_after: timedelta | None = None  # when the teacher opened the emailed link
    message: str = ""  # what staff wrote with their decision
    time_of_day: str = "any"
    extra: dict[str, Any] = field(default_factory=dict)


DEMOS = (
    # Approved: a gifted-school class in the event hall, hosted by Lê Hoàng Phúc.
    _Demo(
        "approved",
        16,
        3 * DAY,
        {
            "school_name": "Trường THPT chuyên Hoàng Lê Kha",
            "contact_name": "Nguyễn Thị Lan",
            "contact_email": "lan.nguyen@demo.hub.vn",
            "contact_phone": "0276 3822 333",
            "level": "upper_secondary",
            "grade": "Lớp 11 chuyên Tin",
            "student_count": 32,
            "supervisor_count": 4,
            "topic": "Ứng dụng IoT trong nông nghiệp thông minh",
            "goals": "Tìm hiểu cảm biến đo độ ẩm, độ mặn; gặp các nhóm khởi nghiệp nông nghiệp "
            "số; định hướng nghề nghiệp ngành kỹ thuật.",
            "mentors_equipment": "Một cố vấn từ AgriTN; xem máy in 3D và bộ kit Arduino của "
            "phòng Lab.",
            "notes": "Một học sinh đi xe lăn. Xe buýt 45 chỗ cần chỗ đỗ.",
        },
        alternates=(7,),
        opened_after=timedelta(0),
        message="Xe buýt vào cổng sau, đường Hùng Vương. Trung tâm có lối đi và "
        "thang máy cho xe lăn.",
        time_of_day="morning",
    ),
    # Requested: a lower-secondary class, waiting for staff.
    _Demo(
        "requested",
        24,
        5 * HOUR,
        {
            "school_name": "Trường THCS Trảng Bàng",
            "contact_name": "Lê Văn Tư",
            "contact_email": "tu.le@demo.hub.vn",
            "contact_phone": "0276 3881 456",
            "level": "lower_secondary",
            "grade": "Lớp 8A1",
            "student_count": 25,
            "supervisor_count": 3,
            "topic": "Robot và lập trình Scratch",
            "goals": "Cho các em thấy người trẻ Tây Ninh làm sản phẩm công nghệ; hướng nghiệp sớm.",
            "mentors_equipment": "Xem robot và thử lập trình đơn giản.",
        },
        alternates=(2, 9),
        time_of_day="afternoon",
    ),
    # More information: a university group; staff propose another day.
    _Demo(
        "more_info",
        20,
        2 * DAY,
        {
            "school_name": "Trường Đại học Kinh tế Công nghiệp Long An",
            "contact_name": "Phan Minh Tâm",
            "contact_email": "tam.phan@demo.hub.vn",
            "contact_phone": "0272 3512 888",
            "level": "university",
            "grade": "Sinh viên năm 3, ngành Quản trị kinh doanh",
            "student_count": 40,
            "supervisor_count": 2,
            "topic": "Khởi nghiệp và đăng ký nhãn hiệu",
            "goals": "Nghe chia sẻ về hướng dẫn đăng ký nhãn hiệu; tìm đề tài thực tập tại các "
            "doanh nghiệp được hỗ trợ.",
            "mentors_equipment": "Một chuyên viên về sở hữu trí tuệ.",
        },
        opened_after=timedelta(0),
        message="Ngày thầy đề xuất hội trường đã có hội thảo. Trung tâm đề xuất ngày khác; "
        "thầy cũng cho biết nhóm có cần máy chiếu riêng không ạ?",
    ),
    # Declined: a primary school the centre has no programme for yet.
    _Demo(
        "declined",
        30,
        6 * DAY,
        {
            "school_name": "Trường Tiểu học Gò Dầu",
            "contact_name": "Trần Thị Mỹ",
            "contact_email": "my.tran@demo.hub.vn",
            "contact_phone": "0276 3850 222",
            "level": "primary",
            "grade": "Lớp 5",
            "student_count": 16,
            "supervisor_count": 2,
            "topic": "Em làm nhà khoa học nhỏ",
            "goals": "Tham quan, làm quen với công nghệ.",
        },
        message="Học kỳ này trung tâm chưa có chương trình phù hợp cho học sinh tiểu học. "
        "Mời cô đăng ký lại vào tháng 3, khi có chương trình STEM cho thiếu nhi.",
    ),
    # Completed: a visit that took place, with attendance and the teacher's feedback.
    _Demo(
        "completed",
        -15,
        40 * DAY,
        {
            "school_name": "Trường THPT Tây Ninh",
            "contact_name": "Võ Thanh Hải",
            "contact_email": "hai.vo@demo.hub.vn",
            "contact_phone": "0276 3822 777",
            "level": "upper_secondary",
            "grade": "Lớp 12A3",
            "student_count": 28,
            "supervisor_count": 3,
            "topic": "Hướng nghiệp: khởi nghiệp từ nông sản địa phương",
            "goals": "Gặp các startup mãng cầu, bánh tráng; hiểu quy trình 5S và truy xuất "
            "nguồn gốc.",
            "mentors_equipment": "Cố vấn từ Mãng Cầu Xanh.",
        },
        opened_after=HOUR,
        extra={
            "feedback": "Các em rất hào hứng, nhiều em muốn quay lại làm đề tài nghiên cứu "
            "khoa học."
        },
    ),
)


def _open_day(start: date) -> date:
    day = start
    while day.weekday() >= 5 or spaces.holiday_name(day) is not None:
        day += timedelta(days=1)
    return day


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LOCAL_TZ)


@dataclass
class _Centre:
    """Who decides in the demo, where groups sit, and the moment it all is relative to."""

    staff: User | None
    host: User | None
    hall: Resource | None
    now: datetime
    base_url: str
    centre_name: str


@dataclass(frozen=True)
class _Made:
    demo: _Demo
    visit: Visit
    token: str
    day: date
    asked: datetime


async def _approve(
    c: _Centre, m: _Made, start: datetime, end: datetime, host: User | None, now: datetime
) -> None:
    assert c.staff is not None and c.hall is not None
    approval = services.Approval(
        start=start,
        end=end,
        resource_id=c.hall.id,
        host_id=host.id if host else None,
        message=m.demo.message,
    )
    await services.approve(
        c.staff, m.visit.id, approval, base_url=c.base_url, centre_name=c.centre_name, now=now
    )


async def _approved(c: _Centre, m: _Made) -> None:
    if c.hall is not None:
        await _approve(c, m, _at(m.day, 8, 30), _at(m.day, 11), c.host, c.now - DAY)


async def _more_info(c: _Centre, m: _Made) -> None:
    assert c.staff is not None
    await services.ask_more_info(
        c.staff,
        m.visit.id,
        message=m.demo.message,
        proposed_date=_open_day(m.day + timedelta(days=7)),
        base_url=c.base_url,
        now=c.now - DAY,
    )


async def _declined(c: _Centre, m: _Made) -> None:
    assert c.staff is not None
    await services.decline(
        c.staff, m.visit.id, message=m.demo.message, base_url=c.base_url, now=c.now - 4 * DAY
    )


async def _completed(c: _Centre, m: _Made) -> None:
    assert c.staff is not None
    await _approve(c, m, _at(m.day, 13, 30), _at(m.day, 16), c.staff, m.asked + 2 * DAY)
    await services.record_attendance(
        c.staff,
        m.visit.id,
        outcome="completed",
        students=27,
        supervisors=3,
        base_url=c.base_url,
        now=_at(m.day, 16, 15),
    )
    await services.leave_feedback(
        m.token, rating=5, text=m.demo.extra["feedback"], now=_at(m.day + DAY, 9)
    )


async def _requested(c: _Centre, m: _Made) -> None:
    return None


# What staff do after each request (when there is a member of staff to do it).
STORIES: dict[str, Callable[[_Centre, _Made], Awaitable[None]]] = {
    "approved": _approved,
    "requested": _requested,
    "more_info": _more_info,
    "declined": _declined,
    "completed": _completed,
}


async def _centre() -> _Centre:
    settings = get_settings()
    users = {u.email: u for u in await User.objects().run()}
    rooms = {r.name: r for r in await services.list_rooms()}
    hall = rooms.get("Hội trường Đổi mới") or max(
        rooms.values(), key=lambda r: r.capacity, default=None
    )
    return _Centre(
        staff=users.get("ngoc.tran@demo.hub.vn"),
        host=users.get("phuc.le@demo.hub.vn"),
        hall=hall,
        now=utcnow(),
        base_url=settings.base_url,
        centre_name=settings.centre_name,
    )


async def _ask(c: _Centre, demo: _Demo) -> _Made:
    day = _open_day(c.now.astimezone(LOCAL_TZ).date() + timedelta(days=demo.days_ahead))
    asked = c.now - demo.asked_ago
    new = services.NewVisit(
        **demo.request,
        preferred_date=day,
        alternate_dates=[_open_day(day + timedelta(days=n)) for n in demo.alternates],
        preferred_time=demo.time_of_day,
        consent=True,
        locale="vi",
    )
    visit, token = await services.submit_request(new, base_url=c.base_url, now=asked)
    if demo.opened_after is not None:
        await services.visit_for_token(token, now=asked + demo.opened_after)
    return _Made(demo, visit, token, day, asked)


async def load_visits_demo() -> list[str]:
    """Creates the demo visits if there are none yet; returns what it created."""
    if await Visit.exists().run():
        return []
    centre = await _centre()
    made = 0
    for demo in DEMOS:
        if demo.story == "completed" and (centre.staff is None or centre.hall is None):
            continue  # a visit that took place needs a room and a member of staff
        request = await _ask(centre, demo)
        if centre.staff is not None:
            await STORIES[demo.story](centre, request)
        made += 1
    return [f"{made} visits"]
