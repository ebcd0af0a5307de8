"""Account pages: register, log in and out, verify email, reset password, profile, language."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from innovation_hub.accounts import services
from innovation_hub.accounts.tables import User
from innovation_hub.core.auth import ADMIN, ANY_USER, PUBLIC, ROLES
from innovation_hub.core.errors import FormInvalid, NotFound, TooManyRequests
from innovation_hub.core.i18n import LOCALES, current_locale
from innovation_hub.core.sessions import renew_session_id
from innovation_hub.core.web import FormBody, client_ip, go_to, page, safe_next, settings_of

Req = Request[Any, Any, Any]
SELF_SERVICE_ROLES = ("student", "startup", "enterprise")


def _register_page(
    request: Req, form: dict[str, Any], errors: dict[str, str], status: int = 200
) -> Template:
    context = {"form": form, "errors": errors, "roles": SELF_SERVICE_ROLES}
    return page(
        request,
        "accounts/register.html",
        context,
        fragment="accounts/_register_form.html",
        status_code=status,
    )


@get("/register", access=PUBLIC, name="register")
async def register_form(request: Req) -> Template:
    return _register_page(request, {"role": request.query_params.get("role", "student")}, {})


@post("/register", access=PUBLIC)
async def register(request: Req, data: FormBody) -> Response[Any] | Template:
    settings = settings_of(request)
    account = services.NewAccount.from_form(data, current_locale())
    try:
        await services.register(
            account,
            base_url=settings.base_url,
            token_hours=settings.email_token_hours,
            ip=client_ip(request),
            mail_limiter=request.app.state.mail_limiter,
        )
    except FormInvalid as exc:
        return _register_page(request, data, exc.field_errors, status=422)
    # The same answer whether or not the email had an account: no login, "check your inbox".
    return go_to(request, "/register/sent")


@get("/register/sent", access=PUBLIC)
async def register_sent(request: Req) -> Template:
    return page(request, "accounts/register_sent.html")


def _login_page(
    request: Req, form: dict[str, Any], errors: dict[str, str], status: int = 200
) -> Template:
    return page(
        request,
        "accounts/login.html",
        {"form": form, "errors": errors},
        fragment="accounts/_login_form.html",
        status_code=status,
    )


@get("/login", access=PUBLIC, name="login")
async def login_form(request: Req) -> Template:
    return _login_page(
        request, {"next": safe_next(request.query_params.get("next"), default="")}, {}
    )


@post("/login", access=PUBLIC)
async def login(request: Req, data: FormBody) -> Response[Any] | Template:
    limiter: services.LoginLimiter = request.app.state.login_limiter
    try:
        user = await services.authenticate(
            str(data.get("email", "")),
            str(data.get("password", "")),
            ip=client_ip(request),
            limiter=limiter,
        )
    except FormInvalid as exc:
        return _login_page(request, data, exc.field_errors, status=422)
    except TooManyRequests as exc:
        response = _login_page(request, data, {"password": exc.detail}, status=429)
        response.headers["retry-after"] = str(exc.retry_after)
        return response
    request.clear_session()
    request.set_session(services.login_session(user))
    renew_session_id(request.session)
    default = "/staff" if user.role in {"staff", "admin"} else "/"
    return go_to(request, safe_next(data.get("next"), default))


@post("/logout", access=PUBLIC)
async def logout(request: Req) -> Response[Any]:
    request.clear_session()
    return go_to(request, "/")


@post("/language", access=PUBLIC)
async def switch_language(request: Req, data: FormBody) -> Response[Any]:
    locale = str(data.get("locale", ""))
    if locale not in LOCALES:
        raise FormInvalid({"locale": "unknown language"})
    user: User | None = request.user
    if user is not None:
        await services.set_locale(user, locale)
    request.session["locale"] = locale
    return go_to(request, safe_next(data.get("next")))


@get("/verify-email/{token:str}", access=PUBLIC)
async def verify_email(request: Req, token: FromPath[str]) -> Template:
    try:
        await services.verify_email(token)
    except NotFound as exc:
        return page(
            request,
            "accounts/verify_result.html",
            {"ok": False, "detail": exc.detail},
            status_code=404,
        )
    return page(request, "accounts/verify_result.html", {"ok": True, "detail": ""})


@post("/verify-email/resend", access=ANY_USER)
async def resend_verification(request: Req) -> Response[Any]:
    settings = settings_of(request)
    await services.resend_verification(
        request.user, base_url=settings.base_url, token_hours=settings.email_token_hours
    )
    return go_to(request, "/profile?sent=1")


@get("/password/forgot", access=PUBLIC)
async def forgot_form(request: Req) -> Template:
    return page(request, "accounts/forgot.html", {"form": {}, "sent": False})


@post("/password/forgot", access=PUBLIC)
async def forgot(request: Req, data: FormBody) -> Template:
    await services.request_password_reset(
        str(data.get("email", "")),
        base_url=settings_of(request).base_url,
        ip=client_ip(request),
        mail_limiter=request.app.state.mail_limiter,
    )
    return page(request, "accounts/forgot.html", {"form": {}, "sent": True})


@get("/password/reset/{token:str}", access=PUBLIC)
async def reset_form(request: Req, token: FromPath[str]) -> Template:
    if not await services.check_reset_token(token):
        return page(
            request,
            "accounts/reset.html",
            {"token": token, "errors": {}, "valid": False},
            status_code=404,
        )
    return page(request, "accounts/reset.html", {"token": token, "errors": {}, "valid": True})


@post("/password/reset/{token:str}", access=PUBLIC)
async def reset(request: Req, token: FromPath[str], data: FormBody) -> Response[Any] | Template:
    try:
        await services.reset_password(
            token,
            str(data.get("password", "")),
            str(data.get("password_confirm", "")),
            limiter=request.app.state.login_limiter,
        )
    except FormInvalid as exc:
        return page(
            request,
            "accounts/reset.html",
            {"token": token, "errors": exc.field_errors, "valid": True},
            status_code=422,
        )
    except NotFound:
        return page(
            request,
            "accounts/reset.html",
            {"token": token, "errors": {}, "valid": False},
            status_code=404,
        )
    request.clear_session()
    return go_to(request, "/login?reset=1")


def _profile_page(
    request: Req,
    form: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    saved: bool = False,
) -> Template:
    context = {"form": form, "errors": errors, "saved": saved}
    return page(
        request,
        "accounts/profile.html",
        context,
        fragment="accounts/_profile_form.html",
        status_code=status,
    )


def _profile_values(user: User) -> dict[str, Any]:
    return {
        key: getattr(user, key)
        for key in ("name", "organisation_name", "school", "phone", "tax_code", "locale")
    }


@get("/profile", access=ANY_USER, name="profile")
async def profile(request: Req) -> Template:
    return _profile_page(request, _profile_values(request.user), {})


@post("/profile", access=ANY_USER)
async def update_profile(request: Req, data: FormBody) -> Template:
    user: User = request.user
    try:
        await services.update_profile(user, data)
    except FormInvalid as exc:
        return _profile_page(request, data, exc.field_errors, status=422)
    request.session["locale"] = user.locale
    return _profile_page(request, _profile_values(user), {}, saved=True)


def _users_page(
    request: Req,
    users: list[User],
    form: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    created: str = "",
) -> Template:
    return page(
        request,
        "admin/users.html",
        {"users": users, "form": form, "errors": errors, "roles": ROLES, "created": created},
        status_code=status,
    )


@get("/admin/users", access=ADMIN)
async def users(request: Req) -> Template:
    return _users_page(request, await services.list_users(), {"role": "staff"}, {})


@post("/admin/users", access=ADMIN)
async def create_user(request: Req, data: FormBody) -> Template:
    account = services.NewAccount.from_form(data, current_locale())
    try:
        user = await services.create_account(account, actor_id=request.user.id)
    except FormInvalid as exc:
        return _users_page(request, await services.list_users(), data, exc.field_errors, status=422)
    return _users_page(
        request, await services.list_users(), {"role": "staff"}, {}, created=user.email, status=201
    )


ROUTES = [
    register_form,
    register,
    register_sent,
    login_form,
    login,
    logout,
    switch_language,
    verify_email,
    resend_verification,
    forgot_form,
    forgot,
    reset_form,
    reset,
    profile,
    update_profile,
    users,
    create_user,
]
