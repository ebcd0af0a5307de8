"""Logging in and out, sessions, CSRF, role guards and the security headers."""

from __future__ import annotations

import asyncio
import re

import httpx
from litestar import Litestar

from innovation_hub.accounts.tables import User
from innovation_hub.core.settings import Settings
from tests.helpers import PASSWORD, csrf_token, freeze_login_clock, log_in, make_user, post_form


async def test_anonymous_visitor_is_sent_to_login_from_a_member_page(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/profile")
    assert response.status_code == 302
    assert response.headers["location"] == "/login?next=/profile"
    staff = await client.get("/staff")
    assert staff.headers["location"] == "/login?next=/staff"


async def test_login_returns_to_the_page_asked_for(client: httpx.AsyncClient) -> None:
    await make_user("staff", email="staff@hub.vn")
    response = await post_form(
        client, "/login", {"email": "staff@hub.vn", "password": PASSWORD, "next": "/admin/users"}
    )
    assert response.headers["location"] == "/admin/users"


async def test_login_never_redirects_to_another_site(client: httpx.AsyncClient) -> None:
    await make_user("student")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        client.cookies.clear()
        response = await post_form(
            client, "/login", {"email": "student@example.vn", "password": PASSWORD, "next": target}
        )
        assert response.headers["location"] == "/"


async def test_student_cannot_open_staff_or_admin_pages(client: httpx.AsyncClient) -> None:
    await make_user("student")
    await log_in(client, "student@example.vn")
    assert (await client.get("/staff")).status_code == 403
    response = await client.get("/admin/users")
    assert response.status_code == 403
    assert "Bạn không có quyền mở trang này" in response.text


async def test_staff_opens_staff_page_but_not_admin(client: httpx.AsyncClient) -> None:
    await make_user("staff", email="staff@hub.vn")
    await log_in(client, "staff@hub.vn")
    assert (await client.get("/staff")).status_code == 200
    assert (await client.get("/admin/users")).status_code == 403


async def test_header_shows_who_is_logged_in_and_their_role(client: httpx.AsyncClient) -> None:
    await make_user("startup", name="Đặng Quốc Bảo")
    await log_in(client, "startup@example.vn")
    home = await client.get("/")
    assert "Đặng Quốc Bảo" in home.text
    assert '<span class="role-badge">Khởi nghiệp</span>' in home.text  # one word, in Vietnamese


async def test_wrong_password_is_answered_next_to_the_field(client: httpx.AsyncClient) -> None:
    await make_user("student")
    response = await post_form(
        client, "/login", {"email": "student@example.vn", "password": "wrong password!"}
    )
    assert response.status_code == 422
    assert "Email hoặc mật khẩu không đúng." in response.text
    assert "hub_session" not in response.cookies


async def test_session_id_is_renewed_at_login_and_dead_after_logout(
    client: httpx.AsyncClient,
) -> None:
    await make_user("student")
    client.cookies.set("hub_session", "a" * 64, domain="testserver.local")  # fixated id
    await log_in(client, "student@example.vn")
    session_id = client.cookies.get("hub_session")
    assert session_id and session_id != "a" * 64
    assert (await client.get("/profile")).status_code == 200

    token = await csrf_token(client, "/profile")
    response = await client.post("/logout", data={"_csrf_token": token})
    assert response.status_code == 303

    # Replaying the old cookie after logout no longer opens member pages.
    replay = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    replay.cookies.set("hub_session", session_id)
    assert (await replay.get("/profile")).status_code == 302
    await replay.aclose()


async def test_session_cookie_flags(client: httpx.AsyncClient) -> None:
    await make_user("student")
    response = await log_in(client, "student@example.vn")
    cookie = next(
        v
        for k, v in response.headers.multi_items()
        if k == "set-cookie" and v.startswith("hub_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # http base URL on a laptop


async def test_anonymous_visits_create_no_session(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert "hub_session" not in response.cookies


async def test_post_without_csrf_token_is_refused(client: httpx.AsyncClient) -> None:
    await make_user("student")
    await client.get("/login")  # the browser holds the CSRF cookie
    response = await client.post(
        "/login", data={"email": "student@example.vn", "password": PASSWORD}
    )
    assert response.status_code == 403
    forged = await client.post(
        "/login",
        data={"email": "student@example.vn", "password": PASSWORD, "_csrf_token": "forged"},
    )
    assert forged.status_code == 403


async def test_htmx_sends_csrf_in_header(client: httpx.AsyncClient) -> None:
    await make_user("student")
    token = await csrf_token(client)
    response = await client.post(
        "/login",
        data={"email": "student@example.vn", "password": PASSWORD},
        headers={"hx-request": "true", "x-csrftoken": token},
    )
    assert response.status_code == 200
    assert response.headers["hx-redirect"] == "/"


async def test_every_unsafe_page_route_needs_csrf(app, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    await client.get("/login")
    unsafe = [
        (route.path, method)
        for route in app.routes
        for handler in route.route_handlers
        for method in handler.http_methods
        # The JSON API uses bearer tokens, the Stripe webhook its signature, the one-click
        # reminder unsubscribe (RFC 8058, POSTed by mail programs) its signed link.
        if method in {"POST", "PUT", "PATCH", "DELETE"}
        and not route.path.startswith(("/api/", "/stripe/webhook", "/reminders/off/"))
    ]
    assert len(unsafe) >= 9
    for path, method in unsafe:
        concrete = re.sub(r"\{\w+:int\}", "1", re.sub(r"\{\w+:str\}", "x", path))
        response = await client.request(method, concrete, data={"a": "b"})
        assert response.status_code == 403, (method, path, response.status_code)


async def test_every_route_declares_who_may_use_it(app) -> None:  # type: ignore[no-untyped-def]
    undeclared = [
        (route.path, sorted(handler.http_methods))
        for route in app.routes
        for handler in route.route_handlers
        if "access" not in handler.opt and handler.http_methods != {"OPTIONS"}
    ]
    assert undeclared == []


async def test_security_headers_on_pages(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "<script>" not in response.text  # no inline script for the CSP to block


async def test_user_text_is_rendered_inert(client: httpx.AsyncClient) -> None:
    await make_user("student", name='<script>alert(1)</script><b hx-get="/x">Tí</b>')
    await log_in(client, "student@example.vn")
    page = await client.get("/profile")
    assert "<script>alert(1)</script>" not in page.text
    assert 'hx-get="/x"' not in page.text
    assert "&lt;script&gt;" in page.text


async def test_language_switch_to_english_and_back(client: httpx.AsyncClient) -> None:
    home = await client.get("/")
    assert 'lang="vi"' in home.text and "Đăng nhập" in home.text
    response = await post_form(
        client, "/language", {"locale": "en", "next": "/register"}, token_page="/"
    )
    assert response.headers["location"] == "/register"
    page = await client.get("/register")
    assert 'lang="en"' in page.text and "Create an account" in page.text
    await post_form(client, "/language", {"locale": "vi"}, token_page="/")
    assert "Tạo tài khoản" in (await client.get("/register")).text


async def test_a_members_language_choice_is_kept_on_the_account(client: httpx.AsyncClient) -> None:
    user = await make_user("student")
    await log_in(client, "student@example.vn")
    await post_form(client, "/language", {"locale": "en"}, token_page="/")
    refreshed = await User.objects().where(User.id == user.id).first()
    assert refreshed is not None and refreshed.locale == "en"


async def test_unknown_language_is_refused(client: httpx.AsyncClient) -> None:
    response = await post_form(client, "/language", {"locale": "fr"}, token_page="/")
    assert response.status_code == 422


async def test_failed_logins_slow_down_that_account_from_that_address_only(
    app: Litestar, client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    freeze_login_clock(app)
    await make_user("student")
    for _ in range(5):
        response = await post_form(
            client, "/login", {"email": "student@example.vn", "password": "nope nope nope"}
        )
        assert response.status_code == 422
    waiting = await post_form(
        client, "/login", {"email": "student@example.vn", "password": PASSWORD}
    )
    assert waiting.status_code == 429
    assert "Hãy đợi 1 giây rồi thử lại." in waiting.text
    assert waiting.headers["retry-after"] == "1"
    # The wait is for this address only: from another, the right password works at once.
    elsewhere = await post_form(
        other_client, "/login", {"email": "student@example.vn", "password": PASSWORD}
    )
    assert elsewhere.status_code == 303
    # Another account from the first address does not wait either.
    await make_user("startup")
    ok = await post_form(client, "/login", {"email": "startup@example.vn", "password": PASSWORD})
    assert ok.status_code == 303


async def test_parallel_guesses_get_no_more_tries_than_one_after_another(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    freeze_login_clock(app)
    await make_user("student")
    token = await csrf_token(client, "/login")
    guesses = await asyncio.gather(
        *(
            client.post(
                "/login",
                data={
                    "email": "student@example.vn",
                    "password": f"guess {i:08d}",
                    "_csrf_token": token,
                },
            )
            for i in range(20)
        )
    )
    statuses = sorted(response.status_code for response in guesses)
    assert statuses == [422] * 5 + [429] * 15


async def test_one_address_failing_on_many_accounts_is_refused_but_a_school_is_not(
    app: Litestar, client: httpx.AsyncClient, other_client: httpx.AsyncClient, settings: Settings
) -> None:
    freeze_login_clock(app)
    await make_user("student")
    token = await csrf_token(client, "/login")

    async def attempt(email: str, password: str = "x" * 12) -> httpx.Response:
        return await client.post(
            "/login", data={"email": email, "password": password, "_csrf_token": token}
        )

    # A school behind one address: 40 pupils each mistype their own password twice.
    for i in range(40):
        for _ in range(2):
            assert (await attempt(f"pupil{i}@hs.vn")).status_code == 422
    assert (await attempt("student@example.vn", PASSWORD)).status_code == 303
    client.cookies.delete("hub_session")  # the next attempts come from someone else again

    # Credential stuffing: a failure on each of many different accounts.
    for i in range(40, settings.login_max_accounts_per_ip):
        assert (await attempt(f"pupil{i}@hs.vn")).status_code == 422
    refused = await attempt("another@example.vn")
    assert refused.status_code == 429
    assert "tài khoản khác nhau" in refused.text
    assert int(refused.headers["retry-after"]) > 0
    # The address is refused, not the accounts: from another address they log in.
    ok = await post_form(
        other_client, "/login", {"email": "student@example.vn", "password": PASSWORD}
    )
    assert ok.status_code == 303


async def test_admin_creates_a_staff_account(client: httpx.AsyncClient) -> None:
    await make_user("admin", email="admin@hub.vn")
    await log_in(client, "admin@hub.vn")
    response = await post_form(
        client,
        "/admin/users",
        {
            "role": "staff",
            "name": "Trần Thị Ngọc",
            "email": "ngoc@hub.vn",
            "password": "a long password",
        },
        token_page="/admin/users",
    )
    assert response.status_code == 201
    assert "ngoc@hub.vn" in response.text
    staff = await User.objects().where(User.email == "ngoc@hub.vn").first()
    assert staff is not None and staff.role == "staff" and staff.email_verified_at is not None
    duplicate = await post_form(
        client,
        "/admin/users",
        {"role": "staff", "name": "Ngọc", "email": "ngoc@hub.vn", "password": "a long password"},
        token_page="/admin/users",
    )
    assert duplicate.status_code == 422
    assert await User.count().where(User.email == "ngoc@hub.vn") == 1


async def test_profile_update_with_bad_tax_code_changes_nothing(client: httpx.AsyncClient) -> None:
    user = await make_user("enterprise")
    await log_in(client, "enterprise@example.vn")
    form = {
        "name": "Tên mới",
        "organisation_name": "Công ty mới",
        "tax_code": "123",
        "locale": "vi",
    }
    response = await post_form(client, "/profile", form, token_page="/profile", htmx=True)
    assert response.status_code == 422
    assert "Hãy nhập mã số thuế hợp lệ" in response.text
    unchanged = await User.objects().where(User.id == user.id).first()
    assert unchanged is not None and unchanged.name == user.name
    ok = await post_form(
        client, "/profile", {**form, "tax_code": "0300588569"}, token_page="/profile"
    )
    assert ok.status_code == 200 and "Đã lưu thay đổi." in ok.text
