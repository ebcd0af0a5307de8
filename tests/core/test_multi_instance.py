"""Two app processes on one PostgreSQL database and one Redis behave as one application.

Each instance is a real ``innovation-hub serve`` process. They share the database, the
Redis server and the secret key, as instances behind a load balancer would; a browser or API
client may reach either on every request. Runs when HUB_TEST_POSTGRES_URL and
HUB_TEST_REDIS_URL are both set, as ``make test`` sets them in CI (CI=true).

The module is also a small command (``python -m tests.core.test_multi_instance …``) that the tests
run in their own processes, against the instances' database: to load data and to run the
outbox job from two processes at the same moment.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from tests.helpers import PASSWORD, at, bearer, free_port, next_open_day

POSTGRES_ADMIN_URL = os.environ.get("HUB_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("HUB_TEST_REDIS_URL")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (POSTGRES_ADMIN_URL and REDIS_URL),
        reason="needs HUB_TEST_POSTGRES_URL and HUB_TEST_REDIS_URL; CI runs it "
        "(`make test` with CI=true sets both)",
    ),
]

PROJECT_DIR = Path(__file__).resolve().parents[2]
SECRET_KEY = "multi-instance-secret-key-0123456789-abcdefgh"
MAX_LOGIN_FAILURES = 5
STUDENTS = 10
STAFF_EMAIL = "staff@multi.hub.vn"
READY_SECONDS = 90.0


def student_email(number: int) -> str:
    return f"student{number:02d}@multi.hub.vn"


# -- the instances -------------------------------------------------------------------------


@dataclass
class Instance:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-40:])


@dataclass
class Cluster:
    first: Instance
    second: Instance
    env: dict[str, str]
    database_url: str
    mail_dir: Path

    @property
    def urls(self) -> tuple[str, str]:
        return self.first.url, self.second.url


def _database_url(name: str) -> str:
    assert POSTGRES_ADMIN_URL
    return urlunsplit(urlsplit(POSTGRES_ADMIN_URL)._replace(path=f"/{name}"))


async def _admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def _fetch(database_url: str, sql: str, *args: object) -> list[dict[str, object]]:
    import asyncpg

    connection = await asyncpg.connect(database_url)
    try:
        return [dict(row) for row in await connection.fetch(sql, *args)]
    finally:
        await connection.close()


async def _flush_redis() -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL or "")
    try:
        await redis.flushdb()
    finally:
        await redis.aclose()


def _start(env: dict[str, str], log: Path) -> Instance:
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("innovation-hub")),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    return Instance(f"http://127.0.0.1:{port}", process, log)


def _wait_ready(instance: Instance) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if instance.process.poll() is not None:
            raise AssertionError(f"instance exited:\n{instance.log_tail()}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{instance.url}/readyz", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"instance not ready in {READY_SECONDS:.0f} s:\n{instance.log_tail()}")


def _stop(instance: Instance) -> None:
    if instance.process.poll() is None:
        instance.process.terminate()
        try:
            instance.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            instance.process.kill()
            instance.process.wait(timeout=15)


def run_command(env: dict[str, str], *args: str) -> str:
    """Runs this module as a command in its own process with the instances' environment."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.core.test_multi_instance", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    name = f"hub_multi_{os.getpid()}"
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    asyncio.run(_flush_redis())
    temp = tmp_path_factory.mktemp("multi")
    database_url = _database_url(name)
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("HUB_")},
        "HUB_DATABASE_URL": database_url,
        "HUB_REDIS_URL": REDIS_URL or "",
        "HUB_SECRET_KEY": SECRET_KEY,
        # The one public address of the load balancer in front of both, as production sets it
        # (without it, each instance would name its own port in links and feeds).
        "HUB_BASE_URL": "http://hub.example.vn",
        # One shared folder, as a shared volume would be: .eml files of every process land here.
        "HUB_VAR_DIR": str(temp / "var"),
        "HUB_LOGIN_FREE_FAILURES": str(MAX_LOGIN_FAILURES),
        # Long enough that the logins right after the failures still meet the first wait.
        "HUB_LOGIN_FIRST_DELAY_SECONDS": "120",
        "PYTHONUNBUFFERED": "1",
    }
    instances: list[Instance] = []
    try:
        # Both start at once on the empty database, as replicas do: the migrations take an
        # advisory lock, so one applies them and the other then finds nothing to run.
        instances = [_start(env, temp / f"instance-{label}.log") for label in ("a", "b")]
        for instance in instances:
            _wait_ready(instance)
        run_command(env, "seed-users")
        yield Cluster(instances[0], instances[1], env, database_url, temp / "var" / "mail")
    finally:
        for instance in instances:
            _stop(instance)
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        asyncio.run(_flush_redis())


def _csrf_token(page: httpx.Response) -> str:
    marker = 'name="_csrf_token" value="'
    start = page.text.index(marker) + len(marker)
    return page.text[start : page.text.index('"', start)]


async def _log_in(
    http: httpx.AsyncClient, form_from: str, post_to: str, email: str, password: str
) -> httpx.Response:
    """Opens the login page on ``form_from`` and sends its form to ``post_to``."""
    token = _csrf_token(await http.get(f"{form_from}/login"))
    return await http.post(
        f"{post_to}/login",
        data={"email": email, "password": password, "_csrf_token": token},
    )


