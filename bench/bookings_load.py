"""Availability and booking creation at a peer's scale, on SQLite and on PostgreSQL.

For each engine the script makes a fresh database (SQLite in a temporary ``HUB_VAR_DIR``,
or a throw-away PostgreSQL database that is dropped afterwards), migrates it with the
app's own command, fills it with bulk inserts (not through the HTTP API) and serves the
app with uvicorn (one worker, loopback). Then, closed loop (``--concurrency`` clients, each
sending its next request when an answer arrives: a saturation test), one kind at a time:

a. ``GET /api/v1/availability`` for one whole local day across every resource;
b. ``POST /api/v1/bookings`` with bearer tokens, each request for a distinct free slot;

and open loop (``--open-seconds``): both kinds at once, arriving at stated average rates
(Poisson) whatever the answers, latency counted from arrival — the load of real users.

Latency percentiles and requests per second are printed and appended to
``bench/RESULTS.md``::

    .venv/bin/python bench/bookings_load.py                        # full scale, both engines
    .venv/bin/python bench/bookings_load.py --engines sqlite --bookings 20000 --no-write

The data set: users of every role sharing one password hash (argon2 is slow on purpose),
resources of every kind in the default location, and bookings on working days from a few
months back to ``FUTURE_DAYS`` ahead, 08:00–17:00 local, never overlapping on a resource.
Future days are booked only until 12:30, so their afternoons stay free for part (b).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
import holidays
import httpx
from argon2 import PasswordHasher
from harness import (
    RESULTS_FILE,
    Server,
    app_env,
    log_shows_errors,
    migrate,
    non_negative_int,
    positive_float,
    positive_int,
    process_cpu_seconds,
    publish,
    start_server,
    stop_server,
    wait_ready,
)

# The app's local zone (innovation_hub.core.clock.LOCAL_TZ); not imported, because importing
# the package reads settings from this process's environment.
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PASSWORD = "bench-matkhau-2026"
EMAIL_DOMAIN = "bench.hub.vn"
RESOURCE_PREFIX = "Bench"
# Made for the bulk load on SQLite and dropped after it: the app's schema is left as migrated.
LOAD_INDEX = "bench_load_overlap"

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_BENCH_DATABASE = "hub_bench"

TARGET_P95_MS = 50.0
AVAILABILITY = "availability (one day, all resources)"
CREATION = "booking creation (distinct free slots)"
FUTURE_DAYS = 30
REQUEST_TIMEOUT_SECONDS = 30.0

# Local (hour, minute) pairs. Past days are booked all day; future days only in the morning,
# so that the afternoons hold the free hourly slots that part (b) books.
PAST_SLOTS = (((8, 0), (10, 0)), ((10, 0), (12, 0)), ((13, 0), (15, 0)), ((15, 0), (17, 0)))
FUTURE_SLOTS = (((8, 0), (9, 30)), ((9, 30), (11, 0)), ((11, 0), (12, 30)))
FREE_HOURS = (13, 14, 15, 16)

ROLE_MIX = (("student", 55), ("startup", 20), ("enterprise", 20), ("staff", 4), ("admin", 1))
KIND_MIX = (("desk", 40), ("hot_desk", 25), ("meeting_room", 20), ("lab", 10), ("event_hall", 5))


@dataclass(frozen=True)
class KindRules:
    capacity: int
    price_per_hour_vnd: int
    requires_approval: bool = False
    free_weekly_hours: Mapping[str, int] = field(default_factory=dict)


# Free, paid, approval and weekly-quota kinds are all in the data set, so availability
# covers every kind; part (b) books only the kinds that need no payment (see run_load).
KIND_RULES = {
    "desk": KindRules(capacity=1, price_per_hour_vnd=0),
    "hot_desk": KindRules(capacity=1, price_per_hour_vnd=20_000, free_weekly_hours={"student": 20}),
    "meeting_room": KindRules(capacity=10, price_per_hour_vnd=150_000),
    "lab": KindRules(capacity=8, price_per_hour_vnd=0),
    "event_hall": KindRules(capacity=120, price_per_hour_vnd=1_000_000, requires_approval=True),
}
ALL_ROLES = ["student", "startup", "enterprise", "staff", "admin"]
PURPOSES = ("", "", "Làm việc nhóm", "Họp dự án", "Phỏng vấn khách hàng", "Tập huấn", "Nghiên cứu")
FAMILY_NAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng")
GIVEN_NAMES = ("An", "Bảo", "Chi", "Dũng", "Giang", "Hà", "Khoa", "Linh", "Minh", "Ngọc", "Tâm")

USER_COLUMNS = (
    "email",
    "password_hash",
    "name",
    "role",
    "organisation_name",
    "school",
    "tax_code",
    "phone",
    "locale",
    "is_active",
    "email_verified_at",
    "created_at",
    "updated_at",
)
RESOURCE_COLUMNS = (
    "location",
    "name",
    "kind",
    "capacity",
    "price_per_hour_vnd",
    "requires_approval",
    "description",
    "amenities",
    "photo_path",
    "is_active",
    "slot_minutes",
    "min_minutes",
    "max_minutes",
    "max_days_ahead",
    "min_notice_minutes",
    "buffer_minutes",
    "cancel_notice_hours",
    "allowed_roles",
    "free_weekly_hours",
    "created_at",
    "updated_at",
)
BOOKING_COLUMNS = (
    "resource",
    "user",
    "kind",
    "status",
    "start_at",
    "end_at",
    "occupied_until",
    "purpose",
    "attendees",
    "price_vnd",
    "hold_expires_at",
    "series",
    "checked_in_at",
    "cancelled_at",
    "status_reason",
    "created_by",
    "sequence",
    "created_at",
    "updated_at",
)
ACTIVE_STATUSES = ("pending_approval", "pending_payment", "confirmed", "checked_in")

Row = tuple[Any, ...]


# --- the data set ------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    users: int
    resources: int
    bookings: int


def weighted_cycle(mix: Sequence[tuple[str, int]], count: int, rng: random.Random) -> list[str]:
    """``count`` labels in the proportions of ``mix``, shuffled."""
    total = sum(weight for _, weight in mix)
    labels = [label for label, weight in mix for _ in range(weight)]
    result = [labels[i % total] for i in range(count)]
    rng.shuffle(result)
    return result


def user_rows(count: int, password_hash: str, now: datetime, rng: random.Random) -> list[Row]:
    roles = weighted_cycle(ROLE_MIX, count, rng)
    # At least one member, so there is someone to book as.
    if "student" not in roles:
        roles[0] = "student"
    rows = []
    for number, role in enumerate(roles, start=1):
        name = f"{rng.choice(FAMILY_NAMES)} {rng.choice(GIVEN_NAMES)} {number}"
        created = now - timedelta(days=rng.randint(150, 700), seconds=rng.randint(0, 86_399))
        rows.append(
            (
                user_email(number),
                password_hash,
                name,
                role,
                f"Công ty {number}" if role in ("startup", "enterprise") else "",
                "Trường THPT Chuyên" if role == "student" else "",
                "0100109106" if role == "enterprise" else "",
                "",
                "vi",
                True,
                created,
                created,
                created,
            )
        )
    return rows


def user_email(number: int) -> str:
    return f"user{number:05d}@{EMAIL_DOMAIN}"


def resource_rows(count: int, location_id: int, now: datetime, rng: random.Random) -> list[Row]:
    rows = []
    for number, kind in enumerate(weighted_cycle(KIND_MIX, count, rng), start=1):
        rules = KIND_RULES[kind]
        created = now - timedelta(days=400)
        rows.append(
            (
                location_id,
                f"{RESOURCE_PREFIX} {kind} {number:04d}",
                kind,
                rules.capacity,
                rules.price_per_hour_vnd,
                rules.requires_approval,
                "",
                json.dumps(["wifi"]),
                "",
                True,
                30,  # slot_minutes
                30,  # min_minutes
                480,  # max_minutes
                366,  # max_days_ahead: part (b) books up to FUTURE_DAYS and more ahead
                0,  # min_notice_minutes
                0,  # buffer_minutes
                2,  # cancel_notice_hours
                json.dumps(ALL_ROLES),
                json.dumps(dict(rules.free_weekly_hours)),
                created,
                created,
            )
        )
    return rows


def is_open_day(day: date, vietnam: holidays.HolidayBase) -> bool:
    """The default location's hours: Monday–Friday, none on a public holiday."""
    return day.weekday() < 5 and day not in vietnam


