"""Demo trademark cases at every stage, for the demo organisations. Running it twice changes
nothing: a case whose mark already exists is skipped."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from innovation_hub.accounts.tables import User
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.errors import HubError
from innovation_hub.core.settings import get_settings
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import Resource
from innovation_hub.trademarks import services
from innovation_hub.trademarks.tables import TrademarkCase
from innovation_hub.trademarks.workflow import EventInput

STAFF_EMAIL = "ngoc.tran@demo.hub.vn"
OTHER_STAFF_EMAIL = "phuc.le@demo.hub.vn"


def sample_png(
    width: int = 240, height: int = 120, hue: tuple[int, int, int] = (22, 101, 52)
) -> bytes:
    """A small PNG (a disc on a cream ground with a band) to stand in for a logo."""
    cream = (253, 246, 227)
    rows = []
    cx, cy, r = height // 2, height // 2, height // 2 - 10
    for y in range(height):
        row = bytearray([0])  # filter: none
        for x in range(width):
            inside = (x - cx) ** 2 + (y - cy) ** 2 <= r * r
            band = height // 2 - 8 <= y <= height // 2 + 8 and x > cx + r + 8
            row += bytes(hue if inside or band else cream)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


@dataclass
class DemoCase:
    owner_email: str | None
    new: services.NewCase
    events: list[EventInput] = field(default_factory=list)
    ready: tuple[str, ...] = ()
    draft: tuple[str, ...] = ()
    image: tuple[int, int, int] | None = None
    consultation_in_days: int | None = None
    staff_email: str = STAFF_EMAIL


def _ev(kind: str, day: date, **fields: str) -> EventInput:
    return EventInput(type=kind, date=day, **fields)  # type: ignore[arg-type]


def _to_publication(number: str, filed: date, accepted: date, published: date) -> list[EventInput]:
    """Filed, accepted as valid and published: the usual first months at the IP Office."""
    return [
        _ev("filed", filed, application_number=number),
        _ev("formality_accepted", accepted),
        _ev("published", published),
    ]


# The documents of a dossier ready to file.
FULL_DOSSIER = ("declaration", "mark_samples", "goods_services", "fee_receipts")


def demo_cases() -> list[DemoCase]:
    return [
        DemoCase(
            owner_email="tam.nguyen@demo.hub.vn",
            new=services.NewCase(
                mark_name="Bánh tráng Cô Tư Trảng Bàng",
                mark_type="combined",
                classes=[
                    services.ClassEntry(
                        30,
                        [
                            "Bánh tráng phơi sương",
                            "Bánh tráng nướng",
                            "Bánh tráng trộn",
                            "Bánh tráng cuốn",
                            "Muối tôm",
                            "Muối ớt",
                            "Bánh canh",
                            "Bánh tráng me",
                        ],
                    ),
                    services.ClassEntry(35, ["Bán lẻ bánh tráng", "Bán hàng trực tuyến"]),
                ],
                organisation_name="Công ty Cổ phần Bánh tráng Trảng Bàng",
                organisation_kind="enterprise",
                mark_description="Chữ “Cô Tư” màu xanh lá trên nền kem, hình nón lá cách điệu.",
                notes="Muốn bảo hộ trước khi đưa sản phẩm vào chuỗi siêu thị.",
            ),
            events=[
                _ev("stage", date(2026, 5, 20), stage="classification"),
                _ev("stage", date(2026, 6, 1), stage="dossier"),
                *_to_publication(
                    "4-2026-21587", date(2026, 6, 15), date(2026, 7, 10), date(2026, 8, 20)
                ),
                # Answer due 5 December 2026, a Saturday: the deadline is Monday the 7th.
                _ev(
                    "opposition",
                    date(2026, 10, 5),
                    opponent="Cơ sở Bánh tráng Cô Tư Hai (Hòa Thành)",
                    note="Bên phản đối cho rằng tên “Cô Tư” đã được họ sử dụng từ năm 2015.",
                ),
            ],
            ready=FULL_DOSSIER,
            image=(22, 101, 52),
        ),
        DemoCase(
            owner_email="bao.dang@demo.hub.vn",
            new=services.NewCase(
                mark_name="AgriTN",
                mark_type="word",
                classes=[
                    services.ClassEntry(
                        9,
                        [
                            "Phần mềm ứng dụng nông nghiệp",
                            "Cảm biến độ mặn",
                            "Cảm biến độ ẩm đất",
                            "Trạm quan trắc thời tiết",
                            "Ứng dụng điện thoại di động",
                            "Bộ ghi dữ liệu",
                            "Thiết bị đo pH",
                            "Phần mềm quản lý trang trại",
                        ],
                    ),
                    services.ClassEntry(42, ["Cung cấp phần mềm dạng dịch vụ (SaaS)"]),
                ],
                organisation_name="Nông Nghiệp Số Tây Ninh (AgriTN)",
                organisation_kind="startup",
            ),
            events=[
                *_to_publication(
                    "4-2026-08431", date(2026, 3, 2), date(2026, 3, 30), date(2026, 5, 12)
                ),
                _ev(
                    "office_action",
                    date(2026, 11, 10),
                    note=(
                        "Cục SHTT cho rằng “AgriTN” tương tự nhãn hiệu “AGRITEN” "
                        "đã đăng ký cho nhóm 9."
                    ),
                ),
            ],
            ready=FULL_DOSSIER,
        ),
        DemoCase(
            owner_email="hung.tran@demo.hub.vn",
            new=services.NewCase(
                mark_name="Muối tôm Gò Dầu",
                mark_type="collective",
                classes=[services.ClassEntry(30, ["Muối tôm", "Muối ớt", "Muối sả"])],
                organisation_name="Hợp tác xã Muối tôm Gò Dầu",
                organisation_kind="cooperative",
                notes="Nhãn hiệu tập thể cho 24 hộ thành viên.",
                geographical_name=True,  # Gò Dầu: the province's permission is needed
            ),
            events=[_ev("stage", date(2026, 11, 2), stage="dossier")],
            draft=("declaration", "usage_regulation"),
            consultation_in_days=3,
            staff_email=OTHER_STAFF_EMAIL,
            image=(180, 83, 9),
        ),
        DemoCase(
            owner_email="linh.huynh@demo.hub.vn",
            new=services.NewCase(
                mark_name="Mãng Cầu Xanh",
                mark_type="combined",
                classes=[
                    services.ClassEntry(29, ["Mãng cầu sấy dẻo", "Mứt mãng cầu"]),
                    services.ClassEntry(31, ["Mãng cầu tươi"]),
                ],
                organisation_name="Mãng Cầu Xanh",
                organisation_kind="startup",
            ),
            events=[
                *_to_publication(
                    "4-2024-05102", date(2024, 2, 29), date(2024, 3, 28), date(2024, 5, 10)
                ),
                _ev("substantive_result", date(2025, 6, 20), result="favourable"),
                _ev("granted", date(2025, 9, 15), certificate_number="4-0561234-000"),
            ],
            ready=FULL_DOSSIER,
            image=(21, 94, 117),
        ),
        DemoCase(
            owner_email=None,
            new=services.NewCase(
                mark_name="Nước mắm Bà Sáu",
                mark_type="combined",
                classes=[services.ClassEntry(30, ["Nước mắm"])],
                organisation_name="Hộ kinh doanh Nguyễn Thị Sáu",
                organisation_kind="household_business",
                notes="Hộ kinh doanh chưa có tài khoản; liên hệ qua điện thoại 0909 000 111.",
            ),
        ),
    ]


def _next_open_day(start: date) -> date:
    day = start
    while day.weekday() >= 5 or spaces.holiday_name(day) is not None:
        day += timedelta(days=1)
    return day


async def _book_somewhere(
    staff: User, case_id: int, adviser: User, day: date, rooms: list[Resource]
) -> None:
    """The first free hour in any meeting room that day; the demo goes on without one."""
    for hour in (14, 15, 9, 10, 16):
        for room in rooms:
            try:
                await services.book_consultation(
                    staff,
                    case_id,
                    resource_id=room.id,
                    start=datetime.combine(day, time(hour, 0), LOCAL_TZ),
                    end=datetime.combine(day, time(hour + 1, 0), LOCAL_TZ),
                    staff_id=adviser.id,
                    topic="Soạn quy chế sử dụng nhãn hiệu tập thể",
                )
            except HubError:
                continue
            return


async def load_trademarks_demo() -> int:
    """Creates the demo cases that are missing; returns how many it created."""
    users = {u.email: u for u in await User.objects().run()}
    staff = users.get(STAFF_EMAIL) or next(
        (u for u in users.values() if u.role in ("staff", "admin")), None
    )
    if staff is None:
        return 0
    var_dir = get_settings().var_dir
    rooms = {r.name: r for r in await spaces.list_resources(kind="meeting_room")}
    made = 0
    for demo in demo_cases():
        exists = (
            await TrademarkCase.exists().where(TrademarkCase.mark_name == demo.new.mark_name).run()
        )
        if exists:
            continue
        owner = users.get(demo.owner_email) if demo.owner_email else None
        if demo.owner_email and owner is None:
            continue
        actor = owner or staff
        image = (
            services.Upload(sample_png(hue=demo.image), "mau-nhan-hieu.png") if demo.image else None
        )
        case = await services.create_case(actor, demo.new, image=image, var_dir=var_dir)
        adviser = users.get(demo.staff_email, staff)
        await services.assign(staff, case.id, adviser.id)
        for event in demo.events:
            await services.record_event(staff, case.id, event)
        for code in demo.ready:
            await services.set_checklist_state(staff, case.id, code, "ready")
        for code in demo.draft:
            await services.set_checklist_state(actor, case.id, code, "draft")
        if demo.consultation_in_days is not None and rooms:
            today = datetime.now(LOCAL_TZ).date()
            day = _next_open_day(today + timedelta(days=demo.consultation_in_days))
            await _book_somewhere(staff, case.id, adviser, day, list(rooms.values()))
        made += 1
    return made
