"""Pages of a logged-in member of any role: the profile, a fresh verification link, a new
password, and the API tokens (each can be revoked)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from innovation_hub.accounts import forms, services
from innovation_hub.accounts.tables import User
from innovation_hub.core.auth import ANY_USER
from innovation_hub.core.errors import FormInvalid, HubError
from innovation_hub.core.sessions import renew_session_id
from innovation_hub.core.settings import Settings
from innovation_hub.core.web import FormBody, client_ip, form_errors, go_to, page

Req = Request[Any, Any, Any]


async def _profile_page(
    request: Req,
    form: dict[str, Any],
    errors: dict[str, str],
    saved: bool = False,
    *,
    password_errors: dict[str, str] | None = None,
) -> Template:
    context = {
        "form": form,
        "errors": errors,
        "saved": saved,
        "password_errors": password_errors or {},
        "tokens": await services.list_tokens(request.user),
    }
    status = 422 if errors or password_errors else 200
    fragment = "accounts/_profile_form.html"
    return page(request, "accounts/profile.html", context, fragment=fragment, status_code=status)


def _profile_values(user: User) -> dict[str, Any]:
    values = {key: getattr(user, key) for key in forms.PROFILE_FIELDS}
    values[forms.ZALO_FIELD] = user.zalo_user_id or ""
    return values


class MemberPages(Controller):
    path = "/"
    # The audience is on each handler, not in the controller's ``opt``: Litestar gives a
    # path's OPTIONS handler the controller's ``opt``, and the guard would refuse OPTIONS.

    @post("/verify-email/resend", access=ANY_USER)
    async def resend_verification(
        self, request: Req, settings: NamedDependency[Settings]
    ) -> Response[Any]:
        await services.resend_verification(
            request.user, base_url=settings.base_url, token_hours=settings.email_token_hours
        )
        return go_to(request, "/profile?sent=1")

    @get("/profile", name="profile", access=ANY_USER)
    async def profile(self, request: Req) -> Template:
        return await _profile_page(request, _profile_values(request.user), {})

    @post("/profile", access=ANY_USER)
    async def update_profile(self, request: Req, data: FormBody) -> Template:
        # Saved, the page shows itself again with a note (no redirect), so no form_flow here.
        user: User = request.user
        try:
            await services.update_profile(user, forms.profile_changes(data))
        except FormInvalid as exc:
            return await _profile_page(request, data, form_errors(exc))
        request.session["locale"] = user.locale
        return await _profile_page(request, _profile_values(user), {}, saved=True)

    @post("/profile/password", access=ANY_USER)
    async def change_password(
        self, request: Req, data: FormBody, login_limiter: NamedDependency[services.LoginLimiter]
    ) -> Response[Any] | Template:
        """Every other session ends (their stamp no longer matches); this one goes on."""
        user: User = request.user
        try:
            await services.change_password(
                user,
                forms.password(data, "current_password"),
                forms.password(data, "new_password"),
                forms.password(data, "new_password_confirm"),
                ip=client_ip(request),
                limiter=login_limiter,
            )
        except HubError as exc:
            values = _profile_values(user)
            return await _profile_page(request, values, {}, password_errors=form_errors(exc))
        request.set_session({**request.session, **services.login_session(user)})
        renew_session_id(request.session)
        return go_to(request, "/profile?password=changed#password")

    @post("/profile/tokens/{token_id:int}/revoke", access=ANY_USER)
    async def revoke_token(self, request: Req, token_id: FromPath[int]) -> Response[Any]:
        await services.revoke_token(request.user, token_id)
        return go_to(request, "/profile?token=revoked#tokens")
