"""The command line and a real server process: migrate, demo, users create, serve, readyz."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from innovation_hub.core.settings import served_base_url
from tests.app.conftest import hub
from tests.conftest import _postgres_admin
from tests.helpers import CSRF_INPUT, free_port

pytestmark = pytest.mark.slow


async def test_users_create_and_duplicate_email(own_database: dict[str, str]) -> None:
    assert hub(own_database, "migrate").returncode == 0
    args = [
        "users",
        "create",
        "--email",
        "ngoc@hub.vn",
        "--password",
        "mật khẩu rất dài",
        "--role",
        "staff",
        "--name",
        "Trần Thị Bích Ngọc",
    ]
    first = hub(own_database, *args)
    assert first.returncode == 0, first.stderr
    assert "created staff account ngoc@hub.vn" in first.stdout
    second = hub(own_database, *args)
    assert second.returncode != 0
    assert "email" in second.stderr
    bad_role = hub(own_database, *[a if a != "staff" else "wizard" for a in args])
    assert bad_role.returncode != 0


async def test_users_create_needs_only_the_four_options_for_every_member_role(
    own_database: dict[str, str],
) -> None:
    assert hub(own_database, "migrate").returncode == 0
    for role in ("student", "startup", "enterprise"):
        email = f"{role}@cli.vn"
        created = hub(
            own_database,
            *("users", "create", "--email", email, "--password", "mật khẩu rất dài"),
            *("--role", role, "--name", f"Thành viên {role}"),
        )
        assert created.returncode == 0, created.stderr
        assert f"created {role} account {email}" in created.stdout
    # A profile field that is given is still checked.
    bad = hub(
        own_database,
        *("users", "create", "--email", "mia@cli.vn", "--password", "mật khẩu rất dài"),
        *("--role", "enterprise", "--name", "Mía", "--tax-code", "0100109107"),
    )
    assert bad.returncode != 0
    assert "tax_code" in bad.stderr
    good = hub(
        own_database,
        *("users", "create", "--email", "mia@cli.vn", "--password", "mật khẩu rất dài"),
        *("--role", "enterprise", "--name", "Mía", "--tax-code", " 0100109106 "),
        *("--organisation", "Công ty Mía đường"),
    )
    assert good.returncode == 0, good.stderr
    # A household business: its tax code is the 12-digit personal identification number.
    household = hub(
        own_database,
        *("users", "create", "--email", "cuc@cli.vn", "--password", "mật khẩu rất dài"),
        *("--role", "enterprise", "--name", "Cúc", "--tax-code", "072 186 003 517"),
        *("--organisation", "Hộ kinh doanh Bánh tráng Cô Cúc"),
    )
    assert household.returncode == 0, household.stderr


def test_migrate_says_what_it_did(own_database: dict[str, str]) -> None:
    migrations = len(list((Path(__file__).parents[2] / "piccolo_migrations").glob("hub_*.py")))
    fresh = hub(own_database, "migrate")
    assert fresh.returncode == 0, fresh.stderr
    assert fresh.stdout == f"database migrated: {migrations} migrations applied\n"
    again = hub(own_database, "migrate")
    assert again.returncode == 0, again.stderr
    assert again.stdout == "database up to date: no migrations to apply\n"


async def test_demo_is_idempotent(own_database: dict[str, str]) -> None:
    first = hub(own_database, "demo")
    assert first.returncode == 0, first.stderr
    assert "admin@demo.hub.vn" in first.stdout and "Phòng họp Sen" in first.stdout
    assert "bookings" in first.stdout
    assert re.search(r"; \d+ visits;", first.stdout), first.stdout  # not "['5 visits'] visits"
    second = hub(own_database, "demo")
    assert second.returncode == 0
    assert "demo data already loaded: nothing created" in second.stdout


def wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"server exited: {process.stderr.read().decode() if process.stderr else ''}"
            )
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("server did not start")


@contextlib.contextmanager
def serving(env: dict[str, str], *args: str) -> Iterator[str]:
    """``innovation-hub serve`` on a free port; its address while the block runs."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "innovation_hub.cli", "serve", "--port", str(port), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/healthz", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture
def served(own_database: dict[str, str]) -> Iterator[tuple[str, dict[str, str]]]:
    with serving(own_database) as base:
        yield base, own_database


