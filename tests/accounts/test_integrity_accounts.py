"""Accounts under racing requests and impostors: login delays that no stranger can turn into
a lockout, reset links that void each other, reset and notice mails that cannot be used to
flood an inbox, registration that does not tell who has an account, CSRF tokens bound to
their session, and the command line's four options.

The login tests run on the file store and, when HUB_TEST_REDIS_URL is set, on Redis."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any, cast

import httpx
import pytest
from litestar import Litestar

from innovation_hub.accounts.tables import EmailToken, User
from innovation_hub.core.mail import OutboxMessage
from innovation_hub.core.settings import Settings
from tests.helpers import (
    PASSWORD,
    FakeClock,
    csrf_token,
    freeze_login_clock,
    log_in,
    make_user,
    post_form,
)

REDIS_URL = os.environ.get("HUB_TEST_REDIS_URL")
STORES = ["file", "redis"] if REDIS_URL else ["file"]
OWNER_IP, STRANGER_IP = "203.0.113.10", "198.51.100.66"
VICTIM = "student@example.vn"
RESET_LINK = re.compile(r"http://testserver(/password/reset/\S+)")


async def _forget_redis_limits() -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL or "")
    try:
        async for key in redis.scan_iter("innovation_hub_rate_limits*"):
            await redis.delete(key)
    finally:
        await redis.aclose()


@pytest.fixture(params=STORES)
async def hub(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[Litestar]:
    """The app, with its rate limits in the file store or in Redis."""
    from innovation_hub.app import create_app

    if request.param == "file":
        yield create_app(settings)
        return
    await _forget_redis_limits()
    yield create_app(replace(settings, redis_url=REDIS_URL))
    await _forget_redis_limits()


def browser(app: Litestar, ip: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=cast(Any, app), client=(ip, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def owner(hub: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(hub, OWNER_IP) as client:
        yield client


@pytest.fixture
async def stranger(hub: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(hub, STRANGER_IP) as client:
        yield client


@pytest.fixture
def clock(hub: Litestar) -> FakeClock:
    return freeze_login_clock(hub)


async def login(client: httpx.AsyncClient, password: str, email: str = VICTIM) -> httpx.Response:
    return await post_form(client, "/login", {"email": email, "password": password})


# -- login delays ------------------------------------------------------------------------------


async def test_a_strangers_failures_from_another_address_never_lock_the_owner_out(
    hub: Litestar, owner: httpx.AsyncClient, stranger: httpx.AsyncClient, clock: FakeClock
) -> None:
    await make_user("student")
    for _ in range(20):
        clock.advance(15 * 60)  # the stranger patiently waits out every delay
        assert (await login(stranger, "a guess 123456")).status_code == 422
    assert (await login(stranger, "a guess 123456")).status_code == 429
    # The owner, from their own address, logs in at once with the right password.
    response = await login(owner, PASSWORD)
    assert response.status_code == 303
    assert (await owner.get("/profile")).status_code == 200
    # The same for the owner's API client.
    api = await owner.post("/api/v1/auth/tokens", json={"email": VICTIM, "password": PASSWORD})
    assert api.status_code == 201


async def test_delays_grow_are_answered_429_with_retry_after_and_end_at_the_cap(
    owner: httpx.AsyncClient, clock: FakeClock
) -> None:
    await make_user("student")
    for _ in range(5):
        assert (await login(owner, "not my password")).status_code == 422
    waits = []
    for _ in range(12):
        refused = await login(owner, PASSWORD)
        assert refused.status_code == 429
        waits.append(int(refused.headers["retry-after"]))
        clock.advance(waits[-1])
        assert (await login(owner, "still not my password")).status_code == 422
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]

    page = await login(owner, PASSWORD)
    assert page.status_code == 429
    assert "Đăng nhập sai quá nhiều lần. Hãy thử lại sau 15 phút." in page.text
    api = await owner.post("/api/v1/auth/tokens", json={"email": VICTIM, "password": PASSWORD})
    assert api.status_code == 429
    assert api.headers["retry-after"] == "900"
    assert api.json()["code"] == "rate_limited"
    assert api.json()["retry_after"] == 900

    # Early by a second: still refused; on time: the right password works and clears it all.
    clock.advance(899)
    assert (await login(owner, PASSWORD)).status_code == 429
    clock.advance(1)
    assert (await login(owner, PASSWORD)).status_code == 303
    owner.cookies.clear()
    for _ in range(5):
        assert (await login(owner, "a fresh typo")).status_code == 422
    short = await login(owner, PASSWORD)
    assert short.status_code == 429 and short.headers["retry-after"] == "1"
    assert "Hãy đợi 1 giây rồi thử lại." in short.text


async def test_parallel_guesses_at_a_waiting_account_get_nothing_more(
    owner: httpx.AsyncClient, clock: FakeClock
) -> None:
    await make_user("student")
    for _ in range(6):
        clock.advance(60)
        await login(owner, "wrong password")
    clock.advance(60)  # the 2-second wait is over: exactly one more guess is due
    token = await csrf_token(owner)
    guesses = await asyncio.gather(
        *(
            owner.post(
                "/login",
                data={"email": VICTIM, "password": f"guess {i:06d}", "_csrf_token": token},
            )
            for i in range(20)
        )
    )
    assert sorted(r.status_code for r in guesses) == [422] + [429] * 19


@pytest.mark.parametrize("store", STORES)
async def test_parallel_guesses_at_many_accounts_from_one_address_stop_at_the_cap(
    settings: Settings, store: str
) -> None:
    from innovation_hub.app import create_app

    redis_url = REDIS_URL if store == "redis" else None
    if redis_url:
        await _forget_redis_limits()
    app = create_app(replace(settings, login_max_accounts_per_ip=10, redis_url=redis_url))
    freeze_login_clock(app)
    try:
        async with browser(app, STRANGER_IP) as client:
            token = await csrf_token(client)
            guesses = await asyncio.gather(
                *(
                    client.post(
                        "/login",
                        data={"email": f"u{i}@list.vn", "password": "x" * 12, "_csrf_token": token},
                    )
                    for i in range(30)
                )
            )
    finally:
        if redis_url:
            await _forget_redis_limits()
    assert sorted(r.status_code for r in guesses) == [422] * 10 + [429] * 20


async def test_a_password_reset_clears_the_delays_on_the_account(
    owner: httpx.AsyncClient, stranger: httpx.AsyncClient, clock: FakeClock
) -> None:
    await make_user("student")
    for client in (stranger, owner):
        for _ in range(10):
            clock.advance(15 * 60)
            await login(client, "forgotten password")
    assert (await login(owner, PASSWORD)).status_code == 429

    await post_form(owner, "/password/forgot", {"email": VICTIM})
    message = await OutboxMessage.objects().first()
    assert message is not None
    path = RESET_LINK.search(message.body_text).group(1)  # type: ignore[union-attr]
    new_password = "a brand new passphrase"
    changed = await post_form(
        owner, path, {"password": new_password, "password_confirm": new_password}, token_page=path
    )
    assert changed.status_code == 303
    # No waiting, from either address.
    assert (await login(owner, new_password)).status_code == 303
    stranger_try = await login(stranger, "another guess 1")
    assert stranger_try.status_code == 422


# -- reset links and mails -----------------------------------------------------------------


def without_tokens(html: str) -> str:
    """The page without its CSRF tokens, which differ from one page to the next."""
    return re.sub(r"[0-9a-f]{64}", "", html)


async def reset_links() -> list[str]:
    rows = await OutboxMessage.objects().order_by(OutboxMessage.id).run()
    return [m.group(1) for row in rows if (m := RESET_LINK.search(row.body_text))]


async def test_a_newer_reset_link_voids_the_older_ones(client: httpx.AsyncClient) -> None:
    await make_user("student", email="khoa@hs.vn")
    for _ in range(3):
        await post_form(client, "/password/forgot", {"email": "khoa@hs.vn"})
    first, second, newest = await reset_links()
    mail = await OutboxMessage.objects().first()
    assert mail is not None and "Chỉ đường dẫn mới nhất dùng được" in mail.body_text
    chosen = {"password": "an old link's password", "password_confirm": "an old link's password"}
    for old in (first, second):
        assert (await client.get(old)).status_code == 404
        refused = await post_form(client, old, chosen, token_page="/login")
        assert refused.status_code == 404
    await log_in(client, "khoa@hs.vn")  # the password is unchanged
    client.cookies.clear()
    assert (await client.get(newest)).status_code == 200
    used = await post_form(client, newest, chosen, token_page=newest)
    assert used.status_code == 303
    await log_in(client, "khoa@hs.vn", chosen["password"])
    assert await EmailToken.count().where(EmailToken.used_at.is_null()) == 0


async def test_parallel_reset_requests_leave_one_live_link(client: httpx.AsyncClient) -> None:
    await make_user("student", email="khoa@hs.vn")
    token = await csrf_token(client, "/password/forgot")
    answers = await asyncio.gather(
        *(
            client.post("/password/forgot", data={"email": "khoa@hs.vn", "_csrf_token": token})
            for _ in range(3)
        )
    )
    assert [a.status_code for a in answers] == [200, 200, 200]
    live = [link for link in await reset_links() if (await client.get(link)).status_code == 200]
    assert len(live) == 1


async def test_reset_mails_are_limited_per_account_and_per_address_without_saying_so(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, settings: Settings
) -> None:
    await make_user("student", email="khoa@hs.vn")
    await make_user("startup", email="bao@startup.vn")
    pages = set()
    for _ in range(settings.reset_emails_per_account_per_hour + 3):
        response = await post_form(client, "/password/forgot", {"email": "khoa@hs.vn"})
        assert response.status_code == 200
        pages.add(without_tokens(response.text))
    assert len(pages) == 1  # the same answer, sent or not
    assert len(await reset_links()) == settings.reset_emails_per_account_per_hour

    # Per address: asking for many accounts (known or not) from one address stops there too.
    for i in range(settings.reset_emails_per_ip_per_hour):
        await post_form(other_client, "/password/forgot", {"email": f"nobody{i}@x.vn"})
    await post_form(other_client, "/password/forgot", {"email": "bao@startup.vn"})
    assert await OutboxMessage.count().where(OutboxMessage.to_address == "bao@startup.vn") == 0
    # The account itself may still get its link asked from elsewhere.
    await post_form(client, "/password/forgot", {"email": "bao@startup.vn"})
    assert await OutboxMessage.count().where(OutboxMessage.to_address == "bao@startup.vn") == 1


# -- registration ---------------------------------------------------------------------------

FORM = {
    "role": "student",
    "name": "Lê Văn Tí",
    "password": "một câu dài dễ nhớ",
    "school": "THPT Trảng Bàng",
}


def answer(response: httpx.Response) -> tuple[int, str | None, str | None, list[str]]:
    cookies = sorted(
        value.split("=", 1)[0]
        for key, value in response.headers.multi_items()
        if key == "set-cookie"
    )
    return (
        response.status_code,
        response.headers.get("location"),
        response.headers.get("hx-redirect"),
        cookies,
    )


@pytest.mark.parametrize("htmx", [False, True])
async def test_registering_answers_alike_for_a_new_and_an_existing_email(
    app: Litestar, htmx: bool
) -> None:
    owner = await make_user("startup", email="taken@example.vn", name="Đặng Quốc Bảo")
    answers = []
    for email in ("new@example.vn", "taken@example.vn"):
        async with browser(app, OWNER_IP) as visitor:
            response = await post_form(visitor, "/register", {**FORM, "email": email}, htmx=htmx)
            page = await visitor.get("/register/sent")
            assert (await visitor.get("/profile")).status_code == 302  # not logged in
            answers.append((answer(response), without_tokens(page.text)))
    assert answers[0] == answers[1]
    assert answers[0][0][0] == (200 if htmx else 303)
    assert "Hãy kiểm tra email" in answers[0][1]

    verification, notice = await OutboxMessage.objects().order_by(OutboxMessage.id).run()
    assert verification.to_address == "new@example.vn"
    assert "/verify-email/" in verification.body_text
    assert notice.to_address == "taken@example.vn"
    assert "Có người đã thử đăng ký tài khoản bằng email của bạn" in notice.subject
    assert "Đặng Quốc Bảo" in notice.body_text
    assert "http://testserver/password/forgot" in notice.body_text
    # The existing account is untouched: same role, name and password.
    unchanged = await User.objects().where(User.email == "taken@example.vn").first()
    assert unchanged is not None
    assert (unchanged.role, unchanged.name, unchanged.password_hash) == (
        owner.role,
        owner.name,
        owner.password_hash,
    )
    assert await User.count() == 2


async def test_notices_about_an_existing_email_are_limited(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await make_user("startup", email="taken@example.vn")
    for _ in range(settings.reset_emails_per_account_per_hour + 2):
        response = await post_form(client, "/register", {**FORM, "email": "taken@example.vn"})
        assert response.status_code == 303
    notices = await OutboxMessage.count().where(OutboxMessage.to_address == "taken@example.vn")
    assert notices == settings.reset_emails_per_account_per_hour


async def test_parallel_registrations_of_one_email_make_one_account(
    client: httpx.AsyncClient,
) -> None:
    token = await csrf_token(client, "/register")
    answers = await asyncio.gather(
        *(
            client.post("/register", data={**FORM, "email": "ti@hs.vn", "_csrf_token": token})
            for _ in range(5)
        )
    )
    assert [a.status_code for a in answers] == [303] * 5
    assert await User.count().where(User.email == "ti@hs.vn") == 1
    mails = await OutboxMessage.objects().run()
    assert sum("/verify-email/" in m.body_text for m in mails) == 1


# -- CSRF -----------------------------------------------------------------------------------


async def test_a_csrf_token_from_one_session_is_refused_with_another(app: Litestar) -> None:
    await make_user("student", name="Tên cũ")
    await make_user("startup", email="attacker@example.vn")
    async with browser(app, STRANGER_IP) as attacker, browser(app, OWNER_IP) as victim:
        await log_in(attacker, "attacker@example.vn")
        stolen = await csrf_token(attacker, "/profile")
        await log_in(victim, VICTIM)
        # The attacker's CSRF cookie planted in the victim's browser, and the matching token.
        victim.cookies.set("hub_csrf", attacker.cookies["hub_csrf"], domain="testserver.local")
        form = {"name": "Tên giả mạo", "school": "THPT X", "locale": "vi"}
        forged = await victim.post("/profile", data={**form, "_csrf_token": stolen})
        assert forged.status_code == 403
        forged_htmx = await victim.post(
            "/profile", data=form, headers={"x-csrftoken": stolen, "hx-request": "true"}
        )
        assert forged_htmx.status_code == 403
        user = await User.objects().where(User.email == VICTIM).first()
        assert user is not None and user.name == "Tên cũ"
        # The victim's own page token still works (with the planted cookie, too).
        own = await post_form(victim, "/profile", form, token_page="/profile", htmx=True)
        assert own.status_code == 200
        user = await User.objects().where(User.email == VICTIM).first()
        assert user is not None and user.name == "Tên giả mạo"


async def test_a_csrf_token_from_before_login_is_refused_after_it(
    client: httpx.AsyncClient,
) -> None:
    await make_user("student")
    before = await csrf_token(client, "/login")
    await log_in(client, VICTIM)
    stale = await client.post("/logout", data={"_csrf_token": before})
    assert stale.status_code == 403
    assert (await client.get("/profile")).status_code == 200  # still logged in
    fresh = await client.post("/logout", data={"_csrf_token": await csrf_token(client, "/")})
    assert fresh.status_code == 303
