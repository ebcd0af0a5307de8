"""Booking throughput with one and with two app instances on PostgreSQL and Redis.

Makes a throw-away PostgreSQL database, migrates it with the app's own command and fills it
with the data set of ``bench/bookings_load.py`` (whose helpers this script imports). Then it
serves the database with one uvicorn process, and with two processes sharing the database,
the Redis server and the secret key, as instances behind a load balancer would, and sends
``POST /api/v1/bookings`` (bearer tokens, each request a distinct free slot) from
``--concurrency`` clients (aiohttp, one connection each), the clients spread evenly over
the instances. Booking rates, latency percentiles and the two-instance rate as a multiple of
the one-instance rate of the same run are printed and appended to ``bench/RESULTS.md``::

    .venv/bin/python bench/instances_bench.py
    .venv/bin/python bench/instances_bench.py --bookings 20000 --requests 300 --no-write

A second instance helps only when the app process is what limits throughput and a core is
free for it: on a two-core machine it shares the cores with PostgreSQL and the load
generator, which the CPU column shows.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib.metadata import version
from pathlib import Path

import asyncpg
import bookings_load as load
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

DEFAULT_BENCH_DATABASE = "hub_instances_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
PURPOSE = "Đo tải nhiều tiến trình"


class ClusterCpuMeter:
    """Shares of one core over a window: the app processes together, this load generator,
    PostgreSQL and the rest of the machine."""

    def __init__(self, app_pids: Sequence[int]) -> None:
        self.app_pids = list(app_pids)
        self.began = time.perf_counter()
        self.apps = self._apps()
        self.client = time.process_time()
        self.postgres = load.postgres_cpu_seconds()
        self.machine = load.machine_busy_seconds()

    def _apps(self) -> float | None:
        seconds = [process_cpu_seconds(pid) for pid in self.app_pids]
        return None if None in seconds else sum(s for s in seconds if s is not None)

    def shares(self) -> load.CpuShares:
        seconds = time.perf_counter() - self.began
        apps_end, machine_end = self._apps(), load.machine_busy_seconds()
        apps = None if apps_end is None or self.apps is None else apps_end - self.apps
        client = time.process_time() - self.client
        postgres = load.postgres_cpu_seconds() - self.postgres
        other = None
        if apps is not None and machine_end is not None and self.machine is not None:
            other = max(0.0, machine_end - self.machine - apps - client - postgres)
        return load.CpuShares(
            app=None if apps is None else apps / seconds,
            client=client / seconds,
            postgres=postgres / seconds,
            other=None if other is None else other / seconds,
        )


@dataclass
class Run:
    instances: int
    phase: load.Phase


async def measure(
    servers: Sequence[Server],
    phase: load.Phase,
    make_request: load.RequestMaker,
    args: argparse.Namespace,
) -> load.Phase:
    """As ``bookings_load.measure``, with client ``i`` talking to instance ``i mod n``."""
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(
                load.new_session(servers[index % len(servers)].base_url)
            )
            for index in range(args.concurrency)
        ]
        deadline = time.monotonic() + args.max_seconds
        await load.run_requests(clients, make_request, args.warmup, deadline, None)
        meter = ClusterCpuMeter([server.process.pid for server in servers])
        began = time.perf_counter()
        await load.run_requests(clients, make_request, args.requests, deadline, phase)
        phase.wall_seconds = time.perf_counter() - began
        phase.cpu = meter.shares()
    return phase


async def run_both(
    servers: Sequence[Server], generated: load.Generated, args: argparse.Namespace
) -> tuple[list[Run], tuple[date, date]]:
    """One instance first, then both; the slots booked never repeat across the runs."""
    first = servers[0]
    await wait_ready(first)
    emails = sorted(generated.member_emails)[: args.login_users]
    headers = [{"Authorization": f"Bearer {token}"} for token in await load.log_in(first, emails)]
    bookable = sorted(
        r.id
        for r in generated.resources_by_id.values()
        if r.price_per_hour_vnd == 0 or r.requires_approval
    )
    today = datetime.now(UTC).astimezone(load.LOCAL_TZ).date()
    slots = load.free_slots(bookable, today, random.Random(args.seed + 1))
    used_days: list[date] = []

    async def post_booking(client: load.Session, worker: int) -> load.Answer:
        resource_id, start, end = next(slots)
        used_days.append(start.date())
        resource = generated.resources_by_id[resource_id]
        body = {
            "resource_id": resource_id,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "attendees": 1 if resource.capacity == 1 else 2,
            "purpose": PURPOSE,
        }
        return await load.send(
            client, "POST", "/api/v1/bookings", json=body, headers=headers[worker % len(headers)]
        )

    runs = []
    for count in (1, len(servers)):
        for server in servers[:count]:
            await wait_ready(server)
        await load.quiet(first, args)
        phase = await measure(
            servers[:count],
            load.Phase(f"booking creation, {count} instance(s)", 201),
            post_booking,
            args,
        )
        print(f"  {count} instance(s): {load.phase_line(phase)}", flush=True)
        runs.append(Run(count, phase))
    return runs, (min(used_days, default=today), max(used_days, default=today))


async def booked_rows(database_url: str) -> tuple[int, int]:
    """Rows this bench made, and overlapping pairs among all active bookings (must be 0)."""
    connection = await asyncpg.connect(database_url)
    try:
        made = await connection.fetchval("SELECT count(*) FROM booking WHERE purpose = $1", PURPOSE)
        overlaps = await connection.fetchval(
            "SELECT count(*) FROM booking a JOIN booking b ON a.resource = b.resource "
            "AND a.id < b.id AND a.start_at < b.occupied_until AND b.start_at < a.occupied_until "
            "WHERE a.purpose = $1 AND a.status = ANY($2) AND b.status = ANY($2)",
            PURPOSE,
            list(load.ACTIVE_STATUSES),
        )
    finally:
        await connection.close()
    return int(made), int(overlaps)


def report_section(
    args: argparse.Namespace,
    generated: load.Generated,
    runs: Sequence[Run],
    booking_days: tuple[date, date],
    rows: tuple[int, int],
    started: datetime,
) -> str:
    load_average = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    baseline = runs[0].phase.rps
    table = [
        [
            "instances",
            "ok",
            "other",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "max ms",
            "bookings/s",
            "× one instance",
            "CPU apps/cli/pg/rest",
        ]
    ]
    for run in runs:
        phase = run.phase
        table.append(
            [
                str(run.instances),
                str(phase.ok),
                str(phase.failures.total()),
                load.ms(phase.percentile(50)),
                load.ms(phase.percentile(95)),
                load.ms(phase.percentile(99)),
                load.ms(max(phase.latencies_ms, default=None)),
                f"{phase.rps:.1f}",
                f"{phase.rps / baseline:.2f}" if baseline else "n/a",
                load.cpu_text(phase),
            ]
        )
    made, overlaps = rows
    lines = [
        f"## {started:%Y-%m-%d %H:%M} UTC — bookings on one and two instances "
        "(`bench/instances_bench.py`)",
        "",
        "Booking creation (`POST /api/v1/bookings`, bearer tokens, each request a distinct "
        f"free slot) under {args.concurrency} concurrent clients (aiohttp, one connection "
        "each), served first by one uvicorn process, then by two processes sharing the "
        "PostgreSQL database, Redis and the secret key, the clients spread evenly over them; "
        "load generator and PostgreSQL on the same machine. Latency is per request as the "
        "client sees it, over the 201 answers; any other answer is counted in `other`. "
        "`× one instance` compares with the one-instance rate of the same run. CPU is the "
        "share of one core used by the app processes together, the load generator, "
        "PostgreSQL and the rest of the machine (a high share means noisy figures).",
        "",
        f"- Machine: {platform.node()}, {os.cpu_count()} CPUs, {platform.platform()}, "
        f"load average {load_average}",
        f"- Python {platform.python_version()}, litestar {version('litestar')}, "
        f"piccolo {version('piccolo')}, uvicorn {version('uvicorn')}, redis-py "
        f"{version('redis')}",
        f"- Data set: {generated.users:,} users, {generated.resources:,} resources, "
        f"{generated.bookings:,} bookings (seed {args.seed}); per run {args.warmup} warm-up "
        f"then {args.requests:,} measured requests, at most {args.max_seconds:g} s per run; "
        f"new bookings on {booking_days[0]:%d/%m/%Y}–{booking_days[1]:%d/%m/%Y}",
        f"- Check afterwards: {made:,} rows made by the bench (warm-up included), "
        f"{overlaps} overlapping active bookings",
        "",
        load.markdown_table(table),
    ]
    details = [
        f"- {run.instances} instance(s): {key} × {count}"
        for run in runs
        for key, count in run.phase.failures.most_common()
    ]
    if details:
        lines += ["", "Answers other than 201:", "", *details]
    return "\n".join(lines) + "\n"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=positive_int, default=1_000, help="default 1000")
    parser.add_argument("--resources", type=positive_int, default=500, help="default 500")
    parser.add_argument("--bookings", type=non_negative_int, default=50_000, help="default 50000")
    parser.add_argument(
        "--requests", type=positive_int, default=500, help="measured per run (default 500)"
    )
    parser.add_argument("--warmup", type=non_negative_int, default=40, help="per run (default 40)")
    parser.add_argument(
        "--concurrency", type=positive_int, default=20, help="concurrent clients (default 20)"
    )
    parser.add_argument(
        "--max-seconds",
        type=positive_float,
        default=60.0,
        help="time limit per run, warm-up included (default 60)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=0.0,
        help="before each run, wait up to this many seconds for a quiet machine (default 0)",
    )
    parser.add_argument(
        "--login-users", type=positive_int, default=10, help="members who book (default 10)"
    )
    parser.add_argument("--postgres-url", default=load.DEFAULT_POSTGRES_URL)
    parser.add_argument("--bench-database", default=DEFAULT_BENCH_DATABASE)
    parser.add_argument(
        "--redis-url",
        default=DEFAULT_REDIS_URL,
        help=f"Redis the instances share (default {DEFAULT_REDIS_URL})",
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
    database_url = load.with_database(args.postgres_url, args.bench_database)
    asyncio.run(load.recreate_database(args.postgres_url, args.bench_database))
    servers: list[Server] = []
    try:
        with tempfile.TemporaryDirectory(prefix="hub-instances-bench-") as temp:
            env = app_env(Path(temp) / "var", database_url)  # one secret key for both
            env["HUB_REDIS_URL"] = args.redis_url
            migrate(env)
            sizes = load.Sizes(args.users, args.resources, args.bookings)
            print(f"generating {sizes}...", flush=True)
            generated = asyncio.run(load.generate_postgres(database_url, sizes, args.seed))
            print(f"generated in {generated.seconds:.1f} s", flush=True)
            for name in ("a", "b"):
                log_dir = Path(temp) / name
                log_dir.mkdir()
                servers.append(
                    start_server("app", "innovation_hub.app:app", env, log_dir, "/healthz")
                )
            try:
                runs, booking_days = asyncio.run(run_both(servers, generated, args))
            finally:
                for server in servers:
                    stop_server(server)
            for server in servers:
                log = server.log_tail()
                if log_shows_errors(log):
                    print(f"app server log:\n{log}", file=sys.stderr)
            rows = asyncio.run(booked_rows(database_url))
    finally:
        asyncio.run(load.drop_database(args.postgres_url, args.bench_database))
    section = report_section(args, generated, runs, booking_days, rows, started)
    publish(section, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
