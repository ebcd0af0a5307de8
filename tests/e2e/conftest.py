"""The running hub (app + localstripe as subprocesses), Chromium, and the axe summary.

The e2e server always uses its own SQLite file in a temporary directory, also when
HUB_TEST_POSTGRES_URL is set: the journeys check what a person sees, which does not depend on the
engine, and the rest of the suite covers PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Generator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.e2e.support import (
    ARTIFACTS,
    AXE_JS,
    AXE_RESULTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    ROOT,
    Hub,
)
from tests.helpers import free_port

WEBHOOK_SECRET = "whsec_e2e_innovation_hub"
STRIPE_SECRET_KEY = "sk_test_e2e_hub"
STARTUP_SECONDS = 30


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text()[-3000:]
            raise RuntimeError(f"{url}: the process exited with {process.returncode}:\n{tail}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    tail = log.read_text()[-3000:]
    raise RuntimeError(f"{url} did not answer within {STARTUP_SECONDS} s:\n{tail}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _hub_environment(run_dir: Path, base_url: str, stripe_base: str) -> dict[str, str]:
    # Nothing of the unit tests' HUB_* set-up (tests/conftest.py) leaks into the server.
    env = {name: value for name, value in os.environ.items() if not name.startswith("HUB_")}
    env.update(
        HUB_DATABASE_URL=f"sqlite:///{run_dir / 'hub.sqlite3'}",
        HUB_VAR_DIR=str(run_dir / "var"),
        HUB_SECRET_KEY="e2e-secret-key-that-is-long-enough-0123456789",
        HUB_BASE_URL=base_url,
        HUB_RUN_JOBS="true",
        HUB_STRIPE_API_BASE=stripe_base,
        HUB_STRIPE_SECRET_KEY=STRIPE_SECRET_KEY,
        HUB_STRIPE_PUBLISHABLE_KEY="pk_test_e2e_hub",
        HUB_STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    return env


@pytest.fixture
def empty_database() -> None:
    """The journeys never touch the unit tests' database, so it is not emptied for them (and
    Playwright's sync API cannot share the thread with an asyncio fixture)."""


# Package scope: the servers and the browser end with the last journey, before the rest of the
# suite runs (Playwright's sync API holds an event loop in this thread while it is open).
@pytest.fixture(scope="package")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    run_dir = tmp_path_factory.mktemp("e2e")
    stripe_port, app_port = free_port(), free_port()
    stripe_base = f"http://127.0.0.1:{stripe_port}"
    base_url = f"http://127.0.0.1:{app_port}"
    env = _hub_environment(run_dir, base_url, stripe_base)
    command = str(Path(sys.executable).with_name("innovation-hub"))

    stripe_log = run_dir / "localstripe.log"
    with stripe_log.open("wb") as out:
        localstripe = subprocess.Popen(
            [sys.executable, "-m", "localstripe", "--port", str(stripe_port), "--from-scratch"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server: subprocess.Popen[bytes] | None = None
    try:
        for step in ([command, "demo"], [sys.executable, "-m", "tests.e2e.seed"]):
            done = subprocess.run(step, cwd=ROOT, env=env, capture_output=True, timeout=120)
            assert done.returncode == 0, f"{step} failed:\n{done.stderr.decode()[-3000:]}"
        server_log = run_dir / "server.log"
        with server_log.open("wb") as out:
            server = subprocess.Popen(
                [command, "serve", "--host", "127.0.0.1", "--port", str(app_port)],
                cwd=run_dir,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        _wait_until_up(f"{stripe_base}/js.stripe.com/v3/", localstripe, stripe_log)
        _wait_until_up(f"{base_url}/readyz", server, server_log)
        # localstripe sends its events to the app's webhook, as Stripe would.
        registered = httpx.post(
            f"{stripe_base}/_config/webhooks/hub",
            data={"url": f"{base_url}/stripe/webhook", "secret": WEBHOOK_SECRET},
        )
        assert registered.status_code == 200, registered.text
        yield Hub(
            base_url=base_url,
            mail_dir=run_dir / "var" / "mail",
            stripe_base=stripe_base,
            stripe_secret_key=STRIPE_SECRET_KEY,
        )
    finally:
        if server is not None:
            _stop(server)
        _stop(localstripe)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: `make e2e` installs Debian's chromium"
    assert AXE_JS.exists(), f"{AXE_JS} is missing: run `npm install`"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser, hub: Hub) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport=DESKTOP, base_url=hub.base_url, timezone_id="Asia/Ho_Chi_Minh"
    )
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    page = context.new_page()
    yield page
    report = getattr(request.node, "call_report", None)
    if report is not None and report.failed and not page.is_closed():
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}.png"), full_page=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report: pytest.TestReport = yield
    if report.when == "call":
        item.call_report = report  # type: ignore[attr-defined]
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not AXE_RESULTS:
        return
    terminalreporter.section("axe-core: violations per page, by impact")
    for result in AXE_RESULTS:
        terminalreporter.write_line(result.summary())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    lines = []
    for result in AXE_RESULTS:
        lines.append(f"{result.page} ({result.url})")
        lines.extend(f"  {detail}" for detail in result.details or ["no violations"])
    (ARTIFACTS / "axe.txt").write_text("\n".join(lines) + "\n")
    terminalreporter.write_line(f"details: {ARTIFACTS / 'axe.txt'}")
