"""Requests per second of the real app against a hello-world Litestar app.

Both apps are served by uvicorn (one worker each, loopback only) in subprocesses of this
script. Each path is measured on the hello app and the real app in turn, ``--rounds``
times, and the medians are printed and appended to ``bench/RESULTS.md``::

    .venv/bin/python bench/http_rps.py --duration 3 --rounds 2

The load generator is one asyncio process using httpx, so on a small machine it can be
the bottleneck for the hello app; the CPU columns show which side was saturated.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from harness import (
    BENCH_DIR,
    PROJECT_DIR,
    RESULTS_FILE,
    Server,
    app_env,
    non_negative_float,
    positive_float,
    positive_int,
    process_cpu_seconds,
    publish,
    start_server,
    stop_server,
    wait_ready,
)

# Created by `innovation-hub demo`; kept here rather than imported, because importing the
# package reads settings from this process's environment.
DEMO_EMAIL = "khoa.pham@demo.hub.vn"
DEMO_PASSWORD = "demo-matkhau-2026"

PATHS = ("/", "/api/v1/me")
REQUEST_TIMEOUT_SECONDS = 10.0
# A ceiling on requests per measurement, so a run is bounded in count as well as in time.
MAX_REQUESTS_PER_MEASUREMENT = 1_000_000


# --- servers -----------------------------------------------------------------------------


# --- load generator ----------------------------------------------------------------------


@dataclass
class Measurement:
    ok: int = 0
    window_seconds: float = 0.0
    errors: Counter[str] = field(default_factory=Counter)
    server_cpu: float | None = None  # share of one core
    client_cpu: float = 0.0

    @property
    def rps(self) -> float:
        return self.ok / self.window_seconds if self.window_seconds else 0.0


async def measure(
    server: Server,
    path: str,
    headers: Mapping[str, str],
    *,
    concurrency: int,
    duration: float,
    warmup: float,
) -> Measurement:
    """Keep ``concurrency`` requests in flight for warm-up plus ``duration`` seconds.

    Only responses that complete inside the window after the warm-up are counted as
    throughput; errors are counted over the whole measurement, warm-up included.
    """
    result = Measurement(window_seconds=duration)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    started = time.monotonic()
    window_start = started + warmup
    window_end = window_start + duration
    issued = 0
    marks: dict[str, float | None] = {}

    def mark_window_start() -> None:
        marks["server"] = process_cpu_seconds(server.process.pid)
        marks["client"] = time.process_time()

    async def worker() -> None:
        nonlocal issued
        # One client with one connection per worker: a shared httpx pool of ``concurrency``
        # connections spends more CPU on pool bookkeeping than on requests (about 1.5x fewer
        # rps at 16), and the load generator is usually the bottleneck already.
        async with httpx.AsyncClient(
            base_url=server.base_url,
            limits=limits,
            timeout=REQUEST_TIMEOUT_SECONDS,
            trust_env=False,
        ) as client:
            while time.monotonic() < window_end and issued < MAX_REQUESTS_PER_MEASUREMENT:
                issued += 1
                try:
                    response = await client.get(path, headers=headers)
                except httpx.HTTPError as exc:
                    result.errors[type(exc).__name__] += 1
                    continue
                finished = time.monotonic()
                if response.status_code != 200:
                    result.errors[f"HTTP {response.status_code}"] += 1
                elif window_start <= finished < window_end:
                    result.ok += 1
                if not marks and finished >= window_start:
                    mark_window_start()

    # A hard stop in case the server hangs: the window plus a request timeout, and spare.
    async with asyncio.timeout(warmup + duration + 2 * REQUEST_TIMEOUT_SECONDS):
        async with asyncio.TaskGroup() as group:
            for _ in range(concurrency):
                group.create_task(worker())
    if marks:
        server_end = process_cpu_seconds(server.process.pid)
        server_start = marks["server"]
        if server_start is not None and server_end is not None:
            result.server_cpu = (server_end - server_start) / duration
        result.client_cpu = (time.process_time() - (marks["client"] or 0.0)) / duration
    return result


async def get_token(app: Server) -> str:
    async with httpx.AsyncClient(base_url=app.base_url, trust_env=False, timeout=30.0) as client:
        response = await client.post(
            "/api/v1/auth/tokens", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
        )
    if response.status_code != 201:
        raise RuntimeError(f"token request failed: {response.status_code} {response.text}")
    return str(response.json()["token"])


@dataclass
class PathResult:
    path: str
    app: list[Measurement]
    hello: list[Measurement]


async def run_rounds(
    app: Server, hello: Server, *, concurrency: int, duration: float, warmup: float, rounds: int
) -> list[PathResult]:
    await asyncio.gather(wait_ready(app), wait_ready(hello))
    headers = {"Authorization": f"Bearer {await get_token(app)}"}
    results = []
    for path in PATHS:
        result = PathResult(path, app=[], hello=[])
        # Interleaved, so drift in the machine's load hits both apps alike.
        for number in range(1, rounds + 1):
            for server, runs in ((hello, result.hello), (app, result.app)):
                run = await measure(
                    server,
                    path,
                    headers,
                    concurrency=concurrency,
                    duration=duration,
                    warmup=warmup,
                )
                runs.append(run)
                print(
                    f"  round {number}/{rounds} {server.name:5} {path:12} {run.rps:9.1f} rps"
                    f"  errors {sum(run.errors.values())}",
                    flush=True,
                )
        results.append(result)
    return results


# --- reporting ---------------------------------------------------------------------------


def median_rps(runs: list[Measurement]) -> float:
    return statistics.median(run.rps for run in runs)


def cpu_cell(runs: list[Measurement]) -> str:
    server = [run.server_cpu for run in runs if run.server_cpu is not None]
    server_text = f"{statistics.median(server) * 100:.0f}" if server else "n/a"
    client_text = f"{statistics.median(run.client_cpu for run in runs) * 100:.0f}"
    return f"{server_text} / {client_text} %"


def error_summary(runs: list[Measurement]) -> Counter[str]:
    total: Counter[str] = Counter()
    for run in runs:
        total.update(run.errors)
    return total


def table_rows(results: list[PathResult]) -> list[list[str]]:
    rows = [
        [
            "path",
            "app rps",
            "hello rps",
            "app/hello",
            "errors app / hello",
            "CPU app srv/cli",
            "CPU hello srv/cli",
        ]
    ]
    for result in results:
        app_rps, hello_rps = median_rps(result.app), median_rps(result.hello)
        ratio = f"{app_rps / hello_rps:.2f}" if hello_rps else "n/a"
        errors = f"{error_summary(result.app).total()} / {error_summary(result.hello).total()}"
        rows.append(
            [
                f"`{result.path}`",
                f"{app_rps:.0f}",
                f"{hello_rps:.0f}",
                ratio,
                errors,
                cpu_cell(result.app),
                cpu_cell(result.hello),
            ]
        )
    return rows


def markdown_table(rows: list[list[str]]) -> str:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]

    def line(cells: list[str]) -> str:
        return (
            "| "
            + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
            + " |"
        )

    separator = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(rows[0]), separator, *(line(row) for row in rows[1:])])


def error_lines(results: list[PathResult]) -> Iterator[str]:
    for result in results:
        for name, runs in (("app", result.app), ("hello", result.hello)):
            errors = error_summary(runs)
            if errors:
                detail = ", ".join(f"{kind} × {count}" for kind, count in errors.most_common())
                yield f"- errors on {name} `{result.path}`: {detail}"


def database_kind(url: str | None) -> str:
    if url is None:
        return "sqlite (default, in a temporary HUB_VAR_DIR)"
    scheme = urlsplit(url).scheme
    return "postgresql" if scheme.startswith("postgres") else scheme


def report_section(args: argparse.Namespace, results: list[PathResult], started: datetime) -> str:
    load = (
        ", ".join(f"{value:.2f}" for value in os.getloadavg())
        if hasattr(os, "getloadavg")
        else "n/a"
    )
    lines = [
        f"## {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"- Machine: {platform.platform()}, {os.cpu_count()} CPUs, load average {load}",
        f"- Python {platform.python_version()} ({platform.python_implementation()}), "
        f"litestar {version('litestar')}, uvicorn {version('uvicorn')}, "
        f"httpx {version('httpx')}",
        f"- Settings: concurrency {args.concurrency}, duration {args.duration:g} s "
        f"after {args.warmup:g} s warm-up, rounds {args.rounds}, "
        f"database {database_kind(args.database_url)}",
        "",
        markdown_table(table_rows(results)),
    ]
    details = list(error_lines(results))
    if details:
        lines += ["", *details]
    return "\n".join(lines) + "\n"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--duration",
        type=positive_float,
        default=5.0,
        help="seconds measured per path, server and round (default 5)",
    )
    parser.add_argument(
        "--warmup",
        type=non_negative_float,
        default=1.0,
        help="seconds of unmeasured load before each measurement (default 1)",
    )
    parser.add_argument(
        "--concurrency", type=positive_int, default=16, help="requests kept in flight (default 16)"
    )
    parser.add_argument(
        "--rounds",
        type=positive_int,
        default=3,
        help="hello/app measurements per path; the median is reported (default 3)",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="HUB_DATABASE_URL for the app (default: SQLite in a temporary dir)",
    )
    parser.add_argument(
        "--no-write",
        action="store_true",
        help=f"print the results without appending to {RESULTS_FILE.name}",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as temp:
        var_dir = Path(temp) / "var"
        env = app_env(var_dir, args.database_url)
        print("migrating and loading demo data...", flush=True)
        subprocess.run(
            [sys.executable, "-m", "innovation_hub.cli", "demo"],
            cwd=PROJECT_DIR,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        servers: list[Server] = []
        try:
            servers.append(
                start_server("app", "innovation_hub.app:app", env, Path(temp), "/healthz")
            )
            servers.append(
                start_server("hello", "hello_app:app", env, Path(temp), "/", app_dir=BENCH_DIR)
            )
            app, hello = servers
            print(f"app on {app.base_url}, hello on {hello.base_url}", flush=True)
            results = asyncio.run(
                run_rounds(
                    app,
                    hello,
                    concurrency=args.concurrency,
                    duration=args.duration,
                    warmup=args.warmup,
                    rounds=args.rounds,
                )
            )
            for server in servers:
                if server.process.poll() is not None or server.log_tail():
                    print(f"\n{server.name} server log:\n{server.log_tail()}", file=sys.stderr)
        finally:
            for server in servers:
                stop_server(server)

    publish(report_section(args, results, started), write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
