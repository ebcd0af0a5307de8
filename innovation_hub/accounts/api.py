"""JSON API for accounts: bearer tokens and the caller's identity."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED

from innovation_hub.accounts import services
from innovation_hub.accounts.schemas import MeOut, RemindersIn, TokenOut, TokenRequest
from innovation_hub.accounts.tables import User
from innovation_hub.core.auth import ANY_USER, PUBLIC
from innovation_hub.core.errors import FormInvalid, HubError, describe_problems, problem_spec
from innovation_hub.core.rows import to_struct
from innovation_hub.core.settings import Settings
from innovation_hub.core.web import client_ip


class BadCredentials(
    HubError, status_code=401, code="bad_credentials", title="Wrong email or password"
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


ROUTES = describe_problems([create_token, me, set_reminders])
