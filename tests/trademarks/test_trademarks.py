"""Trademark guidance: Nice classes, the fee estimator, cases, their statutory timeline,
uploads, consultations and deadline reminders."""

from __future__ import annotations

import asyncio
import json
import re
import struct
import zlib
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from innovation_hub.accounts.services import ReminderLinks, issue_api_token
from innovation_hub.core import audit
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.errors import Conflict, RuleBroken
from innovation_hub.core.mail import OutboxMessage
from innovation_hub.core.settings import Settings
from innovation_hub.spaces import services as spaces
from innovation_hub.trademarks import config, fees, services
from innovation_hub.trademarks.config import add_months
from innovation_hub.trademarks.jobs import jobs
from innovation_hub.trademarks.tables import TrademarkCase, TrademarkDeadline, TrademarkEvent
from innovation_hub.trademarks.workflow import EventInput
from tests.helpers import api_token, bearer, csrf_token, log_in, make_user, next_open_day

FEES = json.loads((config.DATA_DIR / "fees.json").read_text(encoding="utf-8"))
TABLE = FEES["tables"][-1]
UNIT = {line["code"]: line["unit_vnd"] for line in TABLE["lines"]}


def png(width: int = 4, height: int = 4) -> bytes:
    """A real (tiny) PNG."""
    raw = b"".join(b"\x00" + b"\x10\x80\x30" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def case_body(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "mark_name": "Bánh tráng Cô Tư",
        "mark_type": "combined",
        "classes": [{"number": 30, "items": ["Bánh tráng phơi sương", "Muối tôm"]}],
        "organisation_name": "Công ty Bánh tráng Trảng Bàng",
        "notes": "Sản phẩm OCOP 4 sao",
    }
    body.update(fields)
    return body


async def open_case(client: httpx.AsyncClient, token: str, **fields: Any) -> int:
    response = await client.post(
        "/api/v1/trademark-cases", json=case_body(**fields), headers=bearer(token)
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "intake"
    return int(response.json()["id"])


async def event(
    client: httpx.AsyncClient, token: str, case_id: int, kind: str, day: date, **fields: Any
) -> httpx.Response:
    return await client.post(
        f"/api/v1/trademark-cases/{case_id}/events",
        json={"type": kind, "date": day.isoformat(), **fields},
        headers=bearer(token),
    )


def due(body: dict[str, Any]) -> dict[str, str]:
    return {d["name"]: d["due"] for d in body["deadlines"]}


@pytest.fixture
async def people(client: httpx.AsyncClient) -> dict[str, str]:
    """A startup, an enterprise of another organisation and a member of staff, with tokens."""
    startup, other, staff = await asyncio.gather(
        make_user("startup", "startup@example.vn"),
        make_user("enterprise", "other@example.vn", organisation_name="HTX Muối tôm Gò Dầu"),
        make_user("staff", "staff@example.vn", name="Trần Thị Bích Ngọc"),
    )
    # Tokens straight from the service: the login endpoint is tested elsewhere.
    return {
        "startup": (await issue_api_token(startup, days=1))[0],
        "other": (await issue_api_token(other, days=1))[0],
        "staff": (await issue_api_token(staff, days=1))[0],
    }


# -- Nice classes and fees ------------------------------------------------------------------


async def test_nice_classes_are_45_with_their_edition(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nice-classes")
    assert response.status_code == 200
    body = response.json()
    assert body["edition"] == "NCL 13-2026"
    items = body["items"]
    assert [c["number"] for c in items] == list(range(1, 46))
    assert {c["kind"] for c in items if c["number"] <= 34} == {"goods"}
    assert {c["kind"] for c in items if c["number"] >= 35} == {"services"}
    assert all(c["title_vi"] and c["title_en"] for c in items)
    # Searchable on the pages, with or without diacritics.
    page = await client.get("/trademarks/classes", params={"q": "banh trang"})
    assert re.search(r"(Class|Nhóm) 30</strong>", page.text)
    assert not re.search(r"(Class|Nhóm) 9</strong>", page.text)


async def test_fee_estimate_matches_the_configured_table_line_by_line(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/v1/trademarks/fee-estimate",
        json={"classes": [{"number": 9, "items": 8}, {"number": 35, "items": 3}]},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    lines = {line["code"]: line for line in body["lines"]}
    # Two classes; class 9 has two items beyond the six a class fee covers; the certificate
    # fee is 120,000 for the first class and 100,000 for the second.
    expected = {
        "filing": 1,
        "publication": 1,
        "search": 2,
        "search_extra_item": 2,
        "substantive_examination": 2,
        "substantive_examination_extra_item": 2,
        "grant": 1,
        "grant_further_class": 1,
        "grant_publication": 1,
        "grant_registration": 1,
    }
    # No priority claimed, the applicant classifies: those lines are left out; renewal apart.
    registering = [line for line in TABLE["lines"] if line["stage"] != "renewal"]
    unconditional = [line["code"] for line in registering if not line.get("when")]
    assert [line["code"] for line in body["lines"]] == unconditional == list(expected)
    for code, quantity in expected.items():
        line = lines[code]
        assert line["quantity"] == quantity, code
        assert line["unit_vnd"] == UNIT[code], code
        assert line["amount_vnd"] == quantity * UNIT[code], code
        assert line["legal_basis"].startswith("Circular 263/2016/TT-BTC")
        assert line["label"]
    assert UNIT["filing"] == 150_000 and UNIT["search"] == 180_000
    assert UNIT["substantive_examination"] == 550_000 and UNIT["grant"] == 120_000
    assert body["total_vnd"] == sum(line["amount_vnd"] for line in body["lines"]) == 2_490_000
    assert body["reduction"] is None
    # The estimator page shows the same figures, and the table it used.
    page = await client.get(
        "/trademarks/fees", params=[("class", "9"), ("items", "8"), ("class", "35"), ("items", "3")]
    )
    assert page.status_code == 200
    assert "2.490.000" in page.text
    # Six items or fewer in a class: no extra-item lines at all.
    response = await client.post(
        "/api/v1/trademarks/fee-estimate", json={"classes": [{"number": 30, "items": 6}]}
    )
    codes = [line["code"] for line in response.json()["lines"]]
    assert "search_extra_item" not in codes and "substantive_examination_extra_item" not in codes
    assert response.json()["total_vnd"] == 1_360_000


async def test_bad_fee_estimates_are_422(client: httpx.AsyncClient) -> None:
    for classes, code in [
        ([], "no_classes"),
        ([{"number": 0, "items": 1}], "invalid_class"),
        ([{"number": 46, "items": 1}], "invalid_class"),
        ([{"number": 9, "items": -1}], "invalid_item_count"),
        ([{"number": 9, "items": 2}, {"number": 9, "items": 3}], "duplicate_class"),
    ]:
        response = await client.post("/api/v1/trademarks/fee-estimate", json={"classes": classes})
        assert response.status_code == 422, (classes, response.text)
        assert response.json()["code"] == code
    # The estimator page says so next to the form.
    page = await client.get(
        "/trademarks/fees", params=[("class", "9"), ("items", "-2"), ("submitted", "1")]
    )
    assert page.status_code == 422
    assert 'role="alert"' in page.text


async def test_a_case_keeps_the_fee_table_it_was_estimated_with(
    client: httpx.AsyncClient, people: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = await open_case(client, people["startup"])
    current = fees.fee_tables()
    newer = fees.FeeTable(
        version="future-circular",
        valid_from=services.today_local(),
        legal_basis="A later circular",
        legal_basis_vi="Thông tư mới",
        legal_basis_en="A later circular",
        class_items=6,
        valid_to=None,
        lines=tuple(replace(line, unit_vnd=line.unit_vnd * 2) for line in current[-1].lines),
    )
    monkeypatch.setattr(fees, "fee_tables", lambda: (*current, newer))
    fresh = await client.post(
        "/api/v1/trademarks/fee-estimate", json={"classes": [{"number": 30, "items": 2}]}
    )
    assert fresh.json()["fee_table"] == "future-circular"
    kept = (
        await client.get(f"/api/v1/trademark-cases/{case_id}", headers=bearer(people["startup"]))
    ).json()
    assert kept["fee_estimate"]["fee_table"] == TABLE["version"]
    assert kept["fee_estimate"]["total_vnd"] * 2 == fresh.json()["total_vnd"]


# -- cases, visibility, the timeline ---------------------------------------------------------


async def test_an_organisation_cannot_see_another_organisations_case(
    client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    case_id = await open_case(client, people["startup"])
    mine = await client.get(f"/api/v1/trademark-cases/{case_id}", headers=bearer(people["startup"]))
    assert mine.status_code == 200
    assert mine.json()["status"] == "intake"
    assert mine.json()["fee_estimate"]["total_vnd"] == 1_360_000
    theirs = await client.get(f"/api/v1/trademark-cases/{case_id}", headers=bearer(people["other"]))
    assert theirs.status_code == 404
    listed = await client.get("/api/v1/trademark-cases", headers=bearer(people["other"]))
    assert listed.json()["items"] == []
    staff = await client.get(f"/api/v1/trademark-cases/{case_id}", headers=bearer(people["staff"]))
    assert staff.status_code == 200
    # The pages answer the same way.
    await log_in(client, "other@example.vn")
    assert (await client.get(f"/trademarks/cases/{case_id}")).status_code == 404


async def test_students_cannot_open_cases_and_bad_cases_are_422(
    client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    await make_user("student", "student@example.vn")
    student = await api_token(client, "student@example.vn")
    refused = await client.post(
        "/api/v1/trademark-cases", json=case_body(), headers=bearer(student)
    )
    assert refused.status_code == 403
    for fields, code in [
        ({"mark_type": "smell"}, "invalid_mark_type"),
        ({"mark_name": "  "}, "mark_name_required"),
        ({"classes": []}, "no_classes"),
        ({"classes": [{"number": 50, "items": ["x"]}]}, "invalid_class"),
    ]:
        response = await client.post(
            "/api/v1/trademark-cases", json=case_body(**fields), headers=bearer(people["startup"])
        )
        assert response.status_code == 422, fields
        assert response.json()["code"] == code


async def test_staff_open_a_case_for_an_organisations_account(
    client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    case_id = await open_case(
        client, people["staff"], member_email="other@example.vn", organisation_kind="cooperative"
    )
    body = (
        await client.get(f"/api/v1/trademark-cases/{case_id}", headers=bearer(people["other"]))
    ).json()
    assert body["assigned_staff"]["name"] == "Trần Thị Bích Ngọc"
    unknown = await client.post(
        "/api/v1/trademark-cases",
        json=case_body(member_email="nobody@example.vn"),
        headers=bearer(people["staff"]),
    )
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "member_not_found"


async def test_filing_computes_the_statutory_due_dates(
    client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    for filed, formality in [
        # 31 January + 1 month: the end of February, a Saturday: the next working day.
        (date(2026, 1, 31), "2026-03-02"),
        (date(2028, 1, 31), "2028-02-29"),  # in a leap year (a Tuesday)
        # 30 April and 1 May are public holidays, then a weekend.
        (date(2026, 3, 31), "2026-05-04"),
        (date(2026, 12, 15), "2027-01-15"),
    ]:
        case_id = await open_case(client, people["startup"])
        response = await event(
            client, people["staff"], case_id, "filed", filed, application_number="4-2026-00123"
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "filed"
        assert body["application_number"] == "4-2026-00123"
        assert body["filing_date"] == filed.isoformat()
        assert due(body) == {"formality_examination": formality}, filed


async def test_the_timeline_moves_through_the_statutory_steps(
    client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    case_id = await open_case(client, people["startup"])
    staff = people["staff"]
    steps = [
        (
            "filed",
            date(2024, 2, 29),
            {"application_number": "4-2024-05102"},
            "filed",
            {"formality_examination": "2024-03-29"},
        ),
        (
            "defect_notice",
            date(2024, 3, 31),
            {},
            "formality_examination",
            {"defect_response": "2024-05-31"},
        ),
        ("response", date(2024, 4, 15), {}, "formality_examination", {}),
        (
            "formality_accepted",
            date(2024, 4, 30),
            {},
            "formality_examination",
            {"publication": "2024-07-01"},  # 30 June 2024 is a Sunday
        ),
        (
            "published",
            date(2024, 5, 31),
            {},
            "published",
            {"substantive_examination": "2025-02-28"},
        ),
        (
            "office_action",
            date(2024, 11, 30),
            {},
            "office_action",
            {"substantive_examination": "2025-02-28", "office_action_response": "2025-02-28"},
        ),
        (
            "response",
            date(2025, 1, 10),
            {},
            "substantive_examination",
            {"substantive_examination": "2025-02-28"},
        ),
        (
            "substantive_result",
            date(2025, 2, 20),
            {"result": "favourable"},
            "substantive_examination",
            {"grant_fees": "2025-05-20"},
        ),
        (
            "granted",
            date(2025, 4, 1),
            {"certificate_number": "4-0512345-000"},
            "granted",
            {
                # 10 years from a 29 February filing ends on 28 February.
                "renewal_window_opens": "2033-08-28",
                "protection_expires": "2034-02-28",
                "renewal_grace_ends": "2034-08-28",
            },
        ),
    ]
    for kind, day, fields, status, deadlines in steps:
        response = await event(client, staff, case_id, kind, day, **fields)
        assert response.status_code == 200, (kind, response.text)
        assert response.json()["status"] == status, kind
        assert due(response.json()) == deadlines, kind
    body = response.json()
    assert body["expiry_date"] == "2034-02-28"
    assert body["certificate_number"] == "4-0512345-000"
    # The organisation sees every step on its timeline, recorded in the audit log.
    mine = (
        await client.get(f"/api/v1/trademark-cases/{case_id}", headers=bearer(people["startup"]))
    ).json()
    assert [e["type"] for e in mine["events"]] == [s[0] for s in steps]
    actions = [t["action"] for t in mine["timeline"]]
    assert actions.count("trademark.event") == len(steps)
    entries = (
        await audit.AuditEntry.select()
        .where(
            (audit.AuditEntry.record_type == "trademark_case")
            & (audit.AuditEntry.record_id == str(case_id))
        )
        .run()
    )
    assert len(entries) == len(mine["timeline"])
    await log_in(client, "startup@example.vn")
    page = await client.get(f"/trademarks/cases/{case_id}")
    assert page.status_code == 200
    assert "4-0512345-000" in page.text and "28/02/2034" in page.text


async def test_invalid_transitions_are_422_with_a_code(
    client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    case_id = await open_case(client, people["startup"])
    staff = people["staff"]
    granted = await event(
        client, staff, case_id, "granted", date(2026, 1, 5), certificate_number="1"
    )
    assert granted.status_code == 422
    assert granted.json()["code"] == "invalid_transition"
    no_number = await event(client, staff, case_id, "filed", date(2026, 1, 5))
    assert no_number.status_code == 422
    assert no_number.json()["code"] == "application_number_required"
    unknown = await event(client, staff, case_id, "teleported", date(2026, 1, 5))
    assert unknown.json()["code"] == "unknown_event_type"
    filed = await event(
        client, staff, case_id, "filed", date(2026, 1, 5), application_number="4-2026-1"
    )
    assert filed.status_code == 200
    early = await event(client, staff, case_id, "published", date(2026, 2, 1))
    assert early.status_code == 422
    assert early.json()["code"] == "invalid_transition"
    before = await event(client, staff, case_id, "formality_accepted", date(2025, 12, 1))
    assert before.json()["code"] == "date_before_filing"
    nothing = await event(client, staff, case_id, "response", date(2026, 2, 1))
    assert nothing.status_code == 422
    await event(client, staff, case_id, "withdrawn", date(2026, 2, 2))
    closed = await event(client, staff, case_id, "defect_notice", date(2026, 2, 3))
    assert closed.json()["code"] == "invalid_transition"
    member = await event(client, people["startup"], case_id, "refused", date(2026, 2, 3))
    assert member.status_code == 403
    after = await client.get(f"/api/v1/trademark-cases/{case_id}", headers=bearer(staff))
    assert after.json()["status"] == "withdrawn" and after.json()["deadlines"] == []


@pytest.mark.usefixtures("pooled_connections")
async def test_twenty_identical_steps_at_once_are_recorded_once() -> None:
    """Staff pressing the same step at once: the workflow's conditional UPDATE lets exactly
    one through each round; the others are told the case changed (409) or that the step no
    longer fits (422)."""
    staff = await make_user("staff", email="tm-race@example.vn")
    case = await services.create_case(
        staff,
        services.NewCase(
            mark_name="Muối Tây Ninh",
            mark_type="word",
            classes=[services.ClassEntry(30, ["Muối tôm"])],
            organisation_name="Hợp tác xã Muối",
        ),
    )
    day = services.today_local() - timedelta(days=30)
    rounds = [
        ("filed", {"application_number": "4-2026-00001"}, "filed"),
        ("formality_accepted", {}, "formality_examination"),
        ("published", {}, "published"),
        ("granted", {"certificate_number": "4-0000001-000"}, "granted"),
    ]
    for n, (kind, fields, status) in enumerate(rounds):
        step = EventInput(type=kind, date=day + timedelta(days=n), **fields)
        results = await asyncio.gather(
            *[services.record_event(staff, case.id, step) for _ in range(20)],
            return_exceptions=True,
        )
        applied = [r for r in results if isinstance(r, TrademarkCase)]
        refused = [r for r in results if isinstance(r, Conflict | RuleBroken)]
        assert len(applied) == 1 and len(refused) == 19, (kind, results)
        recorded = await TrademarkEvent.count().where(
            (TrademarkEvent.trademark_case == case.id) & (TrademarkEvent.event_type == kind)
        )
        entries = await (
            audit.AuditEntry.select(audit.AuditEntry.detail)
            .where(
                (audit.AuditEntry.record_id == str(case.id))
                & (audit.AuditEntry.action == "trademark.event")
            )
            .output(load_json=True)
        )
        moved = sum(1 for e in entries if e["detail"].get("type") == kind)
        assert recorded == moved == 1, kind
        row = await TrademarkCase.objects().where(TrademarkCase.id == case.id).first()
        assert row is not None and row.status == status


def test_month_arithmetic_clamps_to_the_month_end() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2024, 2, 29), 120) == date(2034, 2, 28)
    assert add_months(date(2034, 2, 28), -6) == date(2033, 8, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)


# -- uploads ---------------------------------------------------------------------------------


async def test_image_uploads_are_checked_by_content_and_size(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    case_id = await open_case(client, people["startup"])
    url = f"/api/v1/trademark-cases/{case_id}/image"
    headers = bearer(people["startup"])
    fake = await client.post(
        url,
        files={"image": ("logo.png", b"just some text, not a picture", "image/png")},
        headers=headers,
    )
    assert fake.status_code == 422
    assert fake.json()["code"] == "file_type"
    big = png() + b"\x00" * (services.MAX_IMAGE_BYTES + 1)
    large = await client.post(url, files={"image": ("big.png", big, "image/png")}, headers=headers)
    assert large.status_code == 422
    assert large.json()["code"] == "file_too_large"
    good = await client.post(
        url, files={"image": ("logo.png", png(), "image/png")}, headers=headers
    )
    assert good.status_code == 201, good.text
    file_id = good.json()["id"]
    # Only the organisation and staff can fetch it.
    await log_in(client, "startup@example.vn")
    image = await client.get(f"/trademarks/cases/{case_id}/files/{file_id}")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    await log_in(other_client, "other@example.vn")
    assert (
        await other_client.get(f"/trademarks/cases/{case_id}/files/{file_id}")
    ).status_code == 404


async def test_the_new_case_form_refuses_a_renamed_text_file(
    client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    await log_in(client, "startup@example.vn")
    token = await csrf_token(client, "/trademarks/cases/new")
    form = {
        "_csrf_token": token,
        "mark_name": "Mãng Cầu Xanh",
        "mark_type": "combined",
        "organisation_name": "Mãng Cầu Xanh",
        "items_29": "Mãng cầu sấy dẻo\nMứt mãng cầu",
        "action": "create",
    }
    refused = await client.post(
        "/trademarks/cases/new",
        data=form,
        files={"image": ("logo.png", b"hello, I am text", "image/png")},
    )
    assert refused.status_code == 422
    assert "PNG" in refused.text and 'aria-invalid="true"' in refused.text
    assert (await client.get("/api/v1/trademark-cases", headers=bearer(people["startup"]))).json()[
        "items"
    ] == []
    created = await client.post(
        "/trademarks/cases/new", data=form, files={"image": ("logo.png", png(), "image/png")}
    )
    assert created.status_code == 303, created.text
    case_url = created.headers["location"].split("?")[0]
    page = await client.get(case_url)
    assert "Mãng cầu sấy dẻo" in page.text
    assert re.search(r'<img src="/trademarks/cases/\d+/files/\d+"', page.text)


async def test_dossier_uploads_accept_pdf_and_refuse_other_files(
    client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    case_id = await open_case(client, people["startup"], mark_type="collective")
    headers = bearer(people["startup"])
    url = f"/api/v1/trademark-cases/{case_id}/checklist/usage_regulation/files"
    refused = await client.post(
        url,
        files={"file": ("quy-che.pdf", b"PK\x03\x04 a zip", "application/pdf")},
        headers=headers,
    )
    assert refused.status_code == 422
    pdf = await client.post(
        url, files={"file": ("quy-che.pdf", b"%PDF-1.7\n...", "application/pdf")}, headers=headers
    )
    assert pdf.status_code == 201
    body = (await client.get(f"/api/v1/trademark-cases/{case_id}", headers=headers)).json()
    item = next(i for i in body["checklist"] if i["code"] == "usage_regulation")
    assert item["required"] is True  # a collective mark needs its usage regulation
    assert item["state"] == "draft" and item["files"][0]["name"] == "quy-che.pdf"
    attorney = next(i for i in body["checklist"] if i["code"] == "power_of_attorney")
    assert attorney["required"] is False
    ready = await client.post(
        f"/api/v1/trademark-cases/{case_id}/checklist/usage_regulation",
        json={"state": "ready"},
        headers=headers,
    )
    assert ready.status_code == 200
    state = next(i for i in ready.json()["checklist"] if i["code"] == "usage_regulation")
    assert state["state"] == "ready"


# -- consultations and the staff pages ---------------------------------------------------------


async def test_a_consultation_is_booked_on_the_staff_calendar(
    client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    room = await spaces.create_resource(
        {"name": "Phòng họp Sen", "kind": "meeting_room", "capacity": 6}, actor_id=None
    )
    case_id = await open_case(client, people["startup"])
    day = next_open_day(3)
    start = datetime.combine(day, time(9), LOCAL_TZ).isoformat()
    end = datetime.combine(day, time(10), LOCAL_TZ).isoformat()
    url = f"/api/v1/trademark-cases/{case_id}/consultations"
    booked = await client.post(
        url,
        json={"resource_id": room.id, "start": start, "end": end, "topic": "Chọn nhóm"},
        headers=bearer(people["staff"]),
    )
    assert booked.status_code == 201, booked.text
    body = booked.json()
    assert body["status"] == "consultation"
    assert body["assigned_staff"]["name"] == "Trần Thị Bích Ngọc"
    [consultation] = body["consultations"]
    assert consultation["place"] == "Phòng họp Sen" and consultation["status"] == "confirmed"
    from innovation_hub.bookings.tables import Booking

    booking = await Booking.objects().where(Booking.id == consultation["booking_id"]).first().run()
    assert booking.kind == "consultation" and booking.status == "confirmed"
    taken = await client.post(
        url,
        json={"resource_id": room.id, "start": start, "end": end},
        headers=bearer(people["staff"]),
    )
    assert taken.status_code == 409
    assert taken.json()["code"] == "slot_taken"
    # The organisation sees it on its case, and heard about it by email.
    mine = await client.get(f"/api/v1/trademark-cases/{case_id}", headers=bearer(people["startup"]))
    assert len(mine.json()["consultations"]) == 1
    mails = await OutboxMessage.select(OutboxMessage.to_address).run()
    assert {"to_address": "startup@example.vn"} in mails
    assert await services.consultation_booking_ids_for_member(mine.json()["owner_id"]) == [
        booking.id
    ]


async def test_staff_pages_record_a_step_and_show_the_queue(
    client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    case_id = await open_case(client, people["startup"])
    await log_in(client, "staff@example.vn")
    queue = await client.get("/staff/trademarks")
    assert queue.status_code == 200 and "Bánh tráng Cô Tư" in queue.text
    token = await csrf_token(client, f"/staff/trademarks/{case_id}")
    wrong = await client.post(
        f"/staff/trademarks/{case_id}/events",
        data={"_csrf_token": token, "type": "filed", "date": "2026-01-31"},
    )
    assert wrong.status_code == 422 and 'role="alert"' in wrong.text
    filed = await client.post(
        f"/staff/trademarks/{case_id}/events",
        data={
            "_csrf_token": token,
            "type": "filed",
            "date": "2026-01-31",
            "application_number": "4-2026-02222",
        },
    )
    assert filed.status_code == 303
    page = await client.get(f"/staff/trademarks/{case_id}")
    assert "02/03/2026" in page.text and "4-2026-02222" in page.text
    # Members never reach the staff pages.
    await log_in(client, "startup@example.vn")
    assert (await client.get("/staff/trademarks")).status_code == 403


# -- reminders ---------------------------------------------------------------------------------


async def test_reminders_are_sent_once_even_by_two_instances(
    client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    case_id = await open_case(client, people["startup"])
    staff = people["staff"]
    me = (await client.get("/api/v1/me", headers=bearer(staff))).json()
    assigned = await client.post(
        f"/api/v1/trademark-cases/{case_id}/assign",
        json={"staff_id": me["id"]},
        headers=bearer(staff),
    )
    assert assigned.status_code == 200
    today = services.today_local()
    start = today - timedelta(days=60)
    await event(client, staff, case_id, "filed", start, application_number="4-2026-7")
    await event(client, staff, case_id, "formality_accepted", start + timedelta(days=1))
    await event(client, staff, case_id, "published", start + timedelta(days=2))
    answer_by = today + timedelta(days=5)
    action = await event(
        client, staff, case_id, "office_action", today, response_due=answer_by.isoformat()
    )
    assert due(action.json())["office_action_response"] == answer_by.isoformat()
    await OutboxMessage.delete(force=True).run()

    sent = await asyncio.gather(
        services.send_due_reminders(base_url="http://testserver"),
        services.send_due_reminders(base_url="http://testserver"),
    )
    assert sum(sent) == 1
    mails = await OutboxMessage.select(OutboxMessage.to_address, OutboxMessage.subject).run()
    # The applicant has to act: the organisation and its adviser are both told, once.
    assert sorted(m["to_address"] for m in mails) == ["staff@example.vn", "startup@example.vn"]
    assert all("Bánh tráng Cô Tư" in m["subject"] for m in mails)
    assert await services.send_due_reminders(base_url="http://testserver") == 0
    row = (
        await TrademarkDeadline.objects()
        .where(TrademarkDeadline.name == "office_action_response")
        .first()
        .run()
    )
    assert row.remind_on == answer_by - timedelta(days=1)
    assert await services.send_due_reminders(base_url="x", today=row.remind_on) == 1
    # The staff calendar can show the assigned case's deadlines.
    shown = await services.deadlines_for_staff(me["id"], today, today + timedelta(days=30))
    assert [(d["name"], d["due"]) for d in shown] == [("office_action_response", answer_by)]


async def test_the_reminder_job_and_the_guided_count(
    client: httpx.AsyncClient, people: dict[str, str], settings: Settings
) -> None:
    job, consultations = jobs(settings, ReminderLinks(settings.base_url, settings.secret_key))
    assert job.name == "trademark-deadline-reminders"
    assert consultations.name == "trademark-consultation-reminders"
    assert await consultations.run() == 0
    assert await job.run() == 0
    today = services.today_local()
    await open_case(client, people["startup"])
    await open_case(client, people["startup"], mark_name="Cô Tư")
    await open_case(client, people["staff"], organisation_name="Hộ kinh doanh Bà Sáu")
    # One organisation per account, or per name for those without one.
    assert await services.organisations_guided(today, today) == 2
    assert (
        await services.organisations_guided(today - timedelta(days=9), today - timedelta(days=1))
        == 0
    )