def local_at(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ)


@dataclass(frozen=True)
class Resource:
    id: int
    kind: str
    capacity: int
    price_per_hour_vnd: int
    requires_approval: bool


@dataclass
class BookingPlan:
    rows: list[Row]
    first_day: date
    last_day: date
    statuses: Counter[str]


def booking_rows(
    count: int,
    resources: Sequence[Resource],
    member_ids: Sequence[int],
    today: date,
    now: datetime,
    rng: random.Random,
) -> BookingPlan:
    """``count`` bookings that never overlap on a resource: each takes one fixed slot of an
    open day, future days first, then going back until there are enough slots to pick from."""
    vietnam = holidays.Vietnam()
    candidates: list[tuple[date, int, int]] = []  # (day, resource index, slot index)
    for offset in range(1, FUTURE_DAYS + 1):
        day = today + timedelta(days=offset)
        if is_open_day(day, vietnam):
            candidates += [
                (day, r, s) for r in range(len(resources)) for s in range(len(FUTURE_SLOTS))
            ]
    day = today
    while len(candidates) < count:
        if is_open_day(day, vietnam):
            candidates += [
                (day, r, s) for r in range(len(resources)) for s in range(len(PAST_SLOTS))
            ]
        day -= timedelta(days=1)
        if (today - day).days > 3660:
            raise ValueError("too many bookings for ten years of these resources")
    chosen = rng.sample(candidates, count) if len(candidates) > count else candidates
    chosen.sort()

    rows: list[Row] = []
    statuses: Counter[str] = Counter()
    for day, resource_index, slot_index in chosen:
        resource = resources[resource_index]
        future = day > today
        (start_h, start_m), (end_h, end_m) = (FUTURE_SLOTS if future else PAST_SLOTS)[slot_index]
        start = local_at(day, start_h, start_m)
        # Some past bookings end early, so free gaps vary in length.
        end = local_at(day, end_h, end_m) - timedelta(
            minutes=0 if future else rng.choice((0, 0, 30, 60))
        )
        user_id = rng.choice(member_ids)
        created = min(now, start - timedelta(days=rng.randint(1, 20), minutes=rng.randint(0, 600)))
        draw = rng.random()
        checked_in_at = cancelled_at = None
        if future:
            if draw < 0.10:
                status = "cancelled"
            elif resource.requires_approval and draw < 0.30:
                status = "pending_approval"
            else:
                status = "confirmed"
        elif draw < 0.12:
            status = "cancelled"
        elif draw < 0.20:
            status = "no_show"
        else:
            status = "checked_in"
            checked_in_at = start - timedelta(minutes=rng.randint(0, 10))
        if status == "cancelled":
            cancelled_at = min(now, created + (start - created) * rng.random())
        updated = max(d for d in (created, checked_in_at, cancelled_at) if d is not None)
        if status == "no_show":
            updated = start + timedelta(minutes=16)
        statuses[status] += 1
        minutes = int((end - start).total_seconds() // 60)
        attendees = 1 if resource.capacity == 1 else rng.randint(2, resource.capacity)
        rows.append(
            (
                resource.id,
                user_id,
                "booking",
                status,
                start,
                end,
                end,  # occupied_until: every resource here has no buffer
                rng.choice(PURPOSES),
                attendees,
                resource.price_per_hour_vnd * minutes // 60,
                None,
                None,
                checked_in_at,
                cancelled_at,
                "",
                user_id,
                0 if status in ("confirmed", "pending_approval") else 1,
                created,
                updated,
            )
        )
    days = [d for d, _, _ in chosen]
    return BookingPlan(rows, min(days, default=today), max(days, default=today), statuses)


@dataclass
class Generated:
    seconds: float
    users: int
    resources: int
    bookings: int
    booking_days: tuple[date, date]
    statuses: Counter[str]
    member_emails: list[str]
    resources_by_id: dict[int, Resource]


def _resources_from(rows: Sequence[Mapping[str, Any]]) -> list[Resource]:
    return [
        Resource(
            id=int(row["id"]),
            kind=str(row["kind"]),
            capacity=int(row["capacity"]),
            price_per_hour_vnd=int(row["price_per_hour_vnd"]),
            requires_approval=bool(row["requires_approval"]),
        )
        for row in rows
    ]


def _sqlite_value(value: Any) -> Any:
    # Piccolo's own adapter: aware datetimes are stored as UTC text, str() format, so that
    # text order is time order (the overlap triggers compare them as text).
    if isinstance(value, datetime):
        return str(value.astimezone(UTC))
    return value


def _sqlite_rows(rows: Sequence[Row]) -> Iterator[Row]:
    for row in rows:
        yield tuple(_sqlite_value(value) for value in row)


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    return f'INSERT INTO "{table}" ({names}) VALUES ({marks})'


def generate_sqlite(db_path: Path, sizes: Sizes, seed: int) -> Generated:
    started = time.perf_counter()
    rng = random.Random(seed)
    now = datetime.now(UTC)
    today = now.astimezone(LOCAL_TZ).date()
    password_hash = PasswordHasher().hash(PASSWORD)
    connection = sqlite3.connect(db_path)
    connection.row_factory = sqlite3.Row
    try:
        with connection:  # one transaction
            location = connection.execute(
                "SELECT id FROM location WHERE is_default ORDER BY id LIMIT 1"
            ).fetchone()
            if location is None:
                raise RuntimeError("no default location: did migration 0002 run?")
            users = user_rows(sizes.users, password_hash, now, rng)
            connection.executemany(_insert_sql("hub_user", USER_COLUMNS), _sqlite_rows(users))
            connection.executemany(
                _insert_sql("resource", RESOURCE_COLUMNS),
                _sqlite_rows(resource_rows(sizes.resources, location["id"], now, rng)),
            )
            members = connection.execute(
                "SELECT id, email FROM hub_user WHERE email LIKE ? "
                "AND role IN ('student', 'startup', 'enterprise') ORDER BY id",
                (f"%@{EMAIL_DOMAIN}",),
            ).fetchall()
            resources = _resources_from(
                connection.execute(
                    "SELECT id, kind, capacity, price_per_hour_vnd, requires_approval "
                    "FROM resource WHERE name LIKE ? ORDER BY id",
                    (f"{RESOURCE_PREFIX} %",),
                ).fetchall()
            )
            plan = booking_rows(
                sizes.bookings, resources, [m["id"] for m in members], today, now, rng
            )
            # The overlap trigger runs for every row, as it does for the app's own inserts.
            # Before migration 0009 its lookup by resource read every earlier booking of the
            # resource (quadratic over a bulk load); an index kept for the load only makes it
            # a seek there, so that the same script can measure older trees too.
            connection.execute(f"CREATE INDEX {LOAD_INDEX} ON booking (resource, occupied_until)")
            connection.executemany(_insert_sql("booking", BOOKING_COLUMNS), _sqlite_rows(plan.rows))
            connection.execute(f"DROP INDEX {LOAD_INDEX}")
    finally:
        connection.close()
    return Generated(
        seconds=time.perf_counter() - started,
        users=len(users),
        resources=len(resources),
        bookings=len(plan.rows),
        booking_days=(plan.first_day, plan.last_day),
        statuses=plan.statuses,
        member_emails=[m["email"] for m in members],
        resources_by_id={r.id: r for r in resources},
    )


async def generate_postgres(dsn: str, sizes: Sizes, seed: int) -> Generated:
    started = time.perf_counter()
    rng = random.Random(seed)
    now = datetime.now(UTC)
    today = now.astimezone(LOCAL_TZ).date()
    password_hash = PasswordHasher().hash(PASSWORD)
    connection = await asyncpg.connect(dsn)
    try:
        async with connection.transaction():
            location_id = await connection.fetchval(
                "SELECT id FROM location WHERE is_default ORDER BY id LIMIT 1"
            )
            if location_id is None:
                raise RuntimeError("no default location: did migration 0002 run?")
            users = user_rows(sizes.users, password_hash, now, rng)
            await connection.copy_records_to_table(
                "hub_user", records=users, columns=list(USER_COLUMNS)
            )
            await connection.copy_records_to_table(
                "resource",
                records=resource_rows(sizes.resources, location_id, now, rng),
                columns=list(RESOURCE_COLUMNS),
            )
            members = await connection.fetch(
                "SELECT id, email FROM hub_user WHERE email LIKE $1 "
                "AND role IN ('student', 'startup', 'enterprise') ORDER BY id",
                f"%@{EMAIL_DOMAIN}",
            )
            resources = _resources_from(
                await connection.fetch(
                    "SELECT id, kind, capacity, price_per_hour_vnd, requires_approval "
                    "FROM resource WHERE name LIKE $1 ORDER BY id",
                    f"{RESOURCE_PREFIX} %",
                )
            )
            plan = booking_rows(
                sizes.bookings, resources, [m["id"] for m in members], today, now, rng
            )
            # COPY still checks the exclusion constraint row by row.
            await connection.copy_records_to_table(
                "booking", records=plan.rows, columns=list(BOOKING_COLUMNS)
            )
        # What autovacuum would do within a minute of a bulk load; done now for repeatability.
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return Generated(
        seconds=time.perf_counter() - started,
        users=len(users),
        resources=len(resources),
        bookings=len(plan.rows),
        booking_days=(plan.first_day, plan.last_day),
        statuses=plan.statuses,
        member_emails=[m["email"] for m in members],
        resources_by_id={r.id: r for r in resources},
    )


# --- the PostgreSQL database of a run ----------------------------------------------------


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))


