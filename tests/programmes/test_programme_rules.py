"""The programme's rules of issue 20: a decision is the Department's or the Provincial People's
Committee's, recorded with its number and date and named in the letter; a call's yearly limit
per enterprise holds under racing approvals; the support share follows the enterprise's size;
the catalogue has the support contents the Department funds."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

import httpx
import pytest

from innovation_hub.accounts.services import issue_api_token
from innovation_hub.accounts.tables import User
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.errors import FormInvalid, RuleBroken
from innovation_hub.core.mail import OutboxMessage
from innovation_hub.programmes import services
from innovation_hub.programmes.catalogue import SUPPORT_TYPES
from innovation_hub.programmes.tables import Application, Programme, Review
from tests.helpers import bearer, make_user

pytestmark = pytest.mark.usefixtures("pooled_connections")

ROUNDS = 3
RACERS = 20
TAX_CODE = "0100109106"
ISSUER = {"authority": "department", "number": "512/QĐ-SKHCN", "decided_on": date(2026, 10, 15)}


def approval(amount: int | None = None, **changes: object) -> services.Decision:
    return services.Decision("approved", amount, **{**ISSUER, **changes})  # type: ignore[arg-type]


async def a_call(staff: User, year: int = 2026, **rules: object) -> Programme:
    now = datetime.now(LOCAL_TZ)
    new = services.NewProgramme(
        name=f"Hỗ trợ năng suất chất lượng năm {year}",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
        budget_vnd=10_000_000_000,
        year=year,
        support_types=[
            services.SupportTerm("iso_9001", 50, 50_000_000),
            services.SupportTerm("iso_50001", 50, 60_000_000),
        ],
        finance_basis="Thông tư hướng dẫn quản lý kinh phí Chương trình (Bộ Tài chính)",
        **rules,  # type: ignore[arg-type]
    )
    return await services.create_programme(staff, new)


async def ready_applications(
    programme: Programme, reviewer: User, count: int, *, tax_code: str = TAX_CODE, **fields: object
) -> list[int]:
    """Applications waiting for a decision, each with a review: what the race needs, without
    the hundred requests that would bring them there."""
    ids = []
    for n in range(count):
        rows = await Application.insert(
            Application(
                programme=programme.id,
                status="ready_for_decision",
                enterprise_name="Công ty TNHH Bánh tráng Trảng Bàng",
                # The enterprise's head office and its branches: one enterprise.
                tax_code=tax_code if n % 2 == 0 else f"{tax_code}-{n:03d}",
                support_items=[{"type": "iso_9001", "cost_vnd": 60_000_000}],
                **fields,
            )
        ).returning(Application.id)
        ids.append(rows[0]["id"])
        await Review.insert(
            Review(application=rows[0]["id"], reviewer=reviewer.id, recommendation="yes")
        )
    return ids


async def test_an_approval_needs_the_issuer_number_and_date_and_the_letter_names_them() -> None:
    staff = await make_user("staff", email="ngoc@hub.vn")
    owner = await make_user("enterprise", email="tam@banhtrang.vn")
    call = await a_call(staff)
    [app_id] = await ready_applications(call, staff, 1, applicant=owner.id)

    with pytest.raises(FormInvalid) as refused:
        await services.decide(staff, app_id, services.Decision("approved"))
    assert set(refused.value.field_errors) == {"authority", "number", "decided_on"}
    with pytest.raises(FormInvalid) as wrong:
        await services.decide(staff, app_id, approval(authority="centre"))
    assert "authority" in wrong.value.field_errors
    still = await Application.objects().where(Application.id == app_id).first()
    assert still is not None and still.status == "ready_for_decision"
    assert still.decision_number == "" and still.approved_vnd is None

    decided = await services.decide(staff, app_id, approval())
    assert decided.status == "approved"
    stored = await Application.objects().where(Application.id == app_id).first()
    assert stored is not None
    assert (stored.decision_authority, stored.decision_number, stored.decision_date) == (
        "department",
        "512/QĐ-SKHCN",
        date(2026, 10, 15),
    )
    [letter] = await OutboxMessage.objects().where(OutboxMessage.to_address == owner.email)
    body = letter.body_text
    assert "Sở Khoa học và Công nghệ tỉnh Tây Ninh trân trọng thông báo đã phê duyệt" in body, body
    assert (
        "Quyết định số 512/QĐ-SKHCN ngày 15/10/2026 của Sở Khoa học và Công nghệ tỉnh Tây Ninh"
        in body
    )
    assert "Trung tâm" not in body.split("-- \n")[0]  # the centre only signs the footer

    # A rejection may name its decision too; the People's Committee can issue it.
    [other] = await ready_applications(call, staff, 1, tax_code="0300588569", applicant=owner.id)
    await services.decide(
        staff,
        other,
        services.Decision(
            "rejected",
            authority="people_committee",
            number="88/QĐ-UBND",
            decided_on=date(2026, 11, 2),
        ),
    )
    letters = await OutboxMessage.objects().where(OutboxMessage.to_address == owner.email)
    rejected = next(m for m in letters if "88/QĐ-UBND" in m.body_text)
    assert "Ủy ban nhân dân tỉnh Tây Ninh" in rejected.body_text


async def test_the_yearly_limit_of_approvals_holds_under_racing_decisions() -> None:
    staff = await make_user("staff", email="ngoc@hub.vn")
    others = [await make_user("staff", email=f"nv{n}@hub.vn") for n in range(3)]
    deciders = [staff, *others]
    for round_ in range(ROUNDS):
        # A year of its own each round: at most two approved applications per enterprise.
        call = await a_call(staff, year=2030 + round_, max_approvals_per_enterprise=2)
        ids = await ready_applications(call, staff, RACERS)

        async def decide(n: int, app_id: int) -> str:
            try:
                await services.decide(deciders[n % len(deciders)], app_id, approval(10_000_000))
            except RuleBroken as refusal:
                return refusal.code
            return "approved"

        results = await asyncio.gather(*(decide(n, i) for n, i in enumerate(ids)))
        assert sorted(results) == ["approved"] * 2 + ["yearly_limit_reached"] * (RACERS - 2), (
            f"round {round_}: {results}"
        )
        approved = await Application.count().where(
            (Application.programme == call.id) & (Application.status == "approved")
        )
        assert approved == 2, f"round {round_}"
        fresh = await services.get_programme(call.id)
        assert fresh.committed_vnd == 20_000_000, f"round {round_}"


async def test_the_yearly_limit_of_support_holds_under_racing_decisions() -> None:
    staff = await make_user("staff", email="ngoc@hub.vn")
    for round_ in range(ROUNDS):
        # 25M a year for the enterprise: two approvals of 10M, not a third.
        call = await a_call(staff, year=2040 + round_, max_support_per_enterprise_vnd=25_000_000)
        ids = await ready_applications(call, staff, RACERS)

        async def decide(app_id: int) -> str:
            try:
                await services.decide(staff, app_id, approval(10_000_000))
            except RuleBroken as refusal:
                return refusal.code
            return "approved"

        results = await asyncio.gather(*(decide(i) for i in ids))
        assert sorted(results) == ["approved"] * 2 + ["yearly_limit_reached"] * (RACERS - 2)
        rows = await Application.select(Application.approved_vnd).where(
            (Application.programme == call.id) & (Application.status == "approved")
        )
        assert sum(r["approved_vnd"] for r in rows) == 20_000_000 <= 25_000_000


async def test_the_limit_counts_the_year_across_calls_and_only_support_that_stands() -> None:
    staff = await make_user("staff", email="ngoc@hub.vn")
    first = await a_call(staff, max_approvals_per_enterprise=1)
    second = await a_call(staff, max_approvals_per_enterprise=1)
    [a] = await ready_applications(first, staff, 1)
    [b] = await ready_applications(second, staff, 1)
    await services.decide(staff, a, approval(10_000_000))
    with pytest.raises(RuleBroken) as refused:
        await services.decide(staff, b, approval(10_000_000))
    assert refused.value.code == "yearly_limit_reached"
    assert "2026" in refused.value.detail and "1" in refused.value.detail
    # The first one ends early (its support no longer stands): the second may be approved.
    await services.close(staff, a, "Doanh nghiệp tạm ngừng hoạt động.")
    assert (await services.decide(staff, b, approval(10_000_000))).status == "approved"


async def test_the_support_share_follows_the_size_the_applicant_states() -> None:
    staff = await make_user("staff", email="ngoc@hub.vn")
    call = await a_call(staff, size_shares={"micro": 70, "small": 50, "medium": 30})
    items = [
        {"type": "iso_9001", "cost_vnd": 60_000_000},
        {"type": "iso_50001", "cost_vnd": 100_000_000},
    ]
    # micro: 70% of 60M = 42M (cap 50M) + 70% of 100M = 70M, capped at 60M → 102M.
    micro = services.support_limits(call, items, "micro")
    assert [line.cost_share_percent for line in micro.items] == [70, 70]
    assert (micro.share_total_vnd, micro.max_support_vnd) == (112_000_000, 102_000_000)
    # medium: 30% → 18M + 30M = 48M, under both caps.
    medium = services.support_limits(call, items, "medium")
    assert (medium.share_total_vnd, medium.max_support_vnd) == (48_000_000, 48_000_000)
    # No size stated (or large): each item's own 50% → 30M + 50M.
    assert services.support_limits(call, items, "").max_support_vnd == 80_000_000

    [app_id] = await ready_applications(call, staff, 1, size_class="medium")
    decided = await services.decide(staff, app_id, approval())  # no amount: the most allowed
    assert decided.approved_vnd == 18_000_000  # 30% of 60M, the medium share
    with pytest.raises(RuleBroken):
        await a_call(staff, size_shares={"large": 20})

    # The applicant states the size: without it the application cannot be submitted.
    owner = await make_user("enterprise", email="tam@banhtrang.vn")
    draft = await services.create_application(
        owner,
        call.id,
        {
            "enterprise_name": "Công ty TNHH Bánh tráng Trảng Bàng",
            "tax_code": "0300588569",
            "support_items": [{"type": "iso_9001", "cost_vnd": 60_000_000}],
        },
    )
    with pytest.raises(FormInvalid) as unsized:
        await services.submit_application(owner, draft.id)
    assert "size_class" in unsized.value.field_errors


def test_the_catalogue_has_the_support_contents_the_department_funds() -> None:
    for code, words in (
        ("conformity_certification", "Chứng nhận hợp chuẩn, hợp quy"),
        ("iso_50001", "ISO 50001"),
        ("iso_iec_17025", "ISO/IEC 17025"),
    ):
        assert words in SUPPORT_TYPES[code].label_vi


async def test_the_api_takes_and_gives_the_call_rules(client: httpx.AsyncClient) -> None:
    staff = await make_user("staff", email="ngoc@hub.vn")
    token, _expires = await issue_api_token(staff, days=1)
    now = datetime.now(LOCAL_TZ)
    body = {
        "name": "Hỗ trợ năng suất chất lượng năm 2026",
        "opens_at": (now - timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(days=30)).isoformat(),
        "budget_vnd": 1_000_000_000,
        "support_types": [{"type": "iso_17025", "cost_share_percent": 50, "cap_vnd": 1}],
        "size_shares": {"micro": 70, "small": 50},
        "max_approvals_per_enterprise": 1,
        "finance_basis": "Thông tư của Bộ Tài chính về kinh phí Chương trình",
    }
    unknown = await client.post("/api/v1/programmes", json=body, headers=bearer(token))
    assert unknown.status_code == 422 and unknown.json()["code"] == "invalid_support_type"
    body["support_types"] = [
        {"type": "iso_iec_17025", "cost_share_percent": 50, "cap_vnd": 80_000_000}
    ]
    zero = await client.post(
        "/api/v1/programmes", json={**body, "size_shares": {"medium": 0}}, headers=bearer(token)
    )
    assert zero.status_code == 422, zero.text
    made = await client.post("/api/v1/programmes", json=body, headers=bearer(token))
    assert made.status_code == 201, made.text
    call = made.json()
    assert call["size_shares"] == {"micro": 70, "small": 50}
    assert call["max_approvals_per_enterprise"] == 1
    assert call["finance_basis"].startswith("Thông tư")
    changed = await client.patch(
        f"/api/v1/programmes/{call['id']}",
        json={"size_shares": {"medium": 30}, "max_support_per_enterprise_vnd": 90_000_000},
        headers=bearer(token),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["size_shares"] == {"medium": 30}
    assert changed.json()["max_support_per_enterprise_vnd"] == 90_000_000
