"""Demo data of the support programme: a past call with an accepted project, an open call with
applications at several steps. Made through the services, so the timeline, the audit log and the
letters are real. Running it twice changes nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.core.clock import utcnow
from innovation_hub.programmes import services
from innovation_hub.programmes.tables import Application, Programme

CURRENT_CALL = "Hỗ trợ doanh nghiệp nâng cao năng suất và chất lượng năm 2026"
PAST_CALL = "Hỗ trợ doanh nghiệp nâng cao năng suất và chất lượng năm 2025"

TERMS = [
    services.SupportTerm("iso_9001", 50, 50_000_000),
    services.SupportTerm("iso_22000", 50, 60_000_000),
    services.SupportTerm("haccp", 50, 50_000_000),
    services.SupportTerm("vietgap", 70, 40_000_000),
    services.SupportTerm("5s", 50, 20_000_000),
    services.SupportTerm("kaizen", 50, 20_000_000),
    services.SupportTerm("lean", 50, 40_000_000),
    services.SupportTerm("barcode", 50, 5_000_000),
    services.SupportTerm("traceability", 50, 30_000_000),
]
ELIGIBILITY = (
    "Doanh nghiệp nhỏ và vừa, hợp tác xã có trụ sở và cơ sở sản xuất trên địa bàn tỉnh, hoạt "
    "động từ 1 năm trở lên, không nợ thuế; mỗi doanh nghiệp được hỗ trợ tối đa 3 nội dung "
    "trong một năm."
)


async def _user(email: str) -> User | None:
    return await User.objects().where(User.email == email).first()


async def _call(admin: User, name: str, opens_at: datetime, days: int, **more: Any) -> Programme:
    """A call open from ``opens_at`` for ``days`` days, with the demo's support terms."""
    return await services.create_programme(
        admin,
        services.NewProgramme(
            name=name,
            opens_at=opens_at,
            closes_at=opens_at + timedelta(days=days),
            support_types=TERMS,
            eligibility=ELIGIBILITY,
            **more,
        ),
    )


async def _apply(user: User, programme: Programme, **fields: Any) -> Application:
    """An application with the enterprise's name and tax code from its account."""
    return await services.create_application(
        user,
        programme.id,
        {"enterprise_name": user.organisation_name, "tax_code": user.tax_code, **fields},
    )