async def recreate_database(admin_url: str, database: str) -> None:
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{database}"')
    finally:
        await connection.close()


async def drop_database(admin_url: str, database: str) -> None:
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await connection.close()


# --- the server --------------------------------------------------------------------------


def machine_busy_seconds() -> float | None:
    """CPU time spent on anything but idle and I/O wait, summed over every core."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU time of the local PostgreSQL server's processes (0 where there are none)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            text = stat.read_text()
            if text[text.index("(") + 1 : text.rindex(")")] == "postgres":
                fields = text.rpartition(")")[2].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


@dataclass(frozen=True)
class CpuShares:
    """Shares of one core over a window: the app, this load generator, PostgreSQL and the
    rest of the machine (other people's work makes latency figures noisy)."""

    app: float | None
    client: float
    postgres: float
    other: float | None


class CpuMeter:
    def __init__(self, app_pid: int) -> None:
        self.app_pid = app_pid
        self.began = time.perf_counter()
        self.app = process_cpu_seconds(app_pid)
        self.client = time.process_time()
        self.postgres = postgres_cpu_seconds()
        self.machine = machine_busy_seconds()

    def shares(self) -> CpuShares:
        seconds = time.perf_counter() - self.began
        app_end = process_cpu_seconds(self.app_pid)
        machine_end = machine_busy_seconds()
        app = None if app_end is None or self.app is None else app_end - self.app
        client = time.process_time() - self.client
        postgres = postgres_cpu_seconds() - self.postgres
        other = None
        if app is not None and machine_end is not None and self.machine is not None:
            other = max(0.0, machine_end - self.machine - app - client - postgres)
        return CpuShares(
            app=None if app is None else app / seconds,
            client=client / seconds,
            postgres=postgres / seconds,
            other=None if other is None else other / seconds,
        )


async def wait_for_quiet(limit_seconds: float, app_pid: int) -> float | None:
    """Waits, up to ``limit_seconds``, for a second in which other processes use less than
    a fifth of a core; returns the last share seen (None when not measurable)."""
    deadline = time.monotonic() + limit_seconds
    other = None
    while True:
        meter = CpuMeter(app_pid)
        await asyncio.sleep(1.0)
        other = meter.shares().other
        if other is None or other < 0.2 or time.monotonic() >= deadline:
            return other


# --- the load generator ------------------------------------------------------------------

# The load is sent with aiohttp: a third of httpx's CPU per request, and the load generator
# shares the machine's two cores with the app it measures (httpx does the one-off calls).
Session = aiohttp.ClientSession
SEND_ERRORS = (aiohttp.ClientError, TimeoutError)


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


async def send(session: Session, method: str, path: str, **options: Any) -> Answer:
    async with session.request(method, path, **options) as response:
        return Answer(response.status, await response.read())


def new_session(base_url: str) -> Session:
    """One connection, as one browser or API client."""
    return aiohttp.ClientSession(
        base_url=base_url,
        connector=aiohttp.TCPConnector(limit=1),
        timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS),
    )


