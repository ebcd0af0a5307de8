"""A member's own credentials while logged in: changing the password, and the API tokens.

A changed password ends every other session (the session stamp follows the password hash)
and deletes the account's API tokens: a member changes a password because it may have leaked,
and a token is as good as the password for the API. The session the change is made in goes
on; the caller stamps it anew with ``login_session``.
"""

from __future__ import annotations

from innovation_hub.accounts.services import history
from innovation_hub.accounts.services.limits import LoginLimiter
from innovation_hub.accounts.services.rules import MAX_PASSWORD_LENGTH, password_error
from innovation_hub.accounts.tables import ApiToken, User
from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import FormInvalid, NotFound
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.security import hash_password, verify_password


async def change_password(
    user: User, current: str, new: str, confirm: str, *, ip: str, limiter: LoginLimiter
) -> User:
    """Guessing the current password here is slowed down as logging in is."""
    attempt = await limiter.begin(user.email, ip)
    if not verify_password(user.password_hash, current[:MAX_PASSWORD_LENGTH]):
        raise FormInvalid({"current_password": _("This is not your current password.")})
    await limiter.succeeded(attempt)
    if error := password_error(new):
        raise FormInvalid({"new_password": error})
    if new != confirm:
        raise FormInvalid({"new_password_confirm": _("The two passwords differ.")})
    password_hash = hash_password(new)
    async with transaction():
        user.password_hash = password_hash
        user.updated_at = utcnow()
        await user.save([User.password_hash, User.updated_at])
        await ApiToken.delete().where(ApiToken.user == user.id).run()
        await history.record("account.password_changed", user.id, actor_id=user.id)
    return user


async def list_tokens(user: User) -> list[ApiToken]:
    """The member's API tokens that still work, newest first."""
    return (
        await ApiToken.objects()
        .where((ApiToken.user == user.id) & (ApiToken.expires_at > utcnow()))
        .order_by(ApiToken.created_at, ascending=False)
        .order_by(ApiToken.id, ascending=False)
        .run()
    )


async def revoke_token(user: User, token_id: int) -> None:
    """Deletes one of the member's tokens: the next request made with it is refused (401).
    Someone else's token is NotFound."""
    async with transaction():
        deleted = (
            await ApiToken.delete()
            .where((ApiToken.id == token_id) & (ApiToken.user == user.id))
            .returning(ApiToken.id)
            .run()
        )
        if not deleted:
            raise NotFound(_("There is no such token."), code="token_not_found")
        await history.record(
            "api_token.revoked", user.id, actor_id=user.id, detail={"id": token_id}
        )
