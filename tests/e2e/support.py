"""Helpers the journeys share: the running hub, its mailbox, axe checks, screenshots, keys."""

from __future__ import annotations

import email
import email.policy
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page, ViewportSize

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts" / "e2e"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=390, height=844)
IMPACTS = ("critical", "serious", "moderate", "minor")
DEMO_PASSWORD = "demo-matkhau-2026"


@dataclass
class Hub:
    """The app and localstripe as the journeys reach them."""

    base_url: str
    mail_dir: Path
    stripe_base: str
    stripe_secret_key: str

    def url(self, path: str) -> str:
        return self.base_url + path


@dataclass
class AxeResult:
    page: str
    url: str
    counts: Counter[str] = field(default_factory=Counter)
    details: list[str] = field(default_factory=list)

    def summary(self) -> str:
        counts = ", ".join(f"{impact} {self.counts.get(impact, 0)}" for impact in IMPACTS)
        return f"{self.page:<24} {counts}"


# Filled by check_accessibility; conftest prints it at the end of the run.
AXE_RESULTS: list[AxeResult] = []


def check_accessibility(page: Page, name: str) -> AxeResult:
    """Run axe-core on the page as it is now; fail on a serious or critical violation."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, so the page's CSP does not block it.
        page.evaluate(AXE_JS.read_text())
    violations: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
                count: v.nodes.length,
            }));
        }"""
    )
    result = AxeResult(page=name, url=page.url)
    for violation in violations:
        impact = violation["impact"] or "minor"
        result.counts[impact] += violation["count"]
        where = ", ".join(violation["targets"])
        result.details.append(f"{impact}: {violation['id']} ({violation['help']}) at {where}")
    AXE_RESULTS.append(result)
    blocking = [line for line in result.details if line.startswith(("critical", "serious"))]
    assert not blocking, f"axe on {name} ({page.url}):\n" + "\n".join(blocking)
    return result


def screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot at the page's current width, kept for people to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def phone_screenshot(context: BrowserContext, url: str, name: str) -> Path:
    """The page at ``url`` as the context's user sees it on a 390-pixel-wide phone; fails when
    the page is wider than the phone (a sideways scroll of the whole page)."""
    browser = context.browser
    assert browser is not None
    phone = browser.new_context(
        viewport=PHONE,
        storage_state=context.storage_state(),
        is_mobile=True,
        has_touch=True,
        timezone_id="Asia/Ho_Chi_Minh",
    )
    try:
        page = phone.new_page()
        page.goto(url)
        # A phone browser widens its layout to fit content that is too wide: compare with
        # the screen's width, not the window's.
        fits = page.evaluate("w => document.documentElement.scrollWidth <= w", PHONE["width"])
        shot = screenshot(page, f"{name}-phone")
        assert fits, f"{url} is wider than a 390-pixel phone screen: see {shot}"
        return shot
    finally:
        phone.close()


def tab_to(page: Page, matches: str, *, limit: int = 80, reverse: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches the CSS selector."""
    key = "Shift+Tab" if reverse else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", matches):
            return
    raise AssertionError(f"{matches} was not reached with {limit} presses of {key}")


def focus_ring(page: Page) -> dict[str, str]:
    """The outline and box shadow of the focused element, as the browser draws them."""
    styles: dict[str, str] = page.evaluate(
        """() => {
            const style = getComputedStyle(document.activeElement);
            return {outline: style.outlineStyle, width: style.outlineWidth,
                    shadow: style.boxShadow};
        }"""
    )
    return styles


def has_visible_focus(page: Page) -> bool:
    ring = focus_ring(page)
    outlined = ring["outline"] not in ("none", "") and ring["width"] not in ("0px", "")
    return outlined or ring["shadow"] not in ("none", "")


def wait_for_mail(
    mail_dir: Path, to: str, *, timeout: float = 30, accept: Callable[[str], bool] | None = None
) -> tuple[str, str]:
    """The (subject, text) of the newest .eml file the outbox wrote to ``to``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(mail_dir.glob("*.eml"), reverse=True):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if message["To"] != to:
                continue
            body = message.get_body(preferencelist=("plain",))
            text = body.get_content() if body is not None else ""
            if accept is None or accept(text):
                return str(message["Subject"]), text
        time.sleep(0.25)
    raise AssertionError(f"no email to {to} in {mail_dir} within {timeout} s")


def link_in(text: str, base_url: str, path_prefix: str) -> str:
    match = re.search(re.escape(base_url + path_prefix) + r"\S+", text)
    assert match, f"no {path_prefix} link in:\n{text}"
    return match.group(0)


def log_in(page: Page, email_address: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.fill("#f-email", email_address)
    page.fill("#f-password", password)
    with page.expect_navigation():
        page.click("form[action='/login'] button[type=submit]")


def use_english(page: Page) -> None:
    """Press the EN button of the language switch; for a member it is kept on the account."""
    if page.get_attribute("html", "lang") == "en":
        return
    with page.expect_navigation():
        page.click(".language-switch button[value=en]")
    assert page.get_attribute("html", "lang") == "en"
