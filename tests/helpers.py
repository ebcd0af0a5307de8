"""Shared test helpers: accounts made through the real services, logins through the real pages."""

from __future__ import annotations

import re
import socket
import time
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from innovation_hub.accounts.services import NewAccount, create_account
from innovation_hub.accounts.tables import User

PASSWORD = "correct horse battery"


async def make_user(role: str = "student", email: str | None = None, **fields: str) -> User:
    defaults = {
        "student": {"school": "Trường THPT Tây Ninh"},
        "startup": {"organisation_name": "Công ty Khởi Nghiệp Xanh"},
        "enterprise": {"organisation_name": "Công ty Cổ phần Mía đường", "tax_code": "0100109106"},
    }.get(role, {})
    values = {"name": f"Người dùng {role}", **defaults, **fields}
    account = NewAccount(
        email=email or f"{role}@example.vn", password=PASSWORD, role=role, **values
    )
    return await create_account(account, actor_id=None)


class FakeClock:
    """Stands in for ``time.time`` in the login limits, so tests wait without waiting."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def freeze_login_clock(*apps: Any) -> FakeClock:
    """One clock for the login limits of these apps; it moves only when told to."""
    clock = FakeClock()
    for app in apps:
        app.state.login_limiter.pairs.clock = clock
        app.state.login_limiter.addresses.clock = clock
    return clock


async def log_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    response = await post_form(client, "/login", {"email": email, "password": password})
    assert response.status_code == 303, response.text
    return response


async def api_token(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    response = await client.post("/api/v1/auth/tokens", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def csrf_token(client: httpx.AsyncClient, path: str = "/login") -> str:
    """The token a browser would find in the page's forms."""
    response = await client.get(path)
    match = CSRF_INPUT.search(response.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


async def post_form(
    client: httpx.AsyncClient,
    path: str,
    data: dict[str, str],
    *,
    htmx: bool = False,
    token_page: str = "/login",
) -> httpx.Response:
    token = await csrf_token(client, token_page)
    headers = {"hx-request": "true"} if htmx else {}
    return await client.post(path, data={**data, "_csrf_token": token}, headers=headers)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def next_open_day(min_days: int = 2) -> date:
    """A Monday–Friday local date at least ``min_days`` ahead that is not a public holiday."""
    import holidays

    from innovation_hub.core.clock import LOCAL_TZ

    day = datetime.now(LOCAL_TZ).date() + timedelta(days=min_days)
    vn = holidays.Vietnam(years=range(day.year, day.year + 2))
    while day.weekday() >= 5 or day in vn:
        day += timedelta(days=1)
    return day


def at(day: date, hour: int, minute: int = 0) -> str:
    """An ISO timestamp with the +07:00 offset, as API clients send it."""
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}:00+07:00"


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
