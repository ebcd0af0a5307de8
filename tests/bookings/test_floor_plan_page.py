"""The members' floor plan: each placed space free or taken at the chosen time, as the
availability service says (the grid's own answer), filtered by amenities without script, and a
free one links to the booking form for that space and time."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import httpx

from innovation_hub.bookings import services
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.settings import Settings
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import Resource
from tests.helpers import log_in, make_user, next_open_day

POLICY = services.Policy(base_url="http://testserver")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def placed_desks(settings: Settings) -> list[Resource]:
    """Three desks placed on a plan of the main location."""
    location = await spaces.default_location()
    await spaces.set_plan(location.id, PNG, var_dir=settings.var_dir, actor_id=None)
    desks = [
        await spaces.create_resource(
            {"name": f"Bàn làm việc {n:02d}", "kind": "desk", "capacity": 1, "amenities": found},
            actor_id=None,
        )
        for n, found in ((1, ["power", "window"]), (2, ["quiet"]), (3, ["power"]))
    ]
    await spaces.set_positions(
        location.id, {d.id: (10.0 + 20 * n, 30.0) for n, d in enumerate(desks)}, actor_id=None
    )
    return desks


def states(html: str) -> dict[str, str]:
    """Each marker's space id and state, as the plan draws them."""
    return dict(re.findall(r'class="spot spot-\w+" data-resource="(\d+)" data-state="(\w+)"', html))


def listed(html: str) -> dict[str, str]:
    """Each listed space's id and the state its class names."""
    found = re.findall(r'<li class="plan-space slot-(\w+)" data-resource="(\d+)"', html)
    return {resource_id: state for state, resource_id in found}


async def test_a_booked_desk_shows_taken_on_the_plan_and_in_the_list_as_availability_says(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    desks = await placed_desks(settings)
    member = await make_user("student", email="khoa@thpt.edu.vn", locale="en")
    day = next_open_day()
    start = datetime.combine(day, time(9), LOCAL_TZ)
    await services.create_booking(
        member, desks[0].id, start, start + timedelta(hours=1), policy=POLICY
    )
    await log_in(client, "khoa@thpt.edu.vn")

    page = await client.get(f"/spaces/plan?date={day.isoformat()}&time=09:30&minutes=60")
    assert page.status_code == 200
    drawn = states(page.text)
    found = await services.availability(
        start + timedelta(minutes=30), start + timedelta(minutes=90), location_id=desks[0].location
    )
    expected = {
        str(item.resource.id): services.state_between(
            item, start + timedelta(minutes=30), start + timedelta(minutes=90)
        )
        for item in found
    }
    assert drawn == expected
    assert drawn[str(desks[0].id)] == "taken" and drawn[str(desks[1].id)] == "free"
    assert listed(page.text) == drawn  # the list says the same
    assert "Booked" in page.text and "Free" in page.text  # words, not colour alone
    link = (
        f'href="/bookings/new?resource_id={desks[1].id}'
        f"&amp;start={day.isoformat()}T09%3A30%3A00%2B07%3A00"
        f'&amp;end={day.isoformat()}T10%3A30%3A00%2B07%3A00"'
    )
    assert link in page.text
    # From the booking's end on, the desk is free again.
    later = await client.get(f"/spaces/plan?date={day.isoformat()}&time=10:00&minutes=30")
    assert states(later.text)[str(desks[0].id)] == "free"


async def test_amenity_boxes_filter_the_plan_and_the_list_without_script(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    desks = await placed_desks(settings)
    day = next_open_day()
    page = await client.get(
        f"/spaces/plan?date={day.isoformat()}&time=10:00&amenity=power&amenity=window"
    )
    assert page.status_code == 200
    assert set(states(page.text)) == {str(desks[0].id)}
    assert re.search(r'value="power" checked', page.text)
    assert "Đang hiện 1 trên 3 không gian." in page.text
    power = await client.get(f"/spaces/plan?date={day.isoformat()}&time=10:00&amenity=power")
    assert set(states(power.text)) == {str(desks[0].id), str(desks[2].id)}
    unknown = await client.get(f"/spaces/plan?date={day.isoformat()}&amenity=wifi")
    assert unknown.status_code == 422 and 'id="e-amenity"' in unknown.text


async def test_out_of_hours_is_not_bookable_and_visitors_are_sent_to_log_in(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    desks = await placed_desks(settings)
    day = next_open_day()
    night = await client.get(f"/spaces/plan?date={day.isoformat()}&time=20:00")
    assert set(states(night.text).values()) == {"closed"}
    assert "/bookings/new" not in night.text
    morning = await client.get(f"/spaces/plan?date={day.isoformat()}&time=09:00")
    assert states(morning.text)[str(desks[0].id)] == "free"
    assert 'href="/login?next=%2Fbookings%2Fnew%3Fresource_id%3D' in morning.text
    bad = await client.get("/spaces/plan?date=31/02/2026&time=9h&minutes=7")
    assert bad.status_code == 422
    for field in ("date", "time", "minutes"):
        assert f'id="e-{field}"' in bad.text
