"""Schemathesis over the whole JSON API for a long run: every phase, every check, per role.

The same fuzzing as ``tests/app/test_api_fuzz.py`` (``tests/fuzzing.py``: examples, coverage,
fuzzing and stateful phases, every check including Allow-header conformance, in-process over
ASGI), for longer: by default 10 minutes as a staff account and 10 as a student account. Each
role gets a fresh database (SQLite, or a throw-away PostgreSQL database) with the accounts and
objects of ``tests/matrix_roles.py``, run in a child process so that the app reads it at
import. 409 and 422 answers to schema-valid requests are allowed (API.md: rules name
themselves there). Appends the figures to bench/RESULTS.md; exits 1 when anything failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bookings_load import DEFAULT_POSTGRES_URL, drop_database, recreate_database, with_database
from harness import PROJECT_DIR, RESULTS_FILE, app_env, migrate, positive_int, publish

ROLES = ("staff", "student")
ENGINES = ("sqlite", "postgres")
DEFAULT_BENCH_DATABASE = "hub_fuzz_bench"
RESULT_PREFIX = "FUZZ-RESULT "


# --- the child: one role over one database -----------------------------------------------


async def fuzz_in_child(role: str, seconds: int) -> dict[str, Any]:
    sys.path.insert(0, str(PROJECT_DIR))
    import httpx

    from innovation_hub.app import create_app
    from tests.fuzzing import fuzz_role

    app = create_app()
    # httpx types an ASGI app loosely, Litestar its own call precisely: the two do not unify.
    transport = httpx.ASGITransport(app=app, client=("203.0.113.10", 50000))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        report = await fuzz_role(app, client, role, seconds)
    print(report.summary(refusals=True), flush=True)
    return {
        "role": role,
        "expected": report.expected,
        "operations": len(report.operations),
        "requests": report.requests,
        "passed": report.checks["passed"],
        "failed": report.checks["failed"],
        "failures": report.failure_count,
        "failure_kinds": {
            check: sum(len(found) for found in by_op.values())
            for check, by_op in report.failures.items()
        },
        "errors": len(report.errors),
        "seconds": report.running_time,
        "summary": report.summary(samples=False),
    }


# --- the parent: a fresh database per role -----------------------------------------------


def run_role(engine: str, role: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="hub-fuzz-bench-") as temp:
        database_url = None
        if engine == "postgres":
            database_url = with_database(args.postgres_url, args.bench_database)
            asyncio.run(recreate_database(args.postgres_url, args.bench_database))
        try:
            env = app_env(Path(temp) / "var", database_url, base_url="http://testserver")
            migrate(env)
            began = time.monotonic()
            child = subprocess.run(
                [sys.executable, __file__, "--child", role, "--seconds", str(args.seconds)],
                cwd=PROJECT_DIR,
                env=env,
                capture_output=True,
                text=True,
                timeout=args.seconds * 3 + 600,
            )
        finally:
            if engine == "postgres":
                asyncio.run(drop_database(args.postgres_url, args.bench_database))
    lines = child.stdout.splitlines()
    found = [line for line in lines if line.startswith(RESULT_PREFIX)]
    if child.returncode != 0 or not found:
        raise RuntimeError(
            f"{engine} {role}: the fuzzing child failed ({child.returncode}):\n"
            + "\n".join(lines[-40:])
            + child.stderr[-4000:]
        )
    result: dict[str, Any] = json.loads(found[-1].removeprefix(RESULT_PREFIX))
    result["engine"] = engine
    result["wall_seconds"] = time.monotonic() - began
    print("\n".join(line for line in lines if not line.startswith(RESULT_PREFIX)), flush=True)
    return result


def report_section(
    results: list[dict[str, Any]], args: argparse.Namespace, started: datetime
) -> str:
    lines = [
        f"## {started:%Y-%m-%d %H:%M} UTC — schemathesis over the JSON API (`bench/fuzz_api.py`)",
        "",
        "Every schemathesis phase (examples, coverage, fuzzing, stateful; fuzzing and stateful "
        "repeated with new seeds until the time is up) and every check, allow-header "
        "conformance included, over `/schema/openapi.json`, in-process over ASGI with one "
        "role's bearer token; each role over a fresh database holding the accounts and objects "
        "of `tests/matrix_roles.py` (ids of real objects in the paths). 409 and 422 are allowed "
        "answers to schema-valid requests (API.md: a rule names itself there). `failures` "
        "counts distinct ones (check, operation, message); `checks` are single check runs.",
        "",
        f"- Machine: {platform.node()}, {os.cpu_count()} CPUs, {platform.platform()}, load "
        "average " + ", ".join(f"{v:.2f}" for v in os.getloadavg()),
        f"- Python {platform.python_version()}, litestar {version('litestar')}, schemathesis "
        f"{version('schemathesis')}, hypothesis {version('hypothesis')}, SQLite "
        f"{sqlite3.sqlite_version}, asyncpg {version('asyncpg')}",
        f"- {args.seconds} s per role (seed of `tests/fuzzing.py`)",
        "",
        "| engine | role | operations | requests | checks passed | checks failed | failures "
        "| errors | fuzzing s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['engine']} | {r['role']} | {r['operations']} of {r['expected']} | "
            f"{r['requests']:,} | {r['passed']:,} | {r['failed']:,} | {r['failures']} | "
            f"{r['errors']} | {r['seconds']:.0f} |"
        )
    failing = [r for r in results if r["failures"] or r["errors"]]
    for r in failing:
        lines += ["", f"{r['engine']} {r['role']}:", "", "```", r["summary"], "```"]
    lines.append("")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seconds", type=positive_int, default=600, help="fuzzing time per role (default 600)"
    )
    parser.add_argument(
        "--roles", default=",".join(ROLES), help=f"comma-separated (default {','.join(ROLES)})"
    )
    parser.add_argument("--engines", default="sqlite", help="sqlite, postgres or both")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--bench-database", default=DEFAULT_BENCH_DATABASE)
    parser.add_argument(
        "--no-write",
        action="store_true",
        help=f"print the results without appending to {RESULTS_FILE.name}",
    )
    parser.add_argument("--child", choices=ROLES, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.child:
        result = asyncio.run(fuzz_in_child(args.child, args.seconds))
        print(RESULT_PREFIX + json.dumps(result), flush=True)
        return 0
    roles = [r for r in args.roles.split(",") if r]
    engines = [e for e in args.engines.split(",") if e]
    if unknown := (set(roles) - set(ROLES)) | (set(engines) - set(ENGINES)):
        raise SystemExit(f"unknown role or engine: {', '.join(sorted(unknown))}")
    started = datetime.now(UTC)
    results = [run_role(engine, role, args) for engine in engines for role in roles]
    publish(report_section(results, args, started), write=not args.no_write)
    return 1 if any(r["failures"] or r["errors"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
