"""The half-year report: every figure for a known data set, the period boundaries in local
time, the exports (CSV, XLSX) and who may see it."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

import httpx
import pytest
from markupsafe import escape
from openpyxl import load_workbook

from innovation_hub.bookings import services as bookings
from innovation_hub.bookings.tables import Booking
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.i18n import use_locale
from innovation_hub.programmes.tables import Application, Programme
from innovation_hub.reports import services
from innovation_hub.spaces.services import create_resource
from innovation_hub.trademarks.tables import TrademarkCase
from innovation_hub.visits.tables import Visit
from tests.helpers import api_token, bearer, log_in, make_user

POLICY = bookings.Policy(
    hold_minutes=15,
    check_in_early_minutes=10,
    no_show_grace_minutes=15,
    waitlist_offer_minutes=30,
    base_url="http://testserver",
)
# Monday 1 to Friday 5 June 2026: no public holiday; the default location is open 08–17
# on weekdays, so each resource has 5 × 9 = 45 open hours.
FIRST, LAST = date(2026, 6, 1), date(2026, 6, 5)
BEFORE = datetime(2026, 5, 25, 9, 0, tzinfo=LOCAL_TZ)
QUERY = "from=2026-06-01&to=2026-06-05"


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LOCAL_TZ)


async def _raw_booking(
    resource_id: int,
    user_id: int | None,
    start: datetime,
    hours: int = 1,
    *,
    status: str = "confirmed",
    kind: str = "booking",
    public: bool = False,
    attendees: int = 1,
) -> None:
    """Bookings in a state, or at a time, the booking rules would not make here (at night,
    already checked in, a no-show): for the boundary and counting checks."""
    end = start + timedelta(hours=hours)
    await Booking.insert(
        Booking(
            resource=resource_id,
            user=user_id,
            kind=kind,
            status=status,
            start_at=start,
            end_at=end,
            occupied_until=end,
            is_public=public,
            attendees=attendees,
        )
    ).run()


def _visit(level: str, students: int, attended: int | None, day: date, status: str) -> Visit:
    return Visit(
        status=status,
        school_name=f"Trường {level}",
        contact_name="Cô Lê Thị Hạnh",
        contact_email="hanh@thcs.edu.vn",
        contact_phone="0276 3822 111",
        level=level,
        student_count=students,
        supervisor_count=3,
        topic="Tìm hiểu khởi nghiệp",
        preferred_date=day,
        consent_at=local(day, 8),
        start_at=local(day, 8),
        end_at=local(day, 10),
        attended_students=attended,
    )


@pytest.fixture
async def data_set() -> None:
    desk = await create_resource({"name": "Bàn 01", "kind": "desk", "capacity": 1}, actor_id=None)
    room = await create_resource(
        {"name": "Phòng họp A", "kind": "meeting_room", "capacity": 8}, actor_id=None
    )
    student = await make_user("student")
    startup = await make_user("startup")
    enterprise = await make_user("enterprise")
    await make_user("staff", email="staff@hub.vn")

    async def book(user: object, rid: int, start: datetime, end: datetime) -> Booking:
        return await bookings.create_booking(user, rid, start, end, policy=POLICY, now=BEFORE)  # type: ignore[arg-type]

    await book(student, desk.id, local(FIRST, 9), local(FIRST, 11))  # Mon 09, 2 h
    await book(student, room.id, local(date(2026, 6, 3), 14), local(date(2026, 6, 3), 15, 30))
    await book(startup, desk.id, local(LAST, 13), local(LAST, 17))  # Fri 13, 4 h
    cancelled = await book(
        startup, room.id, local(date(2026, 6, 2), 10), local(date(2026, 6, 2), 11)
    )
    await bookings.cancel_booking(startup, cancelled.id, policy=POLICY, now=BEFORE)
    # 00:30 local on the first day counts (checked in); 23:30 local the day before and after
    # do not.
    await _raw_booking(desk.id, enterprise.id, local(FIRST, 0, 30), status="checked_in")
    await _raw_booking(desk.id, enterprise.id, local(FIRST - timedelta(days=1), 23, 30))
    await _raw_booking(desk.id, student.id, local(LAST + timedelta(days=1), 23, 30))
    # Not counted: waiting for approval, waiting for payment, a no-show.
    for hour, status in ((2, "pending_approval"), (4, "pending_payment"), (6, "no_show")):
        await _raw_booking(room.id, startup.id, local(date(2026, 6, 2), hour), status=status)

    # Events: a public event that ended (no attendance recorded) and an event-hall booking
    # whose organiser checked in (60 attendees) were held; a hall booking never checked in,
    # a cancelled public event and a maintenance block were not.
    hall = await create_resource(
        {"name": "Hội trường Đổi mới", "kind": "event_hall", "capacity": 120}, actor_id=None
    )
    june_3, june_4 = date(2026, 6, 3), date(2026, 6, 4)
    await _raw_booking(hall.id, None, local(june_3, 8), 3, kind="block", public=True, attendees=0)
    await _raw_booking(hall.id, startup.id, local(june_3, 14), 2, status="checked_in", attendees=60)
    await _raw_booking(hall.id, startup.id, local(june_4, 14), 2, attendees=40)
    await _raw_booking(
        hall.id, None, local(june_4, 8), 2, kind="block", public=True, status="cancelled"
    )
    await _raw_booking(hall.id, None, local(LAST, 8), 2, kind="block", attendees=0)

    # Visits that took place: two lower secondary (28 counted at the door; 25 announced) and
    # one university group (40); a confirmed one still to come is not counted.
    await Visit.insert(
        _visit("lower_secondary", 30, 28, date(2026, 6, 2), "completed"),
        _visit("lower_secondary", 25, None, date(2026, 6, 4), "completed"),
        _visit("university", 40, 40, date(2026, 6, 3), "completed"),
        _visit("upper_secondary", 35, None, date(2026, 6, 5), "confirmed"),
    ).run()

    programme = Programme(
        name="Đợt 1/2026",
        year=2026,
        opens_at=local(date(2026, 1, 1), 8),
        closes_at=local(date(2026, 12, 31), 17),
        budget_vnd=5_000_000_000,
    )
    await programme.save()

    def application(
        status: str,
        decided: datetime | None,
        approved: int | None,
        settled: int | None,
        tax_code: str = "0100109106",
        accepted: datetime | None = None,
    ) -> Application:
        return Application(
            programme=programme.id,
            enterprise_name="Công ty A",
            tax_code=tax_code,
            status=status,
            submitted_at=local(FIRST, 10),
            decided_at=decided,
            approved_vnd=approved,
            settled_vnd=settled,
            accepted_at=accepted,
        )

    # Enterprise 0100109106: three applications whose support stands (one by its branch), so
    # one enterprise. 0300588569: rejected and then closed, and approved then withdrawn: none.
    await Application.insert(
        application("approved", local(FIRST, 15), 200_000_000, None),
        application(
            "closed", local(LAST, 23, 59), 100_000_000, 80_000_000, accepted=local(LAST, 23, 59)
        ),
        application("implementing", local(LAST, 11), 50_000_000, None, "0100109106-001"),
        application("rejected", local(LAST, 9), None, None),
        application("closed", local(LAST, 9), None, None, "0300588569"),
        application("withdrawn", local(LAST, 10), 70_000_000, None, "0300588569"),
        application("approved", local(LAST + timedelta(days=1), 0, 10), 999_000_000, None),
    ).run()
    await TrademarkCase.insert(
        TrademarkCase(
            status="granted",
            mark_name="Mía Xanh",
            mark_type="word",
            organisation_name="Công ty A",
            fee_table_version="2026",
            grant_date=date(2026, 6, 4),
            created_at=local(date(2026, 6, 2), 9),
        )
    ).run()


async def test_every_figure_matches_the_hand_computed_values(data_set: None) -> None:
    s = await services.summary(FIRST, LAST)
    # 2 h + 1.5 h + 4 h + the 00:30 hour + the two 2 h hall bookings; the cancelled one, those
    # waiting for approval or payment, the no-show, blocks and those outside are not counted.
    assert s.bookings == 6
    assert s.booked_hours == 12.5
    assert s.unique_members == 3
    assert s.members_by_role == {"enterprise": 1, "startup": 1, "student": 1}
    # Check-ins against bookings: the 00:30 desk and the hall booking, 2 of 6.
    assert (s.check_ins, s.check_in_percent) == (2, 33.3)
    uses = {u.name: u for u in s.resources}
    assert (uses["Bàn 01"].bookings, uses["Bàn 01"].booked_hours, uses["Bàn 01"].check_ins) == (
        3,
        7.0,
        1,
    )
    assert (uses["Phòng họp A"].bookings, uses["Phòng họp A"].booked_hours) == (1, 1.5)
    hall = uses["Hội trường Đổi mới"]
    assert (hall.bookings, hall.booked_hours, hall.check_ins) == (2, 4.0, 1)
    assert uses["Bàn 01"].open_hours == uses["Phòng họp A"].open_hours == 45.0
    # Occupancy: booked hours over the 45 open hours.
    assert round(uses["Bàn 01"].utilisation * 100, 1) == 15.6  # 7 / 45
    assert round(hall.utilisation * 100, 1) == 8.9  # 4 / 45
    assert s.heat[0][0] == 1 and s.heat[0][9] == 1  # Monday 00:30 and 09:00
    assert s.heat[2][14] == 2 and s.heat[4][13] == 1  # Wednesday: the room and the hall
    assert sum(map(sum, s.heat)) == 6
    # Events held: the public event that ended and the checked-in hall booking; 60 people
    # recorded on the one, none on the other.
    assert (s.events_held, s.event_participants, s.events_without_participants) == (2, 60, 1)
    # Visits: 28 counted + 25 announced at lower secondary, 40 from the university.
    assert (s.visits, s.visit_students) == (3, 93)
    assert [(v.level, v.visits, v.students) for v in s.visits_by_level] == [
        ("lower_secondary", 2, 53),
        ("university", 1, 40),
    ]
    # One enterprise (head office and branch), three applications; the rejected-then-closed
    # and the withdrawn ones are not counted.
    assert (s.enterprises_supported, s.applications_supported) == (1, 3)
    assert s.support_approved_vnd == 350_000_000
    assert s.support_settled_vnd == 80_000_000
    assert s.programme_applications == 7
    assert (s.trademark_cases_opened, s.marks_granted) == (1, 1)


async def test_the_api_gives_the_contract_fields_to_staff_only(
    client: httpx.AsyncClient, data_set: None
) -> None:
    assert (await client.get(f"/api/v1/reports/summary?{QUERY}")).status_code == 401
    student = await api_token(client, "student@example.vn")
    got = await client.get(f"/api/v1/reports/summary?{QUERY}", headers=bearer(student))
    assert got.status_code == 403
    staff = bearer(await api_token(client, "staff@hub.vn"))
    got = await client.get(f"/api/v1/reports/summary?{QUERY}", headers=staff)
    assert got.status_code == 200, got.text
    body = got.json()
    definitions = body.pop("definitions")
    occupancy = body.pop("occupancy")
    assert body == {
        # The fields clients already read, with the corrected counts …
        "bookings": 6,
        "booked_hours": 12.5,
        "unique_members": 3,
        "visits": 3,
        "visit_students": 93,
        "trademark_organisations_guided": 0,
        "enterprises_supported": 1,
        "support_approved_vnd": 350_000_000,
        # … and the new ones.
        "check_ins": 2,
        "check_in_percent": 33.3,
        "events_held": 2,
        "event_participants": 60,
        "events_without_participants": 1,
        "applications_supported": 3,
        "visits_by_level": [
            {"level": "lower_secondary", "visits": 2, "students": 53},
            {"level": "university", "visits": 1, "students": 40},
        ],
    }
    hall = next(o for o in occupancy if o["name"] == "Hội trường Đổi mới")
    assert (hall["bookings"], hall["check_ins"], hall["occupancy_percent"]) == (2, 1, 8.9)
    # What each figure counts, in the staff member's language.
    assert "không đến nhận chỗ" in definitions["bookings"]
    assert "mã số thuế" in definitions["enterprises_supported"]
    assert set(definitions) >= set(body) - {"visits_by_level"}
    one_day = await client.get(
        "/api/v1/reports/summary?from=2026-06-01&to=2026-06-01", headers=staff
    )
    assert one_day.json()["bookings"] == 2  # the 00:30 one and 09:00
    bad = await client.get("/api/v1/reports/summary?from=2026-13-01&to=2026-06-05", headers=staff)
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")
    missing = await client.get("/api/v1/reports/summary?from=2026-06-01", headers=staff)
    assert missing.status_code == 400
    reversed_ = await client.get(
        "/api/v1/reports/summary?from=2026-06-05&to=2026-06-01", headers=staff
    )
    assert reversed_.status_code == 422


async def test_the_page_shows_figures_charts_and_exports_to_staff_only(
    client: httpx.AsyncClient, data_set: None
) -> None:
    await log_in(client, "student@example.vn")
    assert (await client.get(f"/staff/reports?{QUERY}")).status_code == 403
    assert (await client.get(f"/staff/reports/figures.csv?{QUERY}")).status_code == 403
    await client.post("/logout", data={})
    client.cookies.clear()
    await log_in(client, "staff@hub.vn")
    html = (await client.get(f"/staff/reports?{QUERY}")).text
    assert 'role="img"' in html and "<title" in html and "<desc" in html
    assert "Bàn 01" in html and 'style="' not in html
    bad = await client.get("/staff/reports?from=2026-06-05&to=2026-06-01")
    assert bad.status_code == 422 and 'role="alert"' in bad.text
    for preset in ("this_half", "last_half", "this_year"):
        assert (await client.get(f"/staff/reports?preset={preset}")).status_code == 200

    csv_text = (await client.get(f"/staff/reports/resources.csv?{QUERY}")).content.decode(
        "utf-8-sig"
    )
    lines = csv_text.strip().splitlines()
    assert len(lines) == 4 and any(line.startswith("Bàn 01,3,7.0,45.0,15.6,1") for line in lines)
    figures_csv = (await client.get(f"/staff/reports/figures.csv?{QUERY}")).content.decode(
        "utf-8-sig"
    )
    assert "Lượt đặt chỗ" in figures_csv and "không đến" in figures_csv  # with its footnote
    assert (await client.get(f"/staff/reports/nothing.csv?{QUERY}")).status_code == 404

    xlsx = await client.get(f"/staff/reports/report.xlsx?{QUERY}")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    # Sheet names in the staff member's language (Vietnamese here), not code words.
    assert book.sheetnames == [
        "Số liệu tổng hợp",
        "Theo không gian",
        "Theo cấp học",
        "Thành viên",
        "Theo thứ và giờ",
    ]
    resources = list(book["Theo không gian"].iter_rows(min_row=3, values_only=True))
    assert sum(r[1] for r in resources) == 6
    assert sum(r[2] for r in resources) == 12.5
    assert sum(r[5] for r in resources) == 2  # check-ins
    hours = list(book["Theo thứ và giờ"].iter_rows(min_row=3, values_only=True))
    assert sum(sum(r[1:]) for r in hours) == 6
    levels = list(book["Theo cấp học"].iter_rows(min_row=3, values_only=True))
    assert [(r[1], r[2]) for r in levels] == [(2, 53), (1, 40)]
    rows = list(book["Số liệu tổng hợp"].iter_rows(min_row=3, values_only=True))
    figures = {r[0]: (r[1], r[2]) for r in rows}
    value, note = figures["Doanh nghiệp được hỗ trợ"]
    assert value == 1 and "mã số thuế" in note  # the figure and what it counts
    assert 350_000_000 in [v for v, _note in figures.values()]


async def test_each_figure_has_its_footnote_on_the_page(
    client: httpx.AsyncClient, data_set: None
) -> None:
    from innovation_hub.reports.views import figure_label, figure_note

    await log_in(client, "staff@hub.vn")
    html = (await client.get(f"/staff/reports?{QUERY}")).text
    with use_locale("vi"):
        labels = [(figure_label(code), figure_note(code)) for code in figure_label.codes]
    for n, (label, note) in enumerate(labels, start=1):
        # The figure links to its numbered note, and the note says what it counts.
        assert f'href="#note-{n}" id="ref-{n}"' in html, label
        assert f'<li id="note-{n}"><strong>{escape(label)}:</strong> {escape(note)}' in html, label
    assert "không đến nhận chỗ" in html or "không đến" in html  # no-shows are left out
    # The new figures, in Vietnamese, with the half-year presets named by their year.
    for words in ("Sự kiện đã tổ chức", "theo cấp học", "Tỷ lệ sử dụng theo không gian"):
        assert words in html, words
    assert "6 tháng đầu năm" in html or "6 tháng cuối năm" in html
