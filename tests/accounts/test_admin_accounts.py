"""The administrator's account management: finding accounts, changing a role, deactivating
and reactivating, and emailing verification and reset links, on the pages and the API; only
administrators, every change audited, and never zero active administrators."""

from __future__ import annotations

import asyncio
import json
import re

import httpx
import pytest
from litestar import Litestar
from litestar.exceptions import PermissionDeniedException

from innovation_hub.accounts import services
from innovation_hub.accounts.tables import User
from innovation_hub.core.audit import AuditEntry
from innovation_hub.core.errors import RuleBroken
from innovation_hub.core.mail import OutboxMessage
from tests.helpers import api_token, bearer, csrf_token, log_in, make_user, post_form


async def _browser(client: httpx.AsyncClient, email: str) -> httpx.AsyncClient:
    browser = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    await log_in(browser, email)
    return browser


async def _audit(action: str) -> list[dict]:
    return await AuditEntry.select().where(AuditEntry.action == action)


async def _mails_to(address: str) -> list[dict]:
    return await OutboxMessage.select(OutboxMessage.subject, OutboxMessage.body_text).where(
        OutboxMessage.to_address == address
    )


async def test_admin_finds_accounts_by_name_email_or_phone_a_page_at_a_time(
    client: httpx.AsyncClient,
) -> None:
    await make_user("admin", email="an@so.vn", name="Nguyễn Văn An")
    for n in range(30):
        await make_user("student", email=f"hs{n:02d}@hs.vn", name=f"Học sinh {n:02d}")
    await make_user("startup", email="bao@agritn.vn", name="Đặng Bảo", phone="0909 123 456")
    await log_in(client, "an@so.vn")

    first = await client.get("/admin/users")
    assert first.status_code == 200
    assert "Trang 1 / 2" in first.text
    second = await client.get("/admin/users", params={"page": "2"})
    assert "Học sinh 29" in second.text and "Học sinh 00" not in second.text

    by_phone = await client.get("/admin/users", params={"q": "123 456"})
    assert "Đặng Bảo" in by_phone.text and "hs00@hs.vn" not in by_phone.text
    by_email = await client.get("/admin/users", params={"q": "AGRITN"})
    assert "bao@agritn.vn" in by_email.text and "hs00@hs.vn" not in by_email.text
    by_name = await client.get("/admin/users", params={"q": "sinh 07"})
    assert "Học sinh 07" in by_name.text and "Học sinh 08" not in by_name.text
    nothing = await client.get("/admin/users", params={"q": "%", "page": "99"})
    assert nothing.status_code == 200


async def test_admin_changes_a_role_audited_and_bad_or_unknown_changes_write_nothing(
    client: httpx.AsyncClient,
) -> None:
    admin = await make_user("admin", email="an@so.vn")
    member = await make_user("student", email="khoa@hs.vn")
    await log_in(client, "an@so.vn")
    page = await client.get(f"/admin/users/{member.id}")
    assert page.status_code == 200 and "khoa@hs.vn" in page.text

    token = await csrf_token(client, f"/admin/users/{member.id}")
    bad = await client.post(
        f"/admin/users/{member.id}/role", data={"role": "owner", "_csrf_token": token}
    )
    assert bad.status_code == 422 and 'id="e-role"' in bad.text
    missing = await client.post(
        "/admin/users/9999/role", data={"role": "staff", "_csrf_token": token}
    )
    assert missing.status_code == 404
    assert await _audit("account.role_changed") == []

    done = await client.post(
        f"/admin/users/{member.id}/role", data={"role": "staff", "_csrf_token": token}
    )
    assert done.status_code == 303 and done.headers["location"].endswith("?done=role")
    changed = await User.objects().get(User.id == member.id)
    assert changed.role == "staff"
    [entry] = await _audit("account.role_changed")
    assert entry["actor_id"] == admin.id
    assert json.loads(entry["detail"]) == {"from": "student", "to": "staff"}

    # The API: the same rules, as problems.
    admin_token = await api_token(client, "an@so.vn")
    patch = client.patch
    url = f"/api/v1/admin/users/{member.id}"
    refused = await patch(url, json={"role": "owner"}, headers=bearer(admin_token))
    assert refused.status_code == 422 and refused.json()["code"] == "bad_role"
    assert (
        await patch("/api/v1/admin/users/9999", json={}, headers=bearer(admin_token))
    ).status_code == 404
    moved = await patch(url, json={"role": "enterprise"}, headers=bearer(admin_token))
    assert moved.status_code == 200 and moved.json()["role"] == "enterprise"
    assert len(await _audit("account.role_changed")) == 2


