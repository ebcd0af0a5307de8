"""axe-core on every page a person can reach by following links, as each kind of user, on a
phone and on a desktop screen: 0 serious or critical violations.

Starting from the home page (after logging in), each same-site link found on a page is followed
once per route (``/bookings/12`` and ``/bookings/13`` are one route), so the crawl covers the
pages a user meets, with the demo's own data, without knowing the list of pages in advance.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.support import DESKTOP, PHONE, Hub, check_accessibility, log_in

pytestmark = pytest.mark.slow

ACCOUNTS = {
    "visitor": None,
    "student": "khoa.pham@demo.hub.vn",
    "startup": "bao.dang@demo.hub.vn",
    "enterprise": "tam.nguyen@demo.hub.vn",
    "staff": "ngoc.tran@demo.hub.vn",
    "admin": "admin@demo.hub.vn",
}
# Not pages to look at: the API, files, feeds, and links that act (logging out, unsubscribing).
SKIP = re.compile(
    r"^/(api|static|schema|stripe)/|/logout|/reminders/off/|\.(ics|xlsx|csv|pdf|zip|png|jpe?g|svg|webp)$"
)
MAX_ROUTES = 80  # per account: a guard against a crawl that never ends (say, a link per day)


def route_of(url: str) -> str:
    """One key per route: numbers and tokens in the path become placeholders, and the query is
    dropped but for the board's view, which is another page."""
    parts = urlsplit(url)
    path = re.sub(r"/[0-9]+(?=/|$)", "/{n}", parts.path)
    path = re.sub(r"/[A-Za-z0-9_.-]{20,}(?=/|$)", "/{token}", path)
    view = dict(parse_qsl(parts.query)).get("view")
    return path + (f"?view={view}" if view else "")


def links_on(page: Page, origin: str) -> list[str]:
    hrefs: list[str] = page.evaluate(
        # An SVG link's href is an object: resolve the attribute as the browser would.
        "() => Array.from(document.querySelectorAll('a[href]'),"
        " a => new URL(a.getAttribute('href'), document.baseURI).href)"
    )
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin or SKIP.search(parts.path):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def is_html(page: Page, path: str) -> bool:
    response = page.request.get(path, max_redirects=5)
    return response.ok and response.headers.get("content-type", "").startswith("text/html")


def test_every_linked_page_passes_axe(browser: Browser, hub: Hub) -> None:
    # A route is checked once, as the first account (in the order above) that reaches it; the
    # later accounts still walk through it to find the links only they see.
    checked: dict[str, str] = {}
    for account, email in ACCOUNTS.items():
        context = browser.new_context(
            viewport=PHONE, base_url=hub.base_url, timezone_id="Asia/Ho_Chi_Minh"
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        if email:
            log_in(page, email)
        queue, walked = ["/"], {route_of("/")}
        while queue:
            path = queue.pop(0)
            if not is_html(page, path):
                continue
            page.set_viewport_size(PHONE)
            page.goto(path)
            route = route_of(path)
            if route not in checked:
                check_accessibility(page, f"{route} (phone, {account})")
                page.set_viewport_size(DESKTOP)
                page.wait_for_timeout(200)  # the resize handlers (scroll boxes) settle
                check_accessibility(page, f"{route} (desktop, {account})")
                checked[route] = account
            for link in links_on(page, hub.base_url):
                if route_of(link) not in walked:
                    walked.add(route_of(link))
                    queue.append(link)
            assert len(walked) <= MAX_ROUTES, f"{account} links to over {MAX_ROUTES} routes"
        context.close()
        # The crawl reached the account's own pages, not only the public ones.
        assert len(walked) >= (10 if email else 5), (account, sorted(walked))
    assert len(checked) >= 35, sorted(checked)
