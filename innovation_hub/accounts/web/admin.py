"""The administrator's pages of accounts: find an account (by name, email or phone, a page at
a time), create one of any role, and on an account's own page change its role, deactivate
(after a confirmation page) or reactivate it, or email it a new verification or reset link."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from innovation_hub.accounts import forms, services
from innovation_hub.accounts.tables import User
from innovation_hub.core.auth import ADMIN, ROLES
from innovation_hub.core.errors import FormInvalid, HubError
from innovation_hub.core.forms import parse_int, text
from innovation_hub.core.i18n import current_locale
from innovation_hub.core.settings import Settings
from innovation_hub.core.web import FormBody, form_errors, go_to, page

Req = Request[Any, Any, Any]
Readers = NamedDependency[services.AccountReaders]
NEW_USER = {"role": "staff"}


async def _users_page(
    request: Req,
    form: dict[str, Any],
    errors: dict[str, str] | None = None,
    *,
    status: int = 200,
    created: str = "",
) -> Template:
    query = text(request.query_params.get("q"))
    number = parse_int(request.query_params.get("page")) or 1
    found = await services.find_accounts(query, number)
    context = {"found": found, "form": form, "errors": errors or {}, "roles": ROLES}
    return page(request, "admin/users.html", {**context, "created": created}, status_code=status)


async def _account_page(
    request: Req,
    user: User,
    readers: services.AccountReaders,
    *,
    template: str = "admin/user.html",
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Template:
    deactivation = None if user.is_active else await services.last_deactivation(user.id)
    context = {
        "account": user,
        "deactivation": deactivation,
        "upcoming": await readers.upcoming_for(user.id),
        "roles": ROLES,
        "errors": errors or {},
        "form": form or {"role": user.role},
        "done": text(request.query_params.get("done")),
    }
    return page(request, template, context, status_code=status)


async def _act(
    request: Req,
    user_id: int,
    readers: services.AccountReaders,
    change: Any,
    done: str,
    *,
    data: dict[str, Any] | None = None,
    template: str = "admin/user.html",
) -> Response[Any] | Template:
    user = await services.get_account(user_id)  # an unknown account is a 404 page
    try:
        await change()
    except HubError as exc:
        form = {"role": user.role, **(data or {})}
        return await _account_page(
            request,
            user,
            readers,
            template=template,
            errors=form_errors(exc),
            form=form,
            status=exc.status_code,
        )
    return go_to(request, f"/admin/users/{user_id}?done={done}")


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


class AccountPages(Controller):
    """One account, and what an administrator does to it. A refused change shows the page
    again with the reason (422); a done one goes back to it, saying what was done."""

    path = "/admin/users/{user_id:int}"

    @get("/", access=ADMIN)
    async def account(
        self, request: Req, user_id: FromPath[int], account_readers: Readers
    ) -> Template:
        return await _account_page(request, await services.get_account(user_id), account_readers)

    @post("/role", access=ADMIN)
    async def role(
        self, request: Req, user_id: FromPath[int], data: FormBody, account_readers: Readers
    ) -> Response[Any] | Template:
        role = text(data.get("role"))
        return await _act(
            request,
            user_id,
            account_readers,
            lambda: services.change_account(request.user, user_id, role=role),
            "role",
            data={"role": role},
        )

    @get("/deactivate", access=ADMIN)
    async def confirm_deactivate(
        self, request: Req, user_id: FromPath[int], account_readers: Readers
    ) -> Template:
        user = await services.get_account(user_id)
        return await _account_page(request, user, account_readers, template="admin/deactivate.html")

    @post("/deactivate", access=ADMIN)
    async def deactivate(
        self, request: Req, user_id: FromPath[int], data: FormBody, account_readers: Readers
    ) -> Response[Any] | Template:
        reason = text(data.get("reason"))
        return await _act(
            request,
            user_id,
            account_readers,
            lambda: services.change_account(request.user, user_id, active=False, reason=reason),
            "deactivated",
            data={"reason": reason},
            template="admin/deactivate.html",
        )

    @post("/reactivate", access=ADMIN)
    async def reactivate(
        self, request: Req, user_id: FromPath[int], account_readers: Readers
    ) -> Response[Any] | Template:
        return await _act(
            request,
            user_id,
            account_readers,
            lambda: services.change_account(request.user, user_id, active=True),
            "reactivated",
        )

    @post("/verification", access=ADMIN)
    async def verification(
        self,
        request: Req,
        user_id: FromPath[int],
        account_readers: Readers,
        settings: NamedDependency[Settings],
    ) -> Response[Any] | Template:
        return await _act(
            request,
            user_id,
            account_readers,
            lambda: services.send_verification_for(
                request.user, user_id, base_url=settings.base_url, hours=settings.email_token_hours
            ),
            "verification",
        )

    @post("/password-reset", access=ADMIN)
    async def password_reset(
        self,
        request: Req,
        user_id: FromPath[int],
        account_readers: Readers,
        settings: NamedDependency[Settings],
    ) -> Response[Any] | Template:
        return await _act(
            request,
            user_id,
            account_readers,
            lambda: services.send_reset_for(request.user, user_id, base_url=settings.base_url),
            "reset",
        )
