"""A logged-in member's own credentials: changing the password (other sessions and the API
tokens end, this session goes on) and listing and revoking API tokens."""

from __future__ import annotations

import httpx

from innovation_hub.accounts.tables import ApiToken
from innovation_hub.core.audit import AuditEntry
from tests.helpers import PASSWORD, api_token, bearer, csrf_token, log_in, make_user, post_form

NEW_PASSWORD = "mật khẩu mới của Bảo 2026"


async def _change(browser: httpx.AsyncClient, current: str, new: str, again: str | None = None):
    return await post_form(
        browser,
        "/profile/password",
        {
            "current_password": current,
            "new_password": new,
            "new_password_confirm": new if again is None else again,
        },
        token_page="/profile",
    )


async def test_changing_the_password_ends_other_sessions_and_tokens_but_not_this_one(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    await make_user("startup", email="bao@agritn.vn")
    token = await api_token(client, "bao@agritn.vn")
    await log_in(client, "bao@agritn.vn")
    await log_in(other_client, "bao@agritn.vn")

    wrong = await _change(client, "not my password", NEW_PASSWORD)
    assert wrong.status_code == 422
    assert 'id="e-current_password"' in wrong.text and "mật khẩu hiện tại" in wrong.text
    weak = await _change(client, PASSWORD, "short")
    assert weak.status_code == 422 and 'id="e-new_password"' in weak.text
    differ = await _change(client, PASSWORD, NEW_PASSWORD, "something else entirely")
    assert differ.status_code == 422 and 'id="e-new_password_confirm"' in differ.text
    # Refused, nothing changed: the other session and the token still work.
    assert (await other_client.get("/profile")).status_code == 200
    assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 200

    done = await _change(client, PASSWORD, NEW_PASSWORD)
    assert done.status_code == 303 and "password=changed" in done.headers["location"]
    page = await client.get("/profile?password=changed")
    assert page.status_code == 200 and "Mật khẩu đã được đổi" in page.text
    assert (await other_client.get("/profile")).status_code == 302  # logged out there
    assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 401
    assert await AuditEntry.count().where(AuditEntry.action == "account.password_changed") == 1
    await log_in(other_client, "bao@agritn.vn", NEW_PASSWORD)


async def test_members_list_and_revoke_their_own_tokens_only(client: httpx.AsyncClient) -> None:
    await make_user("startup", email="bao@agritn.vn")
    await make_user("student", email="khoa@hs.vn")
    first = await api_token(client, "bao@agritn.vn")
    second = await api_token(client, "bao@agritn.vn")
    stranger = await api_token(client, "khoa@hs.vn")

    listed = await client.get("/api/v1/me/tokens", headers=bearer(first))
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert len(items) == 2 and {"id", "created_at", "expires_at"} <= set(items[0])
    assert "token" not in items[0]  # the secret is never shown again
    ids = [item["id"] for item in items]
    theirs = (await client.get("/api/v1/me/tokens", headers=bearer(stranger))).json()["items"]
    [stranger_id] = [item["id"] for item in theirs]

    other = await client.delete(f"/api/v1/me/tokens/{stranger_id}", headers=bearer(first))
    assert other.status_code == 404
    assert (await client.get("/api/v1/me", headers=bearer(stranger))).status_code == 200

    newest = ids[0]  # newest first: the second token
    revoked = await client.delete(f"/api/v1/me/tokens/{newest}", headers=bearer(first))
    assert revoked.status_code == 204
    assert (await client.get("/api/v1/me", headers=bearer(second))).status_code == 401
    assert (await client.get("/api/v1/me", headers=bearer(first))).status_code == 200

    # On the profile page: the remaining token, and a button that revokes it.
    await log_in(client, "bao@agritn.vn")
    page = await client.get("/profile")
    assert f'action="/profile/tokens/{ids[1]}/revoke"' in page.text
    token = await csrf_token(client, "/profile")
    gone = await client.post(f"/profile/tokens/{ids[1]}/revoke", data={"_csrf_token": token})
    assert gone.status_code == 303
    assert (await client.get("/api/v1/me", headers=bearer(first))).status_code == 401
    again = await client.post(f"/profile/tokens/{ids[1]}/revoke", data={"_csrf_token": token})
    assert again.status_code == 404
    assert "Bạn chưa có mã truy cập API nào." in (await client.get("/profile")).text
    assert await ApiToken.count() == 1  # the stranger's
