"""Each email in its recipient's language, also when the request came through the JSON API."""

from __future__ import annotations

import httpx
import pytest

from innovation_hub.core.i18n import accepted_locale
from innovation_hub.core.mail import OutboxMessage
from innovation_hub.visits.tables import Visit
from tests.helpers import api_token, bearer, make_user
from tests.visits.test_visits import TEACHER, request_body


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        ("en-US,en;q=0.9", "en"),
        ("vi-VN,vi;q=0.9,en-US;q=0.8", "vi"),
        ("fr-FR, en;q=0.4, vi;q=0.6", "vi"),
        ("EN-gb", "en"),
        ("en;q=0, vi", "vi"),
        ("fr, de", None),
        ("*", None),
        ("", None),
        (None, None),
        ("en;q=nonsense, vi;q=0.1", "vi"),
    ],
)
def test_accept_language_picks_the_heaviest_language_we_have(
    header: str | None, locale: str | None
) -> None:
    assert accepted_locale(header) == locale


async def visit_email(client: httpx.AsyncClient, **kwargs: object) -> OutboxMessage:
    response = await client.post("/api/v1/visits", **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 201, response.text
    row = await OutboxMessage.objects().where(OutboxMessage.to_address == TEACHER).first()
    assert row is not None
    return row


async def test_api_visit_without_a_language_is_answered_in_vietnamese(
    client: httpx.AsyncClient,
) -> None:
    row = await visit_email(client, json=request_body())
    assert row.subject.startswith("Trung tâm đã nhận yêu cầu tham quan")
    assert "Xin chào Nguyễn Thị Lan," in row.body_text
    assert '<html lang="vi">' in row.body_html
    visit = await Visit.objects().first()
    assert visit is not None and visit.locale == "vi"


async def test_api_visit_follows_the_accept_language_of_the_page(
    client: httpx.AsyncClient,
) -> None:
    row = await visit_email(
        client, json=request_body(), headers={"Accept-Language": "en-GB,en;q=0.9,vi;q=0.5"}
    )
    assert row.subject.startswith("We received your visit request")
    assert "Hello Nguyễn Thị Lan," in row.body_text
    assert '<html lang="en">' in row.body_html


async def test_api_visit_named_language_wins_over_the_header(
    client: httpx.AsyncClient,
) -> None:
    row = await visit_email(
        client, json=request_body(locale="vi"), headers={"Accept-Language": "en"}
    )
    assert row.subject.startswith("Trung tâm đã nhận yêu cầu tham quan")


async def test_api_visit_of_a_member_is_in_the_members_language(
    client: httpx.AsyncClient,
) -> None:
    await make_user("student", email="en@sv.vn", locale="en")
    token = await api_token(client, "en@sv.vn")
    row = await visit_email(client, json=request_body(), headers=bearer(token))
    assert row.subject.startswith("We received your visit request")


async def test_api_visit_in_an_unknown_language_is_refused_and_stores_nothing(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/api/v1/visits", json=request_body(locale="fr"))
    assert response.status_code == 422
    assert "locale" in response.json()["errors"]
    assert await Visit.count() == 0 and await OutboxMessage.count() == 0
