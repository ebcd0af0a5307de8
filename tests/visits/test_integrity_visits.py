"""Who owns a visit: the account that sent it, or one whose VERIFIED email is the contact
email. Registering with a teacher's address (never verifying it) opens nothing."""

from __future__ import annotations

import re

import httpx

from innovation_hub.bookings.tables import Booking
from innovation_hub.core.mail import OutboxMessage
from innovation_hub.visits.tables import Visit
from tests.helpers import PASSWORD, api_token, bearer, make_user, post_form
from tests.visits.test_visits import TEACHER, add_room, approve, asked, request_body, visit_day

VERIFY_LINK = re.compile(r"/verify-email/([A-Za-z0-9_-]+)")


async def approved_visit(client: httpx.AsyncClient, staff_token: str) -> int:
    """A teacher's request (no account), approved into a room: phone, room and the pupil's
    wheelchair note are all on it."""
    room = await add_room(client, staff_token)
    visit_id = await asked(client)
    response = await approve(client, staff_token, visit_id, room["id"], visit_day())
    assert response.status_code == 200, response.text
    return visit_id


async def register_as_teacher(client: httpx.AsyncClient) -> str:
    """Self-registration with the teacher's address, never verified; returns an API token."""
    response = await post_form(
        client,
        "/register",
        {
            "role": "student",
            "name": "Kẻ mạo danh",
            "email": TEACHER,
            "password": PASSWORD,
            "school": "Trường THPT chuyên Hoàng Lê Kha",
        },
    )
    assert response.status_code == 303, response.text
    return await api_token(client, TEACHER)


async def mails_to_teacher() -> list[str]:
    rows = await OutboxMessage.select(OutboxMessage.subject).where(
        OutboxMessage.to_address == TEACHER
    )
    return [str(r["subject"]) for r in rows]


async def test_an_unverified_account_with_the_teachers_email_gets_404_and_changes_nothing(
    client: httpx.AsyncClient, staff_token: str
) -> None:
    visit_id = await approved_visit(client, staff_token)
    impostor = await register_as_teacher(client)
    mails_before = await mails_to_teacher()

    read = await client.get(f"/api/v1/visits/{visit_id}", headers=bearer(impostor))
    assert read.status_code == 404
    assert "0276 3822 333" not in read.text and "xe lăn" not in read.text
    cancel = await client.post(f"/api/v1/visits/{visit_id}/cancel", headers=bearer(impostor))
    assert cancel.status_code == 404

    visit = await Visit.objects().where(Visit.id == visit_id).first()
    assert visit is not None and visit.status == "approved"
    assert [b.status for b in await Booking.objects()] == ["confirmed"]
    assert await mails_to_teacher() == mails_before  # no "cancelled as you asked"


async def test_once_the_address_is_verified_the_account_reads_and_cancels_the_visit(
    client: httpx.AsyncClient, staff_token: str
) -> None:
    visit_id = await approved_visit(client, staff_token)
    token = await register_as_teacher(client)
    assert (
        await client.get(f"/api/v1/visits/{visit_id}", headers=bearer(token))
    ).status_code == 404

    rows = await OutboxMessage.select(OutboxMessage.body_text).where(
        OutboxMessage.to_address == TEACHER
    )
    [link] = [m.group(1) for r in rows if (m := VERIFY_LINK.search(r["body_text"]))]
    assert (await client.get(f"/verify-email/{link}")).status_code == 200

    read = await client.get(f"/api/v1/visits/{visit_id}", headers=bearer(token))
    assert read.status_code == 200
    assert read.json()["contact_phone"] == "0276 3822 333"
    cancel = await client.post(f"/api/v1/visits/{visit_id}/cancel", headers=bearer(token))
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"
    assert [b.status for b in await Booking.objects()] == ["cancelled"]


async def test_the_member_who_filed_with_a_token_reads_it_back_and_others_still_get_404(
    client: httpx.AsyncClient, student_token: str
) -> None:
    # A student lead files for the class, giving the teacher as the contact.
    filed = await client.post("/api/v1/visits", json=request_body(), headers=bearer(student_token))
    assert filed.status_code == 201, filed.text
    visit_id = filed.json()["id"]

    mine = await client.get(f"/api/v1/visits/{visit_id}", headers=bearer(student_token))
    assert mine.status_code == 200
    assert mine.json()["school_name"] == "Trường THPT chuyên Hoàng Lê Kha"

    await make_user("student", email="an@hs.vn")
    stranger = await api_token(client, "an@hs.vn")
    assert (
        await client.get(f"/api/v1/visits/{visit_id}", headers=bearer(stranger))
    ).status_code == 404
    assert (
        await client.post(f"/api/v1/visits/{visit_id}/cancel", headers=bearer(stranger))
    ).status_code == 404

    cancel = await client.post(f"/api/v1/visits/{visit_id}/cancel", headers=bearer(student_token))
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"
