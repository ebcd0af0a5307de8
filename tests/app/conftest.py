"""What the command-line and server tests share: a database of the test's own and the
``innovation-hub`` command run against it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_ADMIN_URL, _postgres_admin, _postgres_url


def hub(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "innovation_hub.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
async def own_database(tmp_path: Path) -> Iterator[dict[str, str]]:  # type: ignore[misc]
    """An environment pointing at a database of this test's own, on the suite's engine."""
    env = {**os.environ, "HUB_VAR_DIR": str(tmp_path / "var"), "HUB_RUN_JOBS": "false"}
    if POSTGRES_ADMIN_URL:
        name = f"hub_cli_{os.getpid()}"
        await _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await _postgres_admin(f'CREATE DATABASE "{name}"')
        env["HUB_DATABASE_URL"] = _postgres_url(name)
        yield env
        await _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        env["HUB_DATABASE_URL"] = f"sqlite:///{tmp_path / 'db' / 'hub.sqlite3'}"
        yield env