RequestMaker = Callable[[Session, int], Awaitable[Answer]]


@dataclass
class Phase:
    name: str
    expected_status: int
    model: str = ""  # how the load was offered
    cpu_requests: int = 0  # requests served while the CPU was measured (all kinds)
    latencies_ms: list[float] = field(default_factory=list)  # expected responses only
    failures: Counter[str] = field(default_factory=Counter)
    failure_samples: dict[str, str] = field(default_factory=dict)
    wall_seconds: float = 0.0
    cpu: CpuShares | None = None
    stopped_by_time: bool = False

    @property
    def ok(self) -> int:
        return len(self.latencies_ms)

    @property
    def done(self) -> int:
        return self.ok + self.failures.total()

    @property
    def rps(self) -> float:
        return self.ok / self.wall_seconds if self.wall_seconds else 0.0

    def percentile(self, p: int) -> float | None:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else None
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[p - 1]

    def app_cpu_ms_per_request(self) -> float | None:
        """The app's CPU time per answered request: the figure least moved by other work on
        a shared machine (it grows with cache misses, not with waiting)."""
        served = self.cpu_requests or self.done
        if self.cpu is None or self.cpu.app is None or not served:
            return None
        return self.cpu.app * self.wall_seconds / served * 1000

    @property
    def met_target(self) -> bool:
        p95 = self.percentile(95)
        return p95 is not None and p95 <= TARGET_P95_MS and not self.failures


