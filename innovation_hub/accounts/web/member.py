"""Pages of a logged-in member of any role: the profile, a fresh verification link."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Template

from innovation_hub.accounts import forms, services
from innovation_hub.accounts.tables import User
from innovation_hub.core.auth import ANY_USER
from innovation_hub.core.errors import FormInvalid
from innovation_hub.core.settings import Settings
from innovation_hub.core.web import FormBody, form_errors, go_to, page

Req = Request[Any, Any, Any]


def _profile_page(
    request: Req, form: dict[str, Any], errors: dict[str, str], saved: bool = False
) -> Template:
    context = {"form": form, "errors": errors, "saved": saved}
    status = 422 if errors else 200
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
        return _profile_page(request, _profile_values(request.user), {})

    @post("/profile", access=ANY_USER)
    async def update_profile(self, request: Req, data: FormBody) -> Template:
        # Saved, the page shows itself again with a note (no redirect), so no form_flow here.
        user: User = request.user
        try:
            await services.update_profile(user, forms.profile_changes(data))
        except FormInvalid as exc:
            return _profile_page(request, data, form_errors(exc))
        request.session["locale"] = user.locale
        return _profile_page(request, _profile_values(user), {}, saved=True)
