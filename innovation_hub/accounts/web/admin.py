"""The administrator's page of accounts: every account, and a new one of any role."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Template

from innovation_hub.accounts import forms, services
from innovation_hub.core.auth import ADMIN, ROLES
from innovation_hub.core.errors import FormInvalid
from innovation_hub.core.i18n import current_locale
from innovation_hub.core.web import FormBody, form_errors, page

Req = Request[Any, Any, Any]
NEW_USER = {"role": "staff"}


async def _users_page(
    request: Req,
    form: dict[str, Any],
    errors: dict[str, str] | None = None,
    *,
    status: int = 200,
    created: str = "",
) -> Template:
    users = await services.list_users()
    context = {"users": users, "form": form, "errors": errors or {}, "roles": ROLES}
    return page(request, "admin/users.html", {**context, "created": created}, status_code=status)


class AdminPages(Controller):
    path = "/admin/users"
    # The audience is on each handler, not in the controller's ``opt``: Litestar gives a
    # path's OPTIONS handler the controller's ``opt``, and the guard would refuse OPTIONS.

    @get("/", access=ADMIN)
    async def users(self, request: Req) -> Template:
        return await _users_page(request, NEW_USER)

    @post("/", access=ADMIN)
    async def create_user(self, request: Req, data: FormBody) -> Template:
        # The page shows itself again, naming the new account (201), so no form_flow here.
        account = forms.new_account(data, current_locale())
        try:
            user = await services.create_account(account, actor_id=request.user.id)
        except FormInvalid as exc:
            return await _users_page(request, data, form_errors(exc), status=422)
        return await _users_page(request, NEW_USER, created=user.email, status=201)
