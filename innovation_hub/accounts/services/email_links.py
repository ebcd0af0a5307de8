"""Links sent by email: verifying the address, resetting a forgotten password."""

from __future__ import annotations

from datetime import timedelta

from piccolo.custom_types import Combinable

from innovation_hub.accounts.services import history
from innovation_hub.accounts.services.limits import LoginLimiter, MailLimiter
from innovation_hub.accounts.services.rules import (
    RESET_PASSWORD,
    RESET_TOKEN_HOURS,
    VERIFY_EMAIL,
    normalise_email,
    password_error,
)
from innovation_hub.accounts.tables import ApiToken, EmailToken, User
from innovation_hub.core import mail
from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import lock_until_commit, transaction
from innovation_hub.core.errors import FormInvalid, NotFound
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.security import hash_password, new_secret_token, token_digest

# Serialises, per account, the transactions that issue and use its email links.
EMAIL_LINKS_LOCK = "innovation_hub.accounts.email_links"


async def _issue_email_token(user: User, purpose: str, hours: int) -> str:
    token = new_secret_token()
    await EmailToken.insert(
        EmailToken(
            user=user.id,
            purpose=purpose,
            token_digest=token_digest(token),
            expires_at=utcnow() + timedelta(hours=hours),
        )
    ).run()
    return token


async def write_to(user: User, template: str, **context: object) -> None:
    """Queues an email to the member, in their language, addressed by name. Email only, never
    Zalo: these carry links that prove the address or open the account, and the Zalo id is
    typed in by the member, not verified."""
    context = {"name": user.name, **context}
    await mail.enqueue(to=user.email, template=template, context=context, locale=user.locale)


async def send_verification(user: User, base_url: str, hours: int) -> None:
    token = await _issue_email_token(user, VERIFY_EMAIL, hours)
    await write_to(user, "verify_email", link=f"{base_url}/verify-email/{token}", hours=hours)


def _link_invalid() -> NotFound:
    return NotFound(
        _("This link is invalid, has expired or was already used."), code="link_invalid"
    )


async def _use_email_token(token: str, purpose: str) -> User:
    """Marks the link used, once; a used, expired or unknown link is NotFound."""
    now = utcnow()
    used = (
        await EmailToken.update({EmailToken.used_at: now})
        .where(
            (EmailToken.token_digest == token_digest(token))
            & (EmailToken.purpose == purpose)
            & EmailToken.used_at.is_null()
            & (EmailToken.expires_at > now)
        )
        .returning(EmailToken.user)
        .run()
    )
    if not used:
        raise _link_invalid()
    user = await User.objects().where(User.id == used[0]["user"]).first().run()
    if user is None:
        raise _link_invalid()
    return user


async def verify_email(token: str) -> User:
    async with transaction():
        user = await _use_email_token(token, VERIFY_EMAIL)
        if user.email_verified_at is None:
            user.email_verified_at = utcnow()
            await user.save([User.email_verified_at])
            await history.record("account.email_verified", user.id, actor_id=user.id)
    return user


async def resend_verification(user: User, *, base_url: str, token_hours: int) -> None:
    if user.email_verified_at is not None:
        return
    async with transaction():
        await send_verification(user, base_url, token_hours)


async def _void_reset_links(user_id: int) -> None:
    await (
        EmailToken.delete()
        .where(
            (EmailToken.user == user_id)
            & (EmailToken.purpose == RESET_PASSWORD)
            & EmailToken.used_at.is_null()
        )
        .run()
    )


async def request_password_reset(
    email: str, *, base_url: str, ip: str, mail_limiter: MailLimiter
) -> None:
    """Sends a reset link if the account exists, and voids the links sent before it; says
    nothing either way, nor when the address or account has asked too often."""
    email = normalise_email(email)
    if not await mail_limiter.allows(email, ip):
        return
    async with transaction():
        user = (
            await User.objects()
            .where((User.email == email) & (User.is_active.eq(True)))
            .first()
            .run()
        )
        if user is None:
            return
        await send_reset_link(user, base_url, actor_id=None)


async def send_reset_link(user: User, base_url: str, *, actor_id: int | None) -> None:
    """Inside a transaction: a new reset link to the member, voiding the ones sent before;
    ``actor_id`` is the administrator who sent it, None when the member asked."""
    await lock_until_commit(EMAIL_LINKS_LOCK, user.id)
    await _void_reset_links(user.id)
    token = await _issue_email_token(user, RESET_PASSWORD, RESET_TOKEN_HOURS)
    link = f"{base_url}/password/reset/{token}"
    await write_to(user, "reset_password", link=link, hours=RESET_TOKEN_HOURS)
    await history.record("account.password_reset_requested", user.id, actor_id=actor_id)


def _live_reset_link(token: str) -> Combinable:
    return (
        (EmailToken.token_digest == token_digest(token))
        & (EmailToken.purpose == RESET_PASSWORD)
        & EmailToken.used_at.is_null()
        & (EmailToken.expires_at > utcnow())
    )


async def check_reset_token(token: str) -> bool:
    return await EmailToken.exists().where(_live_reset_link(token)).run()


async def _reset_link_owner(token: str) -> int | None:
    row = await EmailToken.select(EmailToken.user).where(_live_reset_link(token)).first().run()
    return None if row is None else int(row["user"])


async def reset_password(token: str, password: str, confirm: str, *, limiter: LoginLimiter) -> User:
    """Sets the new password, ends the account's tokens and sessions, voids its other reset
    links and clears the login delays counted against it."""
    errors: dict[str, str] = {}
    if error := password_error(password):
        errors["password"] = error
    elif password != confirm:
        errors["password_confirm"] = _("The two passwords differ.")
    if errors:
        raise FormInvalid(errors)
    password_hash = hash_password(password)
    async with transaction():
        owner = await _reset_link_owner(token)
        if owner is not None:
            await lock_until_commit(EMAIL_LINKS_LOCK, owner)
        user = await _use_email_token(token, RESET_PASSWORD)
        await _void_reset_links(user.id)
        user.password_hash = password_hash
        user.updated_at = utcnow()
        await user.save([User.password_hash, User.updated_at])
        await ApiToken.delete().where(ApiToken.user == user.id).run()
        await history.record("account.password_reset", user.id, actor_id=user.id)
    await limiter.clear(user.email)
    return user
