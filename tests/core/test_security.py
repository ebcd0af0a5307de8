"""Security checks the other test files do not make.

Already covered elsewhere, so not repeated here: the session cookie's flags on http, a fixated
session id replaced at login and dead after logout (file store), CSRF on every unsafe route for
a visitor, the headers of the home page, a profile name shown inert on the profile page, the
login delays per account and address (pages and API), photos, trademark images and
programme documents checked by content (test_auth_and_access, test_api, test_space_photos,
test_trademarks, test_programmes).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, cast

import httpx
import pytest
from litestar import Litestar

from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.csrf import SessionBoundCSRF
from innovation_hub.core.mail import OutboxMessage
from innovation_hub.core.settings import Settings
from tests.helpers import (
    api_token,
    at,
    bearer,
    csrf_token,
    log_in,
    make_user,
    next_open_day,
)
from tests.matrix_roles import ACCOUNTS, PDF, World, build_world, fill_path, http_routes

REDIS_URL = os.environ.get("HUB_TEST_REDIS_URL")
# Session stores to run the session tests on: Redis too when the run has one.
STORES = ["file", "redis"] if REDIS_URL else ["file"]
# Unsafe page routes that take no session cookie, so need no CSRF token (API.md).
CSRF_EXEMPT = ["^/api/", "^/stripe/webhook$"]
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

PAYLOAD = '<script>alert(1)</script><b hx-get="/x">Tí</b>'
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def browser(app: Litestar, base_url: str = "http://testserver") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=cast(Any, app), client=("203.0.113.30", 50000))
    return httpx.AsyncClient(transport=transport, base_url=base_url)


@pytest.fixture(params=STORES)
async def store_app(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[Litestar]:
    from innovation_hub.app import create_app

    redis = request.param == "redis"
    yield create_app(replace(settings, redis_url=REDIS_URL) if redis else settings)


def cookie_header(response: httpx.Response, name: str) -> str:
    found = [
        value
        for key, value in response.headers.multi_items()
        if key == "set-cookie" and value.startswith(f"{name}=")
    ]
    assert found, f"no {name} cookie set by {response.request.url}"
    return found[0]


# -- cookies and sessions --------------------------------------------------------------------


@pytest.mark.parametrize("base_url", ["http://hub.example.vn", "https://hub.example.vn"])
async def test_session_and_csrf_cookies_carry_their_flags(
    settings: Settings, base_url: str
) -> None:
    from innovation_hub.app import create_app

    app = create_app(replace(settings, base_url=base_url))
    await make_user("student")
    async with browser(app, base_url) as client:
        form_page = await client.get("/login")
        login = await log_in(client, "student@example.vn")
    for cookie in (cookie_header(form_page, "hub_csrf"), cookie_header(login, "hub_session")):
        flags = {part.strip().split("=")[0].lower(): part for part in cookie.split(";")[1:]}
        assert "httponly" in flags, cookie
        assert flags.get("samesite", "").lower().endswith("lax"), cookie
        assert flags.get("path", "").strip() == "Path=/", cookie
        # A cookie marked Secure on http would never come back; on https it must be Secure.
        assert ("secure" in flags) == base_url.startswith("https://"), cookie


async def test_a_new_login_in_the_same_browser_ends_the_previous_session(
    store_app: Litestar,
) -> None:
    await make_user("student")
    await make_user("startup", name="Đặng Quốc Bảo")
    async with browser(store_app) as client:
        await log_in(client, "student@example.vn")
        first = client.cookies["hub_session"]
        await log_in(client, "startup@example.vn")
        second = client.cookies["hub_session"]
        assert second != first
        assert "Đặng Quốc Bảo" in (await client.get("/profile")).text
    async with browser(store_app) as replay:
        replay.cookies.set("hub_session", first)
        assert (await replay.get("/profile")).status_code == 302  # back to the login page
    async with browser(store_app) as client:
        client.cookies.set("hub_session", second)
        token = await csrf_token(client, "/profile")
        assert (await client.post("/logout", data={"_csrf_token": token})).status_code == 303
    async with browser(store_app) as replay:
        replay.cookies.set("hub_session", second)
        assert (await replay.get("/profile")).status_code == 302


# -- CSRF -------------------------------------------------------------------------------------


def unsafe_page_routes(app: Litestar) -> list[tuple[str, str]]:
    routes = {
        (method, route.path)
        for route in http_routes(app)
        for handler in route.route_handlers
        for method in handler.http_methods & UNSAFE
        # The one-click reminder unsubscribe is POSTed by mail programs, with its signed link.
        if not route.path.startswith(("/api/", "/stripe/webhook", "/reminders/off/"))
    }
    # Logging out ends the session the later calls need: last.
    return sorted(routes, key=lambda key: (key[1] == "/logout", key[1], key[0]))


async def test_every_unsafe_page_route_refuses_a_logged_in_member_without_a_valid_token(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    (csrf,) = [m for m in app.middleware if isinstance(m, SessionBoundCSRF)]
    assert list(csrf.config.exclude or []) == CSRF_EXEMPT
    world = await build_world(client)
    callers: list[tuple[httpx.AsyncClient, str]] = []
    for role in ("admin", "enterprise", "startup"):
        member = browser(app)
        await log_in(member, ACCOUNTS[role][1])
        callers.append((member, await csrf_token(member, "/")))
    attacker = browser(app)
    foreign_token = await csrf_token(attacker)
    routes = unsafe_page_routes(app)
    try:
        for method, path in routes:
            url = fill_path(path, world)
            reached = False
            for member, own_token in callers:
                missing = await member.request(method, url, data={"note": "x"})
                assert missing.status_code == 403, (method, path, "no token")
                foreign = await member.request(method, url, data={"_csrf_token": foreign_token})
                assert foreign.status_code == 403, (method, path, "another browser's token")
                # The same call with this browser's own token passes the check, so the 403s
                # above came from the CSRF check and not from the route's role rule.
                valid = await member.request(method, url, data={"_csrf_token": own_token})
                if valid.status_code != 403:
                    reached = True
                    break
            assert reached, f"{method} {path}: no caller passes with a valid token"
    finally:
        for member, _token in callers:
            await member.aclose()
        await attacker.aclose()
    assert ("POST", "/logout") in routes and len(routes) >= 60, routes  # 66 when written


# -- headers on every page ---------------------------------------------------------------------


def check_page_headers(response: httpx.Response) -> None:
    where = f"{response.request.method} {response.request.url.path} -> {response.status_code}"
    policy = response.headers.get("content-security-policy")
    assert policy, f"{where}: no Content-Security-Policy"
    directives = {
        name: rest.strip()
        for name, _sep, rest in (part.strip().partition(" ") for part in policy.split(";"))
    }
    scripts = directives.get("script-src", directives.get("default-src", ""))
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, where
    assert "*" not in scripts.split(), where
    assert directives.get("object-src") == "'none'", where
    assert directives.get("frame-ancestors") == "'none'", where
    assert response.headers.get("x-content-type-options") == "nosniff", where


async def test_every_html_page_and_error_page_carries_the_content_security_policy(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    world = await build_world(client)
    staff = browser(app)
    await log_in(staff, ACCOUNTS["admin"][1])
    student = browser(app)
    await log_in(student, ACCOUNTS["student"][1])
    pages = sorted(
        {
            route.path
            for route in http_routes(app)
            for handler in route.route_handlers
            if "GET" in handler.http_methods and not route.path.startswith(("/api/", "/schema"))
        }
    )
    checked: list[str] = []
    try:
        for path in pages:
            response = await staff.get(fill_path(path, world))
            if response.headers.get("content-type", "").startswith("text/html"):
                check_page_headers(response)
                checked.append(path)
        errors = [
            await client.get("/no-such-page"),  # answered before the app's middleware
            await client.delete("/"),  # 405, likewise
            await student.get("/staff"),  # 403
            await client.get("/api/v1/no-such-thing"),  # a JSON 404
            await student.get("/bookings/999999/cancel"),  # 404 from a handler
        ]
    finally:
        await staff.aclose()
        await student.aclose()
    assert [r.status_code for r in errors] == [404, 405, 403, 404, 404]
    for response in errors:
        check_page_headers(response)
    assert errors[1].headers.get("allow"), "a 405 names the methods allowed"
    assert len(checked) >= 40, checked


# -- user text stays text ---------------------------------------------------------------------


async def seed_user_text(client: httpx.AsyncClient) -> dict[str, Any]:
    """Objects whose every free-text field is the payload, made by the people who type them."""
    await make_user("startup", name=PAYLOAD, organisation_name=PAYLOAD)
    await make_user("enterprise", name=PAYLOAD)
    await make_user("staff", email="staff@example.vn")
    await make_user("admin", email="admin@example.vn")
    staff = bearer(await api_token(client, "staff@example.vn"))
    startup = bearer(await api_token(client, "startup@example.vn"))
    enterprise = bearer(await api_token(client, "enterprise@example.vn"))

    async def created(response: httpx.Response) -> dict[str, Any]:
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    room = await created(
        await client.post(
            "/api/v1/resources",
            json={"name": PAYLOAD, "kind": "meeting_room", "capacity": 10},
            headers=staff,
        )
    )
    day = next_open_day(3)
    await created(
        await client.post(
            "/api/v1/bookings",
            json={
                "resource_id": room["id"],
                "start": at(day, 9),
                "end": at(day, 10),
                "purpose": PAYLOAD,
            },
            headers=startup,
        )
    )
    visit = await created(
        await client.post(
            "/api/v1/visits",
            json={
                "school_name": PAYLOAD,
                "contact_name": PAYLOAD,
                "contact_email": "startup@example.vn",
                "contact_phone": "0276 3822 333",
                "grade": "Lớp 11",
                "student_count": 20,
                "supervisor_count": 2,
                "topic": PAYLOAD,
                "preferred_date": next_open_day(21).isoformat(),
                "notes": PAYLOAD,
                "consent": True,
            },
        )
    )
    case = await created(
        await client.post(
            "/api/v1/trademark-cases",
            json={
                "mark_name": PAYLOAD,
                "mark_type": "combined",
                "classes": [{"number": 30, "items": [PAYLOAD]}],
                "organisation_name": PAYLOAD,
                "notes": PAYLOAD,
            },
            headers=startup,
        )
    )
    now = datetime.now(LOCAL_TZ)
    programme = await created(
        await client.post(
            "/api/v1/programmes",
            json={
                "name": PAYLOAD,
                "opens_at": (now - timedelta(days=1)).isoformat(),
                "closes_at": (now + timedelta(days=30)).isoformat(),
                "budget_vnd": 1_000_000_000,
                "support_types": [
                    {"type": "iso_9001", "cost_share_percent": 50, "cap_vnd": 50_000_000}
                ],
            },
            headers=staff,
        )
    )
    application = await created(
        await client.post(
            f"/api/v1/programmes/{programme['id']}/applications",
            json={
                "enterprise_name": PAYLOAD,
                "tax_code": "0100109106",
                "support_items": [{"type": "iso_9001", "cost_vnd": 100_000_000}],
            },
            headers=enterprise,
        )
    )
    patched = await client.patch(
        f"/api/v1/applications/{application['id']}",
        json={"plan": PAYLOAD, "main_products": PAYLOAD},
        headers=enterprise,
    )
    assert patched.status_code == 200, patched.text
    submitted = await client.post(
        f"/api/v1/applications/{application['id']}/submit", headers=enterprise
    )
    assert submitted.status_code == 200, submitted.text
    return {
        "day": day.isoformat(),
        "visit": visit["id"],
        "case": case["id"],
        "application": application["id"],
    }


async def test_user_text_is_shown_escaped_on_every_page_that_shows_it(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    ids = await seed_user_text(client)
    mails = await OutboxMessage.select(OutboxMessage.body_text).where(
        OutboxMessage.to_address == "startup@example.vn"
    )
    teacher_link = next(
        "/visits/status/" + text.split("/visits/status/", 1)[1].split()[0]
        for text in (m["body_text"] for m in mails)
        if "/visits/status/" in text
    )
    pages = {
        "anonymous": ["/spaces", "/programmes", teacher_link],
        "startup": [
            "/bookings",
            "/trademarks/cases",
            f"/trademarks/cases/{ids['case']}",
            f"/trademarks/cases/{ids['case']}/classes",
        ],
        "enterprise": ["/applications", f"/applications/{ids['application']}"],
        "staff": [
            f"/staff/board?date={ids['day']}",
            "/staff/visits",
            f"/staff/visits/{ids['visit']}",
            "/staff/trademarks",
            f"/staff/trademarks/{ids['case']}",
            "/staff/programmes",
            f"/staff/applications/{ids['application']}",
        ],
        "admin": ["/admin/users"],
    }
    shown = []
    for role, paths in pages.items():
        async with browser(app) as visitor:
            if role != "anonymous":
                await log_in(visitor, f"{role}@example.vn")
            for path in paths:
                page = await visitor.get(path)
                assert page.status_code == 200, (role, path, page.status_code)
                assert "<script>alert(1)</script>" not in page.text, (role, path)
                assert 'hx-get="/x"' not in page.text, (role, path)
                assert ESCAPED in page.text, f"{path} does not show the text ({role})"
                shown.append(path)
    assert len(shown) == sum(len(paths) for paths in pages.values())


# -- uploads are judged by their bytes, not their names ----------------------------------------


NOT_AN_IMAGE = b"<html><script>alert(1)</script></html>"


async def test_uploads_with_a_trusted_name_but_other_content_are_refused(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    world: World = await build_world(client)
    case_id, code = world.values["case_id"], world.values["code"]
    startup = bearer(world.tokens["startup"])
    case_path = f"/api/v1/trademark-cases/{case_id}"
    before = (await client.get(case_path, headers=startup)).json()

    dossier = await client.post(
        f"{case_path}/checklist/{code}/files",
        files={"file": ("to-khai.pdf", NOT_AN_IMAGE, "application/pdf")},
        headers=startup,
    )
    assert dossier.status_code == 422 and dossier.json()["code"] == "file_type"

    member = browser(app)
    try:
        await log_in(member, ACCOUNTS["startup"][1])
        token = await csrf_token(member, f"/trademarks/cases/{case_id}")
        image = await member.post(
            f"/trademarks/cases/{case_id}/image",
            data={"_csrf_token": token},
            files={"image": ("logo.png", NOT_AN_IMAGE, "image/png")},
        )
        assert image.status_code == 422, image.status_code
        checklist = await member.post(
            f"/trademarks/cases/{case_id}/checklist/{code}",
            data={"_csrf_token": token},
            files={"file": ("to-khai.pdf", NOT_AN_IMAGE, "application/pdf")},
        )
        assert checklist.status_code == 422, checklist.status_code
    finally:
        await member.aclose()
    after = (await client.get(case_path, headers=startup)).json()
    assert after["has_image"] is False
    assert [len(i["files"]) for i in after["checklist"]] == [
        len(i["files"]) for i in before["checklist"]
    ]

    application_id = world.values["application_id"]
    milestone_id = world.values["milestone_id"]
    enterprise = browser(app)
    try:
        await log_in(enterprise, ACCOUNTS["enterprise"][1])
        token = await csrf_token(enterprise, f"/applications/{application_id}")
        evidence = await enterprise.post(
            f"/applications/{application_id}/milestones/{milestone_id}/report",
            data={"_csrf_token": token, "report": "Đã đánh giá xong."},
            files={"evidence": ("bien-ban.pdf", PDF[:4] + NOT_AN_IMAGE[4:], "application/pdf")},
        )
        assert evidence.status_code == 422, evidence.status_code
    finally:
        await enterprise.aclose()
    documents = (
        await client.get(
            f"/api/v1/applications/{application_id}", headers=bearer(world.tokens["enterprise"])
        )
    ).json()["documents"]
    assert [d["kind"] for d in documents] == ["registration"]
