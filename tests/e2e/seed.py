"""What the browser journeys need on top of `innovation-hub demo`, made through the services.

Run as `python -m tests.e2e.seed` with the e2e server's HUB_* environment (conftest does it):
- a study corner open every day of the week, 00:00–23:59, with two desks on a 5-minute step, so
  a journey can book a desk that starts within minutes and check in, whatever the hour it runs
  (the second desk is the QR check-in journey's, so the two journeys never meet);
- an enterprise with no application yet, to apply to the support programme's open call;
- a reading room open every day with a floor plan and three desks not yet placed on it, for
  staff to place by dragging.
"""

from __future__ import annotations

import asyncio
from datetime import time

from innovation_hub.accounts.services import NewAccount, create_account
from innovation_hub.core.settings import get_settings
from innovation_hub.spaces.services import create_resource, set_plan
from innovation_hub.spaces.tables import Location, OpeningHours

STUDY_DESK = "Bàn tự học 24/7"
QR_DESK = "Bàn tự học 24/7 số 2"
CORNER = "Góc tự học 24/7"
ENTERPRISE_EMAIL = "lan.do@cokhihoathanh.vn"
ENTERPRISE_PASSWORD = "e2e-matkhau-2026"
ENTERPRISE_NAME = "Công ty TNHH Cơ khí Hòa Thành"
ENTERPRISE_TAX_CODE = "0300588569"
READING_ROOM = "Phòng đọc tầng 2"
READING_DESKS = {  # name: amenities
    "Bàn đọc 01": ["monitor", "power"],
    "Bàn đọc 02": ["quiet"],
    "Bàn đọc 03": ["monitor", "window"],
}
READING_PLAN = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 400">
<rect x="10" y="10" width="780" height="380" fill="#f8fafc" stroke="#1e293b" stroke-width="8"/>
<line x1="100" y1="10" x2="500" y2="10" stroke="#38bdf8" stroke-width="8"/>
<rect x="560" y="10" width="230" height="380" fill="#f0f9ff" stroke="#475569" stroke-width="3"/>
<text x="30" y="50" font-size="22" font-family="sans-serif">Phòng đọc tầng 2</text>
<text x="580" y="50" font-size="18" font-family="sans-serif">Khu yên tĩnh</text>
</svg>"""


async def reading_room() -> None:
    room = Location(name=READING_ROOM, address="Tầng 2, 102 Cách Mạng Tháng Tám, Tây Ninh")
    await room.save()
    await OpeningHours.insert(
        *[
            OpeningHours(location=room.id, weekday=day, opens=time(0, 0), closes=time(23, 59))
            for day in range(7)
        ]
    ).run()
    for name, amenities in READING_DESKS.items():
        await create_resource(
            {"name": name, "kind": "desk", "capacity": 1, "location_id": room.id,
             "amenities": amenities, "free_weekly_hours": {"student": 20}},
            actor_id=None,
        )  # fmt: skip
    await set_plan(room.id, READING_PLAN.encode(), var_dir=get_settings().var_dir, actor_id=None)


async def seed() -> None:
    corner = Location(
        name=CORNER, address="Tầng 1, số 12 Hùng Vương, Phường Long An, tỉnh Tây Ninh"
    )
    await corner.save()
    await OpeningHours.insert(
        *[
            OpeningHours(location=corner.id, weekday=day, opens=time(0, 0), closes=time(23, 59))
            for day in range(7)
        ]
    ).run()
    for name in (STUDY_DESK, QR_DESK):
        await create_resource(
            {
                "name": name,
                "kind": "desk",
                "capacity": 1,
                "location_id": corner.id,
                "slot_minutes": 5,
                "min_minutes": 5,
                "max_minutes": 240,
                "free_weekly_hours": {"student": 20},
                "amenities": ["power"],
            },
            actor_id=None,
        )
    await create_account(
        NewAccount(
            email=ENTERPRISE_EMAIL,
            password=ENTERPRISE_PASSWORD,
            name="Đỗ Thị Lan",
            role="enterprise",
            organisation_name=ENTERPRISE_NAME,
            tax_code=ENTERPRISE_TAX_CODE,
            phone="0276 3855 222",
            locale="en",
        ),
        actor_id=None,
    )
    await reading_room()


if __name__ == "__main__":
    asyncio.run(seed())