def emails_to(env: dict[str, str], address: str) -> list[str]:
    """The bodies of the outbox messages to ``address``, read from the server's database."""
    script = (
        "import asyncio, json, sys\n"
        "from innovation_hub.core.mail import OutboxMessage\n"
        "async def main():\n"
        "    rows = await OutboxMessage.select(OutboxMessage.body_text)"
        ".where(OutboxMessage.to_address == sys.argv[1])\n"
        "    print(json.dumps([r['body_text'] for r in rows]))\n"
        "asyncio.run(main())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, address],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    bodies: list[str] = json.loads(out)
    return bodies


def test_links_name_the_port_the_server_listens_on(own_database: dict[str, str]) -> None:
    env = {key: value for key, value in own_database.items() if key != "HUB_BASE_URL"}
    email, password = "lan@hub.vn", "mật khẩu rất dài"
    assert hub(env, "migrate").returncode == 0
    created = hub(
        env, "users", "create", "--email", email, "--password", password,
        "--role", "startup", "--name", "Nguyễn Thị Lan",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    with serving(env) as base, httpx.Client(base_url=base) as browser:
        token = browser.post("/api/v1/auth/tokens", json={"email": email, "password": password})
        assert token.status_code == 201, token.text
        feeds = browser.get(
            "/api/v1/me/feeds", headers={"Authorization": f"Bearer {token.json()['token']}"}
        )
        assert feeds.status_code == 200, feeds.text
        urls = [feed["url"] for feed in feeds.json()["items"]]
        assert urls and all(url.startswith(f"{base}/feeds/") for url in urls), (base, urls)
        form = browser.get("/password/forgot")
        csrf = CSRF_INPUT.search(form.text)
        assert csrf, form.text
        sent = browser.post("/password/forgot", data={"_csrf_token": csrf[1], "email": email})
        assert sent.status_code < 400, sent.text
    bodies = emails_to(env, email)
    assert any(f"{base}/password/reset/" in body for body in bodies), (base, bodies)
    assert not any("127.0.0.1:8000" in body for body in bodies)


async def test_serve_migrates_and_answers_in_vietnamese(served: tuple[str, dict[str, str]]) -> None:
    base, _ = served
    home = httpx.get(f"{base}/")
    assert home.status_code == 200
    assert '<html lang="vi">' in home.text
    assert "Không gian làm việc chung" in home.text
    assert httpx.get(f"{base}/static/vendor/htmx-2.0.11.min.js").status_code == 200


async def test_readyz_is_503_when_the_database_is_gone(served: tuple[str, dict[str, str]]) -> None:
    base, env = served
    assert httpx.get(f"{base}/readyz").status_code == 200
    url = env["HUB_DATABASE_URL"]
    if url.startswith("sqlite:"):
        shutil.rmtree(Path(url.removeprefix("sqlite:///")).parent)
    else:
        await _postgres_admin(f'DROP DATABASE "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    gone = httpx.get(f"{base}/readyz", timeout=10)
    assert gone.status_code == 503
    assert httpx.get(f"{base}/healthz").status_code == 200  # the process itself is alive


def test_demo_has_a_working_centre(own_database: dict[str, str]) -> None:
    assert hub(own_database, "demo").returncode == 0
    script = (
        "import asyncio, collections, json\n"
        "from innovation_hub.spaces.services import list_resources\n"
        "from innovation_hub.bookings.tables import Booking\n"
        "async def main():\n"
        "    kinds = collections.Counter(r.kind for r in await list_resources())\n"
        "    rows = await Booking.select(Booking.status)\n"
        "    statuses = collections.Counter(r['status'] for r in rows)\n"
        "    print(json.dumps(kinds)); print(json.dumps(statuses))\n"
        "asyncio.run(main())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=own_database,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    kinds, statuses = out.splitlines()
    assert json.loads(kinds) == {
        "desk": 12,
        "hot_desk": 8,
        "meeting_room": 3,
        "event_hall": 1,
        "lab": 1,
    }
    assert {"confirmed", "checked_in", "pending_approval"} <= set(json.loads(statuses))


@pytest.mark.parametrize(
    ("host", "port", "base_url"),
    [
        ("127.0.0.1", 8201, "http://127.0.0.1:8201"),
        ("0.0.0.0", 8201, "http://127.0.0.1:8201"),  # noqa: S104 - reached on this machine
        ("::", 8000, "http://127.0.0.1:8000"),
        ("::1", 8000, "http://[::1]:8000"),
        ("hub.local", 80, "http://hub.local:80"),
    ],
)
def test_served_base_url(host: str, port: int, base_url: str) -> None:
    assert served_base_url(host, port) == base_url
