"""What the bench scripts share: the app's environment and migration, app servers in
subprocesses on loopback, CPU readings, the results file and argument types."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
RESULTS_FILE = BENCH_DIR / "RESULTS.md"
READY_TIMEOUT_SECONDS = 60.0

RESULTS_HEADER = """\
# Benchmarks

Appended to by the scripts in `bench/`; each section says what it measured, how, and on
which machine.
"""


@dataclass
class Server:
    name: str
    base_url: str
    ready_path: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""


def app_env(
    var_dir: Path, database_url: str | None = None, base_url: str | None = None
) -> dict[str, str]:
    """The environment of an app the bench runs, as one process or several sharing it."""
    # Inherited HUB_* variables (a developer's Redis, SMTP...) would make runs incomparable.
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
    env.update(
        HUB_VAR_DIR=str(var_dir),
        HUB_RUN_JOBS="false",
        # Loopback only: a paid booking would start a Stripe payment; the discard port
        # refuses it at once rather than letting the app reach the internet.
        HUB_STRIPE_API_BASE="http://127.0.0.1:9",
        HUB_SECRET_KEY=secrets.token_urlsafe(48),
        PYTHONUNBUFFERED="1",
    )
    if database_url:
        env["HUB_DATABASE_URL"] = database_url
    if base_url:
        env["HUB_BASE_URL"] = base_url
    return env


def migrate(env: Mapping[str, str]) -> None:
    """With the app's own command, as an operator would."""
    subprocess.run(
        [sys.executable, "-m", "innovation_hub.cli", "migrate"],
        cwd=PROJECT_DIR,
        env=dict(env),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def free_port() -> int:
    # The port is released before uvicorn binds it; a race is possible but unlikely here.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    name: str,
    target: str,
    env: Mapping[str, str],
    log_dir: Path,
    ready_path: str,
    app_dir: Path | None = None,
    port: int | None = None,
) -> Server:
    port = port or free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    if app_dir is not None:
        command += ["--app-dir", str(app_dir)]
    log_path = log_dir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=dict(env), stdout=log, stderr=subprocess.STDOUT
        )
    return Server(name, f"http://127.0.0.1:{port}", ready_path, process, log_path)


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


async def wait_ready(server: Server) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    async with httpx.AsyncClient(base_url=server.base_url, trust_env=False, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(
                    f"{server.name} server exited with code {server.process.returncode}:\n"
                    f"{server.log_tail()}"
                )
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(server.ready_path)).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError(
        f"{server.name} server did not answer {server.ready_path} within "
        f"{READY_TIMEOUT_SECONDS:.0f} s:\n{server.log_tail()}"
    )


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process, from /proc (Linux only; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    # After the command name: state is fields[0], so utime/stime (stat fields 14/15) are 11/12.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def log_shows_errors(log: str) -> bool:
    return any(word in log for word in ("Traceback", "ERROR", "CRITICAL"))


def publish(section: str, *, write: bool) -> None:
    """Prints a results section and, unless told not to, appends it to RESULTS.md."""
    print()
    print(section)
    if not write:
        return
    if RESULTS_FILE.exists():
        text = RESULTS_FILE.read_text().rstrip("\n") + "\n\n"
    else:
        text = RESULTS_HEADER + "\n"
    RESULTS_FILE.write_text(text + section)
    print(f"appended to {RESULTS_FILE.relative_to(PROJECT_DIR)}")


# --- main --------------------------------------------------------------------------------


# --- argument types ---------------------------------------------------------------


def positive_float(raw: str) -> float:
    value = float(raw)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {raw}")
    return value


def non_negative_float(raw: str) -> float:
    value = float(raw)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {raw}")
    return value


def positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {raw}")
    return value


def non_negative_int(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {raw}")
    return value
