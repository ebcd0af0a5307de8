"""Staff add a photo to a space; files are checked by their content."""

from __future__ import annotations

import httpx

from innovation_hub.spaces.services import create_resource
from innovation_hub.spaces.tables import Resource
from tests.helpers import csrf_token, log_in, make_user

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def upload(
    client: httpx.AsyncClient, resource_id: int, body: bytes, name: str
) -> httpx.Response:
    token = await csrf_token(client, "/staff/spaces")
    return await client.post(
        f"/staff/spaces/resources/{resource_id}/photo",
        data={"_csrf_token": token},
        files={"photo": (name, body, "image/png")},
    )


async def test_staff_upload_a_photo_that_everyone_can_see(client: httpx.AsyncClient) -> None:
    room = await create_resource(
        {"name": "Phòng họp Sen", "kind": "meeting_room", "capacity": 8}, actor_id=None
    )
    await make_user("staff", email="ngoc@hub.vn")
    await log_in(client, "ngoc@hub.vn")
    response = await upload(client, room.id, PNG, "sen.png")
    assert response.status_code == 303
    stored = await Resource.objects().where(Resource.id == room.id).first()
    assert stored is not None and stored.photo_path.endswith(".png")
    page = await client.get("/staff/spaces")
    assert f'src="/spaces/photos/{stored.photo_path}"' in page.text
    listed = (await client.get("/api/v1/resources")).json()["items"][0]
    photo = await httpx.AsyncClient(transport=client._transport, base_url="http://testserver").get(
        listed["photo_url"]
    )
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/png"
    assert photo.content == PNG


async def test_a_renamed_text_file_is_refused_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    room = await create_resource(
        {"name": "Phòng họp Mai", "kind": "meeting_room", "capacity": 8}, actor_id=None
    )
    await make_user("staff", email="ngoc@hub.vn")
    await log_in(client, "ngoc@hub.vn")
    response = await upload(client, room.id, b"not an image at all", "photo.png")
    assert response.status_code == 422
    assert "PNG" in response.text and 'aria-invalid="true"' in response.text
    stored = await Resource.objects().where(Resource.id == room.id).first()
    assert stored is not None and stored.photo_path == ""
    assert (await client.get("/spaces/photos/../../secret_key")).status_code == 404


async def test_members_cannot_upload_photos(client: httpx.AsyncClient) -> None:
    room = await create_resource({"name": "Bàn 01", "kind": "desk", "capacity": 1}, actor_id=None)
    await make_user("student")
    await log_in(client, "student@example.vn")
    token = await csrf_token(client, "/profile")
    response = await client.post(
        f"/staff/spaces/resources/{room.id}/photo",
        data={"_csrf_token": token},
        files={"photo": ("a.png", PNG, "image/png")},
    )
    assert response.status_code == 403
