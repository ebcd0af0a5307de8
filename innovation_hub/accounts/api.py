"""JSON API for accounts: bearer tokens, the caller's identity, and the administrator's
changes to accounts."""

from __future__ import annotations

from typing import Any

from litestar import Request, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from innovation_hub.accounts import services
from innovation_hub.accounts.schemas import (
    AccountChange,
    AccountOut,
    ApiTokenList,
    ApiTokenOut,
    MeOut,
    RemindersIn,
    TokenOut,
    TokenRequest,
)
from innovation_hub.accounts.tables import User
from innovation_hub.core.auth import ADMIN, ANY_USER, PUBLIC
from innovation_hub.core.errors import FormInvalid, HubError, describe_problems, problem_spec
from innovation_hub.core.openapi import PathId
from innovation_hub.core.rows import to_struct, to_structs
from innovation_hub.core.settings import Settings
from innovation_hub.core.web import client_ip


class BadCredentials(
    HubError, status_code=401, code="bad_credentials", title="Wrong email or password"
):
    pass


class AccountDeactivated(
    HubError, status_code=403, code="account_deactivated", title="Account deactivated"
):
    pass


@post(
    "/auth/tokens",
    access=PUBLIC,
    status_code=HTTP_201_CREATED,
    tags=["accounts"],
    summary="Exchange email and password for a bearer token",
    security=[],
    responses={
        401: problem_spec(401, "Wrong email or password (code bad_credentials)"),
        403: problem_spec(403, "The account has been deactivated (code account_deactivated)"),
        429: problem_spec(
            429,
            "Too many failed logins to this account from this address (wait the seconds of "
            "retry-after, which double with each failure), or to many accounts from it",
        ),
    },
)
async def create_token(
    request: Request[Any, Any, Any],
    data: JSONBody[TokenRequest],
    settings: NamedDependency[Settings],
    login_limiter: NamedDependency[services.LoginLimiter],
) -> TokenOut:
    ip = client_ip(request)
    try:
        user = await services.authenticate(data.email, data.password, ip=ip, limiter=login_limiter)
    except FormInvalid as exc:
        if exc.code == "account_deactivated":
            raise AccountDeactivated(exc.detail) from exc
        raise BadCredentials("Wrong email or password.") from exc
    token, expires_at = await services.issue_api_token(user, days=settings.api_token_days)
    return TokenOut(token=token, expires_at=expires_at)


@get("/me", access=ANY_USER, tags=["accounts"], summary="The account the token belongs to")
async def me(request: Request[User, Any, Any]) -> MeOut:
    user = request.user
    return to_struct(user, MeOut, email_verified=user.email_verified_at is not None)


@put(
    "/me/reminders",
    access=ANY_USER,
    tags=["accounts"],
    summary="Turn the caller's reminders on or off (confirmations are always sent)",
)
async def set_reminders(request: Request[User, Any, Any], data: JSONBody[RemindersIn]) -> MeOut:
    user = await services.set_reminders(request.user, data.enabled, actor_id=request.user.id)
    return to_struct(user, MeOut, email_verified=user.email_verified_at is not None)


@get("/me/tokens", access=ANY_USER, tags=["accounts"], summary="The caller's API tokens")
async def list_tokens(request: Request[User, Any, Any]) -> ApiTokenList:
    return ApiTokenList(items=to_structs(await services.list_tokens(request.user), ApiTokenOut))


@delete(
    "/me/tokens/{token_id:int}",
    access=ANY_USER,
    status_code=HTTP_204_NO_CONTENT,
    tags=["accounts"],
    summary="Revoke one of the caller's API tokens: it is refused from the next request on",
)
async def revoke_token(request: Request[User, Any, Any], token_id: PathId) -> None:
    await services.revoke_token(request.user, token_id)


def account_out(user: User) -> AccountOut:
    return to_struct(user, AccountOut, email_verified=user.email_verified_at is not None)


@patch(
    "/admin/users/{user_id:int}",
    access=ADMIN,
    tags=["accounts"],
    summary="Change an account's role, or deactivate (with a reason) or reactivate it",
)
async def change_account(
    request: Request[User, Any, Any], user_id: PathId, data: JSONBody[AccountChange]
) -> AccountOut:
    user = await services.change_account(
        request.user, user_id, role=data.role, active=data.is_active, reason=data.reason
    )
    return account_out(user)


@post(
    "/admin/users/{user_id:int}/verification",
    access=ADMIN,
    tags=["accounts"],
    summary="Email the account a new verification link",
)
async def send_verification(
    request: Request[User, Any, Any], user_id: PathId, settings: NamedDependency[Settings]
) -> AccountOut:
    user = await services.send_verification_for(
        request.user, user_id, base_url=settings.base_url, hours=settings.email_token_hours
    )
    return account_out(user)


@post(
    "/admin/users/{user_id:int}/password-reset",
    access=ADMIN,
    tags=["accounts"],
    summary="Email the account a password-reset link (it voids the links sent before)",
)
async def send_password_reset(
    request: Request[User, Any, Any], user_id: PathId, settings: NamedDependency[Settings]
) -> AccountOut:
    user = await services.send_reset_for(request.user, user_id, base_url=settings.base_url)
    return account_out(user)


ROUTES = describe_problems(
    [
        create_token,
        me,
        set_reminders,
        list_tokens,
        revoke_token,
        change_account,
        send_verification,
        send_password_reset,
    ]
)
