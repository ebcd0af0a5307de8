"""Staff answer several booking requests at once, from the queue or the API: each request is
decided once, its member told once, whatever else staff do at the same moment."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services
from innovation_hub.bookings.tables import Booking
from innovation_hub.core.mail import OutboxMessage
from innovation_hub.spaces.services import create_resource
from innovation_hub.spaces.tables import Resource
from tests.bookings.test_series_changes import local
from tests.helpers import api_token, bearer, csrf_token, log_in, make_user, next_open_day

POLICY = services.Policy(base_url="http://testserver")
STAFF = "ngoc@hub.vn"


async def lab() -> Resource:
    return await create_resource(
        {"name": "Phòng Lab IoT", "kind": "lab", "capacity": 10, "requires_approval": True},
        actor_id=None,
    )


async def requests(count: int, *, first_hour: int = 8) -> list[Booking]:
    """``count`` requests waiting for approval, each by its own member, an hour each."""
    room, day = await lab(), next_open_day(3)
    made = []
    for n in range(count):
        member = await make_user("startup", email=f"m{first_hour}-{n}@khoinghiep.vn")
        hour = first_hour + n
        made.append(
            await services.create_booking(
                member, room.id, local(day, hour), local(day, hour + 1), policy=POLICY
            )
        )
    assert {b.status for b in made} == {"pending_approval"}
    await OutboxMessage.delete(force=True)
    return made


async def statuses(made: list[Booking]) -> list[str]:
    rows = await Booking.select(Booking.id, Booking.status).where(
        Booking.id.is_in([b.id for b in made])
    )
    by_id = {row["id"]: row["status"] for row in rows}
    return [by_id[b.id] for b in made]


async def test_the_api_approves_several_and_says_which_it_could_not(
    client: httpx.AsyncClient,
) -> None:
    made = await requests(3)
    await make_user("staff", email=STAFF)
    token = await api_token(client, STAFF)
    ids = [b.id for b in made]
    answer = await client.post(
        "/api/v1/bookings/decisions",
        headers=bearer(token),
        json={"booking_ids": ids, "approve": True},
    )
    assert answer.status_code == 200, answer.text
    assert [b["status"] for b in answer.json()["decided"]] == ["confirmed"] * 3
    assert await statuses(made) == ["confirmed"] * 3
    assert await OutboxMessage.count() == 3  # one email to each member
    again = await client.post(
        "/api/v1/bookings/decisions",
        headers=bearer(token),
        json={"booking_ids": [*ids, 999_999], "approve": False, "reason": "Lab bảo trì"},
    )
    body = again.json()
    assert again.status_code == 200 and body["decided"] == []
    codes = {r["id"]: r["code"] for r in body["refused"]}
    assert codes == {**dict.fromkeys(ids, "not_pending_approval"), 999_999: "booking_not_found"}
    assert await statuses(made) == ["confirmed"] * 3 and await OutboxMessage.count() == 3


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"booking_ids": [], "approve": True}, 400),
        ({"booking_ids": list(range(1, 102)), "approve": True}, 400),
        ({"booking_ids": [1], "approve": "yes"}, 400),
        ("decline-without-reason", 422),
    ],
)
async def test_bad_bulk_answers_are_refused_and_decide_nothing(
    client: httpx.AsyncClient, body: object, status: int
) -> None:
    made = await requests(2)
    await make_user("staff", email=STAFF)
    if body == "decline-without-reason":
        body = {"booking_ids": [b.id for b in made], "approve": False, "reason": "  "}
    answer = await client.post(
        "/api/v1/bookings/decisions", headers=bearer(await api_token(client, STAFF)), json=body
    )
    assert answer.status_code == status, answer.text
    assert await statuses(made) == ["pending_approval"] * 2 and await OutboxMessage.count() == 0


async def test_members_cannot_answer_requests(client: httpx.AsyncClient) -> None:
    made = await requests(1)
    member = await User.objects().where(User.id == made[0].user).first()
    assert member is not None
    answer = await client.post(
        "/api/v1/bookings/decisions",
        headers=bearer(await api_token(client, member.email)),
        json={"booking_ids": [made[0].id], "approve": True},
    )
    assert answer.status_code == 403
    assert await statuses(made) == ["pending_approval"]


async def test_the_queue_answers_the_ticked_requests(client: httpx.AsyncClient) -> None:
    made = await requests(3)
    await make_user("staff", email=STAFF)
    await log_in(client, STAFF)
    queue = (await client.get("/staff/waiting")).text
    for booking in made:
        assert f'name="booking_id" value="{booking.id}"' in queue
    token = await csrf_token(client, "/staff/waiting")
    # Declining needs a reason: the page says so next to the field and keeps the ticks.
    refused = await client.post(
        "/staff/waiting/bookings",
        data={"_csrf_token": token, "answer": "decline", "booking_id": [str(made[0].id)]},
    )
    assert refused.status_code == 422
    reason_error = re.search(r'id="e-reason"[^>]*>(.*?)</small>', refused.text, re.S)
    assert reason_error and "Hãy ghi lý do cho thành viên" in reason_error.group(1)
    assert f'value="{made[0].id}" id="wb-{made[0].id}" checked' in refused.text
    nothing = await client.post(
        "/staff/waiting/bookings", data={"_csrf_token": token, "answer": "approve"}
    )
    assert nothing.status_code == 422 and "Hãy chọn ít nhất một yêu cầu." in nothing.text
    assert await statuses(made) == ["pending_approval"] * 3

    done = await client.post(
        "/staff/waiting/bookings",
        data={
            "_csrf_token": token,
            "answer": "decline",
            "reason": "Phòng Lab dành cho hội thi sáng tạo",
            "booking_id": [str(made[0].id), str(made[2].id)],
        },
    )
    assert done.status_code == 303
    page = (await client.get(done.headers["location"])).text
    assert "Đã từ chối 2 yêu cầu." in page
    assert await statuses(made) == ["declined", "pending_approval", "declined"]
    declined = await OutboxMessage.objects().order_by(OutboxMessage.id)
    assert len(declined) == 2
    assert all("Phòng Lab dành cho hội thi sáng tạo" in m.body_text for m in declined)


async def test_racing_bulk_answers_decide_each_request_once() -> None:
    """22 staff answer overlapping sets of the same five requests at once, some approving and
    some declining: each request ends decided once, with one email. Three rounds."""
    staff = [await make_user("staff", email=f"cb{n}@hub.vn") for n in range(22)]
    for round_number in range(3):
        made = await requests(5, first_hour=8 + round_number)  # new members and a new lab
        ids = [b.id for b in made]
        outcomes = await asyncio.gather(
            *[
                services.decide_many(
                    member_of_staff,
                    ids[n % 5 :] + ids[: n % 5],  # each starts elsewhere in the list
                    services.Decision(approve=n % 2 == 0, reason="Trùng lịch"),
                    policy=POLICY,
                )
                for n, member_of_staff in enumerate(staff)
            ]
        )
        decided = [b.id for done, _refused in outcomes for b in done]
        assert sorted(decided) == sorted(ids)
        assert all(s in {"confirmed", "declined"} for s in await statuses(made))
        told = [m.to_address for m in await OutboxMessage.objects()]
        assert sorted(told) == sorted(f"m{8 + round_number}-{n}@khoinghiep.vn" for n in range(5))
