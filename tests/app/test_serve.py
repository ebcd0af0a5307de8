"""`innovation-hub serve --workers N`: refused on SQLite, several processes on PostgreSQL."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import POSTGRES_ADMIN_URL, _postgres_admin, _postgres_url
from tests.helpers import free_port

pytestmark = pytest.mark.slow


def serve_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "innovation_hub.cli", "serve", *args]


def test_several_workers_are_refused_on_sqlite(tmp_path: Path) -> None:
    database = tmp_path / "db" / "hub.sqlite3"
    env = {
        **os.environ,
        "HUB_VAR_DIR": str(tmp_path / "var"),
        "HUB_DATABASE_URL": f"sqlite:///{database}",
    }
    result = subprocess.run(
        serve_command("--workers", "2", "--port", str(free_port())),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "PostgreSQL" in result.stderr
    assert not database.exists()  # refused before migrating anything


def test_zero_workers_is_a_usage_error() -> None:
    result = subprocess.run(
        serve_command("--workers", "0"), capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert "--workers" in result.stderr


@pytest.fixture
async def postgres_env(tmp_path: Path) -> Iterator[dict[str, str]]:  # type: ignore[misc]
    name = f"hub_serve_{os.getpid()}"
    await _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await _postgres_admin(f'CREATE DATABASE "{name}"')
    yield {
        **os.environ,
        "HUB_VAR_DIR": str(tmp_path / "var"),
        "HUB_DATABASE_URL": _postgres_url(name),
        "HUB_RUN_JOBS": "false",
    }
    await _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.skipif(not POSTGRES_ADMIN_URL, reason="several workers need PostgreSQL")
def test_two_workers_on_postgresql_both_serve(postgres_env: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            serve_command("--port", str(port), "--workers", "2", "--proxy-headers"),
            env=postgres_env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while log.read_text().count("Application startup complete") < 2:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        base = f"http://127.0.0.1:{port}"
        for _ in range(3):
            assert httpx.get(f"{base}/readyz", timeout=10).status_code == 200
            assert httpx.get(f"{base}/", timeout=10).status_code == 200
        workers = set(re.findall(r"Started server process \[(\d+)\]", log.read_text()))
        assert len(workers) == 2
    finally:
        process.terminate()
        process.wait(timeout=30)
