"""The half-year report: every figure for a known data set, the period boundaries in local
time, the exports (CSV, XLSX) and who may see it."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

import httpx
import pytest
from openpyxl import load_workbook

from innovation_hub.bookings import services as bookings
from innovation_hub.bookings.tables import Booking
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.programmes.tables import Application, Programme
from innovation_hub.reports import services
from innovation_hub.spaces.services import create_resource
from innovation_hub.trademarks.tables import TrademarkCase
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


async def _raw_booking(resource_id: int, user_id: int, start: datetime, hours: int = 1) -> None:
    """Bookings at night, outside opening hours, that the booking rules would refuse: only
    for the boundary checks."""
    end = start + timedelta(hours=hours)
    await Booking.insert(
        Booking(
            resource=resource_id,
            user=user_id,
            kind="booking",
            status="confirmed",
            start_at=start,
            end_at=end,
            occupied_until=end,
        )
    ).run()


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
    # 00:30 local on the first day counts; 23:30 local the day before and after do not.
    await _raw_booking(desk.id, enterprise.id, local(FIRST, 0, 30))
    await _raw_booking(desk.id, enterprise.id, local(FIRST - timedelta(days=1), 23, 30))
    await _raw_booking(desk.id, student.id, local(LAST + timedelta(days=1), 23, 30))

    programme = Programme(
        name="Đợt 1/2026",
        year=2026,
        opens_at=local(date(2026, 1, 1), 8),
        closes_at=local(date(2026, 12, 31), 17),
        budget_vnd=5_000_000_000,
    )
    await programme.save()

    def application(
        status: str, decided: datetime | None, approved: int | None, settled: int | None
    ) -> Application:
        return Application(
            programme=programme.id,
            enterprise_name="Công ty A",
            tax_code="0100109106",
            status=status,
            submitted_at=local(FIRST, 10),
            decided_at=decided,
            approved_vnd=approved,
            settled_vnd=settled,
        )

    await Application.insert(
        application("approved", local(FIRST, 15), 200_000_000, None),
        application("closed", local(LAST, 23, 59), 100_000_000, 80_000_000),
        application("rejected", local(LAST, 9), None, None),
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
    # 2 h + 1.5 h + 4 h + the 00:30 hour; the cancelled one and those outside are not counted.
    assert s.bookings == 4
    assert s.booked_hours == 8.5
    assert s.unique_members == 3
    assert s.members_by_role == {"enterprise": 1, "startup": 1, "student": 1}
    uses = {u.name: u for u in s.resources}
    assert (uses["Bàn 01"].bookings, uses["Bàn 01"].booked_hours) == (3, 7.0)
    assert (uses["Phòng họp A"].bookings, uses["Phòng họp A"].booked_hours) == (1, 1.5)
    assert uses["Bàn 01"].open_hours == uses["Phòng họp A"].open_hours == 45.0
    assert round(uses["Bàn 01"].utilisation, 4) == round(7 / 45, 4)
    assert s.heat[0][0] == 1 and s.heat[0][9] == 1  # Monday 00:30 and 09:00
    assert s.heat[2][14] == 1 and s.heat[4][13] == 1
    assert sum(map(sum, s.heat)) == 4
    assert (s.visits, s.visit_students) == (0, 0)
    assert s.enterprises_supported == 2
    assert s.support_approved_vnd == 300_000_000
    assert s.support_settled_vnd == 80_000_000
    assert s.programme_applications == 4
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
    assert got.json() == {
        "bookings": 4,
        "booked_hours": 8.5,
        "unique_members": 3,
        "visits": 0,
        "visit_students": 0,
        "trademark_organisations_guided": 0,
        "enterprises_supported": 2,
        "support_approved_vnd": 300_000_000,
    }
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
    assert len(lines) == 3 and any(line.startswith("Bàn 01,3,7.0,45.0") for line in lines)
    assert (await client.get(f"/staff/reports/nothing.csv?{QUERY}")).status_code == 404

    xlsx = await client.get(f"/staff/reports/report.xlsx?{QUERY}")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    # Sheet names in the staff member's language (Vietnamese here), not code words.
    assert book.sheetnames == [
        "Số liệu tổng hợp",
        "Theo không gian",
        "Thành viên",
        "Theo thứ và giờ",
    ]
    resources = list(book["Theo không gian"].iter_rows(min_row=3, values_only=True))
    assert sum(r[1] for r in resources) == 4
    assert sum(r[2] for r in resources) == 8.5
    hours = list(book["Theo thứ và giờ"].iter_rows(min_row=3, values_only=True))
    assert sum(sum(r[1:]) for r in hours) == 4
    figures = {r[0]: r[1] for r in book["Số liệu tổng hợp"].iter_rows(min_row=3, values_only=True)}
    assert 300_000_000 in figures.values() and 8.5 in figures.values()
