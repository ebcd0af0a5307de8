"""Demo data: realistic Vietnamese accounts for every role. Running it twice changes nothing."""

from __future__ import annotations

from innovation_hub.accounts.services import NewAccount, create_account
from innovation_hub.accounts.tables import User

DEMO_PASSWORD = "demo-matkhau-2026"  # noqa: S105 (documented in the README for local use)

DEMO_ACCOUNTS = [
    NewAccount(
        email="admin@demo.hub.vn",
        password=DEMO_PASSWORD,
        name="Nguyễn Văn An",
        role="admin",
        organisation_name="Sở Khoa học và Công nghệ",
    ),
    NewAccount(
        email="ngoc.tran@demo.hub.vn",
        password=DEMO_PASSWORD,
        name="Trần Thị Bích Ngọc",
        role="staff",
        organisation_name="Trung tâm Khởi nghiệp và Đổi mới sáng tạo",
    ),
    NewAccount(
        email="phuc.le@demo.hub.vn",
        password=DEMO_PASSWORD,
        name="Lê Hoàng Phúc",
        role="staff",
        organisation_name="Trung tâm Khởi nghiệp và Đổi mới sáng tạo",
    ),
    NewAccount(
        email="khoa.pham@demo.hub.vn",
        password=DEMO_PASSWORD,
        name="Phạm Minh Khoa",
        role="student",
        school="Trường THPT chuyên Hoàng Lê Kha",
    ),
    NewAccount(
        email="ha.vo@demo.hub.vn",
        password=DEMO_PASSWORD,
        name="Võ Thị Thu Hà",
        role="student",
        school="Trường Đại học Kinh tế Công nghiệp Long An",
        locale="en",
    ),
    NewAccount(
        email="bao.dang@demo.hub.vn",
        password=DEMO_PASSWORD,
        name="Đặng Quốc Bảo",
        role="startup",
        organisation_name="Nông Nghiệp Số Tây Ninh (AgriTN)",
        phone="0903 123 456",
    ),
    NewAccount(
        email="linh.huynh@demo.hub.vn",
        password=DEMO_PASSWORD,
        name="Huỳnh Mỹ Linh",
        role="startup",
        organisation_name="Mãng Cầu Xanh",
    ),
    NewAccount(
        email="tam.nguyen@demo.hub.vn",
        password=DEMO_PASSWORD,
        name="Nguyễn Thanh Tâm",
        role="enterprise",
        organisation_name="Công ty Cổ phần Bánh tráng Trảng Bàng",
        tax_code="3901234577",
        phone="0276 3822 111",
    ),
    NewAccount(
        email="hung.tran@demo.hub.vn",
        password=DEMO_PASSWORD,
        name="Trần Văn Hùng",
        role="enterprise",
        organisation_name="Hợp tác xã Muối tôm Gò Dầu",
        tax_code="3902345671",
    ),
]


async def load_demo() -> list[str]:
    """Creates the demo accounts that are missing; returns the emails it created."""
    created = []
    for account in DEMO_ACCOUNTS:
        if await User.exists().where(User.email == account.email).run():
            continue
        await create_account(account, actor_id=None)
        created.append(account.email)
    return created
