"""How long the report takes for a year at the bookings issue's scale.

Builds a SQLite database with 1,000 users, 500 resources and 200,000 bookings (the generator of
``bench/bookings_load.py``), then times, in a child process pointed at it, the summary service
and the whole report page (``GET /staff/reports`` through the app, logged in as staff) for the
year the bookings fall in. Target: under 1 s. Appends the figures to bench/RESULTS.md.
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
from datetime import UTC, date, datetime
from pathlib import Path

from bookings_load import Sizes, generate_sqlite
from harness import app_env, migrate, publish

TARGET_SECONDS = 1.0


def build(var_dir: Path, sizes: tuple[int, int, int]) -> dict[str, str]:
    env = app_env(var_dir)
    migrate(env)
    generated = generate_sqlite(var_dir / "hub.sqlite3", Sizes(*sizes), seed=2026)
    print(f"generated {generated.bookings:,} bookings in {generated.seconds:.1f} s", flush=True)
    # The whole calendar year the bookings fall in.
    year = generated.booking_days[1].year
    env["BENCH_FIRST"], env["BENCH_LAST"] = f"{year}-01-01", f"{year}-12-31"
    return env


async def measure(rounds: int) -> tuple[list[float], list[float], int]:
    import httpx

    from innovation_hub.accounts.services import NewAccount, create_account
    from innovation_hub.app import create_app
    from innovation_hub.reports.services import summary

    first, last = (
        date.fromisoformat(os.environ["BENCH_FIRST"]),
        date.fromisoformat(os.environ["BENCH_LAST"]),
    )
    service, pages, bookings = [], [], 0
    for _ in range(rounds):
        began = time.perf_counter()
        result = await summary(first, last)
        service.append(time.perf_counter() - began)
        bookings = result.bookings
    await create_account(
        NewAccount(
            email="bench-staff@hub.vn", password="bench password 2026", name="Bench", role="staff"
        ),
        actor_id=None,
    )
    # httpx types an ASGI app loosely, Litestar its own call precisely: the two do not unify.
    transport = httpx.ASGITransport(app=create_app())  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        login = await client.get("/login")
        token = login.text.split('name="_csrf_token" value="')[1].split('"')[0]
        await client.post(
            "/login",
            data={
                "email": "bench-staff@hub.vn",
                "password": "bench password 2026",
                "_csrf_token": token,
            },
        )
        for _ in range(rounds):
            began = time.perf_counter()
            response = await client.get(
                "/staff/reports", params={"from": first.isoformat(), "to": last.isoformat()}
            )
            pages.append(time.perf_counter() - began)
            assert response.status_code == 200, response.status_code
    return service, pages, bookings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--bookings", type=int, default=200_000)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        service, pages, bookings = asyncio.run(measure(args.rounds))
        print(f"{statistics.median(service)} {statistics.median(pages)} {bookings}")
        return 0
    with tempfile.TemporaryDirectory() as temp:
        env = build(Path(temp), (1000, 500, args.bookings))
        child = subprocess.run(
            [sys.executable, __file__, "--child", "--rounds", str(args.rounds)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
    service_s, page_s, counted = child.stdout.split()[-3:]
    started = datetime.now(UTC)
    lines = [
        f"## {started:%Y-%m-%d %H:%M} UTC — the report for a year (`bench/reports_bench.py`)",
        "",
        f"- Machine: {platform.platform()}, {os.cpu_count()} CPUs, load average "
        + ", ".join(f"{v:.2f}" for v in os.getloadavg()),
        f"- SQLite, 1,000 users, 500 resources, {args.bookings:,} bookings; the report for "
        f"{env['BENCH_FIRST']} – {env['BENCH_LAST']}; median of {args.rounds} rounds",
        "",
        "| measurement | median | target | result |",
        "|---|---|---|---|",
        f"| `reports.services.summary` for the period ({int(counted):,} bookings counted) | "
        f"{float(service_s) * 1000:.0f} ms | < {TARGET_SECONDS:.0f} s | "
        f"{'met' if float(service_s) < TARGET_SECONDS else '**missed**'} |",
        f"| whole report page, `GET /staff/reports` | {float(page_s) * 1000:.0f} ms | "
        f"< {TARGET_SECONDS:.0f} s | {'met' if float(page_s) < TARGET_SECONDS else '**missed**'} |",
        "",
    ]
    publish("\n".join(lines), write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
