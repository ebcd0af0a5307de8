"""Demo research visits from schools of Tây Ninh, in several states. Running it twice changes
nothing. Call after the demo accounts and spaces exist (``innovation_hub.demo.load_demo``)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from innovation_hub.accounts.tables import User
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.settings import get_settings
from innovation_hub.spaces import services as spaces
from innovation_hub.visits import services
from innovation_hub.visits.tables import Visit


def _open_day(start: date) -> date:
    day = start
    while day.weekday() >= 5 or spaces.holiday_name(day) is not None:
        day += timedelta(days=1)
    return day


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LOCAL_TZ)


def _request(
    *,
    school: str,
    teacher: str,
    email: str,
    phone: str,
    level: str,
    grade: str,
    students: int,
    adults: int,
    topic: str,
    goals: str,
    wishes: str,
    day: date,
    alternates: list[date],
    time_of_day: str = "any",
    notes: str = "",
) -> services.NewVisit:
    return services.NewVisit(
        school_name=school,
        contact_name=teacher,
        contact_email=email,
        contact_phone=phone,
        level=level,
        grade=grade,
        student_count=students,
        supervisor_count=adults,
        topic=topic,
        goals=goals,
        mentors_equipment=wishes,
        preferred_date=day,
        alternate_dates=list(alternates),
        preferred_time=time_of_day,
        notes=notes,
        consent=True,
        locale="vi",
    )


async def load_visits_demo() -> list[str]:
    """Creates the demo visits if there are none yet; returns what it created."""
    if await Visit.exists().run():
        return []
    settings = get_settings()
    base_url, centre = settings.base_url, settings.centre_name
    users = {u.email: u for u in await User.objects().run()}
    ngoc = users.get("ngoc.tran@demo.hub.vn")
    phuc = users.get("phuc.le@demo.hub.vn")
    rooms = {r.name: r for r in await services.list_rooms()}
    hall = rooms.get("Hội trường Đổi mới") or max(
        rooms.values(), key=lambda r: r.capacity, default=None
    )
    now = utcnow()
    today = now.astimezone(LOCAL_TZ).date()
    made: list[str] = []

    # Approved: a gifted-school class in the event hall, hosted by Lê Hoàng Phúc.
    day = _open_day(today + timedelta(days=16))
    hoang_le_kha, token = await services.submit_request(
        _request(
            school="Trường THPT chuyên Hoàng Lê Kha",
            teacher="Nguyễn Thị Lan",
            email="lan.nguyen@demo.hub.vn",
            phone="0276 3822 333",
            level="upper_secondary",
            grade="Lớp 11 chuyên Tin",
            students=32,
            adults=4,
            topic="Ứng dụng IoT trong nông nghiệp thông minh",
            goals="Tìm hiểu cảm biến đo độ ẩm, độ mặn; gặp các nhóm khởi nghiệp nông nghiệp số; "
            "định hướng nghề nghiệp ngành kỹ thuật.",
            wishes="Một cố vấn từ AgriTN; xem máy in 3D và bộ kit Arduino của phòng Lab.",
            day=day,
            alternates=[_open_day(day + timedelta(days=7))],
            time_of_day="morning",
            notes="Một học sinh đi xe lăn. Xe buýt 45 chỗ cần chỗ đỗ.",
        ),
        base_url=base_url,
        now=now - timedelta(days=3),
    )
    await services.visit_for_token(token, now=now - timedelta(days=3))
    made.append(hoang_le_kha.school_name)
    if ngoc is not None and hall is not None:
        await services.approve(
            ngoc,
            hoang_le_kha.id,
            services.Approval(
                start=_at(day, 8, 30),
                end=_at(day, 11),
                resource_id=hall.id,
                host_id=phuc.id if phuc else None,
                message="Xe buýt vào cổng sau, đường Cách Mạng Tháng Tám. Trung tâm có lối đi và "
                "thang máy cho xe lăn.",
            ),
            base_url=base_url,
            centre_name=centre,
            now=now - timedelta(days=1),
        )

    # Requested: a lower-secondary class, waiting for staff.
    day = _open_day(today + timedelta(days=24))
    trang_bang, _ = await services.submit_request(
        _request(
            school="Trường THCS Trảng Bàng",
            teacher="Lê Văn Tư",
            email="tu.le@demo.hub.vn",
            phone="0276 3881 456",
            level="lower_secondary",
            grade="Lớp 8A1",
            students=25,
            adults=3,
            topic="Robot và lập trình Scratch",
            goals="Cho các em thấy người trẻ Tây Ninh làm sản phẩm công nghệ; hướng nghiệp sớm.",
            wishes="Xem robot và thử lập trình đơn giản.",
            day=day,
            alternates=[_open_day(day + timedelta(days=2)), _open_day(day + timedelta(days=9))],
            time_of_day="afternoon",
        ),
        base_url=base_url,
        now=now - timedelta(hours=5),
    )
    made.append(trang_bang.school_name)

    # More information: a university group; staff propose another day.
    day = _open_day(today + timedelta(days=20))
    long_an, token = await services.submit_request(
        _request(
            school="Trường Đại học Kinh tế Công nghiệp Long An",
            teacher="Phan Minh Tâm",
            email="tam.phan@demo.hub.vn",
            phone="0272 3512 888",
            level="university",
            grade="Sinh viên năm 3, ngành Quản trị kinh doanh",
            students=40,
            adults=2,
            topic="Khởi nghiệp và đăng ký nhãn hiệu",
            goals="Nghe chia sẻ về hướng dẫn đăng ký nhãn hiệu; tìm đề tài thực tập tại các "
            "doanh nghiệp được hỗ trợ.",
            wishes="Một chuyên viên về sở hữu trí tuệ.",
            day=day,
            alternates=[],
        ),
        base_url=base_url,
        now=now - timedelta(days=2),
    )
    await services.visit_for_token(token, now=now - timedelta(days=2))
    made.append(long_an.school_name)
    if ngoc is not None:
        await services.ask_more_info(
            ngoc,
            long_an.id,
            message="Ngày thầy đề xuất hội trường đã có hội thảo. Trung tâm đề xuất ngày khác; "
            "thầy cũng cho biết nhóm có cần máy chiếu riêng không ạ?",
            proposed_date=_open_day(day + timedelta(days=7)),
            base_url=base_url,
            now=now - timedelta(days=1),
        )

    # Declined: a primary school the centre has no programme for yet.
    day = _open_day(today + timedelta(days=30))
    go_dau, _ = await services.submit_request(
        _request(
            school="Trường Tiểu học Thị trấn Gò Dầu",
            teacher="Trần Thị Mỹ",
            email="my.tran@demo.hub.vn",
            phone="0276 3850 222",
            level="primary",
            grade="Lớp 5",
            students=16,
            adults=2,
            topic="Em làm nhà khoa học nhỏ",
            goals="Tham quan, làm quen với công nghệ.",
            wishes="",
            day=day,
            alternates=[],
        ),
        base_url=base_url,
        now=now - timedelta(days=6),
    )
    made.append(go_dau.school_name)
    if ngoc is not None:
        await services.decline(
            ngoc,
            go_dau.id,
            message="Học kỳ này trung tâm chưa có chương trình phù hợp cho học sinh tiểu học. "
            "Mời cô đăng ký lại vào tháng 3, khi có chương trình STEM cho thiếu nhi.",
            base_url=base_url,
            now=now - timedelta(days=4),
        )

    # Completed: a visit that took place, with attendance and the teacher's feedback.
    if ngoc is not None and hall is not None:
        asked_at = now - timedelta(days=40)
        day = _open_day(asked_at.astimezone(LOCAL_TZ).date() + timedelta(days=25))
        tay_ninh, token = await services.submit_request(
            _request(
                school="Trường THPT Tây Ninh",
                teacher="Võ Thanh Hải",
                email="hai.vo@demo.hub.vn",
                phone="0276 3822 777",
                level="upper_secondary",
                grade="Lớp 12A3",
                students=28,
                adults=3,
                topic="Hướng nghiệp: khởi nghiệp từ nông sản địa phương",
                goals="Gặp các startup mãng cầu, bánh tráng; hiểu quy trình 5S và truy xuất "
                "nguồn gốc.",
                wishes="Cố vấn từ Mãng Cầu Xanh.",
                day=day,
                alternates=[],
            ),
            base_url=base_url,
            now=asked_at,
        )
        await services.visit_for_token(token, now=asked_at + timedelta(hours=1))
        await services.approve(
            ngoc,
            tay_ninh.id,
            services.Approval(
                start=_at(day, 13, 30), end=_at(day, 16), resource_id=hall.id, host_id=ngoc.id
            ),
            base_url=base_url,
            centre_name=centre,
            now=asked_at + timedelta(days=2),
        )
        await services.record_attendance(
            ngoc,
            tay_ninh.id,
            outcome="completed",
            students=27,
            supervisors=3,
            base_url=base_url,
            now=_at(day, 16, 15),
        )
        await services.leave_feedback(
            token,
            rating=5,
            text="Các em rất hào hứng, nhiều em muốn quay lại làm đề tài nghiên cứu khoa học.",
            now=_at(day + timedelta(days=1), 9),
        )
        made.append(tay_ninh.school_name)
    return [f"{len(made)} visits"]
