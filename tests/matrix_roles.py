"""The people and objects the access-control matrix and the API fuzz run against.

Every object is made through the public API (or a page where the API has no such route), and
belongs to the "first organisation": its startup account owns the booking, series, waitlist
entry, visit request and trademark case, its enterprise account owns the programme
application. ``other_startup`` is a second startup that owns nothing.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from litestar import Litestar
from litestar.routes import HTTPRoute

from innovation_hub.accounts.services import issue_api_token
from innovation_hub.accounts.tables import ApiToken
from innovation_hub.bookings import services as bookings
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.mail import OutboxMessage
from tests.helpers import at, bearer, csrf_token, log_in, make_user, next_open_day

ROLES = ("anonymous", "student", "startup", "enterprise", "staff", "admin", "other_startup")
# The role each account has in the app, and its email.
ACCOUNTS = {
    "student": ("student", "student@example.vn"),
    "startup": ("startup", "startup@example.vn"),
    "enterprise": ("enterprise", "enterprise@example.vn"),
    "staff": ("staff", "staff@example.vn"),
    "admin": ("admin", "admin@example.vn"),
    "other_startup": ("startup", "other-startup@example.vn"),
}
OTHER_ORGANISATION = "Công ty Khởi Nghiệp Đối Thủ"
# Text that only its owner (and staff) may ever be shown: a page or answer carrying it to
# anyone else leaks the first organisation's data.
SECRETS = {
    "startup": ("Họp kín dự án Sen", "Trường THPT Chuyên Hoàng Lê Kha", "Bánh tráng Cô Tư"),
    "enterprise": ("Kế hoạch ISO 9001 nhà máy Mía đường",),
}

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
    b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# Path parameters whose value depends on the route, not only on the parameter's name.
PATH_VALUES = {
    "/feeds/private/{name:str}": {"name": "member_feed"},
    "/feeds/resources/{name:str}": {"name": "resource_feed"},
    "/spaces/photos/{name:str}": {"name": "photo"},
    "/spaces/plans/{name:str}": {"name": "plan"},
    "/bookings/{name:str}": {"name": "booking_ics"},
    "/visits/status/": {"token": "visit_token"},
    "/verify-email/": {"token": "no_token"},
    "/password/reset/": {"token": "no_token"},
    "/reminders/off/": {"token": "no_token"},
    "/kiosk/": {"token": "kiosk_token"},
    "/staff/reports/{file:str}": {"file": "report_file"},
    "/static/{file_path:path}": {"file_path": "static_file"},
    "/schema/{path:str}": {"path": "schema_path"},
}
PARAM = re.compile(r"\{(\w+):\w+\}")


@dataclass
class World:
    """Account tokens and ids, and the values that fill each path parameter."""

    tokens: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)


def _iso(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).isoformat()


async def _ok(response: httpx.Response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, (response.request.url, response.text)
    body: dict[str, Any] = response.json()
    return body


async def _web_session(app_client: httpx.AsyncClient, email: str) -> httpx.AsyncClient:
    """A second browser on the same app, logged in as ``email``."""
    browser = httpx.AsyncClient(transport=app_client._transport, base_url="http://testserver")
    await log_in(browser, email)
    return browser


async def build_world(client: httpx.AsyncClient) -> World:
    world = World()
    users = await asyncio.gather(
        *(
            make_user(
                role,
                email=email,
                **({"organisation_name": OTHER_ORGANISATION} if key == "other_startup" else {}),
            )
            for key, (role, email) in ACCOUNTS.items()
        )
    )
    for key, user in zip(ACCOUNTS, users, strict=True):
        world.user_ids[key] = user.id
        world.tokens[key] = (await issue_api_token(user, days=1))[0]
    # A second token of the startup's, for the routes that list and revoke tokens.
    await issue_api_token(users[1], days=1)
    spare_token = await ApiToken.select(ApiToken.id).order_by(ApiToken.id, ascending=False).first()
    assert spare_token is not None
    post = client.post

    def as_(key: str) -> dict[str, str]:
        return bearer(world.tokens[key])

    room = await _ok(
        await post(
            "/api/v1/resources",
            json={"name": "Phòng họp Sen", "kind": "meeting_room", "capacity": 12},
            headers=as_("staff"),
        )
    )
    day = next_open_day(3)
    booking = await _ok(
        await post(
            "/api/v1/bookings",
            json={
                "resource_id": room["id"],
                "start": at(day, 9),
                "end": at(day, 10),
                "purpose": SECRETS["startup"][0],
            },
            headers=as_("startup"),
        )
    )
    series = await _ok(
        await post(
            "/api/v1/booking-series",
            json={
                "resource_id": room["id"],
                "start": at(day, 13),
                "end": at(day, 14),
                "frequency": "weekly",
                "count": 2,
            },
            headers=as_("startup"),
        )
    )
    await _ok(
        await post(
            "/api/v1/bookings",
            json={"resource_id": room["id"], "start": at(day, 10), "end": at(day, 11)},
            headers=as_("student"),
        )
    )
    entry = await _ok(
        await post(
            "/api/v1/waitlist",
            json={"resource_id": room["id"], "start": at(day, 10), "end": at(day, 11)},
            headers=as_("startup"),
        )
    )

    visit_day = next_open_day(21)
    startup_email = ACCOUNTS["startup"][1]
    visit = await _ok(
        await post(
            "/api/v1/visits",
            json={
                "school_name": SECRETS["startup"][1],
                "contact_name": "Nguyễn Thị Lan",
                "contact_email": startup_email,
                "contact_phone": "0276 3822 333",
                "grade": "Lớp 11",
                "student_count": 20,
                "supervisor_count": 2,
                "topic": "IoT trong nông nghiệp",
                "preferred_date": visit_day.isoformat(),
                "consent": True,
            },
            headers=as_("startup"),
        )
    )
    mails = await OutboxMessage.select(OutboxMessage.body_text).where(
        OutboxMessage.to_address == startup_email
    )
    visit_token = next(
        text.split("/visits/status/", 1)[1].split()[0].rstrip(".")
        for text in (m["body_text"] for m in mails)
        if "/visits/status/" in text
    )

    case = await _ok(
        await post(
            "/api/v1/trademark-cases",
            json={
                "mark_name": SECRETS["startup"][2],
                "mark_type": "combined",
                "classes": [{"number": 30, "items": ["Bánh tráng phơi sương"]}],
                "organisation_name": "Công ty Khởi Nghiệp Xanh",
            },
            headers=as_("startup"),
        )
    )
    case_path = f"/api/v1/trademark-cases/{case['id']}"
    detail = await _ok(await client.get(case_path, headers=as_("startup")), 200)
    code = detail["checklist"][0]["code"]
    dossier_file = await _ok(
        await post(
            f"{case_path}/checklist/{code}/files",
            files={"file": ("uy-quyen.pdf", PDF, "application/pdf")},
            headers=as_("startup"),
        )
    )
    consult_day = next_open_day(4)
    consulted = await _ok(
        await post(
            f"{case_path}/consultations",
            json={
                "resource_id": room["id"],
                "start": at(consult_day, 15),
                "end": at(consult_day, 16),
            },
            headers=as_("staff"),
        )
    )

    now = datetime.now(LOCAL_TZ)
    programme = await _ok(
        await post(
            "/api/v1/programmes",
            json={
                "name": "Hỗ trợ năng suất 2026",
                "opens_at": _iso(now - timedelta(days=1)),
                "closes_at": _iso(now + timedelta(days=30)),
                "budget_vnd": 1_000_000_000,
                "support_types": [
                    {"type": "iso_9001", "cost_share_percent": 50, "cap_vnd": 50_000_000}
                ],
            },
            headers=as_("staff"),
        )
    )
    application = await _ok(
        await post(
            f"/api/v1/programmes/{programme['id']}/applications",
            json={
                "enterprise_name": "Công ty Cổ phần Mía đường",
                "tax_code": "0100109106",
                "support_items": [{"type": "iso_9001", "cost_vnd": 100_000_000}],
            },
            headers=as_("enterprise"),
        )
    )
    app_path = f"/api/v1/applications/{application['id']}"
    await _ok(
        await client.patch(
            app_path, json={"plan": SECRETS["enterprise"][0]}, headers=as_("enterprise")
        ),
        200,
    )
    browser = await _web_session(client, ACCOUNTS["enterprise"][1])
    try:
        token = await csrf_token(browser, f"/applications/{application['id']}/edit")
        uploaded = await browser.post(
            f"/applications/{application['id']}/documents",
            data={"_csrf_token": token, "kind": "registration"},
            files={"document": ("dang-ky.pdf", PDF, "application/pdf")},
        )
        assert uploaded.status_code == 303, uploaded.text
    finally:
        await browser.aclose()
    await _ok(await post(f"{app_path}/submit", headers=as_("enterprise")), 200)
    await _ok(
        await post(
            f"{app_path}/reviewers",
            json={"reviewer_id": world.user_ids["staff"]},
            headers=as_("staff"),
        ),
        200,
    )
    await _ok(
        await post(
            f"{app_path}/reviews",
            json={
                "scores": {"need": 4, "plan": 4, "consultant": 4, "commitment": 4, "impact": 4},
                "recommendation": "yes",
            },
            headers=as_("staff"),
        )
    )
    await _ok(
        await post(
            f"{app_path}/decision",
            json={
                "outcome": "approved",
                "authority": "department",
                "number": "512/QĐ-SKHCN",
                "decided_on": "2026-10-15",
            },
            headers=as_("staff"),
        ),
        200,
    )
    followed = await _ok(
        await post(
            f"{app_path}/milestones",
            json={"title": "Đánh giá ban đầu", "due_on": (visit_day).isoformat()},
            headers=as_("staff"),
        )
    )

    browser = await _web_session(client, ACCOUNTS["staff"][1])
    try:
        token = await csrf_token(browser, "/staff/spaces")
        photo = await browser.post(
            f"/staff/spaces/resources/{room['id']}/photo",
            data={"_csrf_token": token},
            files={"photo": ("sen.png", PNG, "image/png")},
        )
        assert photo.status_code == 303, photo.text
        plan = await browser.post(
            f"/staff/spaces/locations/{room['location_id']}/plan",
            data={"_csrf_token": token},
            files={"plan": ("tang-3.png", PNG, "image/png")},
        )
        assert plan.status_code == 303, plan.text
    finally:
        await browser.aclose()
    listed = await _ok(await client.get("/api/v1/resources"), 200)
    photo_url = next(r["photo_url"] for r in listed["items"] if r["id"] == room["id"])
    placed = await client.put(
        f"/api/v1/staff/resources/{room['id']}/position",
        json={"x": 25, "y": 50},
        headers=as_("staff"),
    )
    await _ok(placed, 200)
    plan_info = await _ok(await client.get(f"/api/v1/locations/{room['location_id']}/plan"), 200)

    kiosk, kiosk_token = await bookings.create_kiosk(
        users[list(ACCOUNTS).index("staff")], room["location_id"], "Quầy lễ tân"
    )

    feeds = await _ok(await client.get("/api/v1/me/feeds", headers=as_("startup")), 200)
    member_feed = next(f["url"] for f in feeds["items"] if f["kind"] == "member")

    world.values.update(
        resource_id=str(room["id"]),
        kiosk_id=str(kiosk.id),
        kiosk_token=kiosk_token,
        booking_id=str(booking["id"]),
        booking_ics=f"{booking['id']}.ics",
        series_id=str(series["id"]),
        entry_id=str(entry["id"]),
        visit_id=str(visit["id"]),
        visit_token=visit_token,
        case_id=str(case["id"]),
        code=code,
        file_id=str(dossier_file["id"]),
        consultation_id=str(consulted["consultations"][0]["id"]),
        programme_id=str(programme["id"]),
        application_id=str(application["id"]),
        document_id=str(followed["documents"][0]["id"]),
        milestone_id=str(followed["milestones"][0]["id"]),
        reviewer_id=str(world.user_ids["staff"]),
        user_id=str(world.user_ids["other_startup"]),
        token_id=str(spare_token["id"]),
        member_feed=urlsplit(member_feed).path.rsplit("/", 1)[1],
        resource_feed=f"{room['id']}.ics",
        photo=photo_url.rsplit("/", 1)[1],
        location_id=str(room["location_id"]),
        plan=plan_info["plan_url"].rsplit("/", 1)[1],
        report_file="report.xlsx",
        static_file="css/hub.css",
        schema_path="swagger",
        no_token="not-a-real-token",
    )
    return world


def fill_path(path: str, world: World) -> str:
    """The route's path with real values from the world in place of its parameters."""
    keys = next((keys for start, keys in PATH_VALUES.items() if path.startswith(start)), {})
    return PARAM.sub(lambda m: world.values[keys.get(m.group(1), m.group(1))], path)


def http_routes(app: Litestar) -> list[HTTPRoute]:
    return [route for route in app.routes if isinstance(route, HTTPRoute)]