async def test_staff_and_members_are_refused_and_nothing_is_written(
    client: httpx.AsyncClient,
) -> None:
    member = await make_user("student", email="khoa@hs.vn")
    await make_user("staff", email="ngoc@hub.vn")
    staff_token = await api_token(client, "ngoc@hub.vn")
    student_token = await api_token(client, "khoa@hs.vn")
    for token in (staff_token, student_token):
        for method, path, body in (
            ("PATCH", f"/api/v1/admin/users/{member.id}", {"role": "admin"}),
            ("POST", f"/api/v1/admin/users/{member.id}/verification", None),
            ("POST", f"/api/v1/admin/users/{member.id}/password-reset", None),
        ):
            response = await client.request(method, path, json=body, headers=bearer(token))
            assert response.status_code == 403, (path, response.text)
    await log_in(client, "ngoc@hub.vn")
    token = await csrf_token(client, "/profile")
    for path in ("role", "deactivate", "password-reset"):
        response = await client.post(
            f"/admin/users/{member.id}/{path}",
            data={"role": "admin", "reason": "x", "_csrf_token": token},
        )
        assert response.status_code == 403
    assert (await client.get(f"/admin/users/{member.id}")).status_code == 403
    unchanged = await User.objects().get(User.id == member.id)
    assert unchanged.role == "student" and unchanged.is_active
    assert await AuditEntry.count().where(AuditEntry.action.like("account.%")) == 2  # created
    assert await _mails_to("khoa@hs.vn") == []


