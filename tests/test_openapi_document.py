"""The OpenAPI document says what the API accepts, and OPTIONS what a path answers.

The report's period is declared, and OPTIONS lists every method of a path that has several
handler functions (Litestar 2 lists one's only).
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from tests.helpers import bearer

Schema = dict[str, Any]


@pytest.fixture
async def document(client: httpx.AsyncClient) -> Schema:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    body: Schema = response.json()
    return body


def test_the_report_period_is_declared(document: Schema) -> None:
    parameters = {
        p["name"]: p for p in document["paths"]["/api/v1/reports/summary"]["get"]["parameters"]
    }
    for name in ("from", "to"):
        assert parameters[name]["in"] == "query"
        assert parameters[name]["required"] is True
        assert parameters[name]["schema"] == {"type": "string", "format": "date"} | {
            "description": parameters[name]["schema"].get("description")
        }


async def test_report_periods_at_the_ends_of_the_calendar_are_answered(
    client: httpx.AsyncClient, staff_token: str
) -> None:
    for first, last in (("0001-01-01", "0001-12-31"), ("9999-01-01", "9999-12-31")):
        got = await client.get(
            "/api/v1/reports/summary",
            params={"from": first, "to": last},
            headers=bearer(staff_token),
        )
        assert got.status_code == 200, got.text
        assert got.json()["bookings"] == 0


def _allow(response: httpx.Response) -> set[str]:
    return {method.strip() for method in response.headers["allow"].split(",")}


async def test_options_lists_every_method_of_a_path_with_several_handlers(
    client: httpx.AsyncClient,
) -> None:
    expected = {
        "/api/v1/bookings": {"GET", "POST"},
        "/api/v1/waitlist": {"GET", "POST"},
        "/api/v1/programmes": {"GET", "POST"},
        "/api/v1/resources": {"GET", "POST"},
        "/api/v1/applications/1": {"GET", "PATCH"},
        "/api/v1/bookings/1/payment": {"GET", "POST"},
    }
    for path, methods in expected.items():
        got = await client.options(path)
        assert got.status_code == 204, path
        assert _allow(got) == {*methods, "OPTIONS"}, (path, got.headers["allow"])


async def test_options_agrees_with_what_every_route_answers(
    app: Litestar, client: httpx.AsyncClient, document: Schema
) -> None:
    checked = 0
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        path = re.sub(r"\{[^}]+\}", "1", route.path_format)
        got = await client.options(path)
        assert _allow(got) == set(route.route_handler_map), path
        documented = document["paths"].get(route.path_format)
        if documented is not None:
            assert _allow(got) == {m.upper() for m in documented} | {"OPTIONS"}, path
        checked += 1
    assert checked > 100