async def _token(http: httpx.AsyncClient, base: str, email: str) -> str:
    response = await http.post(
        f"{base}/api/v1/auth/tokens", json={"email": email, "password": PASSWORD}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


async def _new_desk(http: httpx.AsyncClient, base: str) -> int:
    staff = await _token(http, base, STAFF_EMAIL)
    response = await http.post(
        f"{base}/api/v1/resources",
        json={"name": f"Bàn {uuid.uuid4().hex[:6]}", "kind": "desk", "capacity": 1},
        headers=bearer(staff),
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


# -- the tests -----------------------------------------------------------------------------


async def test_a_login_on_one_instance_is_a_session_on_the_other(cluster: Cluster) -> None:
    first, second = cluster.urls
    # Cookies are not kept per port, so one jar serves both instances, as one browser would.
    async with httpx.AsyncClient(timeout=30) as browser:
        # The CSRF cookie and form token come from A; B accepts them (same secret key).
        logged_in = await _log_in(browser, first, second, student_email(1), PASSWORD)
        assert logged_in.status_code == 303, logged_in.text
        for base in (first, second):
            profile = await browser.get(f"{base}/profile")
            assert profile.status_code == 200
            assert student_email(1) in profile.text
        # Logging out on B ends the session on A too: it lived in Redis, not in B.
        page = await browser.get(f"{second}/profile")
        logged_out = await browser.post(f"{second}/logout", data={"_csrf_token": _csrf_token(page)})
        assert logged_out.status_code == 303
        gone = await browser.get(f"{first}/profile")
        assert gone.status_code == 302
        assert gone.headers["location"].startswith("/login")


async def test_fifty_requests_for_one_slot_across_instances_make_one_booking(
    cluster: Cluster,
) -> None:
    async with httpx.AsyncClient(timeout=60) as http:
        desk = await _new_desk(http, cluster.first.url)
        tokens = [await _token(http, cluster.first.url, student_email(n)) for n in range(STUDENTS)]
        day = next_open_day()
        body = {"resource_id": desk, "start": at(day, 9), "end": at(day, 11)}

        async def book(number: int) -> httpx.Response:
            base = cluster.urls[number % 2]
            return await http.post(
                f"{base}/api/v1/bookings", json=body, headers=bearer(tokens[number % STUDENTS])
            )

        answers = await asyncio.gather(*(book(n) for n in range(50)))
    outcomes = Counter(
        (r.status_code, r.json().get("code") if r.status_code != 201 else None) for r in answers
    )
    assert outcomes == {(201, None): 1, (409, "slot_taken"): 49}, outcomes
    rows = await _fetch(
        cluster.database_url,
        "SELECT status FROM booking WHERE resource = $1 AND kind = 'booking'",
        desk,
    )
    assert [row["status"] for row in rows] == ["confirmed"]


def test_each_outbox_message_is_sent_once_when_two_processes_run_the_job(
    cluster: Cluster,
) -> None:
    messages = 200
    ids = {int(line) for line in run_command(cluster.env, "seed-outbox", str(messages)).split()}
    assert len(ids) == messages
    signals = cluster.mail_dir.parent / f"signals-{uuid.uuid4().hex}"
    signals.mkdir(parents=True)
    names = ("one", "two")
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.core.test_multi_instance",
                "drain-outbox",
                str(signals),
                name,
            ],
            cwd=PROJECT_DIR,
            env=cluster.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in names
    ]
    try:
        deadline = time.monotonic() + 60
        while not all((signals / f"{name}.ready").exists() for name in names):
            assert time.monotonic() < deadline, "the job processes did not start"
            assert all(worker.poll() is None for worker in workers), "a job process exited"
            time.sleep(0.02)
        (signals / "go").touch()  # both start claiming at the same moment
        outputs = [worker.communicate(timeout=120) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    assert all(worker.returncode == 0 for worker in workers), [err for _, err in outputs]
    sent_by = [int(out) for out, _ in outputs]
    # Both processes really competed for the same messages...
    assert all(count > 0 for count in sent_by), sent_by
    # ...and every message went out once: one .eml file each, none twice (the instances' own
    # job loops may have sent some of them too).
    written = Counter(int(path.stem.rsplit("-", 1)[1]) for path in cluster.mail_dir.glob("*.eml"))
    assert {outbox_id for outbox_id in written if outbox_id in ids} == ids
    assert max(written.values()) == 1, written.most_common(3)
    rows = asyncio.run(
        _fetch(
            cluster.database_url,
            "SELECT status, attempts, count(*) AS n FROM outbox WHERE id = ANY($1) "
            "GROUP BY status, attempts",
            list(ids),
        )
    )
    assert rows == [{"status": "sent", "attempts": 1, "n": messages}]


async def test_failed_logins_on_both_instances_count_together(cluster: Cluster) -> None:
    first, second = cluster.urls
    email = student_email(2)
    async with httpx.AsyncClient(timeout=30) as browser:
        for attempt in range(MAX_LOGIN_FAILURES):
            on = cluster.urls[attempt % 2]
            wrong = await _log_in(browser, on, on, email, "not-the-password")
            assert wrong.status_code == 422, (attempt, wrong.status_code)
        for base in (first, second):
            locked = await _log_in(browser, base, base, email, PASSWORD)
            assert locked.status_code == 429
            assert int(locked.headers["retry-after"]) > 0
        api = await browser.post(
            f"{second}/api/v1/auth/tokens", json={"email": email, "password": PASSWORD}
        )
        assert api.status_code == 429


async def test_a_feed_answers_alike_from_both_instances_and_sees_changes_made_on_either(
    cluster: Cluster,
) -> None:
    first, second = cluster.urls
    async with httpx.AsyncClient(timeout=30) as http:
        desk = await _new_desk(http, first)
        token = await _token(http, first, student_email(3))
        day = next_open_day(3)
        made = await http.post(
            f"{first}/api/v1/bookings",
            json={"resource_id": desk, "start": at(day, 14), "end": at(day, 15)},
            headers=bearer(token),
        )
        assert made.status_code == 201, made.text
        feed = f"/feeds/resources/{desk}.ics"
        from_a, from_b = await http.get(first + feed), await http.get(second + feed)
        assert from_a.status_code == from_b.status_code == 200
        assert from_a.headers["etag"] == from_b.headers["etag"]
        assert from_a.content == from_b.content
        assert b"STATUS:CONFIRMED" in from_a.content
        unchanged = await http.get(second + feed, headers={"if-none-match": from_a.headers["etag"]})
        assert unchanged.status_code == 304

        cancelled = await http.post(
            f"{second}/api/v1/bookings/{made.json()['id']}/cancel", headers=bearer(token)
        )
        assert cancelled.status_code == 200, cancelled.text
        after = await http.get(first + feed, headers={"if-none-match": from_a.headers["etag"]})
        assert after.status_code == 200
        assert after.headers["etag"] != from_a.headers["etag"]
        assert b"STATUS:CANCELLED" in after.content


async def test_rate_limit_counters_are_exact_when_instances_count_at_once() -> None:
    from redis.asyncio import Redis

    from innovation_hub.core.ratelimit import RateLimiter, RedisCounterStore

    key = f"burst:{uuid.uuid4().hex}"
    # Two stores with their own connections, as two instances have.
    clients = [Redis.from_url(REDIS_URL or "") for _ in "ab"]
    stores = [RedisCounterStore(client, namespace="hub_test") for client in clients]
    limiters = [RateLimiter(store, limit=150, window_seconds=60) for store in stores]
    try:
        counts = await asyncio.gather(*(limiters[n % 2].hit(key) for n in range(200)))
        assert sorted(counts) == list(range(1, 201))  # no hit lost, none counted twice
        assert 0 < await limiters[0].retry_after(key) <= 60
        await limiters[1].reset(key)
        assert await limiters[0].retry_after(key) == 0
    finally:
        await stores[0].delete_window(key)
        for client in clients:
            await client.aclose()


# -- the command the tests run in their own processes --------------------------------------


async def _seed_users() -> None:
    from tests.helpers import make_user

    await make_user("staff", email=STAFF_EMAIL)
    for number in range(STUDENTS):
        await make_user("student", email=student_email(number))


async def _seed_outbox(count: int) -> None:
    from innovation_hub.core.clock import utcnow
    from innovation_hub.core.mail import OutboxMessage

    rows = await OutboxMessage.insert(
        *(
            OutboxMessage(
                to_address=f"member{n}@example.vn",
                subject=f"Thư {n}",
                body_text=f"Nội dung {n}\n",
                next_attempt_at=utcnow(),
            )
            for n in range(count)
        )
    ).run()
    print("\n".join(str(row["id"]) for row in rows))


async def _drain_outbox(signals: Path, name: str) -> None:
    """Waits for the test's signal, then runs the outbox job until nothing is left to send."""
    from innovation_hub.core import mail
    from innovation_hub.core.clock import utcnow
    from innovation_hub.core.database import close_pool, open_pool
    from innovation_hub.core.settings import get_settings

    settings = get_settings()
    transport = mail.FileTransport(settings.mail_dir)
    await open_pool()
    try:
        (signals / f"{name}.ready").touch()
        while not (signals / "go").exists():
            await asyncio.sleep(0.002)
        sent = 0
        while True:
            sent += await mail.deliver_due(transport, settings.mail_from)
            left = await mail.OutboxMessage.count().where(
                (mail.OutboxMessage.status == "pending")
                & (mail.OutboxMessage.next_attempt_at <= utcnow())
            )
            if not left:
                break
            await asyncio.sleep(0.01)  # the rest are claimed by another process right now
        print(sent)
    finally:
        await close_pool()


def main(argv: list[str]) -> None:
    command, *args = argv
    if command == "seed-users":
        asyncio.run(_seed_users())
    elif command == "seed-outbox":
        asyncio.run(_seed_outbox(int(args[0])))
    elif command == "drain-outbox":
        asyncio.run(_drain_outbox(Path(args[0]), args[1]))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
