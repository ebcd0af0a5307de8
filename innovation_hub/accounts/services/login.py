"""Logging in: passwords, sessions and API bearer tokens."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from innovation_hub.accounts.services import history
from innovation_hub.accounts.services.limits import LoginLimiter
from innovation_hub.accounts.services.rules import (
    MAX_PASSWORD_LENGTH,
    normalise_email,
    session_stamp,
)
from innovation_hub.accounts.tables import ApiToken, User
from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import quick_reads, transaction
from innovation_hub.core.errors import FormInvalid
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.security import (
    hash_password,
    needs_rehash,
    new_secret_token,
    token_digest,
    verify_password,
)


async def authenticate(email: str, password: str, *, ip: str, limiter: LoginLimiter) -> User:
    """The active account with this email and password, or FormInvalid / TooManyRequests."""
    email = normalise_email(email)
    attempt = await limiter.begin(email, ip)
    user = await User.objects().where(User.email == email).first().run()
    valid = verify_password(user.password_hash if user else None, password[:MAX_PASSWORD_LENGTH])
    if user is None or not valid:
        raise FormInvalid({"password": _("Wrong email or password.")}, code="bad_credentials")
    if not user.is_active:  # said only to whoever knows the password
        raise FormInvalid(
            {"email": _("This account has been deactivated. Contact the centre to reopen it.")},
            code="account_deactivated",
        )
    await limiter.succeeded(attempt)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        await user.save([User.password_hash])
    return user


async def user_for_session(session: dict[str, Any]) -> User | None:
    user_id = session.get("uid")
    if not isinstance(user_id, int):
        return None
    with quick_reads():
        user = (
            await User.objects().where((User.id == user_id) & User.is_active.eq(True)).first().run()
        )
    if user is None or session.get("stamp") != session_stamp(user):
        return None
    return user


def login_session(user: User) -> dict[str, Any]:
    return {"uid": user.id, "stamp": session_stamp(user), "locale": user.locale}


async def issue_api_token(user: User, *, days: int) -> tuple[str, datetime]:
    token = new_secret_token()
    expires_at = utcnow() + timedelta(days=days)
    async with transaction():
        await ApiToken.insert(
            ApiToken(user=user.id, token_digest=token_digest(token), expires_at=expires_at)
        ).run()
        await history.record("api_token.issued", user.id, actor_id=user.id)
    return token, expires_at


# Every API request looks its caller up: the SQL is written once here, because Piccolo
# spends more CPU building a query than SQLite or PostgreSQL spend answering this one.
_USER_COLUMNS = ", ".join(f'u."{column._meta.db_column_name}"' for column in User._meta.columns)
_USER_BY_TOKEN = (
    f'SELECT {_USER_COLUMNS} FROM "hub_user" u JOIN "api_token" t ON t."user" = u."id" '  # noqa: S608 (names from the table class)
    'WHERE t."token_digest" = {} AND t."expires_at" > {} AND u."is_active"'
)


async def user_for_token(token: str) -> User | None:
    with quick_reads():
        rows = await User.raw(_USER_BY_TOKEN, token_digest(token), utcnow()).run()
    return User(**rows[0], _exists_in_db=True) if rows else None
