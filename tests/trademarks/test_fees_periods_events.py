"""Trademark fees by date (Circular 263/2016 in full, the 2024 reduction), priority and
classification fees, deadlines moved off days off, opposition, renewal and the Nice edition
in force on the filing date."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import httpx
import pytest

from innovation_hub.accounts.services import issue_api_token
from innovation_hub.trademarks import config, fees
from innovation_hub.trademarks.deadlines import next_working_day
from innovation_hub.trademarks.tables import TrademarkCase, TrademarkDeadline
from tests.helpers import bearer, log_in, make_user

TABLE_2017 = fees.fee_table_on(date(2017, 1, 1))
ONE_CLASS = [fees.ClassCount(number=30, items=6)]


def amounts(estimate: fees.Estimate) -> dict[str, int]:
    return {line.code: line.amount_vnd for line in [*estimate.lines, *estimate.renewal_lines]}


def test_one_class_of_six_items_is_1_360_000_under_the_2017_table() -> None:
    estimate = fees.estimate(ONE_CLASS, TABLE_2017, on=date(2026, 12, 6))
    assert estimate.version == "tt263-2016" and estimate.reduction is None
    assert estimate.stage_total("filing") == 150_000 + 120_000 + 180_000 + 550_000 == 1_000_000
    # The grant: the certificate, its publication and its recording in the register.
    assert estimate.stage_total("grant") == 120_000 + 120_000 + 120_000 == 360_000
    assert estimate.total_vnd == 1_360_000
    # Renewal every ten years, apart from the total: 100,000 + 160,000 + 700,000 + 2 × 120,000.
    assert estimate.renewal_total_vnd == 1_200_000


def test_two_classes_of_eight_items() -> None:
    classes = [fees.ClassCount(number=30, items=8), fees.ClassCount(number=35, items=8)]
    estimate = fees.estimate(classes, TABLE_2017, on=date(2026, 12, 6))
    assert amounts(estimate) == {
        "filing": 150_000,
        "publication": 120_000,
        "search": 2 * 180_000,
        "search_extra_item": 4 * 30_000,  # items 7 and 8 of each class
        "substantive_examination": 2 * 550_000,
        "substantive_examination_extra_item": 4 * 120_000,
        "grant": 120_000,
        "grant_further_class": 100_000,
        "grant_publication": 120_000,
        "grant_registration": 120_000,
        "renewal": 2 * 100_000,
        "renewal_examination": 160_000,
        "renewal_use": 2 * 700_000,
        "renewal_publication": 120_000,
        "renewal_registration": 120_000,
    }
    assert estimate.stage_total("filing") == 2_330_000
    assert estimate.stage_total("grant") == 460_000
    assert estimate.total_vnd == 2_790_000
    assert estimate.renewal_total_vnd == 2_000_000


def test_every_line_says_whether_it_is_a_le_phi() -> None:
    charges = {line.code: line.charge for line in TABLE_2017.lines}
    le_phi = {code for code, charge in charges.items() if charge == "le_phi"}
    assert le_phi == {"filing", "grant", "grant_further_class", "renewal"}


async def test_the_2024_reduction_halves_the_le_phi_lines_only(
    client: httpx.AsyncClient,
) -> None:
    url = "/api/v1/trademarks/fee-estimate"
    one_class = {"classes": [{"number": 30, "items": 6}]}
    reduced = (await client.post(url, json={**one_class, "date": "2024-09-15"})).json()
    assert reduced["reduction"]["code"] == "tt43-2024"
    assert reduced["reduction"]["percent"] == 50
    assert "43/2024/TT-BTC" in reduced["reduction"]["legal_basis"]
    units = {line["code"]: (line["unit_vnd"], line["full_unit_vnd"]) for line in reduced["lines"]}
    assert units["filing"] == (75_000, 150_000) and units["grant"] == (60_000, 120_000)
    assert units["search"] == (180_000, 180_000)  # a phí: not reduced
    assert reduced["total_vnd"] == 1_360_000 - 75_000 - 60_000 == 1_225_000
    for day in ("2024-06-30", "2025-01-01", "2026-12-06"):
        full = (await client.post(url, json={**one_class, "date": day})).json()
        assert full["reduction"] is None and full["total_vnd"] == 1_360_000, day
    # The estimator page names the table and the reduction it used.
    page = await client.get(
        "/trademarks/fees", params={"class": "30", "items": "6", "on": "2024-09-15"}
    )
    assert page.status_code == 200
    assert "1.225.000" in page.text
    assert "Thông tư 263/2016/TT-BTC" in page.text and "Thông tư 43/2024/TT-BTC" in page.text
    page = await client.get(
        "/trademarks/fees", params={"class": "30", "items": "6", "on": "2026-03-02"}
    )
    assert "1.360.000" in page.text and "43/2024" not in page.text
    assert "02/03/2026" in page.text  # "no reduction recorded for 02/03/2026"
    bad = await client.get("/trademarks/fees", params={"class": "30", "on": "2026-02-30"})
    assert bad.status_code == 422 and 'role="alert"' in bad.text


async def test_priority_adds_600_000_and_office_classification_100_000_a_class(
    client: httpx.AsyncClient,
) -> None:
    url = "/api/v1/trademarks/fee-estimate"
    body: dict[str, Any] = {"classes": [{"number": 30, "items": 6}], "date": "2026-12-06"}
    plain = (await client.post(url, json=body)).json()["total_vnd"]
    priority = (await client.post(url, json={**body, "priority_claims": 1})).json()
    assert priority["total_vnd"] == plain + 600_000
    assert any(line["code"] == "priority" for line in priority["lines"])
    too_many = await client.post(url, json={**body, "priority_claims": 21})
    assert too_many.status_code == 422
    assert too_many.json()["code"] == "invalid_priority_claims"
    classified = (await client.post(url, json={**body, "office_classifies": True})).json()
    assert classified["total_vnd"] == plain + 100_000
    page = await client.get(
        "/trademarks/fees", params={"class": "30", "items": "6", "priority": "1"}
    )
    assert "1.960.000" in page.text


# -- cases: priority, place names, events ------------------------------------------------------


@pytest.fixture
async def people(client: httpx.AsyncClient) -> dict[str, str]:
    startup, staff = await asyncio.gather(
        make_user("startup", "startup@example.vn"),
        make_user("staff", "staff@example.vn", name="Trần Thị Bích Ngọc"),
    )
    return {
        "startup": (await issue_api_token(startup, days=1))[0],
        "staff": (await issue_api_token(staff, days=1))[0],
    }


async def open_case(client: httpx.AsyncClient, token: str, **fields: Any) -> dict[str, Any]:
    body = {
        "mark_name": "Muối tôm Tây Ninh",
        "mark_type": "combined",
        "classes": [{"number": 30, "items": ["Muối tôm"]}],
        "organisation_name": "HTX Muối tôm Gò Dầu",
        **fields,
    }
    created = await client.post("/api/v1/trademark-cases", json=body, headers=bearer(token))
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]
    return dict(
        (await client.get(f"/api/v1/trademark-cases/{case_id}", headers=bearer(token))).json()
    )


async def step(
    client: httpx.AsyncClient, token: str, case_id: int, kind: str, day: str, **fields: Any
) -> httpx.Response:
    return await client.post(
        f"/api/v1/trademark-cases/{case_id}/events",
        json={"type": kind, "date": day, **fields},
        headers=bearer(token),
    )


async def steps(
    client: httpx.AsyncClient, token: str, case_id: int, *taken: tuple[str, str, dict[str, Any]]
) -> dict[str, Any]:
    response = None
    for kind, day, fields in taken:
        response = await step(client, token, case_id, kind, day, **fields)
        assert response.status_code == 200, (kind, response.text)
    assert response is not None
    return dict(response.json())


def due(case: dict[str, Any]) -> dict[str, str]:
    return {d["name"]: d["due"] for d in case["deadlines"]}


async def test_a_case_claiming_priority_is_estimated_with_the_priority_fee(
    client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    case = await open_case(client, people["startup"], priority_claimed=True)
    codes = [line["code"] for line in case["fee_estimate"]["lines"]]
    assert "priority" in codes
    assert case["fee_estimate"]["total_vnd"] == 1_360_000 + 600_000


async def test_a_collective_mark_with_a_place_name_needs_the_provincial_permission(
    client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    def required(case: dict[str, Any]) -> bool:
        item = next(i for i in case["checklist"] if i["code"] == "geographical_permission")
        return bool(item["required"])

    collective = await open_case(
        client, people["startup"], mark_type="collective", geographical_name=True
    )
    assert collective["geographical_name"] is True and required(collective)
    ordinary = await open_case(client, people["startup"], geographical_name=True)
    assert not required(ordinary)
    no_place = await open_case(client, people["startup"], mark_type="certification")
    assert not required(no_place)


def test_a_period_ending_on_a_day_off_ends_on_the_next_working_day() -> None:
    assert next_working_day(date(2026, 12, 7)) == date(2026, 12, 7)  # a Monday
    assert next_working_day(date(2026, 12, 6)) == date(2026, 12, 7)  # a Sunday
    # Tết 2027: 4 to 10 February are public holidays (the 6th is a Saturday).
    assert next_working_day(date(2027, 2, 6)) == date(2027, 2, 11)


async def test_deadlines_landing_on_a_sunday_or_on_tet_move_to_the_next_working_day(
    client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    staff = people["staff"]
    case = await open_case(client, people["startup"])
    filed = await steps(
        client, staff, case["id"], ("filed", "2026-11-06", {"application_number": "4-2026-1"})
    )
    # 6 November + 1 month is Sunday 6 December.
    assert due(filed) == {"formality_examination": "2026-12-07"}
    notice = await steps(client, staff, case["id"], ("defect_notice", "2026-12-06", {}))
    # 6 December + 2 months is Saturday 6 February 2027, inside Tết.
    assert due(notice)["defect_response"] == "2027-02-11"
    stored = (
        await TrademarkDeadline.objects()
        .where(
            (TrademarkDeadline.trademark_case == case["id"])
            & (TrademarkDeadline.name == "defect_response")
        )
        .first()
    )
    assert stored is not None and stored.due == date(2027, 2, 11) and stored.active


GRANT_PATH: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("filed", "2026-01-05", {"application_number": "4-2026-00077"}),
    ("formality_accepted", "2026-02-02", {}),
    ("published", "2026-03-02", {}),
)


async def test_an_opposition_is_answered_and_settled_before_the_grant(
    client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    staff = people["staff"]
    case_id = (await open_case(client, people["startup"]))["id"]
    early = await step(client, staff, case_id, "filed", "2026-01-05", application_number="4-1")
    assert early.status_code == 200
    before_publication = await step(
        client, staff, case_id, "opposition", "2026-01-20", opponent="Công ty A"
    )
    assert before_publication.json()["code"] == "invalid_transition"
    await steps(client, staff, case_id, *GRANT_PATH[1:])
    anonymous = await step(client, staff, case_id, "opposition", "2026-04-01")
    assert anonymous.status_code == 422 and anonymous.json()["code"] == "opponent_required"
    opposed = await steps(
        client,
        staff,
        case_id,
        ("opposition", "2026-04-01", {"opponent": "Công ty TNHH Muối Ngon"}),
    )
    assert opposed["status"] == "published"  # the case stays where it was
    assert due(opposed)["opposition_response"] == "2026-06-01"  # 1 June 2026, a Monday
    again = await step(client, staff, case_id, "opposition", "2026-04-02", opponent="Khác")
    assert again.json()["code"] == "opposition_open"
    await steps(
        client, staff, case_id, ("substantive_result", "2026-05-04", {"result": "favourable"})
    )
    blocked = await step(client, staff, case_id, "granted", "2026-05-20", certificate_number="1")
    assert blocked.status_code == 422 and blocked.json()["code"] == "opposition_open"
    settled = await steps(client, staff, case_id, ("opposition_settled", "2026-05-20", {}))
    assert "opposition_response" not in due(settled)
    granted = await steps(
        client, staff, case_id, ("granted", "2026-05-25", {"certificate_number": "4-0600001-000"})
    )
    assert granted["status"] == "granted"
    late = await step(client, staff, case_id, "opposition", "2026-06-01", opponent="Muộn")
    assert late.json()["code"] == "invalid_transition"
    await log_in(client, "staff@example.vn")
    page = await client.get(f"/staff/trademarks/{case_id}")
    assert "Công ty TNHH Muối Ngon" in page.text


async def test_a_renewal_starts_a_new_ten_year_term_and_the_reminders_follow(
    client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    staff = people["staff"]
    case_id = (await open_case(client, people["startup"]))["id"]
    granted = await steps(
        client,
        staff,
        case_id,
        *GRANT_PATH,
        ("substantive_result", "2026-06-01", {"result": "favourable"}),
        ("granted", "2026-07-01", {"certificate_number": "4-0600002-000"}),
    )
    assert due(granted)["protection_expires"] == "2036-01-05"
    closed_at = (await TrademarkCase.objects().where(TrademarkCase.id == case_id).first()).closed_at
    too_early = await step(client, staff, case_id, "renewed", "2035-06-01")
    assert too_early.status_code == 422
    assert too_early.json()["code"] == "renewal_outside_window"
    renewed = await steps(client, staff, case_id, ("renewed", "2035-10-01", {}))
    assert renewed["status"] == "granted"
    assert due(renewed)["protection_expires"] == "2046-01-05"
    assert due(renewed)["renewal_window_opens"] == "2045-07-05"
    assert renewed["expiry_date"] == "2046-01-05"
    row = await TrademarkCase.objects().where(TrademarkCase.id == case_id).first()
    assert row is not None and row.closed_at == closed_at
    reminders = {
        d.name: d.remind_on
        for d in await TrademarkDeadline.objects().where(
            (TrademarkDeadline.trademark_case == case_id) & TrademarkDeadline.active.eq(True)
        )
    }
    assert reminders["protection_expires"] == date(2045, 12, 6)  # 30 days before the new end
    # A second renewal ten years on, within the grace months after the end (5 July 2046 is a
    # Thursday), is accepted too.
    again = await steps(client, staff, case_id, ("renewed", "2046-03-01", {}))
    assert due(again)["protection_expires"] == "2056-01-05"


async def test_the_nice_edition_is_the_one_in_force_on_the_filing_date(
    client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    assert config.nice(date(2025, 6, 1)).edition == "NCL 12-2025"
    assert config.nice(date(2026, 1, 1)).edition == "NCL 13-2026"
    assert config.nice(date(2026, 1, 1)).get(13).title_vi.startswith("Súng cầm tay")
    staff = people["staff"]
    filed_2025 = (await open_case(client, people["startup"]))["id"]
    filed_2026 = (await open_case(client, people["startup"]))["id"]
    await steps(client, staff, filed_2025, ("filed", "2025-06-02", {"application_number": "a"}))
    await steps(client, staff, filed_2026, ("filed", "2026-02-02", {"application_number": "b"}))
    await log_in(client, "staff@example.vn")
    assert "NCL 12-2025" in (await client.get(f"/staff/trademarks/{filed_2025}")).text
    assert "NCL 13-2026" in (await client.get(f"/staff/trademarks/{filed_2026}")).text