def failure_key(answer: Answer) -> str:
    code = ""
    with contextlib.suppress(ValueError, AttributeError):
        body = json.loads(answer.body)
        code = str(body.get("code") or body.get("title") or "")
    return f"HTTP {answer.status}" + (f" {code}" if code else "")


def count_failure(phase: Phase, answer: Answer) -> None:
    key = failure_key(answer)
    phase.failures[key] += 1
    phase.failure_samples.setdefault(key, answer.body[:300].decode(errors="replace"))


async def run_requests(
    clients: Sequence[Session],
    make_request: RequestMaker,
    count: int,
    deadline: float,
    phase: Phase | None,
) -> None:
    """Sends ``count`` requests from all clients at once; ``phase`` None is the warm-up."""
    remaining = count

    async def worker(index: int, client: Session) -> None:
        nonlocal remaining
        while remaining > 0:
            if time.monotonic() >= deadline:
                if phase is not None:
                    phase.stopped_by_time = True
                return
            remaining -= 1
            began = time.perf_counter()
            try:
                answer = await make_request(client, index)
            except SEND_ERRORS as exc:
                if phase is not None:
                    phase.failures[type(exc).__name__] += 1
                continue
            elapsed_ms = (time.perf_counter() - began) * 1000
            if phase is None:
                continue
            if answer.status == phase.expected_status:
                phase.latencies_ms.append(elapsed_ms)
            else:
                count_failure(phase, answer)

    async with asyncio.TaskGroup() as group:
        for index, client in enumerate(clients):
            group.create_task(worker(index, client))


async def measure(
    server: Server,
    phase: Phase,
    make_request: RequestMaker,
    *,
    concurrency: int,
    requests: int,
    warmup: int,
    max_seconds: float,
) -> Phase:
    # One client with one connection per worker, as 20 separate browsers or API clients.
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(new_session(server.base_url))
            for _ in range(concurrency)
        ]
        deadline = time.monotonic() + max_seconds
        await run_requests(clients, make_request, warmup, deadline, None)
        meter = CpuMeter(server.process.pid)
        began = time.perf_counter()
        await run_requests(clients, make_request, requests, deadline, phase)
        phase.wall_seconds = time.perf_counter() - began
        phase.cpu = meter.shares()
    return phase


@dataclass(frozen=True)
class Stream:
    phase: Phase
    make_request: RequestMaker
    rate: float  # requests a second, on average


async def measure_open_loop(
    server: Server, streams: Sequence[Stream], *, seconds: float, connections: int, seed: int
) -> list[Phase]:
    """Each stream's requests arrive at its rate on average (a Poisson process: independent
    users), whether or not earlier ones were answered, all streams at once; each request
    goes out on a free connection of the stream's ``connections``. Latency counts from the
    moment the request arrived, so waiting for a connection counts too (no coordinated
    omission)."""
    async with contextlib.AsyncExitStack() as stack:

        async def run_stream(stream: Stream, rng: random.Random) -> None:
            phase = stream.phase
            idle: asyncio.Queue[Session] = asyncio.Queue()
            for _ in range(connections):
                idle.put_nowait(await stack.enter_async_context(new_session(server.base_url)))

            async def one(index: int, arrived: float) -> None:
                try:
                    client = await asyncio.wait_for(idle.get(), REQUEST_TIMEOUT_SECONDS)
                except TimeoutError:  # an overloaded app: bounded, and counted
                    phase.failures[f"no connection free within {REQUEST_TIMEOUT_SECONDS:g} s"] += 1
                    return
                try:
                    answer = await stream.make_request(client, index)
                except SEND_ERRORS as exc:
                    phase.failures[type(exc).__name__] += 1
                    return
                finally:
                    idle.put_nowait(client)
                if answer.status == phase.expected_status:
                    phase.latencies_ms.append((time.perf_counter() - arrived) * 1000)
                else:
                    count_failure(phase, answer)

            await ready.wait()
            arrival = began
            index = 0
            async with asyncio.TaskGroup() as group:
                while True:
                    arrival += rng.expovariate(stream.rate)
                    if arrival - began >= seconds:
                        break
                    await asyncio.sleep(max(0.0, arrival - time.perf_counter()))
                    group.create_task(one(index, arrival))
                    index += 1

        ready = asyncio.Event()
        tasks = [
            asyncio.create_task(run_stream(stream, random.Random(seed + n)))
            for n, stream in enumerate(streams)
        ]
        await asyncio.sleep(0.5)  # connections opened
        meter = CpuMeter(server.process.pid)
        began = time.perf_counter()
        ready.set()
        await asyncio.gather(*tasks)
        wall = time.perf_counter() - began
        cpu = meter.shares()
    phases = [stream.phase for stream in streams]
    for phase in phases:
        phase.wall_seconds, phase.cpu = wall, cpu
        phase.cpu_requests = sum(p.done for p in phases)
    return phases


