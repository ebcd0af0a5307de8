"""Demo floor plan: a drawing of the main location's third floor with its desks and rooms
placed on it, in percent of the plan's width and height."""

from __future__ import annotations

from pathlib import Path

from innovation_hub.spaces.services.plans import set_plan, set_positions
from innovation_hub.spaces.tables import Location, Resource

PLAN_FILE = Path(__file__).with_name("demo_files") / "tang-3.svg"


def _desk_places() -> dict[str, tuple[float, float]]:
    places = {}
    for n in range(6):
        x = round(8 + n * 8.5, 1)
        places[f"Bàn làm việc {n + 1:02d}"] = (x, 18.3)  # by the windows
        places[f"Bàn làm việc {n + 7:02d}"] = (x, 43.3)  # the quiet area
    for n in range(8):  # two rows of four along the long tables
        places[f"Bàn linh hoạt {n + 13:02d}"] = (12.0 + n % 4 * 11, 73.0 if n < 4 else 87.0)
    return places


PLACES = {
    **_desk_places(),
    "Phòng họp Sen": (67.75, 20.0),
    "Phòng họp Mai": (88.25, 20.0),
    "Phòng họp Trúc": (67.75, 51.7),
    "Phòng Lab IoT": (88.25, 51.7),
    "Hội trường Đổi mới": (78.0, 83.3),
}


async def load_floor_plan_demo(location: Location, *, var_dir: Path) -> list[str]:
    """The plan and the places of the demo spaces that have none; what it created."""
    created = []
    if not location.plan_path:
        await set_plan(location.id, PLAN_FILE.read_bytes(), var_dir=var_dir, actor_id=None)
        created.append("a floor plan")
    unplaced = (
        await Resource.objects()
        .where((Resource.location == location.id) & Resource.plan_x.is_null())
        .run()
    )
    positions = {r.id: PLACES[r.name] for r in unplaced if r.name in PLACES}
    if positions:
        await set_positions(location.id, dict(positions), actor_id=None)
        created.append(f"{len(positions)} spaces on it")
    return created
