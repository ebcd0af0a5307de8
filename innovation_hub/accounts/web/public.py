"""Pages anyone may open: register, log in and out, the language, links sent by email."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from innovation_hub.accounts import forms, services
from innovation_hub.accounts.tables import User
from innovation_hub.core.auth import PUBLIC
from innovation_hub.core.errors import FormInvalid, HubError, NotFound, TooManyRequests
from innovation_hub.core.forms import parse_choice, text
from innovation_hub.core.i18n import LOCALES, current_locale
from innovation_hub.core.sessions import renew_session_id
from innovation_hub.core.settings import Settings
from innovation_hub.core.web import (
    FormBody,
    client_ip,
    form_errors,
    form_flow,
    go_to,
    page,
    safe_next,
)

Req = Request[Any, Any, Any]
SELF_SERVICE_ROLES = ("student", "startup", "enterprise")


def _register_page(request: Req, form: dict[str, Any], errors: dict[str, str]) -> Template:
    context = {"form": form, "errors": errors, "roles": SELF_SERVICE_ROLES}
    status = 422 if errors else 200
    fragment = "accounts/_register_form.html"
    return page(request, "accounts/register.html", context, fragment=fragment, status_code=status)


def _login_page(
    request: Req, form: dict[str, Any], errors: dict[str, str], status: int = 200
) -> Template:
    context = {"form": form, "errors": errors}
    fragment = "accounts/_login_form.html"
    return page(request, "accounts/login.html", context, fragment=fragment, status_code=status)


def _reset_page(
    request: Req, token: str, *, valid: bool, errors: dict[str, str] | None = None
) -> Template:
    status = 404 if not valid else 422 if errors else 200
    context = {"token": token, "errors": errors or {}, "valid": valid}
    return page(request, "accounts/reset.html", context, status_code=status)


class PublicPages(Controller):
    path = "/"
    # The audience is on each handler, not in the controller's ``opt``: Litestar gives a
    # path's OPTIONS handler the controller's ``opt``, and the guard would refuse OPTIONS.

    @get("/register", name="register", access=PUBLIC)
    async def register_form(self, request: Req) -> Template:
        return _register_page(request, {"role": request.query_params.get("role", "student")}, {})

    @post("/register", access=PUBLIC)
    async def register(
        self,
        request: Req,
        data: FormBody,
        settings: NamedDependency[Settings],
        mail_limiter: NamedDependency[services.MailLimiter],
    ) -> Response[Any] | Template:
        account = forms.new_account(data, current_locale())

        async def refused(exc: HubError) -> Template:
            return _register_page(request, data, form_errors(exc))

        # The same answer whether or not the email had an account: no login, "check your inbox".
        return await form_flow(
            request,
            lambda: services.register(
                account,
                base_url=settings.base_url,
                token_hours=settings.email_token_hours,
                ip=client_ip(request),
                mail_limiter=mail_limiter,
            ),
            done="/register/sent",
            refused=refused,
        )

    @get("/register/sent", access=PUBLIC)
    async def register_sent(self, request: Req) -> Template:
        return page(request, "accounts/register_sent.html")

    @get("/login", name="login", access=PUBLIC)
    async def login_form(self, request: Req) -> Template:
        default = {"next": safe_next(request.query_params.get("next"), default="")}
        return _login_page(request, default, {})

    @post("/login", access=PUBLIC)
    async def login(
        self, request: Req, data: FormBody, login_limiter: NamedDependency[services.LoginLimiter]
    ) -> Response[Any] | Template:
        async def attempt() -> User:
            user = await services.authenticate(
                text(data.get("email")),
                forms.password(data),
                ip=client_ip(request),
                limiter=login_limiter,
            )
            request.clear_session()
            request.set_session(services.login_session(user))
            renew_session_id(request.session)
            return user

        async def refused(exc: HubError) -> Template:
            if isinstance(exc, TooManyRequests):
                response = _login_page(request, data, {"password": exc.detail}, status=429)
                response.headers["retry-after"] = str(exc.retry_after)
                return response
            return _login_page(request, data, form_errors(exc), status=422)

        def done(user: User) -> str:
            return safe_next(data.get("next"), "/staff" if user.role in {"staff", "admin"} else "/")

        return await form_flow(request, attempt, done=done, refused=refused)

    @post("/logout", access=PUBLIC)
    async def logout(self, request: Req) -> Response[Any]:
        request.clear_session()
        return go_to(request, "/")

    @post("/language", access=PUBLIC)
    async def switch_language(self, request: Req, data: FormBody) -> Response[Any]:
        locale = parse_choice(data.get("locale"), LOCALES)
        if locale is None:
            raise FormInvalid({"locale": "unknown language"})
        user: User | None = request.user
        if user is not None:
            await services.set_locale(user, locale)
        request.session["locale"] = locale
        return go_to(request, safe_next(data.get("next")))

    @get("/verify-email/{token:str}", access=PUBLIC)
    async def verify_email(self, request: Req, token: FromPath[str]) -> Template:
        try:
            await services.verify_email(token)
        except NotFound as exc:
            context = {"ok": False, "detail": exc.detail}
            return page(request, "accounts/verify_result.html", context, status_code=404)
        return page(request, "accounts/verify_result.html", {"ok": True, "detail": ""})

    @get("/password/forgot", access=PUBLIC)
    async def forgot_form(self, request: Req) -> Template:
        return page(request, "accounts/forgot.html", {"form": {}, "sent": False})

    @post("/password/forgot", access=PUBLIC)
    async def forgot(
        self,
        request: Req,
        data: FormBody,
        settings: NamedDependency[Settings],
        mail_limiter: NamedDependency[services.MailLimiter],
    ) -> Template:
        await services.request_password_reset(
            text(data.get("email")),
            base_url=settings.base_url,
            ip=client_ip(request),
            mail_limiter=mail_limiter,
        )
        return page(request, "accounts/forgot.html", {"form": {}, "sent": True})

    @get("/password/reset/{token:str}", access=PUBLIC)
    async def reset_form(self, request: Req, token: FromPath[str]) -> Template:
        return _reset_page(request, token, valid=await services.check_reset_token(token))

    @post("/password/reset/{token:str}", access=PUBLIC)
    async def reset(
        self,
        request: Req,
        token: FromPath[str],
        data: FormBody,
        login_limiter: NamedDependency[services.LoginLimiter],
    ) -> Response[Any] | Template:
        async def attempt() -> None:
            await services.reset_password(
                token,
                forms.password(data),
                forms.password(data, "password_confirm"),
                limiter=login_limiter,
            )
            request.clear_session()

        async def refused(exc: HubError) -> Template:
            return _reset_page(request, token, valid=True, errors=form_errors(exc))

        try:
            return await form_flow(request, attempt, done="/login?reset=1", refused=refused)
        except NotFound:  # the link was used, has expired or never existed
            return _reset_page(request, token, valid=False)