async def log_in(server: Server, emails: Sequence[str]) -> list[str]:
    tokens = []
    async with httpx.AsyncClient(base_url=server.base_url, trust_env=False, timeout=30.0) as client:
        for email in emails:
            response = await client.post(
                "/api/v1/auth/tokens", json={"email": email, "password": PASSWORD}
            )
            if response.status_code != 201:
                raise RuntimeError(f"login of {email}: {response.status_code} {response.text}")
            tokens.append(str(response.json()["token"]))
    return tokens


def open_days_after(today: date, count: int) -> Iterator[date]:
    vietnam = holidays.Vietnam()
    day = today
    found = 0
    while found < count:
        day += timedelta(days=1)
        if is_open_day(day, vietnam):
            found += 1
            yield day


def free_slots(resource_ids: Sequence[int], today: date, rng: random.Random) -> Iterator[Row]:
    """Distinct free (resource, start, end) hours in the afternoons of future open days.
    Consecutive slots are on different resources, as independent users' requests would be."""
    order = list(resource_ids)
    for day in open_days_after(today, 366):
        for hour in FREE_HOURS:
            rng.shuffle(order)
            for resource_id in order:
                yield resource_id, local_at(day, hour, 0), local_at(day, hour + 1, 0)


def day_query(day: date) -> str:
    start = local_at(day, 0, 0).isoformat()
    end = local_at(day + timedelta(days=1), 0, 0).isoformat()
    return f"/api/v1/availability?start={quote(start, safe=':')}&end={quote(end, safe=':')}"


@dataclass
class EngineResult:
    engine: str
    generated: Generated
    availability_day: date
    booking_days: tuple[date, date]
    phases: list[Phase]
    server_log: str


async def run_load(
    server: Server, generated: Generated, args: argparse.Namespace
) -> tuple[date, tuple[date, date], list[Phase]]:
    await wait_ready(server)
    rng = random.Random(args.seed + 1)
    today = datetime.now(UTC).astimezone(LOCAL_TZ).date()
    day = next(open_days_after(today, 1))
    path = day_query(day)

    async def get_availability(client: Session, _: int) -> Answer:
        return await send(client, "GET", path)

    # Check once that the answer covers every resource before timing it.
    async with httpx.AsyncClient(base_url=server.base_url, trust_env=False, timeout=60) as client:
        response = await client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"availability: {response.status_code} {response.text[:500]}")
    items = response.json()["items"]
    if len(items) != generated.resources:
        raise RuntimeError(f"availability lists {len(items)} of {generated.resources} resources")

    closed = f"closed, {args.concurrency} clients"
    await quiet(server, args)
    availability = await measure(
        server,
        Phase(AVAILABILITY, 200, closed),
        get_availability,
        concurrency=args.concurrency,
        requests=args.requests,
        warmup=args.warmup,
        max_seconds=args.max_seconds,
    )
    print(f"  availability: {phase_line(availability)}", flush=True)

    emails = rng.sample(
        generated.member_emails, min(args.login_users, len(generated.member_emails))
    )
    headers = [{"Authorization": f"Bearer {token}"} for token in await log_in(server, emails)]
    # Paid bookings also start a Stripe payment (an outside HTTP call), which is not what
    # is measured here: book the kinds that need no payment (free, or approval first).
    bookable = sorted(
        r.id
        for r in generated.resources_by_id.values()
        if r.price_per_hour_vnd == 0 or r.requires_approval
    )
    slots = free_slots(bookable, today, rng)
    used_days: list[date] = []

    async def post_booking(client: Session, worker: int) -> Answer:
        resource_id, start, end = next(slots)
        used_days.append(start.date())
        resource = generated.resources_by_id[resource_id]
        body = {
            "resource_id": resource_id,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "attendees": 1 if resource.capacity == 1 else 2,
            "purpose": "Đo tải",
        }
        return await send(
            client, "POST", "/api/v1/bookings", json=body, headers=headers[worker % len(headers)]
        )

    await quiet(server, args)
    creation = await measure(
        server,
        Phase(CREATION, 201, closed),
        post_booking,
        concurrency=args.concurrency,
        requests=args.requests,
        warmup=args.warmup,
        max_seconds=args.max_seconds,
    )
    print(f"  bookings:     {phase_line(creation)}", flush=True)
    phases = [availability, creation]
    if args.open_seconds > 0:
        model = f"open, mixed: {args.open_availability_rate:g} + {args.open_booking_rate:g} req/s"
        await quiet(server, args)
        phases += await measure_open_loop(
            server,
            [
                Stream(
                    Phase(AVAILABILITY, 200, model), get_availability, args.open_availability_rate
                ),
                Stream(Phase(CREATION, 201, model), post_booking, args.open_booking_rate),
            ],
            seconds=args.open_seconds,
            connections=args.concurrency,
            seed=args.seed + 2,
        )
        for phase in phases[2:]:
            print(f"  open loop {phase.name[:12]}: {phase_line(phase)}", flush=True)
    booking_days = (min(used_days, default=today), max(used_days, default=today))
    return day, booking_days, phases


async def quiet(server: Server, args: argparse.Namespace) -> None:
    if args.quiet_wait > 0:
        other = await wait_for_quiet(args.quiet_wait, server.process.pid)
        if other is not None and other >= 0.2:
            print(f"  the rest of the machine still uses {other * 100:.0f} % of a core", flush=True)


