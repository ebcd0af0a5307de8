"""The OpenAPI document says what the API accepts, and OPTIONS what a path answers.

The fuzz test (test_api_fuzz.py) finds disagreements by chance; these pin the ones an API
client meets first: row ids are 32-bit, every integer a request carries has bounds, the
report's period is declared, a JSON body is taken as the document types it, and OPTIONS lists
every method of a path that has several handler functions (Litestar 2 lists one's only).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from tests.helpers import bearer

MAX_ID = 2**31 - 1
Schema = dict[str, Any]


@pytest.fixture
async def document(client: httpx.AsyncClient) -> Schema:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    body: Schema = response.json()
    return body


def _resolve(document: Schema, schema: Schema) -> Schema:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = document["components"]["schemas"][name]
    return schema


def _integers(document: Schema, schema: Schema, where: str, seen: set[str]) -> Iterator[tuple]:
    """(where, schema) of every integer inside ``schema``, following references once."""
    if "$ref" in schema:
        if schema["$ref"] in seen:
            return
        seen = seen | {schema["$ref"]}
    schema = _resolve(document, schema)
    types = schema.get("type")
    alternatives = schema.get("oneOf", []) + schema.get("anyOf", [])
    if types == "integer":
        yield where, schema
    for alt in alternatives:
        if alt.get("type") == "integer":  # bounds may sit beside the oneOf or in the integer
            bounds = {k: schema[k] for k in ("minimum", "maximum") if k in schema}
            yield where, {**alt, **bounds}
    for name, sub in schema.get("properties", {}).items():
        yield from _integers(document, sub, f"{where}.{name}", seen)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from _integers(document, schema[key], f"{where}[]", seen)
    for alt in alternatives:
        if alt.get("type") != "integer":
            # What the schema says of the items or values holds in every alternative too.
            shared = {k: schema[k] for k in ("items", "additionalProperties") if k in schema}
            yield from _integers(document, {**alt, **shared}, where, seen)


def request_integers(document: Schema) -> list[tuple[str, Schema]]:
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            label = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                where = f"{label} {parameter['in']} {parameter['name']}"
                found += _integers(document, parameter["schema"], where, set())
            content = operation.get("requestBody", {}).get("content", {})
            for media in content.values():
                found += _integers(document, media["schema"], f"{label} body", set())
    return found


def test_every_row_id_a_request_carries_is_declared_32_bit(document: Schema) -> None:
    ids = [
        (where, schema)
        for where, schema in request_integers(document)
        if re.search(r"(^|[ ._])(\w+_)?id$", where)
    ]
    assert len(ids) > 60  # path, query and body ids across the API
    wrong = [
        f"{where}: {schema.get('minimum')}..{schema.get('maximum')}"
        for where, schema in ids
        if (schema.get("minimum"), schema.get("maximum")) != (1, MAX_ID)
    ]
    assert not wrong, "\n".join(wrong)


def test_every_integer_a_request_carries_has_bounds(document: Schema) -> None:
    unbounded = [
        where
        for where, schema in request_integers(document)
        if "minimum" not in schema or "maximum" not in schema
    ]
    assert not unbounded, "\n".join(unbounded)


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


async def test_ids_past_32_bits_name_nothing(client: httpx.AsyncClient, staff_token: str) -> None:
    staff = bearer(staff_token)
    # In the path: outside the declared range, a 4xx (unknown, or out of range on PostgreSQL).
    for booking_id in (0, MAX_ID + 1, 2**40, 2**63):
        got = await client.get(f"/api/v1/bookings/{booking_id}", headers=staff)
        assert got.status_code in {400, 404}, (booking_id, got.text)
    assert (await client.get(f"/api/v1/bookings/{MAX_ID}", headers=staff)).status_code == 404
    # In a body: malformed, as the document says.
    got = await client.post("/api/v1/visits/1/host", json={"host_id": MAX_ID + 1}, headers=staff)
    assert got.status_code == 400 and got.json()["errors"][0]["key"] == "host_id", got.text
    got = await client.post("/api/v1/visits/1/host", json={"host_id": MAX_ID}, headers=staff)
    assert got.status_code in {404, 422}, got.text  # no such host or visit: the id was fine


async def test_a_json_body_is_taken_as_the_document_types_it(
    client: httpx.AsyncClient, staff_token: str
) -> None:
    staff = bearer(staff_token)
    room = {"name": "Phòng Sen", "kind": "meeting_room", "capacity": 8}
    for field, value in (("capacity", "8"), ("requires_approval", 0), ("name", 5)):
        got = await client.post("/api/v1/resources", json={**room, field: value}, headers=staff)
        assert got.status_code == 400, (field, got.text)
        assert got.json()["errors"] == [
            {"message": got.json()["errors"][0]["message"], "key": field, "source": "body"}
        ]
    made = await client.post("/api/v1/resources", json=room, headers=staff)
    assert made.status_code == 201, made.text
    # An optional body may still be left out.
    listed = await client.get("/api/v1/resources")
    assert [r["name"] for r in listed.json()["items"]] == ["Phòng Sen"]


async def test_every_value_a_query_enum_lists_is_accepted(
    client: httpx.AsyncClient, document: Schema, staff_token: str
) -> None:
    checked = 0
    for path, operations in document["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            if parameter["in"] != "query" or "enum" not in parameter["schema"]:
                continue
            for value in parameter["schema"]["enum"]:
                got = await client.get(
                    path, params={parameter["name"]: value}, headers=bearer(staff_token)
                )
                assert got.status_code == 200, (path, value, got.text)
                checked += 1
    assert checked > 20  # visit and application statuses and groups


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


async def test_nul_characters_are_taken_as_replacement_characters(
    client: httpx.AsyncClient, staff_token: str
) -> None:
    """PostgreSQL cannot store U+0000: the API takes it as U+FFFD on both engines, so text
    keeps the length the document's limits count."""
    staff = bearer(staff_token)
    room = {"kind": "meeting_room", "capacity": 8}
    made = await client.post(
        "/api/v1/resources", json={**room, "name": "Phòng\u0000Sen"}, headers=staff
    )
    assert made.status_code == 201, made.text
    assert made.json()["name"] == "Phòng\ufffdSen"
    # 200 characters are the most a name may have, with a U+0000 among them as without.
    longest = "\u0000" + "n" * 199
    assert (
        await client.post("/api/v1/resources", json={**room, "name": longest}, headers=staff)
    ).status_code == 201
    too_long = await client.post(
        "/api/v1/resources", json={**room, "name": longest + "n"}, headers=staff
    )
    assert too_long.status_code == 422 and too_long.json()["errors"]["name"], too_long.text
    cases = await client.get("/api/v1/trademark-cases", params={"q": "Sen\u0000"}, headers=staff)
    assert cases.status_code == 200, cases.text
