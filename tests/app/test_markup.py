"""Every page any caller can reach is well-formed for a browser, not only for axe.

For each kind of caller of the access matrix, every page route is fetched (and every form
posted as the matrix posts it, which renders forms with their errors), and each HTML answer is
read strictly (tests/html_check.py): no attribute a browser does not know (two glued together by
the templates' whitespace control), no attribute twice, no id twice, no label for nothing.
"""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from innovation_hub.core.settings import Settings
from innovation_hub.core.templating import make_environment
from tests.app.test_access_matrix import call, caller, registered_routes, run_order
from tests.helpers import csrf_token
from tests.html_check import markup_problems
from tests.matrix_roles import ROLES, build_world, fill_path

# Not pages: the API, static files and the API's own documentation.
NOT_PAGES = ("/api/", "/static/", "/schema", "/stripe/")
HTMX = {"HX-Request": "true"}


def test_the_checker_names_glued_attributes() -> None:
    page = (
        '<label for="f-email">Email</label>'
        '<input id="f-email" requiredautocomplete="email" type="text" type="email">'
        '<label for="f-none">?</label><p id="f-email"></p>'
    )
    assert markup_problems(page) == [
        "line 1 <input>: unknown attribute 'requiredautocomplete'",
        "line 1 <input>: attribute 'type' given twice",
        "id 'f-email' used 2 times",
        '<label for="f-none"> names no element',
    ]
    assert markup_problems('<svg viewBox="0 0 1 1"><rect x="0" fill="red"/></svg>') == []
    assert markup_problems('<div fill="red" hx-get="/" aria-label="a" data-x="1"></div>') == [
        "line 1 <div>: unknown attribute 'fill'"
    ]


def test_a_field_keeps_each_of_its_attributes(settings: Settings) -> None:
    macro = make_environment(settings).from_string(
        '{% from "_forms.html" import field %}'
        "{{ field('phone', 'Phone', {}, {'phone': 'Wrong'}, type='tel', required=True,"
        " hint='Ten digits', autocomplete='tel', inputmode='numeric') }}"
    )
    html = macro.render()
    assert markup_problems(html) == []
    for attribute in (
        " required ",
        ' autocomplete="tel"',
        ' inputmode="numeric"',
        ' aria-invalid="true"',
        ' aria-describedby="h-phone e-phone"',
    ):
        assert attribute in html, (attribute, html)


@pytest.mark.parametrize("role", ROLES)
async def test_every_page_is_valid_markup(
    app: Litestar, client: httpx.AsyncClient, role: str, capsys: pytest.CaptureFixture[str]
) -> None:
    world = await build_world(client)
    browser = await caller(client, role)
    pages = problems = 0
    report: list[str] = []
    try:
        csrf = await csrf_token(browser, "/")
        for key in sorted(registered_routes(app), key=run_order):
            if key[1].startswith(NOT_PAGES):
                continue
            answers = [await call(browser, role, world, key, csrf)]
            if key[0] == "GET":  # and the fragment htmx swaps in, where the page has one
                answers.append(await browser.get(fill_path(key[1], world), headers=HTMX))
            for response in answers:
                if not response.headers.get("content-type", "").startswith("text/html"):
                    continue
                pages += 1
                if found := markup_problems(response.text):
                    problems += len(found)
                    heading = f"{key[0]} {response.request.url.path}"
                    if "hx-request" in response.request.headers:
                        heading += " (htmx)"
                    report.append(f"{heading}:\n  " + "\n  ".join(found))
    finally:
        await browser.aclose()
    with capsys.disabled():
        print(f"\nmarkup [{role}]: {pages} HTML answers read, {problems} problems")
    assert pages > 5
    assert not report, "\n".join(report)