def phase_line(phase: Phase) -> str:
    p50, p95, p99 = (phase.percentile(p) for p in (50, 95, 99))
    text = (
        f"{phase.ok} ok, {phase.failures.total()} other, p50 {ms(p50)} p95 {ms(p95)} "
        f"p99 {ms(p99)} ms, {phase.rps:.1f} req/s"
    )
    return text + (" (stopped by --max-seconds)" if phase.stopped_by_time else "")


def ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def run_engine(engine: str, args: argparse.Namespace, temp: Path) -> EngineResult:
    sizes = Sizes(args.users, args.resources, args.bookings)
    var_dir = temp / engine / "var"
    var_dir.mkdir(parents=True)
    database_url = (
        with_database(args.postgres_url, args.bench_database) if engine == "postgres" else None
    )
    env = app_env(var_dir, database_url)
    if database_url:
        asyncio.run(recreate_database(args.postgres_url, args.bench_database))
    try:
        print(f"[{engine}] migrating...", flush=True)
        migrate(env)
        print(f"[{engine}] generating {sizes}...", flush=True)
        if database_url:
            generated = asyncio.run(generate_postgres(database_url, sizes, args.seed))
        else:
            generated = generate_sqlite(var_dir / "hub.sqlite3", sizes, args.seed)
        print(f"[{engine}] generated in {generated.seconds:.1f} s", flush=True)
        server = start_server("app", "innovation_hub.app:app", env, temp / engine, "/healthz")
        try:
            day, booking_days, phases = asyncio.run(run_load(server, generated, args))
        finally:
            stop_server(server)
        return EngineResult(engine, generated, day, booking_days, phases, server.log_tail())
    finally:
        if database_url:
            asyncio.run(drop_database(args.postgres_url, args.bench_database))


# --- reporting ---------------------------------------------------------------------------


def markdown_table(rows: list[list[str]]) -> str:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]

    def line(cells: list[str]) -> str:
        padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
        return "| " + " | ".join(padded) + " |"

    separator = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(rows[0]), separator, *(line(row) for row in rows[1:])])


def cpu_text(phase: Phase) -> str:
    if phase.cpu is None:
        return "n/a"

    def share(value: float | None) -> str:
        return "n/a" if value is None else f"{value * 100:.0f}"

    cpu = phase.cpu
    return f"{share(cpu.app)} / {share(cpu.client)} / {share(cpu.postgres)} / {share(cpu.other)} %"


def results_table(results: Sequence[EngineResult]) -> str:
    rows = [
        [
            "engine",
            "request",
            "load",
            "ok",
            "other",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "max ms",
            "req/s",
            "CPU app/cli/pg/rest",
            "app CPU ms/req",
            f"p95 ≤ {TARGET_P95_MS:.0f} ms",
        ]
    ]
    for result in results:
        for phase in result.phases:
            rows.append(
                [
                    result.engine,
                    phase.name,
                    phase.model,
                    str(phase.ok),
                    str(phase.failures.total()),
                    ms(phase.percentile(50)),
                    ms(phase.percentile(95)),
                    ms(phase.percentile(99)),
                    ms(max(phase.latencies_ms, default=None)),
                    f"{phase.rps:.1f}",
                    cpu_text(phase),
                    ms(phase.app_cpu_ms_per_request()),
                    "met" if phase.met_target else "**missed**",
                ]
            )
    return markdown_table(rows)


