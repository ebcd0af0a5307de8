"""What the browser journeys need on top of `innovation-hub demo`, made through the services.

Run as `python -m tests.e2e.seed` with the e2e server's HUB_* environment (conftest does it):
- a study corner open every day of the week, 00:00–23:59, with two desks on a 5-minute step, so
  a journey can book a desk that starts within minutes and check in, whatever the hour it runs
  (the second desk is the QR check-in journey's, so the two journeys never meet);
- an enterprise with no application yet, to apply to the support programme's open call.
"""

from __future__ import annotations

import asyncio
from datetime import time

from innovation_hub.accounts.services import NewAccount, create_account
from innovation_hub.spaces.services import create_resource
from innovation_hub.spaces.tables import Location, OpeningHours

STUDY_DESK = "Bàn tự học 24/7"
QR_DESK = "Bàn tự học 24/7 số 2"
CORNER = "Góc tự học 24/7"
ENTERPRISE_EMAIL = "lan.do@cokhihoathanh.vn"
ENTERPRISE_PASSWORD = "e2e-matkhau-2026"
ENTERPRISE_NAME = "Công ty TNHH Cơ khí Hòa Thành"
ENTERPRISE_TAX_CODE = "0300588569"


async def seed() -> None:
    corner = Location(name=CORNER, address="Tầng 1, 102 Cách Mạng Tháng Tám, Tây Ninh")
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
                "amenities": ["Wi-Fi", "Ổ cắm điện"],
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


if __name__ == "__main__":
    asyncio.run(seed())
