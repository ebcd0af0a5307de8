"""Accounts under impostors: CSRF tokens bound to their session."""

from __future__ import annotations

from typing import Any, cast

import httpx
from litestar import Litestar

from innovation_hub.accounts.tables import User
from tests.helpers import (
    csrf_token,
    log_in,
    make_user,
    post_form,
)

OWNER_IP, STRANGER_IP = "203.0.113.10", "198.51.100.66"
VICTIM = "student@example.vn"


def browser(app: Litestar, ip: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=cast(Any, app), client=(ip, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


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