def report_section(
    args: argparse.Namespace, results: Sequence[EngineResult], started: datetime
) -> str:
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    lines = [
        f"## {started:%Y-%m-%d %H:%M} UTC — bookings at scale (`bench/bookings_load.py`)",
        "",
        "Availability of one whole day across every resource "
        "(`GET /api/v1/availability?start=<day>T00:00:00%2B07:00&end=<next day>...`) and "
        "booking creation (`POST /api/v1/bookings`, bearer tokens, each request a distinct "
        "free slot on the days from the one availability asks for), one uvicorn worker on "
        "loopback, load generator on the same machine. Two load models. *Closed*: "
        f"{args.concurrency} clients (one connection each) send their next request as soon "
        "as an answer arrives, one request kind at a time: a saturation test, where latency "
        "is about clients ÷ throughput (p95 ≤ "
        f"{TARGET_P95_MS:.0f} ms needs about {args.concurrency * 1000 / TARGET_P95_MS:.0f} "
        "req/s). *Open*: both kinds at once, each arriving at its own average rate "
        "(Poisson, independent users) whether or not earlier requests were answered, on up "
        f"to {args.concurrency} connections per kind, latency counted from arrival; "
        f"{args.open_availability_rate:g} availability + {args.open_booking_rate:g} booking "
        "requests a second is a generous peak for 1,000 members (every member booking once "
        "and looking at the day six times within one minute), and each booking changes the "
        "day that availability asks for, so cached answers are replaced as they would be. "
        "Latency is per request as the client sees it, over the expected responses "
        "(200 / 201); any other answer is counted in `other`. CPU is the share of one core "
        "used during the measurement by the app process, the load generator, PostgreSQL's "
        "processes and the rest (other processes on the machine and kernel time such as "
        "loopback networking; a high share means the figures are noisy); `app CPU ms/req` "
        "is the app's CPU time per request (in the open run, over both kinds), the figure "
        "least moved by other work on the machine. A paid booking also starts a Stripe "
        "payment, an outside call not measured here, so new bookings go to free resources "
        "and to those that need approval first (the app's Stripe base URL points at a "
        "closed loopback port). On SQLite the bulk load adds an index on (resource, "
        "occupied_until) for the overlap triggers and drops it afterwards; PostgreSQL is "
        "analysed after the load, SQLite is left without statistics, as the app leaves it.",
        "",
        f"- Machine: {platform.platform()}, {os.cpu_count()} CPUs, load average {load}",
        f"- Python {platform.python_version()} ({platform.python_implementation()}), "
        f"litestar {version('litestar')}, piccolo {version('piccolo')}, "
        f"uvicorn {version('uvicorn')} (httptools {version('httptools')}, uvloop "
        f"{version('uvloop')}), SQLite {sqlite3.sqlite_version}; load sent with aiohttp "
        f"{version('aiohttp')}",
        f"- Data set: {args.users:,} users, {args.resources:,} resources, "
        f"{args.bookings:,} bookings (seed {args.seed}); closed runs {args.warmup} warm-up "
        f"then {args.requests:,} measured requests, at most {args.max_seconds:g} s per "
        f"request kind; open run {args.open_seconds:g} s"
        + (
            f", after waiting up to {args.quiet_wait:g} s for a quiet machine"
            if args.quiet_wait
            else ""
        ),
    ]
    for result in results:
        gen = result.generated
        first, last = gen.booking_days
        statuses = ", ".join(f"{status} {count:,}" for status, count in gen.statuses.most_common())
        active = sum(gen.statuses[s] for s in ACTIVE_STATUSES)
        booked_first, booked_last = result.booking_days
        lines.append(
            f"- {result.engine}: generated in {gen.seconds:.1f} s (bulk inserts, overlap "
            f"{'triggers' if result.engine == 'sqlite' else 'exclusion constraint'} "
            f"checking every row); bookings {first:%d/%m/%Y}–{last:%d/%m/%Y} ({statuses}; "
            f"{active:,} active); availability asked for {result.availability_day:%d/%m/%Y}; "
            f"new bookings on {booked_first:%d/%m/%Y}–{booked_last:%d/%m/%Y}"
        )
    lines += ["", results_table(results)]
    details = [
        f"- {result.engine} {phase.name}: {key} × {count}"
        for result in results
        for phase in result.phases
        for key, count in phase.failures.most_common()
    ]
    if details:
        lines += ["", "Answers other than the expected status:", "", *details]
    stopped = [
        f"- {result.engine} {phase.name}: stopped by the {args.max_seconds:g} s limit after "
        f"{phase.done} of {args.requests} requests"
        for result in results
        for phase in result.phases
        if phase.stopped_by_time
    ]
    if stopped:
        lines += ["", *stopped]
    return "\n".join(lines) + "\n"


# --- main --------------------------------------------------------------------------------


def engine_list(raw: str) -> list[str]:
    engines = [part.strip() for part in raw.split(",") if part.strip()]
    unknown = set(engines) - {"sqlite", "postgres"}
    if unknown or not engines:
        raise argparse.ArgumentTypeError(f"choose from sqlite,postgres; got {raw}")
    return engines


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=positive_int, default=1_000, help="default 1000")
    parser.add_argument("--resources", type=positive_int, default=500, help="default 500")
    parser.add_argument("--bookings", type=non_negative_int, default=200_000, help="default 200000")
    parser.add_argument(
        "--requests",
        type=positive_int,
        default=500,
        help="measured requests per request kind and engine (default 500)",
    )
    parser.add_argument(
        "--warmup",
        type=non_negative_int,
        default=40,
        help="unmeasured requests before each measurement (default 40)",
    )
    parser.add_argument(
        "--concurrency", type=positive_int, default=20, help="concurrent clients (default 20)"
    )
    parser.add_argument(
        "--max-seconds",
        type=positive_float,
        default=60.0,
        help="time limit per request kind and engine, warm-up included (default 60)",
    )
    parser.add_argument(
        "--open-seconds",
        type=float,
        default=30.0,
        help="length of the open-loop run, both request kinds at once (default 30; 0: none)",
    )
    parser.add_argument(
        "--open-availability-rate",
        type=positive_float,
        default=100.0,
        help="availability requests a second in the open-loop run (default 100)",
    )
    parser.add_argument(
        "--open-booking-rate",
        type=positive_float,
        default=20.0,
        help="booking requests a second in the open-loop run (default 20)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=0.0,
        help="before each measurement, wait up to this many seconds for the machine's other "
        "processes to use under a fifth of a core (default 0: do not wait)",
    )
    parser.add_argument(
        "--engines",
        type=engine_list,
        default=["sqlite", "postgres"],
        help="comma-separated: sqlite,postgres (default both)",
    )
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help=f"server to make the throw-away database on (default {DEFAULT_POSTGRES_URL})",
    )
    parser.add_argument(
        "--bench-database",
        default=DEFAULT_BENCH_DATABASE,
        help=f"name of the throw-away PostgreSQL database (default {DEFAULT_BENCH_DATABASE})",
    )
    parser.add_argument(
        "--login-users", type=positive_int, default=10, help="members who book (default 10)"
    )
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    parser.add_argument(
        "--no-write",
        action="store_true",
        help=f"print the results without appending to {RESULTS_FILE.name}",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    started = datetime.now(UTC)
    results = []
    with tempfile.TemporaryDirectory(prefix="hub-bookings-bench-") as temp:
        for engine in args.engines:
            result = run_engine(engine, args, Path(temp))
            if log_shows_errors(result.server_log):
                print(f"[{engine}] app server log:\n{result.server_log}", file=sys.stderr)
            results.append(result)
    publish(report_section(args, results, started), write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
