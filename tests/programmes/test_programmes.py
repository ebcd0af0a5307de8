"""The productivity-and-quality support programme: calls, applications by enterprises, the staff
workflow (screening, reviewers, reviews, decisions within cost shares, caps and the budget),
follow-up until acceptance, and who may see what — through the API and the pages."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from innovation_hub.accounts.services import issue_api_token
from innovation_hub.core.audit import AuditEntry
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.mail import OutboxMessage
from innovation_hub.core.settings import Settings
from innovation_hub.programmes.tables import Programme
from tests.helpers import at, bearer, log_in, make_user, next_open_day, post_form

VALID_A = "0100109106"
VALID_B = "0300588569"
# A household business's tax code: the 12-digit personal identification number (Tây Ninh,
# a woman born in 1986).
PERSONAL = "072186003517"


def iso(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).isoformat()


def call_body(**changes: Any) -> dict[str, Any]:
    now = datetime.now(LOCAL_TZ)
    body: dict[str, Any] = {
        "name": "Hỗ trợ nâng cao năng suất và chất lượng năm 2026",
        "opens_at": iso(now - timedelta(days=1)),
        "closes_at": iso(now + timedelta(days=30)),
        "budget_vnd": 1_000_000_000,
        "provincial_decision": "Quyết định 123/QĐ-UBND",
        "eligibility": "Doanh nghiệp nhỏ và vừa có trụ sở trên địa bàn tỉnh.",
        "support_types": [
            {"type": "iso_9001", "cost_share_percent": 50, "cap_vnd": 50_000_000},
            {"type": "5s", "cost_share_percent": 50, "cap_vnd": 20_000_000},
            {"type": "barcode", "cost_share_percent": 30, "cap_vnd": 10_000_000},
        ],
    }
    body.update(changes)
    return body


def application_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "enterprise_name": "Công ty TNHH Bánh tráng Trảng Bàng",
        "tax_code": VALID_A,
        # iso_9001: 50% of 200M = 100M, capped at 50M; 5s: 50% of 10M = 5M (cap 20M).
        "support_items": [
            {"type": "iso_9001", "cost_vnd": 200_000_000},
            {"type": "5s", "cost_vnd": 10_000_000},
        ],
    }
    body.update(changes)
    return body


class Hub:
    """Accounts and tokens of one test, with the calls they make."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.tokens: dict[str, str] = {}

    async def account(self, role: str, email: str, **fields: str) -> str:
        user = await make_user(role, email=email, **fields)
        # Issued directly: logging in through the API is tested elsewhere, and each
        # password check costs time.
        token, _expires = await issue_api_token(user, days=1)
        self.tokens[email] = token
        return token

    async def call(self, token: str, **changes: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/api/v1/programmes", json=call_body(**changes), headers=bearer(token)
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def apply(self, token: str, programme_id: int, **changes: Any) -> httpx.Response:
        return await self.client.post(
            f"/api/v1/programmes/{programme_id}/applications",
            json=application_body(**changes),
            headers=bearer(token),
        )

    async def submitted(self, token: str, programme_id: int, **changes: Any) -> int:
        response = await self.apply(token, programme_id, **changes)
        assert response.status_code == 201, response.text
        app_id = int(response.json()["id"])
        response = await self.client.post(
            f"/api/v1/applications/{app_id}/submit", headers=bearer(token)
        )
        assert response.status_code == 200, response.text
        return app_id

    async def review(self, token: str, app_id: int, **changes: Any) -> httpx.Response:
        body: dict[str, Any] = {
            "scores": {"need": 4, "plan": 5, "consultant": 3, "commitment": 4, "impact": None},
            "recommendation": "yes",
            "comment": "Kế hoạch rõ ràng, đơn vị tư vấn có kinh nghiệm.",
        }
        body.update(changes)
        return await self.client.post(
            f"/api/v1/applications/{app_id}/reviews", json=body, headers=bearer(token)
        )

    async def decide(self, token: str, app_id: int, **body: Any) -> httpx.Response:
        return await self.client.post(
            f"/api/v1/applications/{app_id}/decision",
            json={"outcome": "approved", **body},
            headers=bearer(token),
        )

    async def get(self, token: str, path: str) -> httpx.Response:
        return await self.client.get(path, headers=bearer(token))

    async def post(self, token: str, path: str, body: Any = None) -> httpx.Response:
        return await self.client.post(path, json=body, headers=bearer(token))


@pytest.fixture
async def hub(client: httpx.AsyncClient) -> Hub:
    hub = Hub(client)
    await hub.account("staff", "ngoc@hub.vn", name="Trần Thị Bích Ngọc")
    await hub.account(
        "enterprise",
        "tam@banhtrang.vn",
        name="Nguyễn Minh Tâm",
        organisation_name="Công ty TNHH Bánh tráng Trảng Bàng",
        tax_code=VALID_A,
    )
    return hub


STAFF = "ngoc@hub.vn"
ENTERPRISE = "tam@banhtrang.vn"


# -- the whole way --------------------------------------------------------------------------


async def test_complete_flow_from_draft_to_accepted(hub: Hub, client: httpx.AsyncClient) -> None:
    staff, firm = hub.tokens[STAFF], hub.tokens[ENTERPRISE]
    expert = await hub.account("staff", "phuc@hub.vn", name="Lê Hoàng Phúc")
    call = await hub.call(staff)
    assert call["status"] == "open"

    listed = (await client.get("/api/v1/programmes")).json()["items"]
    assert [p["id"] for p in listed] == [call["id"]]
    item = listed[0]
    assert item["budget_vnd"] == 1_000_000_000
    assert {"id", "name", "opens_at", "closes_at", "status", "budget_vnd"} <= set(item)
    assert item["support_types"][0] == {
        "type": "iso_9001",
        "cost_share_percent": 50,
        "cap_vnd": 50_000_000,
        "label_vi": "Hệ thống quản lý chất lượng ISO 9001",
        "label_en": "ISO 9001 quality management system",
    }
    assert item["opens_at"].endswith("+07:00")
    assert "1322/QĐ-TTg" in item["legal_basis"]

    created = await hub.apply(firm, call["id"])
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "draft"
    app_id = created.json()["id"]
    path = f"/api/v1/applications/{app_id}"

    patched = await client.patch(
        path,
        json={
            "size_class": "small",
            "sector": "agriculture",
            "address": "Khu phố 4, phường Trảng Bàng, Tây Ninh",
            "consultant_name": "Trung tâm Năng suất Việt Nam",
            "output_per_worker_vnd": 180_000_000,
            "defect_rate_percent": 4.5,
            "certificates_held": "Giấy chứng nhận cơ sở đủ điều kiện ATTP",
        },
        headers=bearer(firm),
    )
    assert patched.status_code == 200, patched.text
    detail = patched.json()
    assert detail["size_class"] == "small"
    assert detail["defect_rate_percent"] == 4.5
    assert detail["max_support_vnd"] == 55_000_000
    assert [i["support_vnd"] for i in detail["support_items"]] == [50_000_000, 5_000_000]

    submitted = await hub.post(firm, f"{path}/submit")
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "submitted"
    # A submitted application can no longer be edited.
    late_edit = await client.patch(path, json={"plan": "x"}, headers=bearer(firm))
    assert late_edit.status_code == 422
    assert late_edit.json()["code"] == "wrong_status"

    screened = await hub.post(staff, f"{path}/screening", {"result": "eligible"})
    assert screened.status_code == 200, screened.text
    assert screened.json()["status"] == "in_review"

    me = (await hub.get(expert, "/api/v1/me")).json()
    assigned = await hub.post(staff, f"{path}/reviewers", {"reviewer_id": me["id"]})
    assert assigned.status_code == 200, assigned.text
    assert [r["name"] for r in assigned.json()["reviewers"]] == ["Lê Hoàng Phúc"]

    reviewed = await hub.review(expert, app_id)
    assert reviewed.status_code == 201, reviewed.text
    assert reviewed.json()["average"] == 4.0  # n/a is left out of the average
    as_staff = (await hub.get(staff, path)).json()
    assert as_staff["status"] == "ready_for_decision"
    assert as_staff["average_score"] == 4.0

    as_firm = (await hub.get(firm, path)).json()
    assert "average_score" not in as_firm and "reviews" not in as_firm
    assert "reviewed" not in [t["kind"] for t in as_firm["timeline"]]

    decided = await hub.decide(staff, app_id, conditions="Hoàn thành trong 9 tháng.")
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "approved"
    assert decided.json()["approved_vnd"] == 55_000_000
    programme = await Programme.objects().where(Programme.id == call["id"]).first()
    assert programme is not None and programme.committed_vnd == 55_000_000
    letters = await OutboxMessage.objects().where(OutboxMessage.to_address == ENTERPRISE)
    letter = next(m for m in letters if "55.000.000" in m.body_text)
    assert "Hoàn thành trong 9 tháng." in letter.body_text

    milestone = await hub.post(
        staff,
        f"{path}/milestones",
        {"title": "Đánh giá chứng nhận ISO 9001", "due_on": "2027-06-30"},
    )
    assert milestone.status_code == 201, milestone.text
    assert milestone.json()["status"] == "implementing"
    milestone_id = milestone.json()["milestones"][0]["id"]

    early = await hub.post(staff, f"{path}/acceptance", {"settled_vnd": 50_000_000})
    assert early.status_code == 422
    assert early.json()["code"] == "milestones_open"

    reported = await hub.post(
        firm,
        f"{path}/milestones/{milestone_id}/report",
        {"report": "Đã được cấp giấy chứng nhận ISO 9001:2015."},
    )
    assert reported.status_code == 200, reported.text
    confirmed = await hub.post(staff, f"{path}/milestones/{milestone_id}/confirm")
    assert confirmed.json()["milestones"][0]["status"] == "done"

    indicators = await hub.post(
        firm,
        f"{path}/indicators",
        {"output_per_worker_after_vnd": 210_000_000, "defect_rate_after_percent": 2.0},
    )
    assert indicators.status_code == 201, indicators.text
    report = indicators.json()["indicator_reports"][0]
    assert report["output_per_worker_before_vnd"] == 180_000_000  # from the baseline
    assert report["defect_rate_before_percent"] == 4.5

    too_much = await hub.post(staff, f"{path}/acceptance", {"settled_vnd": 60_000_000})
    assert too_much.status_code == 422
    assert too_much.json()["code"] == "settled_above_approved"
    accepted = await hub.post(staff, f"{path}/acceptance", {"settled_vnd": 50_000_000})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["settled_vnd"] == 50_000_000
    programme = await Programme.objects().where(Programme.id == call["id"]).first()
    assert programme is not None and programme.committed_vnd == 50_000_000  # 5M went back

    final = (await hub.get(firm, path)).json()
    kinds = [t["kind"] for t in final["timeline"]]
    assert kinds[:3] == ["created", "submitted", "screened_eligible"]
    assert {"approved", "milestone_added", "milestone_reported", "accepted"} <= set(kinds)
    actions = {
        row["action"]
        for row in await AuditEntry.select(AuditEntry.action).where(
            AuditEntry.record_type == "programme_application"
        )
    }
    assert {
        "application.submitted",
        "application.screened_eligible",
        "application.reviewer_assigned",
        "application.reviewed",
        "application.approved",
        "application.accepted",
    } <= actions


# -- tax codes and dates --------------------------------------------------------------------


async def test_bad_tax_codes_are_refused(hub: Hub) -> None:
    call = await hub.call(hub.tokens[STAFF])
    for tax_code in (
        "010010910",  # nine digits
        "01001091066",  # eleven digits
        "01001O9106",  # a letter O for a zero
        "ABCDEFGHIJ",
        "0100109107",  # wrong check digit
        "0300588568",
        "0100109106-01",  # a branch needs three digits
        "003186003517",  # 12 digits, but 003 is no province code of a personal number
        "072927003517",  # 12 digits, but the person would be born in 2027
        "07218600351",  # a personal number one digit short
        "",
    ):
        response = await hub.apply(hub.tokens[ENTERPRISE], call["id"], tax_code=tax_code)
        assert response.status_code == 422, (tax_code, response.text)
        assert response.json()["code"] == "invalid_tax_code"
        assert "tax_code" in response.json()["errors"]
    assert (await hub.get(hub.tokens[ENTERPRISE], "/api/v1/applications")).json()["items"] == []


async def test_valid_tax_codes_are_accepted(hub: Hub) -> None:
    call = await hub.call(hub.tokens[STAFF])
    other = await hub.account("enterprise", "hung@muoitom.vn", tax_code=VALID_B)
    assert (await hub.apply(hub.tokens[ENTERPRISE], call["id"])).status_code == 201
    branch = await hub.apply(other, call["id"], tax_code=f" {VALID_B}001 ")  # no hyphen
    assert branch.status_code == 201, branch.text
    detail = (await hub.get(other, f"/api/v1/applications/{branch.json()['id']}")).json()
    assert (detail["tax_code"], detail["tax_code_kind"]) == (f"{VALID_B}-001", "branch")
    again = await hub.apply(other, call["id"], tax_code=VALID_B)
    assert again.status_code == 409
    assert again.json()["code"] == "application_exists"


async def test_a_household_business_applies_with_its_personal_number(
    hub: Hub, client: httpx.AsyncClient
) -> None:
    call = await hub.call(hub.tokens[STAFF])
    household = "cuc@banhtrang.vn"
    await hub.account(
        "enterprise",
        household,
        name="Lê Thị Cúc",
        organisation_name="Hộ kinh doanh Bánh tráng Cô Cúc",
        tax_code=PERSONAL,
    )
    await log_in(client, household)
    form = await client.get(f"/programmes/{call['id']}/apply")
    assert f'value="{PERSONAL}"' in form.text  # from the account
    fields = {"enterprise_name": "Hộ kinh doanh Bánh tráng Cô Cúc", "cost_5s": "10.000.000"}
    for wrong in ("099186003517", "0721860035", "07218600351X"):
        bad = await post_form(
            client,
            f"/programmes/{call['id']}/apply",
            {**fields, "tax_code": wrong, "action": "save"},
            token_page="/programmes",
        )
        assert bad.status_code == 422, wrong
        error = bad.text.split('id="e-f-tax_code"', 1)[1].split("</small>", 1)[0]
        assert "hộ kinh doanh" in error and "10 chữ số" in error
    good = await post_form(
        client,
        f"/programmes/{call['id']}/apply",
        {**fields, "tax_code": PERSONAL, "action": "submit"},
        token_page="/programmes",
    )
    assert good.status_code == 303, good.text
    app_id = int(good.headers["location"].split("/")[2].split("?")[0])
    detail = (await hub.get(hub.tokens[household], f"/api/v1/applications/{app_id}")).json()
    assert detail["status"] == "submitted"
    assert (detail["tax_code"], detail["tax_code_kind"]) == (PERSONAL, "personal")
    await log_in(client, STAFF)
    page = await client.get(f"/staff/applications/{app_id}")
    assert "Mã số thuế hộ kinh doanh/cá nhân (12 số)" in page.text


async def test_submitting_after_the_call_closed_is_refused(
    hub: Hub, client: httpx.AsyncClient
) -> None:
    staff, firm = hub.tokens[STAFF], hub.tokens[ENTERPRISE]
    call = await hub.call(staff)
    app_id = (await hub.apply(firm, call["id"])).json()["id"]
    now = datetime.now(LOCAL_TZ)
    closed = await client.patch(
        f"/api/v1/programmes/{call['id']}",
        json={"closes_at": iso(now - timedelta(minutes=1))},
        headers=bearer(staff),
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    response = await hub.post(firm, f"/api/v1/applications/{app_id}/submit")
    assert response.status_code == 422
    assert response.json()["code"] == "call_closed"
    status = (await hub.get(firm, f"/api/v1/applications/{app_id}")).json()["status"]
    assert status == "draft"
    # A new draft is refused too.
    late = await hub.apply(firm, call["id"])
    assert late.status_code in (409, 422)


async def test_incomplete_application_cannot_be_submitted(hub: Hub) -> None:
    staff, firm = hub.tokens[STAFF], hub.tokens[ENTERPRISE]
    call = await hub.call(staff)
    app_id = (await hub.apply(firm, call["id"], support_items=[])).json()["id"]
    response = await hub.post(firm, f"/api/v1/applications/{app_id}/submit")
    assert response.status_code == 422
    assert response.json()["code"] == "incomplete"
    assert "support_items" in response.json()["errors"]
    wrong_type = await hub.apply(
        hub.tokens[STAFF], call["id"], support_items=[{"type": "haccp", "cost_vnd": 1}]
    )
    assert wrong_type.status_code == 403  # staff do not apply


async def test_calls_need_offsets_and_staff(hub: Hub, client: httpx.AsyncClient) -> None:
    naive = await client.post(
        "/api/v1/programmes",
        json=call_body(opens_at="2026-12-01T08:00:00"),
        headers=bearer(hub.tokens[STAFF]),
    )
    assert naive.status_code == 400
    refused = await client.post(
        "/api/v1/programmes", json=call_body(), headers=bearer(hub.tokens[ENTERPRISE])
    )
    assert refused.status_code == 403
    unknown = await client.post(
        "/api/v1/programmes",
        json=call_body(
            support_types=[{"type": "iso_9999", "cost_share_percent": 50, "cap_vnd": 1}]
        ),
        headers=bearer(hub.tokens[STAFF]),
    )
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "invalid_support_type"


async def test_information_session_appears_in_the_public_events_feed(
    hub: Hub, client: httpx.AsyncClient
) -> None:
    staff = hub.tokens[STAFF]
    call = await hub.call(staff)
    room = await client.post(
        "/api/v1/resources",
        json={"name": "Hội trường Đổi mới", "kind": "event_hall", "capacity": 80},
        headers=bearer(staff),
    )
    day = next_open_day(3)
    body = {
        "title": "Hội nghị phổ biến chương trình năng suất chất lượng",
        "resource_id": room.json()["id"],
        "start": at(day, 8, 30),
        "end": at(day, 11, 0),
    }
    event = await hub.post(staff, f"/api/v1/programmes/{call['id']}/events", body)
    assert event.status_code == 201, event.text
    taken = await hub.post(staff, f"/api/v1/programmes/{call['id']}/events", body)
    assert taken.status_code == 409
    feed = await client.get("/feeds/events.ics")
    unfolded = feed.text.replace("\r\n ", "")
    assert "SUMMARY:Hội nghị phổ biến chương trình năng suất chất lượng" in unfolded
    page = await client.get(f"/programmes/{call['id']}")
    assert "Hội nghị phổ biến chương trình năng suất chất lượng" in page.text


# -- decisions within the limits ------------------------------------------------------------


async def test_decision_amount_limits(hub: Hub) -> None:
    staff, firm = hub.tokens[STAFF], hub.tokens[ENTERPRISE]
    call = await hub.call(staff, budget_vnd=40_000_000)
    app_id = await hub.submitted(firm, call["id"])

    no_review = await hub.decide(staff, app_id, amount_vnd=10_000_000)
    assert no_review.status_code == 422
    assert no_review.json()["code"] == "review_required"
    assert (await hub.review(staff, app_id)).status_code == 201

    # Cost shares: 50% of 200M + 50% of 10M = 105M.
    above_share = await hub.decide(staff, app_id, amount_vnd=105_000_001)
    assert above_share.status_code == 422
    assert above_share.json()["code"] == "amount_above_cost_share"
    assert above_share.json()["limit"] == "cost_share"
    assert above_share.json()["limit_vnd"] == 105_000_000
    assert "tỷ lệ hỗ trợ" in above_share.json()["detail"]  # the reason, in the member's language

    # Caps: min(100M, 50M) + min(5M, 20M) = 55M.
    above_cap = await hub.decide(staff, app_id, amount_vnd=60_000_000)
    assert above_cap.status_code == 422
    assert above_cap.json()["code"] == "amount_above_cap"
    assert above_cap.json()["limit_vnd"] == 55_000_000
    assert "mức hỗ trợ tối đa" in above_cap.json()["detail"]

    # The call has 40M left.
    above_budget = await hub.decide(staff, app_id, amount_vnd=55_000_000)
    assert above_budget.status_code == 422
    assert above_budget.json()["code"] == "budget_exceeded"
    assert above_budget.json()["limit_vnd"] == 40_000_000
    assert "ngân sách còn lại" in above_budget.json()["detail"]

    within = await hub.decide(staff, app_id, amount_vnd=40_000_000)
    assert within.status_code == 200, within.text
    assert within.json()["status"] == "approved"
    twice = await hub.decide(staff, app_id, amount_vnd=1)
    assert twice.status_code == 422
    assert twice.json()["code"] == "wrong_status"


async def test_two_staff_cannot_overspend_the_budget(hub: Hub, client: httpx.AsyncClient) -> None:
    staff = hub.tokens[STAFF]
    other_staff = await hub.account("staff", "phuc@hub.vn")
    # 120M: room for two approvals of 50M, not three.
    call = await hub.call(staff, budget_vnd=120_000_000)
    firms = [hub.tokens[ENTERPRISE]]
    for n, code in enumerate(["0300588569", "0100109106-001", "0100109106-002"]):
        firms.append(await hub.account("enterprise", f"firm{n}@example.vn", tax_code=code))
    codes = [VALID_A, "0300588569", "0100109106-001", "0100109106-002"]
    ids = []
    for token, code in zip(firms, codes, strict=True):
        app_id = await hub.submitted(token, call["id"], tax_code=code)
        assert (await hub.review(staff, app_id)).status_code == 201
        ids.append(app_id)
    deciders = [staff, other_staff, staff, other_staff]
    responses = await asyncio.gather(
        *(hub.decide(t, i, amount_vnd=50_000_000) for t, i in zip(deciders, ids, strict=True))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 200, 422, 422], [r.text for r in responses]
    assert {r.json()["code"] for r in responses if r.status_code == 422} == {"budget_exceeded"}
    programme = await Programme.objects().where(Programme.id == call["id"]).first()
    assert programme is not None and programme.committed_vnd == 100_000_000


async def test_one_application_decided_twice_at_once(hub: Hub) -> None:
    staff = hub.tokens[STAFF]
    other_staff = await hub.account("staff", "phuc@hub.vn")
    call = await hub.call(staff)
    app_id = await hub.submitted(hub.tokens[ENTERPRISE], call["id"])
    assert (await hub.review(staff, app_id)).status_code == 201
    responses = await asyncio.gather(
        hub.decide(staff, app_id, amount_vnd=30_000_000),
        hub.decide(other_staff, app_id, amount_vnd=30_000_000),
    )
    assert sorted(r.status_code for r in responses) in ([200, 409], [200, 422])
    programme = await Programme.objects().where(Programme.id == call["id"]).first()
    assert programme is not None and programme.committed_vnd == 30_000_000


# -- who may see what -----------------------------------------------------------------------


async def test_enterprise_cannot_read_another_application(hub: Hub) -> None:
    call = await hub.call(hub.tokens[STAFF])
    app_id = await hub.submitted(hub.tokens[ENTERPRISE], call["id"])
    rival = await hub.account("enterprise", "hung@muoitom.vn", tax_code=VALID_B)
    path = f"/api/v1/applications/{app_id}"
    assert (await hub.get(rival, path)).status_code == 404
    assert (await hub.post(rival, f"{path}/withdraw")).status_code == 404
    assert (await hub.get(rival, "/api/v1/applications")).json()["items"] == []
    own = (await hub.get(hub.tokens[ENTERPRISE], "/api/v1/applications")).json()["items"]
    assert [a["id"] for a in own] == [app_id]
    assert (await hub.get(hub.tokens[ENTERPRISE], "/api/v1/applications/999999")).status_code == 404


async def test_reviewer_sees_only_assigned_applications(hub: Hub) -> None:
    staff = hub.tokens[STAFF]
    call = await hub.call(staff)
    mine = await hub.submitted(hub.tokens[ENTERPRISE], call["id"])
    rival = await hub.account("enterprise", "hung@muoitom.vn", tax_code=VALID_B)
    other = await hub.submitted(rival, call["id"], tax_code=VALID_B)
    # An external expert of the advisory council, with an ordinary account.
    expert = await hub.account("startup", "chuyengia@dhkt.edu.vn", name="TS. Võ Văn Kiệt")
    assigned = await hub.post(
        staff, f"/api/v1/applications/{mine}/reviewers", {"email": "chuyengia@dhkt.edu.vn"}
    )
    assert assigned.status_code == 200, assigned.text
    enterprise_reviewer = await hub.post(
        staff, f"/api/v1/applications/{mine}/reviewers", {"email": "hung@muoitom.vn"}
    )
    assert enterprise_reviewer.status_code == 422
    assert enterprise_reviewer.json()["code"] == "invalid_reviewer"

    seen = await hub.get(expert, f"/api/v1/applications/{mine}")
    assert seen.status_code == 200
    assert "average_score" not in seen.json() and seen.json()["my_review"] is None
    assert (await hub.get(expert, f"/api/v1/applications/{other}")).status_code == 404
    assert (await hub.review(expert, other)).status_code == 404
    listed = (await hub.get(expert, "/api/v1/applications")).json()["items"]
    assert [a["id"] for a in listed] == [mine]

    scored = await hub.review(expert, mine, scores={"need": 6})
    assert scored.status_code == 422
    assert scored.json()["code"] == "invalid_score"
    assert (await hub.review(expert, mine)).status_code == 201
    assert (await hub.get(expert, f"/api/v1/applications/{mine}")).json()["my_review"]
    # The expert may score but not decide.
    assert (await hub.decide(expert, mine)).status_code == 403


async def test_more_information_and_the_answer(hub: Hub) -> None:
    staff, firm = hub.tokens[STAFF], hub.tokens[ENTERPRISE]
    call = await hub.call(staff)
    app_id = await hub.submitted(firm, call["id"])
    path = f"/api/v1/applications/{app_id}"
    asked = await hub.post(
        staff, f"{path}/screening", {"result": "more_info", "note": "Bổ sung báo giá tư vấn."}
    )
    assert asked.status_code == 200, asked.text
    assert asked.json()["status"] == "more_info"
    mails = await OutboxMessage.objects().where(OutboxMessage.to_address == ENTERPRISE)
    assert any("Bổ sung báo giá tư vấn." in m.body_text for m in mails)
    edited = await hub.client.patch(path, json={"consultant_name": "VPC"}, headers=bearer(firm))
    assert edited.status_code == 200
    answered = await hub.post(firm, f"{path}/reply", {"message": "Đã bổ sung báo giá."})
    assert answered.json()["status"] == "screening"
    timeline = [t["kind"] for t in answered.json()["timeline"]]
    assert timeline[-2:] == ["more_info", "reply"]
    rejected = await hub.post(
        staff, f"{path}/screening", {"result": "ineligible", "note": "Không có trụ sở tại tỉnh."}
    )
    assert rejected.json()["status"] == "rejected"


async def test_withdrawing_an_approved_application_gives_the_budget_back(hub: Hub) -> None:
    staff, firm = hub.tokens[STAFF], hub.tokens[ENTERPRISE]
    call = await hub.call(staff)
    app_id = await hub.submitted(firm, call["id"])
    await hub.review(staff, app_id)
    assert (await hub.decide(staff, app_id)).status_code == 200
    withdrawn = await hub.post(firm, f"/api/v1/applications/{app_id}/withdraw", {"reason": "x"})
    assert withdrawn.json()["status"] == "withdrawn"
    programme = await Programme.objects().where(Programme.id == call["id"]).first()
    assert programme is not None and programme.committed_vnd == 0


# -- pages ----------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def token_of(client: httpx.AsyncClient) -> str:
    from tests.helpers import csrf_token

    return await csrf_token(client, "/programmes")


async def test_call_pages_are_public(hub: Hub, client: httpx.AsyncClient) -> None:
    call = await hub.call(hub.tokens[STAFF])
    listing = await client.get("/programmes")
    assert listing.status_code == 200
    assert call["name"] in listing.text
    page = await client.get(f"/programmes/{call['id']}")
    assert page.status_code == 200
    assert "Hệ thống quản lý chất lượng ISO 9001" in page.text
    assert "50.000.000" in page.text and "1322/QĐ-TTg" in page.text
    assert f"/login?next=/programmes/{call['id']}/apply" in page.text
    assert (await client.get("/programmes/999999")).status_code == 404


async def test_application_form_shows_errors_then_submits(
    hub: Hub, client: httpx.AsyncClient
) -> None:
    call = await hub.call(hub.tokens[STAFF])
    await log_in(client, ENTERPRISE)
    form = await client.get(f"/programmes/{call['id']}/apply")
    assert form.status_code == 200
    assert f'value="{VALID_A}"' in form.text  # from the account
    bad = await post_form(
        client,
        f"/programmes/{call['id']}/apply",
        {
            "enterprise_name": "",
            "tax_code": "0100109107",
            "cost_iso_9001": "hai trăm triệu",
            "action": "save",
        },
        token_page="/programmes",
    )
    assert bad.status_code == 422
    assert 'id="f-tax_code" name="tax_code"' in bad.text
    assert 'aria-describedby="h-f-tax_code e-f-tax_code"' in bad.text
    assert 'id="e-f-enterprise_name"' in bad.text
    assert 'id="e-f-cost_iso_9001"' in bad.text
    good = await post_form(
        client,
        f"/programmes/{call['id']}/apply",
        {
            "enterprise_name": "Công ty TNHH Bánh tráng Trảng Bàng",
            "tax_code": VALID_A,
            "cost_iso_9001": "200.000.000",
            "cost_5s": "",
            "defect_rate_percent": "4,5",
            "action": "submit",
        },
        token_page="/programmes",
    )
    assert good.status_code == 303, good.text
    app_id = int(good.headers["location"].split("/")[2].split("?")[0])
    status = await client.get(good.headers["location"])
    assert status.status_code == 200
    assert "➤" in status.text  # the status told by an icon and words
    detail = (await hub.get(hub.tokens[ENTERPRISE], f"/api/v1/applications/{app_id}")).json()
    assert detail["status"] == "submitted"
    assert detail["defect_rate_percent"] == 4.5
    assert detail["max_support_vnd"] == 50_000_000


async def test_documents_are_pdf_and_private(
    hub: Hub, client: httpx.AsyncClient, other_client: httpx.AsyncClient, settings: Settings
) -> None:
    call = await hub.call(hub.tokens[STAFF])
    app_id = (await hub.apply(hub.tokens[ENTERPRISE], call["id"])).json()["id"]
    await log_in(client, ENTERPRISE)
    token = await token_of(client)
    path = f"/applications/{app_id}/documents"
    not_pdf = await client.post(
        path,
        data={"_csrf_token": token, "kind": "registration"},
        files={"document": ("giay-phep.pdf", b"GIF89a not a pdf", "application/pdf")},
    )
    assert not_pdf.status_code == 422
    assert 'id="e-doc-document"' in not_pdf.text and "PDF" in not_pdf.text
    unknown_kind = await client.post(
        path,
        data={"_csrf_token": token, "kind": "no-such-kind"},
        files={"document": ("giay-phep.pdf", PDF, "application/pdf")},
    )
    assert unknown_kind.status_code == 422
    # A good file whose record was refused is not left on disk.
    uploads = settings.var_dir / "uploads" / "programmes"
    assert not uploads.exists() or not any(uploads.iterdir())
    uploaded = await client.post(
        path,
        data={"_csrf_token": token, "kind": "registration"},
        files={"document": ("Giấy chứng nhận ĐKDN.pdf", PDF, "application/pdf")},
    )
    assert uploaded.status_code == 303, uploaded.text
    detail = (await hub.get(hub.tokens[ENTERPRISE], f"/api/v1/applications/{app_id}")).json()
    doc = detail["documents"][0]
    assert doc["kind"] == "registration" and doc["filename"] == "Giấy chứng nhận ĐKDN.pdf"
    download = await client.get(f"{path}/{doc['id']}")
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"].startswith("application/pdf")
    await make_user("enterprise", email="hung@muoitom.vn", tax_code=VALID_B)
    await log_in(other_client, "hung@muoitom.vn")
    assert (await other_client.get(f"{path}/{doc['id']}")).status_code == 404
    assert (await other_client.get(f"/applications/{app_id}")).status_code == 404


async def test_staff_page_decides_with_reasons(
    hub: Hub, client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    call = await hub.call(hub.tokens[STAFF])
    app_id = await hub.submitted(hub.tokens[ENTERPRISE], call["id"])
    await log_in(other_client, STAFF)
    page = await other_client.get(f"/staff/applications/{app_id}")
    assert page.status_code == 200
    for action in ("screening", "reviewers", "review", "decision"):
        assert f'action="/staff/applications/{app_id}/{action}"' in page.text
    queue = await other_client.get("/staff/programmes")
    assert f"/staff/applications/{app_id}" in queue.text
    token = await token_of(other_client)
    reviewed = await other_client.post(
        f"/staff/applications/{app_id}/review",
        data={
            "_csrf_token": token,
            "score_need": "4",
            "score_plan": "na",
            "score_consultant": "3",
            "score_commitment": "5",
            "score_impact": "4",
            "recommendation": "maybe",
            "comment": "Cần làm rõ chi phí.",
        },
    )
    assert reviewed.status_code == 303, reviewed.text
    too_much = await other_client.post(
        f"/staff/applications/{app_id}/decision",
        data={"_csrf_token": token, "outcome": "approved", "amount_vnd": "60.000.000"},
    )
    assert too_much.status_code == 422
    assert 'id="e-decision-amount_vnd"' in too_much.text and "55.000.000" in too_much.text
    approved = await other_client.post(
        f"/staff/applications/{app_id}/decision",
        data={"_csrf_token": token, "outcome": "approved", "amount_vnd": "55.000.000"},
    )
    assert approved.status_code == 303
    after = await other_client.get(approved.headers["location"])
    assert "✓" in after.text and "55.000.000" in after.text
    # The enterprise's own page shows the outcome, and the average stays with staff.
    await log_in(client, ENTERPRISE)
    own = await client.get(f"/applications/{app_id}")
    assert own.status_code == 200 and "55.000.000" in own.text
    assert "4.00" not in own.text


async def test_reviewer_pages_show_only_assigned(hub: Hub, client: httpx.AsyncClient) -> None:
    call = await hub.call(hub.tokens[STAFF])
    mine = await hub.submitted(hub.tokens[ENTERPRISE], call["id"])
    rival = await hub.account("enterprise", "hung@muoitom.vn", tax_code=VALID_B)
    other = await hub.submitted(rival, call["id"], tax_code=VALID_B)
    await make_user("startup", email="chuyengia@dhkt.edu.vn", name="TS. Võ Văn Kiệt")
    await hub.post(
        hub.tokens[STAFF],
        f"/api/v1/applications/{mine}/reviewers",
        {"email": "chuyengia@dhkt.edu.vn"},
    )
    await log_in(client, "chuyengia@dhkt.edu.vn")
    listing = await client.get("/reviews")
    assert f"/reviews/{mine}" in listing.text and f"/reviews/{other}" not in listing.text
    assert (await client.get(f"/reviews/{other}")).status_code == 404
    assert (await client.get(f"/staff/applications/{mine}")).status_code == 403
    page = await client.get(f"/reviews/{mine}")
    assert page.status_code == 200 and 'name="score_need"' in page.text
    saved = await post_form(
        client,
        f"/reviews/{mine}",
        {"score_need": "7", "recommendation": "yes"},
        token_page="/reviews",
    )
    assert saved.status_code == 422 and 'id="e-r-score_need"' in saved.text


async def test_staff_open_a_call_from_the_page(hub: Hub, client: httpx.AsyncClient) -> None:
    await log_in(client, STAFF)
    form = await client.get("/staff/programmes/new")
    assert form.status_code == 200 and 'name="use_iso_9001"' in form.text
    fields = {
        "name": "Hỗ trợ áp dụng công cụ cải tiến năm 2027",
        "budget_vnd": "1.500.000.000",
        "opens_on": "2027-03-01",
        "opens_time": "08:00",
        "closes_on": "2027-02-01",
        "closes_time": "17:00",
        "use_5s": "on",
        "share_5s": "50",
        "cap_5s": "20.000.000",
        "use_kaizen": "on",
        "share_kaizen": "150",
        "cap_kaizen": "20.000.000",
    }
    bad = await post_form(client, "/staff/programmes/new", fields, token_page="/programmes")
    assert bad.status_code == 422
    assert 'id="e-f-closes_on"' in bad.text and 'id="e-f-share_kaizen"' in bad.text
    fields.update(closes_on="2027-04-30", share_kaizen="50")
    good = await post_form(client, "/staff/programmes/new", fields, token_page="/programmes")
    assert good.status_code == 303, good.text
    call = (await client.get("/api/v1/programmes")).json()["items"][0]
    assert call["status"] == "upcoming"
    assert call["opens_at"] == "2027-03-01T08:00:00+07:00"
    assert [t["type"] for t in call["support_types"]] == ["5s", "kaizen"]
