"""Floor plans: staff upload a plan per location (checked by content; SVG scripts removed) and
place its spaces on it in percent; a space of another location, a number off the plan, or a
member is refused and nothing is written. Amenities are codes of one list."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from innovation_hub.core.errors import FormInvalid, RuleBroken
from innovation_hub.core.settings import Settings
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.services.plans import checked_plan
from innovation_hub.spaces.tables import Location, Resource
from tests.helpers import bearer, csrf_token, log_in, make_user

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PLAN = (
    '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 60" onload="alert(1)">'
    '<script>alert("x")</script><rect x="1" y="1" width="98" height="58" onclick="steal()"/>'
    '<foreignObject><iframe xmlns="http://www.w3.org/1999/xhtml" src="https://evil.example/">'
    "</iframe></foreignObject>"
    '<use xlink:href="https://evil.example/x.svg#a"/><a href="javascript:alert(2)"><text>x</text>'
    '</a><text x="5" y="10">Phòng họp Sen</text></svg>'
).encode()


async def two_locations() -> tuple[Location, Location, list[Resource]]:
    main = await spaces.default_location()
    other = Location(name="Cơ sở Gò Dầu")
    await other.save()
    desks = [
        await spaces.create_resource(
            {"name": f"Bàn {n:02d}", "kind": "desk", "capacity": 1, "amenities": amenities},
            actor_id=None,
        )
        for n, amenities in ((1, ["power", "window"]), (2, ["quiet"]), (3, []))
    ]
    return main, other, desks


async def places() -> dict[int, tuple[float | None, float | None]]:
    rows = await Resource.select(Resource.id, Resource.plan_x, Resource.plan_y).run()
    return {row["id"]: (row["plan_x"], row["plan_y"]) for row in rows}


# -- the services ---------------------------------------------------------------------------


async def test_spaces_are_placed_in_percent_and_a_space_elsewhere_writes_nothing() -> None:
    main, other, desks = await two_locations()
    elsewhere = await spaces.create_resource(
        {"name": "Phòng Gò Dầu", "kind": "meeting_room", "capacity": 6, "location_id": other.id},
        actor_id=None,
    )
    await spaces.set_positions(main.id, {desks[0].id: (12.5, 40.0)}, actor_id=None)
    assert (await places())[desks[0].id] == (12.5, 40.0)

    before = await places()
    with pytest.raises(RuleBroken) as refused:
        await spaces.set_positions(
            main.id, {desks[1].id: (50.0, 50.0), elsewhere.id: (10.0, 10.0)}, actor_id=None
        )
    assert refused.value.status_code == 422 and refused.value.code == "resource_elsewhere"
    assert await places() == before  # not even the first, valid one

    await spaces.set_positions(main.id, {desks[0].id: None}, actor_id=None)
    assert (await places())[desks[0].id] == (None, None)


@pytest.mark.parametrize(
    ("x", "y", "bad"),
    [
        (101, 5, ["x"]),
        (-1, 5, ["x"]),
        (5, "nửa", ["y"]),
        (5, "", ["y"]),
        ("nan", "inf", ["x", "y"]),
    ],
)
def test_a_place_off_the_plan_names_its_field(x: object, y: object, bad: list[str]) -> None:
    with pytest.raises(FormInvalid) as refused:
        spaces.checked_position(x, y)
    assert sorted(refused.value.field_errors) == bad
    assert "100" in refused.value.field_errors[bad[0]]


def test_places_are_read_as_people_type_them() -> None:
    assert spaces.checked_position("12,5", " 40 ") == (12.5, 40.0)
    assert spaces.checked_position(0, 100) == (0.0, 100.0)
    assert spaces.checked_position("", "") is None


async def test_amenities_are_codes_of_one_list_and_filter_spaces() -> None:
    _main, _other, desks = await two_locations()
    assert spaces.amenities(desks[0]) == ["power", "window"]
    found = spaces.with_amenities(desks, ["window", "power"])
    assert [r.name for r in found] == ["Bàn 01"]
    assert spaces.with_amenities(desks, []) == desks
    with pytest.raises(FormInvalid) as refused:
        await spaces.update_resource(desks[2].id, {"amenities": ["wifi"]}, actor_id=None)
    assert "amenities" in refused.value.field_errors


def test_an_svg_keeps_its_drawing_and_loses_scripts_handlers_and_links_out() -> None:
    cleaned, content_type = checked_plan(PLAN)
    assert content_type == "image/svg+xml"
    text = cleaned.decode()
    for gone in ("script", "alert", "onload", "onclick", "foreignObject", "iframe", "evil"):
        assert gone not in text, gone
    assert "<rect" in text and "Phòng họp Sen" in text


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg '
        b'xmlns="http://www.w3.org/2000/svg">&a;</svg>',
        b"<svg><rect/>",  # not well-formed
        b"<html><body><svg></svg></body></html>",
        '<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>'.encode("utf-16"),
    ],
)
def test_an_svg_with_entities_or_broken_markup_is_refused(body: bytes) -> None:
    with pytest.raises(RuleBroken) as refused:
        checked_plan(body)
    assert refused.value.field_errors.keys() == {"plan"}


# -- the staff pages --------------------------------------------------------------------------


async def upload(client: httpx.AsyncClient, location_id: int, body: bytes) -> httpx.Response:
    token = await csrf_token(client, "/staff/spaces")
    return await client.post(
        f"/staff/spaces/locations/{location_id}/plan",
        data={"_csrf_token": token},
        files={"plan": ("tang-3.svg", body, "image/svg+xml")},
    )


@pytest.fixture
async def staff(client: httpx.AsyncClient) -> None:
    await make_user("staff", email="ngoc@hub.vn", locale="en")
    await log_in(client, "ngoc@hub.vn")


async def test_staff_upload_a_plan_whose_svg_is_served_without_its_script(
    client: httpx.AsyncClient, staff: None, settings: Settings
) -> None:
    main, _other, _desks = await two_locations()
    response = await upload(client, main.id, PLAN)
    assert response.status_code == 303
    assert response.headers["location"] == f"/staff/spaces/locations/{main.id}/placement?uploaded=1"
    location = await spaces.get_location(main.id)
    assert location.plan_path.endswith(".svg")
    stored = Path(settings.var_dir, "uploads", "plans", location.plan_path).read_bytes()
    assert b"script" not in stored and b"onload" not in stored

    served = await client.get(f"/spaces/plans/{location.plan_path}")
    assert served.status_code == 200 and served.headers["content-type"] == "image/svg+xml"
    assert "sandbox" in served.headers["content-security-policy"]
    assert b"<script" not in served.content
    page = await client.get(f"/staff/spaces/locations/{main.id}/placement")
    assert f'<img class="plan-image" src="/spaces/plans/{location.plan_path}"' in page.text
    assert "<script>alert" not in page.text  # the plan is never inlined


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"GIF89a not a plan", "Upload a SVG, PNG, JPG, WEBP file."),
        (PNG + b"\x00" * (5 * 1024 * 1024), "larger than 5 MB"),
        (b"", "Choose a file."),
    ],
)
async def test_a_wrong_or_too_big_file_is_refused_beside_its_field(
    client: httpx.AsyncClient, staff: None, body: bytes, message: str
) -> None:
    main = await spaces.default_location()
    response = await upload(client, main.id, body)
    assert response.status_code == 422
    error = response.text.index(f'id="plan-error-{main.id}"')
    assert message in response.text[error : error + 300]
    assert (await spaces.get_location(main.id)).plan_path == ""


async def test_staff_remove_a_plan_and_members_see_the_list_alone(
    client: httpx.AsyncClient, staff: None
) -> None:
    main = await spaces.default_location()
    assert (await upload(client, main.id, PNG)).status_code == 303
    page = await client.get("/staff/spaces")
    assert f'action="/staff/spaces/locations/{main.id}/plan/remove"' in page.text
    token = await csrf_token(client, "/staff/spaces")
    removed = await client.post(
        f"/staff/spaces/locations/{main.id}/plan/remove", data={"_csrf_token": token}
    )
    assert removed.status_code == 303
    assert (await spaces.get_location(main.id)).plan_path == ""
    plan_page = await client.get(f"/spaces/plan?location={main.id}")
    assert "has no floor plan yet" in plan_page.text


async def test_the_placement_form_saves_every_place_or_none(
    client: httpx.AsyncClient, staff: None
) -> None:
    main, other, desks = await two_locations()
    elsewhere = await spaces.create_resource(
        {"name": "Phòng Gò Dầu", "kind": "meeting_room", "capacity": 6, "location_id": other.id},
        actor_id=None,
    )
    path = f"/staff/spaces/locations/{main.id}/placement"
    token = await csrf_token(client, path)
    typed = {"_csrf_token": token, f"r{desks[0].id}-x": "20", f"r{desks[0].id}-y": "30"}
    bad = await client.post(path, data={**typed, f"r{desks[1].id}-x": "140"})
    assert bad.status_code == 422
    error = bad.text.index(f'id="e-r{desks[1].id}-x"')
    assert "0 to 100" in bad.text[error : error + 200]
    moved_away = await client.post(
        path, data={**typed, f"r{elsewhere.id}-x": "5", f"r{elsewhere.id}-y": "5"}
    )
    assert moved_away.status_code == 422 and "another location" in moved_away.text
    assert all(place == (None, None) for place in (await places()).values())

    saved = await client.post(path, data=typed)
    assert saved.status_code == 303 and saved.headers["location"] == f"{path}?saved=1"
    assert (await places())[desks[0].id] == (20.0, 30.0)


async def test_members_cannot_upload_or_place(client: httpx.AsyncClient) -> None:
    main, _other, desks = await two_locations()
    await make_user("startup", email="bao@agritn.vn")
    await log_in(client, "bao@agritn.vn")
    token = await csrf_token(client, "/profile")
    placed = await client.post(
        f"/staff/spaces/locations/{main.id}/placement",
        data={"_csrf_token": token, f"r{desks[0].id}-x": "5", f"r{desks[0].id}-y": "5"},
    )
    uploaded = await client.post(
        f"/staff/spaces/locations/{main.id}/plan",
        data={"_csrf_token": token},
        files={"plan": ("a.png", PNG, "image/png")},
    )
    assert placed.status_code == 403 and uploaded.status_code == 403
    assert (await places())[desks[0].id] == (None, None)
    assert (await spaces.get_location(main.id)).plan_path == ""


# -- the API ----------------------------------------------------------------------------------


async def test_the_api_places_a_space_and_lists_the_plan(
    client: httpx.AsyncClient, staff_token: str, student_token: str
) -> None:
    main, _other, desks = await two_locations()
    path = f"/api/v1/staff/resources/{desks[1].id}/position"
    placed = await client.put(path, json={"x": 33.3, "y": 66.7}, headers=bearer(staff_token))
    assert placed.status_code == 200, placed.text
    assert (placed.json()["plan_x"], placed.json()["plan_y"]) == (33.3, 66.7)

    off = await client.put(path, json={"x": 120, "y": 5}, headers=bearer(staff_token))
    assert off.status_code == 422 and "x" in off.json()["errors"]
    member = await client.put(path, json={"x": 1, "y": 1}, headers=bearer(student_token))
    assert member.status_code == 403
    assert (await places())[desks[1].id] == (33.3, 66.7)

    plan = await client.get(f"/api/v1/locations/{main.id}/plan")
    assert plan.status_code == 200
    body = plan.json()
    assert body["plan_url"] is None and body["location_id"] == main.id
    listed = {r["name"]: r for r in body["resources"]}
    assert (listed["Bàn 02"]["x"], listed["Bàn 02"]["y"]) == (33.3, 66.7)
    assert listed["Bàn 01"]["x"] is None and listed["Bàn 01"]["amenities"] == ["power", "window"]
    assert (await client.get("/api/v1/locations/999999/plan")).status_code == 404
