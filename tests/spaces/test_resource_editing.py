"""Staff edit a space and its booking rules: the edit page, PATCH /api/v1/resources/{id}."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from innovation_hub.accounts.tables import User
from innovation_hub.bookings.tables import Booking
from innovation_hub.core.audit import AuditEntry
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import Resource
from tests.helpers import at, bearer, csrf_token, log_in, make_user, next_open_day


class FormReader(HTMLParser):
    """What a browser would send from the page's form: named inputs, ticked boxes, the
    selected options and the textareas."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        name = found.get("name")
        if tag == "input" and name and name != "_csrf_token":
            if found.get("type") != "checkbox" or "checked" in found:
                self.values[name] = found.get("value", "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in found:
            self.values[self._select] = found.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data


def form_on(html: str) -> dict[str, str]:
    start = html.index('<form id="resource-edit-form"')
    reader = FormReader()
    reader.feed(html[start : html.index("</form>", start)])
    return reader.values


async def make_room(**fields: Any) -> Resource:
    return await spaces.create_resource(
        {
            "name": "Phòng họp Sen",
            "kind": "meeting_room",
            "capacity": 8,
            "price_per_hour_vnd": 150_000,
            "amenities": ["monitor"],
            "allowed_roles": ["student", "startup", "enterprise", "staff", "admin"],
            **fields,
        },
        actor_id=None,
    )


async def stored(resource_id: int) -> dict[str, Any]:
    row = await Resource.select().where(Resource.id == resource_id).first().run()
    assert row is not None
    row.pop("updated_at")
    return row


async def updates_logged() -> int:
    return await AuditEntry.count().where(AuditEntry.action == "resource.updated").run()


@pytest.fixture
async def staff(client: httpx.AsyncClient) -> User:
    # English pages, so the assertions do not depend on the catalogue being merged.
    user = await make_user("staff", email="ngoc@hub.vn", name="Trần Bích Ngọc", locale="en")
    await log_in(client, "ngoc@hub.vn")
    return user


async def edit_form(client: httpx.AsyncClient, resource: Resource) -> dict[str, str]:
    page = await client.get(f"/staff/spaces/resources/{resource.id}/edit")
    assert page.status_code == 200, page.text
    token = await csrf_token(client, f"/staff/spaces/resources/{resource.id}/edit")
    return {**form_on(page.text), "_csrf_token": token}


# -- the page ------------------------------------------------------------------------------


async def test_staff_reach_the_edit_page_from_the_spaces_page_with_every_value_filled_in(
    client: httpx.AsyncClient, staff: User
) -> None:
    room = await make_room(buffer_minutes=15, free_weekly_hours={"student": 4})
    listing = await client.get("/staff/spaces")
    assert f'href="/staff/spaces/resources/{room.id}/edit"' in listing.text

    page = await client.get(f"/staff/spaces/resources/{room.id}/edit")
    assert page.status_code == 200
    assert "Edit Phòng họp Sen" in page.text
    assert 'name="_csrf_token"' in page.text
    form = form_on(page.text)
    assert form["name"] == "Phòng họp Sen"
    assert form["kind"] == "meeting_room"
    assert form["price_per_hour_vnd"] == "150,000"  # English grouping on English pages
    assert form["buffer_minutes"] == "15" and form["max_minutes"] == "480"
    assert form["free_student"] == "4"
    assert form["amenities"] == "monitor"  # the one ticked box of the amenities
    assert form["is_active"] == "on" and "requires_approval" not in form
    assert {k for k in form if k.startswith("allow_")} == {
        "allow_student",
        "allow_startup",
        "allow_enterprise",
        "allow_staff",
    }


async def test_saving_the_form_untouched_changes_nothing(
    client: httpx.AsyncClient, staff: User
) -> None:
    # Free hours for staff can be set through the API only: the form must keep them too.
    room = await make_room(free_weekly_hours={"student": 4, "staff": 6})
    before = await stored(room.id)
    response = await client.post(
        f"/staff/spaces/resources/{room.id}/edit", data=await edit_form(client, room)
    )
    assert response.status_code == 303
    assert await stored(room.id) == before
    assert await updates_logged() == 0


async def test_a_valid_edit_is_saved_logged_and_shown(
    client: httpx.AsyncClient, staff: User
) -> None:
    room = await make_room()
    form = await edit_form(client, room)
    form.update(
        name="Phòng họp Sen (tầng 2)",
        kind="lab",
        capacity="10",
        price_per_hour_vnd="200.000",
        requires_approval="on",
        slot_minutes="60",
        min_minutes="60",
        max_minutes="180",
        max_days_ahead="14",
        min_notice_minutes="120",
        buffer_minutes="30",
        cancel_notice_hours="24",
        free_startup="3",
        amenities=["quiet", "window"],
    )
    del form["allow_student"]
    response = await client.post(f"/staff/spaces/resources/{room.id}/edit", data=form)
    assert response.status_code == 303
    assert response.headers["location"] == f"/staff/spaces?saved={room.id}#res-{room.id}"

    row = await stored(room.id)
    assert row["name"] == "Phòng họp Sen (tầng 2)" and row["kind"] == "lab"
    assert row["capacity"] == 10 and row["price_per_hour_vnd"] == 200_000
    assert row["requires_approval"] is True
    assert (row["slot_minutes"], row["min_minutes"], row["max_minutes"]) == (60, 60, 180)
    assert (row["max_days_ahead"], row["min_notice_minutes"]) == (14, 120)
    assert (row["buffer_minutes"], row["cancel_notice_hours"]) == (30, 24)
    resource = await spaces.get_resource(room.id)
    assert spaces.amenities(resource) == ["window", "quiet"]  # in the list's order
    assert set(spaces.allowed_roles(resource)) == {"startup", "enterprise", "staff", "admin"}
    assert spaces.free_weekly_hours(resource) == {"startup": 3}

    entry = await AuditEntry.objects().where(AuditEntry.action == "resource.updated").first()
    assert entry is not None and entry.actor_id == staff.id and entry.record_id == str(room.id)
    changes = entry.detail if isinstance(entry.detail, dict) else json.loads(entry.detail)
    assert changes["changes"]["max_minutes"] == {"from": 480, "to": 180}
    assert "name" in changes["changes"] and "capacity" in changes["changes"]

    listing = await client.get(response.headers["location"])
    assert "The changes to Phòng họp Sen (tầng 2) were saved." in listing.text
    assert "1 hour / 1 hour / 3 hours" in listing.text and "200,000" in listing.text
    assert "Startup: 3 hours" in listing.text


async def test_an_inactive_space_leaves_the_booking_pages_and_can_be_opened_again(
    client: httpx.AsyncClient, staff: User
) -> None:
    room = await make_room()
    form = await edit_form(client, room)
    del form["is_active"]
    saved = await client.post(
        f"/staff/spaces/resources/{room.id}/edit", data=form, headers={"hx-request": "true"}
    )
    assert saved.status_code == 200
    assert saved.headers["hx-redirect"] == f"/staff/spaces?saved={room.id}#res-{room.id}"
    public = await client.get("/api/v1/resources")
    assert public.json()["items"] == []
    listing = await client.get("/staff/spaces")
    assert "Phòng họp Sen" in listing.text and "Not open for new bookings" in listing.text

    page = await client.get(f"/staff/spaces/resources/{room.id}/edit")
    assert "This space is not open for new bookings." in page.text
    form = await edit_form(client, room)
    form["is_active"] = "on"
    await client.post(f"/staff/spaces/resources/{room.id}/edit", data=form)
    assert [r["id"] for r in (await client.get("/api/v1/resources")).json()["items"]] == [room.id]


BAD_INPUT = [
    ({"name": "  "}, "name", "Enter a name."),
    ({"kind": "sofa"}, "kind", "Choose one of the listed kinds."),
    ({"capacity": "0"}, "capacity", "Enter a number from 1 to 2000."),
    ({"price_per_hour_vnd": "-5"}, "price_per_hour_vnd", "Enter a number from 0"),
    ({"price_per_hour_vnd": "miễn phí"}, "price_per_hour_vnd", "Enter a whole number."),
    ({"slot_minutes": "7"}, "slot_minutes", "divides a day evenly"),
    ({"min_minutes": "45"}, "min_minutes", "multiple of the time step (30 minutes)"),
    ({"max_minutes": "100"}, "max_minutes", "multiple of the time step (30 minutes)"),
    ({"min_minutes": "120", "max_minutes": "60"}, "max_minutes", "cannot be shorter"),
    ({"max_days_ahead": "0"}, "max_days_ahead", "Enter a number from 1 to 366."),
    ({"min_notice_minutes": ""}, "min_notice_minutes", "Enter a whole number."),
    ({"buffer_minutes": "999"}, "buffer_minutes", "Enter a number from 0 to 240."),
    ({"cancel_notice_hours": "hai"}, "cancel_notice_hours", "Enter a whole number."),
    ({"free_student": "200"}, "free_weekly_hours", "from 0 to 168"),
    ({"amenities": "wifi"}, "amenities", "Choose amenities from the list."),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD_INPUT)
async def test_each_bad_input_is_shown_next_to_its_field_and_saves_nothing(
    client: httpx.AsyncClient,
    staff: User,
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    room = await make_room()
    before = await stored(room.id)
    form = {**await edit_form(client, room), **changes}
    response = await client.post(
        f"/staff/spaces/resources/{room.id}/edit", data=form, headers={"hx-request": "true"}
    )
    assert response.status_code == 422
    html = response.text
    assert html.lstrip().startswith("<form")  # htmx swaps the form alone
    error = html.index(f'id="e-{field}"')
    assert message in html[error : error + 300]
    assert "Please correct the fields marked below." in html
    # A select and checkboxes show only their own choices.
    typed = [v for k, v in changes.items() if k not in ("kind", "amenities") and v.strip()]
    assert all(value in html for value in typed)  # what was typed is kept
    assert await stored(room.id) == before
    assert await updates_logged() == 0


@pytest.mark.parametrize(
    ("drop", "add", "field"),
    [
        (
            ["allow_student", "allow_startup", "allow_enterprise", "allow_staff"],
            {},
            "allowed_roles",
        ),
        (["allow_student"], {"free_student": "4"}, "free_weekly_hours"),
    ],
)
async def test_roles_must_make_sense(
    client: httpx.AsyncClient, staff: User, drop: list[str], add: dict[str, str], field: str
) -> None:
    room = await make_room()
    before = await stored(room.id)
    form = {**await edit_form(client, room), **add}
    for key in drop:
        del form[key]
    response = await client.post(f"/staff/spaces/resources/{room.id}/edit", data=form)
    assert response.status_code == 422
    assert f'id="e-{field}"' in response.text
    assert "<html" in response.text  # without htmx, the whole page comes back
    assert await stored(room.id) == before


async def test_members_are_refused_and_visitors_sent_to_log_in(client: httpx.AsyncClient) -> None:
    room = await make_room()
    anonymous = await client.get(f"/staff/spaces/resources/{room.id}/edit")
    assert anonymous.status_code in (302, 303)
    assert anonymous.headers["location"].startswith("/login")

    await make_user("startup", email="bao@agritn.vn")
    await log_in(client, "bao@agritn.vn")
    assert (await client.get(f"/staff/spaces/resources/{room.id}/edit")).status_code == 403
    token = await csrf_token(client, "/profile")
    refused = await client.post(
        f"/staff/spaces/resources/{room.id}/edit",
        data={"_csrf_token": token, "name": "Của tôi", "kind": "desk", "capacity": "1"},
    )
    assert refused.status_code == 403
    assert (await stored(room.id))["name"] == "Phòng họp Sen"


async def test_an_unknown_space_is_not_found(client: httpx.AsyncClient, staff: User) -> None:
    assert (await client.get("/staff/spaces/resources/999/edit")).status_code == 404


async def test_a_post_without_the_csrf_token_is_refused(
    client: httpx.AsyncClient, staff: User
) -> None:
    room = await make_room()
    form = await edit_form(client, room)
    del form["_csrf_token"]
    form["name"] = "Đổi tên"
    response = await client.post(f"/staff/spaces/resources/{room.id}/edit", data=form)
    assert response.status_code == 403
    assert (await stored(room.id))["name"] == "Phòng họp Sen"


# -- the API -------------------------------------------------------------------------------


async def test_patch_changes_only_the_fields_sent(
    client: httpx.AsyncClient, staff_token: str
) -> None:
    room = await make_room()
    response = await client.patch(
        f"/api/v1/resources/{room.id}",
        json={"name": "Phòng Sen", "max_minutes": 120, "amenities": ["quiet", "monitor"]},
        headers=bearer(staff_token),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "Phòng Sen" and body["max_minutes"] == 120
    assert body["amenities"] == ["monitor", "quiet"]
    assert body["capacity"] == 8 and body["price_per_hour_vnd"] == 150_000
    assert body["is_active"] is True
    listed = (await client.get("/api/v1/resources")).json()["items"]
    assert listed[0]["name"] == "Phòng Sen" and listed[0]["max_minutes"] == 120
    assert await updates_logged() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"min_minutes": 600}, "max_minutes"),
        ({"slot_minutes": 60}, "min_minutes"),
        ({"price_per_hour_vnd": -1}, "price_per_hour_vnd"),
        ({"kind": "sofa"}, "kind"),
        ({"allowed_roles": []}, "allowed_roles"),
        ({"allowed_roles": ["startup"], "free_weekly_hours": {"student": 2}}, "free_weekly_hours"),
        ({"location_id": 999}, "location_id"),
    ],
)
async def test_patch_refuses_nonsense_with_422_and_keeps_the_space(
    client: httpx.AsyncClient, staff_token: str, body: dict[str, Any], field: str
) -> None:
    room = await make_room()
    before = await stored(room.id)
    response = await client.patch(
        f"/api/v1/resources/{room.id}", json=body, headers=bearer(staff_token)
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "invalid_input"
    assert field in problem["errors"]
    assert await stored(room.id) == before


async def test_patch_is_for_staff_only(client: httpx.AsyncClient, student_token: str) -> None:
    room = await make_room()
    anonymous = await client.patch(f"/api/v1/resources/{room.id}", json={"capacity": 99})
    assert anonymous.status_code == 401
    member = await client.patch(
        f"/api/v1/resources/{room.id}", json={"capacity": 99}, headers=bearer(student_token)
    )
    assert member.status_code == 403
    assert (await stored(room.id))["capacity"] == 8


@pytest.mark.parametrize("resource_id", [999, 2**40])
async def test_patch_of_an_unknown_space_is_404(
    client: httpx.AsyncClient, staff_token: str, resource_id: int
) -> None:
    response = await client.patch(
        f"/api/v1/resources/{resource_id}", json={"capacity": 2}, headers=bearer(staff_token)
    )
    assert response.status_code == 404
    assert response.json()["code"] == "resource_not_found"


async def test_patch_is_described_in_the_openapi_document(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    operation = schema["paths"]["/api/v1/resources/{resource_id}"]["patch"]
    assert {"200", "401", "403", "404", "422"} <= set(operation["responses"])
    patch_schema = schema["components"]["schemas"]["ResourcePatch"]
    assert {"max_minutes", "is_active", "free_weekly_hours"} <= set(patch_schema["properties"])
    assert not patch_schema.get("required")  # send only what changes


async def test_a_changed_rule_applies_to_the_next_booking_and_existing_ones_stay(
    client: httpx.AsyncClient, staff_token: str, student_token: str
) -> None:
    room = await make_room(price_per_hour_vnd=0)
    day = next_open_day(3)

    async def book(start: int, end: int) -> httpx.Response:
        return await client.post(
            "/api/v1/bookings",
            json={"resource_id": room.id, "start": at(day, start), "end": at(day, end)},
            headers=bearer(student_token),
        )

    earlier = await book(8, 12)
    assert earlier.status_code == 201, earlier.text
    patched = await client.patch(
        f"/api/v1/resources/{room.id}", json={"max_minutes": 120}, headers=bearer(staff_token)
    )
    assert patched.status_code == 200

    too_long = await book(13, 16)
    assert too_long.status_code == 422
    assert too_long.json()["code"] == "too_long"
    assert (await book(13, 15)).status_code == 201
    kept = await Booking.objects().where(Booking.id == earlier.json()["id"]).first()
    assert kept is not None and kept.status == "confirmed"


async def test_an_inactive_space_takes_no_booking_and_leaves_availability_at_once(
    client: httpx.AsyncClient, staff_token: str, student_token: str
) -> None:
    room = await make_room(min_notice_minutes=0)
    day = next_open_day(3)
    window = {"start": at(day, 8), "end": at(day, 17)}
    before = (await client.get("/api/v1/availability", params=window)).json()["items"]
    assert [item["resource_id"] for item in before] == [room.id]

    await client.patch(
        f"/api/v1/resources/{room.id}", json={"is_active": False}, headers=bearer(staff_token)
    )
    after = (await client.get("/api/v1/availability", params=window)).json()["items"]
    assert after == []
    refused = await client.post(
        "/api/v1/bookings",
        json={"resource_id": room.id, "start": at(day, 9), "end": at(day, 10)},
        headers=bearer(student_token),
    )
    assert refused.status_code == 404
    assert await Booking.count().run() == 0