async def test_a_deactivated_account_is_stopped_at_once_and_can_be_reactivated(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    admin = await make_user("admin", email="an@so.vn")
    member = await make_user("startup", email="bao@agritn.vn")
    member_token = await api_token(other_client, "bao@agritn.vn")
    member_browser = await _browser(other_client, "bao@agritn.vn")
    try:
        assert (await member_browser.get("/profile")).status_code == 200
        await log_in(client, "an@so.vn")
        confirm = await client.get(f"/admin/users/{member.id}/deactivate")
        assert confirm.status_code == 200 and 'name="reason"' in confirm.text
        token = await csrf_token(client, f"/admin/users/{member.id}/deactivate")
        no_reason = await client.post(
            f"/admin/users/{member.id}/deactivate", data={"reason": " ", "_csrf_token": token}
        )
        assert no_reason.status_code == 422 and 'id="e-f-reason"' in no_reason.text
        assert (await User.objects().get(User.id == member.id)).is_active

        done = await client.post(
            f"/admin/users/{member.id}/deactivate",
            data={"reason": "Hết hợp đồng ươm tạo", "_csrf_token": token},
        )
        assert done.status_code == 303
        # The member's open session and token stop on their very next request.
        assert (await member_browser.get("/profile")).status_code == 302
        me = await other_client.get("/api/v1/me", headers=bearer(member_token))
        assert me.status_code == 401
        login = await post_form(
            other_client, "/login", {"email": "bao@agritn.vn", "password": "correct horse battery"}
        )
        assert login.status_code == 422 and "vô hiệu hóa" in login.text
        again = await other_client.post(
            "/api/v1/auth/tokens",
            json={"email": "bao@agritn.vn", "password": "correct horse battery"},
        )
        assert again.status_code == 403 and again.json()["code"] == "account_deactivated"
        wrong = await other_client.post(
            "/api/v1/auth/tokens", json={"email": "bao@agritn.vn", "password": "wrong password!"}
        )
        assert wrong.status_code == 401  # nothing said without the password
        shown = await client.get(f"/admin/users/{member.id}")
        assert "Lý do: Hết hợp đồng ươm tạo" in shown.text and "Đã vô hiệu hóa" in shown.text
        [entry] = await _audit("account.deactivated")
        assert entry["actor_id"] == admin.id
        assert json.loads(entry["detail"]) == {"reason": "Hết hợp đồng ươm tạo"}
        # No reset link to an account that cannot log in.
        reset = await client.post(
            f"/admin/users/{member.id}/password-reset", data={"_csrf_token": token}
        )
        assert reset.status_code == 422

        back = await client.post(
            f"/admin/users/{member.id}/reactivate", data={"_csrf_token": token}
        )
        assert back.status_code == 303
        await log_in(member_browser, "bao@agritn.vn")
        assert (await member_browser.get("/profile")).status_code == 200
        assert len(await _audit("account.reactivated")) == 1
        # The token deleted at deactivation stays dead.
        assert (
            await other_client.get("/api/v1/me", headers=bearer(member_token))
        ).status_code == 401
    finally:
        await member_browser.aclose()


async def test_deactivating_through_the_api_needs_a_reason(client: httpx.AsyncClient) -> None:
    await make_user("admin", email="an@so.vn")
    member = await make_user("student", email="khoa@hs.vn")
    token = await api_token(client, "an@so.vn")
    url = f"/api/v1/admin/users/{member.id}"
    refused = await client.patch(url, json={"is_active": False}, headers=bearer(token))
    assert refused.status_code == 422 and "reason" in refused.json()["errors"]
    # A refused half writes nothing of the other half.
    both = await client.patch(
        url, json={"role": "staff", "is_active": False}, headers=bearer(token)
    )
    assert both.status_code == 422
    assert (await User.objects().get(User.id == member.id)).role == "student"
    done = await client.patch(
        url, json={"is_active": False, "reason": "Tài khoản trùng"}, headers=bearer(token)
    )
    assert done.status_code == 200 and done.json()["is_active"] is False
    back = await client.patch(url, json={"is_active": True}, headers=bearer(token))
    assert back.status_code == 200 and back.json()["is_active"] is True


async def test_an_admin_cannot_demote_or_deactivate_themselves_or_the_last_admin(
    client: httpx.AsyncClient,
) -> None:
    first = await make_user("admin", email="an@so.vn")
    token = await api_token(client, "an@so.vn")
    own = f"/api/v1/admin/users/{first.id}"
    for body in ({"role": "staff"}, {"is_active": False, "reason": "thử"}):
        refused = await client.patch(own, json=body, headers=bearer(token))
        assert refused.status_code == 422 and refused.json()["code"] == "own_account"
    await log_in(client, "an@so.vn")
    csrf = await csrf_token(client, f"/admin/users/{first.id}")
    page = await client.post(
        f"/admin/users/{first.id}/role", data={"role": "staff", "_csrf_token": csrf}
    )
    assert page.status_code == 422 and "quản trị viên khác" in page.text

    # A second admin, deactivated: the first is still the last active one.
    second = await make_user("admin", email="binh@so.vn")
    second_token = await api_token(client, "binh@so.vn")
    await client.patch(
        f"/api/v1/admin/users/{second.id}",
        json={"is_active": False, "reason": "Nghỉ phép dài hạn"},
        headers=bearer(token),
    )
    assert (await client.get("/api/v1/me", headers=bearer(second_token))).status_code == 401
    admins = await User.count().where((User.role == "admin") & User.is_active.eq(True))
    assert admins == 1
    assert (await User.objects().get(User.id == first.id)).role == "admin"


@pytest.mark.usefixtures("pooled_connections")
async def test_admins_demoting_each_other_at_once_never_leave_none() -> None:
    """Five administrators each demote the four others at the same moment, in rounds: some
    demotions win, but one administrator is always left (the lock and the conditional UPDATE
    re-read, inside the transaction, who is still an active administrator)."""
    admins = [await make_user("admin", email=f"qt{n}@so.vn") for n in range(5)]
    demoted = 0
    for _round in range(4):
        await User.update({User.role: "admin"}).where(User.email.like("qt%")).run()
        attempts = [
            services.change_account(actor, target.id, role="staff")
            for actor in admins
            for target in admins
            if target.id != actor.id
        ]
        assert len(attempts) == 20
        results = await asyncio.gather(*attempts, return_exceptions=True)
        refused = [r for r in results if not isinstance(r, User)]
        assert refused and all(
            isinstance(r, RuleBroken | PermissionDeniedException) for r in refused
        )
        left = await User.count().where((User.role == "admin") & User.is_active.eq(True))
        assert left >= 1, results
        # Each demotion written was audited once; the others were refused or found it done.
        demoted += 5 - left
        audited = await AuditEntry.count().where(AuditEntry.action == "account.role_changed")
        assert audited == demoted


async def test_admin_emails_a_new_verification_link_and_a_reset_link(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    await make_user("admin", email="an@so.vn")
    await services.register(
        services.NewAccount(
            email="mai@hs.vn",
            password="correct horse battery",
            name="Nguyễn Thị Mai",
            role="student",
            school="THPT Tây Ninh",
        ),
        base_url="http://testserver",
        token_hours=24,
        ip="203.0.113.9",
        mail_limiter=app.state.mail_limiter,
    )
    member = await User.objects().get(User.email == "mai@hs.vn")
    token = await api_token(client, "an@so.vn")
    sent = await client.post(f"/api/v1/admin/users/{member.id}/verification", headers=bearer(token))
    assert sent.status_code == 201, sent.text
    links = [m for m in await _mails_to("mai@hs.vn") if "/verify-email/" in m["body_text"]]
    assert len(links) == 2
    newest = re.search(r"/verify-email/(\S+)", links[-1]["body_text"])
    assert newest is not None
    await services.verify_email(newest.group(1).rstrip("."))
    again = await client.post(
        f"/api/v1/admin/users/{member.id}/verification", headers=bearer(token)
    )
    assert again.status_code == 422 and again.json()["code"] == "already_verified"

    await log_in(client, "an@so.vn")
    csrf = await csrf_token(client, f"/admin/users/{member.id}")
    reset = await client.post(
        f"/admin/users/{member.id}/password-reset", data={"_csrf_token": csrf}
    )
    assert reset.status_code == 303 and reset.headers["location"].endswith("?done=reset")
    mail = next(m for m in await _mails_to("mai@hs.vn") if "/password/reset/" in m["body_text"])
    link = re.search(r"/password/reset/(\S+)", mail["body_text"])
    assert link is not None
    assert await services.check_reset_token(link.group(1).rstrip("."))
    assert len(await _audit("account.verification_sent")) == 1
    [requested] = await _audit("account.password_reset_requested")
    assert requested["actor_id"] is not None
    assert (
        await client.post("/api/v1/admin/users/9999/password-reset", headers=bearer(token))
    ).status_code == 404