async def load_programmes_demo() -> int:
    """Creates the demo calls and applications; returns how many records it created (0 when
    they exist already or the demo accounts are missing)."""
    if await Programme.exists().where(Programme.name.is_in([CURRENT_CALL, PAST_CALL])):
        return 0
    admin = await _user("admin@demo.hub.vn")
    ngoc = await _user("ngoc.tran@demo.hub.vn")
    phuc = await _user("phuc.le@demo.hub.vn")
    tam = await _user("tam.nguyen@demo.hub.vn")
    hung = await _user("hung.tran@demo.hub.vn")
    cuc = await _user("cuc.le@demo.hub.vn")
    if not (admin and ngoc and phuc and tam and hung and cuc):
        return 0
    now = utcnow()

    # Last year's call: opened now so the services accept the steps, then moved to 2025.
    past = await _call(
        admin,
        PAST_CALL,
        now - timedelta(days=1),
        2,
        budget_vnd=2_000_000_000,
        year=2025,
        provincial_decision="Kế hoạch hỗ trợ năm 2025 của Ủy ban nhân dân tỉnh (demo)",
    )
    done = await _apply(
        tam,
        past,
        size_class="small",
        sector="industry_construction",
        main_products="Bánh tráng phơi sương, bánh tráng dẻo",
        address="Khu phố Lộc An, Phường Trảng Bàng, tỉnh Tây Ninh",
        contact_name=tam.name,
        contact_phone=tam.phone,
        employees=48,
        consultant_name="Viện Năng suất Việt Nam",
        output_per_worker_vnd=165_000_000,
        defect_rate_percent=6.5,
        certificates_held="Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
        plan="Áp dụng HACCP cho dây chuyền bánh tráng phơi sương và 5S toàn nhà xưởng.",
        support_items=[
            {"type": "haccp", "cost_vnd": 90_000_000},
            {"type": "5s", "cost_vnd": 30_000_000},
        ],
    )
    await services.submit_application(tam, done.id)
    await services.screen(ngoc, done.id, "eligible")
    await services.submit_review(
        ngoc,
        done.id,
        scores={"need": 5, "plan": 4, "consultant": 4, "commitment": 5, "impact": 4},
        recommendation="yes",
        comment="Nhu cầu rõ, đơn vị tư vấn có năng lực.",
    )
    await services.decide(
        ngoc, done.id, services.Decision("approved", note="Chúc mừng doanh nghiệp.")
    )
    await services.add_milestone(
        ngoc, done.id, title="Được cấp chứng nhận HACCP", due_on=date(2025, 11, 30)
    )
    milestones = await services.milestones_of(done.id)
    await services.report_milestone(
        tam, done.id, milestones[0].id, "Đã được cấp giấy chứng nhận HACCP ngày 20/11/2025."
    )
    await services.confirm_milestone(ngoc, done.id, milestones[0].id)
    await services.report_indicators(
        tam,
        done.id,
        services.Indicators(
            output_per_worker_after_vnd=192_000_000,
            defect_rate_after_percent=3.2,
            certificates_obtained="HACCP",
        ),
    )
    await services.accept(ngoc, done.id, settled_vnd=60_000_000, note="Nghiệm thu đạt.")
    await Programme.update(
        {
            Programme.opens_at: now.replace(year=2025, month=3, day=1, hour=1, minute=0),
            Programme.closes_at: now.replace(year=2025, month=5, day=31, hour=10, minute=0),
        }
    ).where(Programme.id == past.id)

    current = await _call(
        admin,
        CURRENT_CALL,
        now - timedelta(days=20),
        60,
        budget_vnd=3_000_000_000,
        year=now.year,
        provincial_decision="Kế hoạch hỗ trợ năm 2026 của Ủy ban nhân dân tỉnh (demo)",
        description=(
            "Hỗ trợ chi phí tư vấn, đào tạo, đánh giá chứng nhận để doanh nghiệp áp dụng hệ "
            "thống quản lý, công cụ cải tiến năng suất, mã số mã vạch và truy xuất nguồn gốc."
        ),
    )
    reviewing = await _apply(
        hung,
        current,
        size_class="micro",
        sector="agriculture",
        main_products="Muối tôm, muối ớt",
        address="Ấp Rạch Sơn, Xã Gò Dầu, tỉnh Tây Ninh",
        contact_name=hung.name,
        employees=12,
        consultant_name="Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng",
        output_per_worker_vnd=96_000_000,
        defect_rate_percent=4.0,
        plan="Áp dụng ISO 22000 và truy xuất nguồn gốc bằng mã QR cho sản phẩm muối tôm.",
        support_items=[
            {"type": "iso_22000", "cost_vnd": 110_000_000},
            {"type": "traceability", "cost_vnd": 40_000_000},
        ],
    )
    await services.submit_application(hung, reviewing.id)
    await services.screen(ngoc, reviewing.id, "eligible", "Hồ sơ đủ điều kiện.")
    await services.assign_reviewer(ngoc, reviewing.id, reviewer_id=phuc.id)
    # Sent this morning: waits for staff to screen it (the staff queue shows it).
    waiting = await _apply(
        tam,
        current,
        contact_name=tam.name,
        main_products="Bánh tráng phơi sương, bánh tráng muối ớt",
        plan="Áp dụng Lean cho dây chuyền tráng và đóng gói, giảm hao hụt bột gạo.",
        support_items=[{"type": "lean", "cost_vnd": 80_000_000}],
    )
    await services.submit_application(tam, waiting.id)
    # A household business applies with its 12-digit personal identification number.
    household = await _apply(
        cuc,
        current,
        size_class="micro",
        sector="industry_construction",
        main_products="Bánh tráng phơi sương",
        address="Ấp Lộc Trung, Phường Trảng Bàng, tỉnh Tây Ninh",
        contact_name=cuc.name,
        contact_phone=cuc.phone,
        employees=6,
        plan="Áp dụng 5S cho khu tráng và phơi bánh; in mã QR truy xuất nguồn gốc trên bao bì.",
        support_items=[
            {"type": "5s", "cost_vnd": 25_000_000},
            {"type": "traceability", "cost_vnd": 20_000_000},
        ],
    )
    await services.submit_application(cuc, household.id)
    return 6  # two calls, four applications
