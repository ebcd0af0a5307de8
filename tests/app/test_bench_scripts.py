"""The bench scripts still run end to end, at a tiny size and without writing their results:
they share a load generator, and a change to it must not quietly break one of them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_ADMIN_URL

pytestmark = pytest.mark.slow

PROJECT_DIR = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("HUB_TEST_REDIS_URL")
TINY = ["--users", "20", "--resources", "10", "--bookings", "100", "--no-write"]
# Not the name a developer's own bench run uses, which the script would drop.
BENCH_DATABASE = f"hub_bench_test_{os.getpid()}"


def run_bench(script: str, *args: str) -> str:
    # The scripts set their own HUB_* variables for the servers they start.
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
    done = subprocess.run(
        [sys.executable, f"bench/{script}", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


def table_rows(output: str, first_cell: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in output.splitlines()
        if line.startswith(f"| {first_cell}")
    ]


def test_bookings_load_measures_both_request_kinds() -> None:
    engines = "sqlite,postgres" if POSTGRES_ADMIN_URL else "sqlite"
    args = [*TINY, "--requests", "20", "--warmup", "2", "--concurrency", "3"]
    if POSTGRES_ADMIN_URL:
        args += ["--postgres-url", POSTGRES_ADMIN_URL, "--bench-database", BENCH_DATABASE]
    output = run_bench("bookings_load.py", *args, "--open-seconds", "1", "--engines", engines)
    for engine in engines.split(","):
        rows = table_rows(output, engine)
        assert len(rows) == 4, output  # two request kinds, closed and open loop
        closed = [row for row in rows if row[2].startswith("closed")]
        # Every measured request was answered as expected: 200 or 201, nothing "other".
        assert [(row[3], row[4]) for row in closed] == [("20", "0"), ("20", "0")], output


@pytest.mark.skipif(
    not (POSTGRES_ADMIN_URL and REDIS_URL), reason="two instances need PostgreSQL and Redis"
)
def test_instances_bench_books_on_one_and_two_instances() -> None:
    assert POSTGRES_ADMIN_URL and REDIS_URL
    output = run_bench(
        "instances_bench.py",
        *TINY,
        "--requests",
        "20",
        "--warmup",
        "2",
        "--concurrency",
        "4",
        "--postgres-url",
        POSTGRES_ADMIN_URL,
        "--redis-url",
        REDIS_URL,
        "--bench-database",
        BENCH_DATABASE,
    )
    rows = table_rows(output, "1") + table_rows(output, "2")
    assert [(row[0], row[1], row[2]) for row in rows] == [("1", "20", "0"), ("2", "20", "0")]
    assert "0 overlapping active bookings" in output


@pytest.mark.skipif(
    bool(POSTGRES_ADMIN_URL),
    reason="the script fuzzes SQLite whatever the engine: the SQLite run has it",
)
def test_fuzz_api_fuzzes_a_role_and_reports_it() -> None:
    # The script shares tests/fuzzing.py with test_api_fuzz.py; a short run shows it still
    # builds the world in its child process, fuzzes, and prints its table (exit 1 on failures).
    # 20 s, not fewer: on a loaded machine the first operations take several seconds.
    output = run_bench("fuzz_api.py", "--seconds", "20", "--roles", "student", "--no-write")
    rows = table_rows(output, "sqlite")
    assert len(rows) == 1, output
    engine, role, operations, _requests, passed, failed, failures, errors, _s = rows[0]
    assert (engine, role, failed, failures, errors) == ("sqlite", "student", "0", "0", "0")
    covered, _, total = operations.partition(" of ")
    assert int(passed.replace(",", "")) > 0 and covered == total and int(total) > 70, output
