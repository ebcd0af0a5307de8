"""The JSON API skeleton: bearer tokens, /me, problem details, OpenAPI, health probes."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import httpx
from litestar import Litestar

from innovation_hub.accounts.tables import ApiToken, User
from innovation_hub.core.clock import utcnow
from innovation_hub.core.security import token_digest
from innovation_hub.core.settings import Settings
from tests.helpers import (
    PASSWORD,
    api_token,
    bearer,
    free_port,
    freeze_login_clock,
    log_in,
    make_user,
)


async def test_token_works_on_me(client: httpx.AsyncClient) -> None:
    user = await make_user("startup", name="Đặng Quốc Bảo")
    token = await api_token(client, "startup@example.vn")
    response = await client.get("/api/v1/me", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == user.id
    assert body["email"] == "startup@example.vn"
    assert body["name"] == "Đặng Quốc Bảo"
    assert body["role"] == "startup"


async def test_token_response_has_an_offset_expiry(client: httpx.AsyncClient) -> None:
    await make_user("student")
    response = await client.post(
        "/api/v1/auth/tokens", json={"email": "student@example.vn", "password": PASSWORD}
    )
    assert response.status_code == 201
    expires_at = response.json()["expires_at"]
    assert expires_at.endswith(("Z", "+00:00"))


async def test_tokens_are_stored_hashed(client: httpx.AsyncClient) -> None:
    await make_user("student")
    token = await api_token(client, "student@example.vn")
    stored = await ApiToken.select(ApiToken.token_digest).run()
    assert len(stored) == 1 and token not in stored[0]["token_digest"]


async def test_wrong_or_missing_token_is_401_problem(client: httpx.AsyncClient) -> None:
    for headers in (
        {},
        {"authorization": "Bearer not-a-real-token"},
        {"authorization": "Basic abc"},
    ):
        response = await client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["status"] == 401
        assert response.json()["code"] == "unauthorized"


async def test_expired_token_or_deactivated_member_is_401(client: httpx.AsyncClient) -> None:
    user = await make_user("startup")
    expiring = await api_token(client, "startup@example.vn")
    lasting = await api_token(client, "startup@example.vn")
    assert (await client.get("/api/v1/me", headers=bearer(expiring))).status_code == 200
    await (
        ApiToken.update({ApiToken.expires_at: utcnow() - timedelta(seconds=1)})
        .where(ApiToken.token_digest == token_digest(expiring))
        .run()
    )
    assert (await client.get("/api/v1/me", headers=bearer(expiring))).status_code == 401
    assert (await client.get("/api/v1/me", headers=bearer(lasting))).status_code == 200
    await User.update({User.is_active: False}).where(User.id == user.id).run()
    assert (await client.get("/api/v1/me", headers=bearer(lasting))).status_code == 401


async def test_api_ignores_session_cookies(client: httpx.AsyncClient) -> None:
    await make_user("student")
    await log_in(client, "student@example.vn")
    assert (await client.get("/profile")).status_code == 200
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_wrong_credentials_are_401(client: httpx.AsyncClient) -> None:
    await make_user("student")
    response = await client.post(
        "/api/v1/auth/tokens", json={"email": "student@example.vn", "password": "wrong password"}
    )
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "bad_credentials" and "token" not in body


async def test_repeated_failures_get_429(app: Litestar, client: httpx.AsyncClient) -> None:
    freeze_login_clock(app)
    await make_user("student")
    for _ in range(5):
        await client.post(
            "/api/v1/auth/tokens", json={"email": "student@example.vn", "password": "x" * 12}
        )
    response = await client.post(
        "/api/v1/auth/tokens", json={"email": "student@example.vn", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert int(response.headers["retry-after"]) > 0


async def test_malformed_bodies_are_400_problems(client: httpx.AsyncClient) -> None:
    for body, content_type in (
        ("{not json", "application/json"),
        ('{"email": 5}', "application/json"),
        ("{}", "application/json"),
    ):
        response = await client.post(
            "/api/v1/auth/tokens", content=body, headers={"content-type": content_type}
        )
        assert response.status_code == 400, body
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "bad_request"


async def test_unknown_api_path_is_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_openapi_describes_the_api_only(client: httpx.AsyncClient) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/me" in paths and "/api/v1/auth/tokens" in paths
    assert all(path.startswith("/api/v1/") for path in paths)
    assert response.json()["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


async def test_health_probes(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200


async def test_readyz_is_503_when_redis_is_unreachable(settings: Settings) -> None:
    from innovation_hub.app import create_app

    nowhere = replace(settings, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    transport = httpx.ASGITransport(app=create_app(nowhere))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {"status": "store unavailable"}
