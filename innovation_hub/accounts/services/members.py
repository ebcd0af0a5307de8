"""Accounts and their profiles: self-registration, accounts made by an administrator, edits."""

from __future__ import annotations

from dataclasses import asdict

from innovation_hub.accounts.services import history
from innovation_hub.accounts.services.email_links import send_verification, write_to
from innovation_hub.accounts.services.limits import MailLimiter
from innovation_hub.accounts.services.rules import (
    NewAccount,
    ProfileChanges,
    account_errors,
    profile_errors,
)
from innovation_hub.accounts.tables import User
from innovation_hub.core.auth import MEMBER_ROLES, ROLES
from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import FormInvalid
from innovation_hub.core.i18n import LOCALES
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.security import hash_password


async def _insert_user(account: NewAccount, password_hash: str, *, verified: bool) -> User | None:
    """The new account, or None when its email is taken (the unique index decides, so two
    registrations of one address at once make one account)."""
    now = utcnow()
    profile = {key: value for key, value in asdict(account).items() if key != "password"}
    user = User(
        **profile,
        password_hash=password_hash,
        email_verified_at=now if verified else None,
        created_at=now,
        updated_at=now,
    )
    inserted = (
        await User.insert(user)
        .on_conflict(target=User.email, action="DO NOTHING")
        .returning(User.id)  # which also gives ``user`` its id
        .run()
    )
    return user if inserted else None


async def register(
    account: NewAccount, *, base_url: str, token_hours: int, ip: str, mail_limiter: MailLimiter
) -> None:
    """Self-registration for students, startups and enterprises. Whether or not the email
    has an account already, the caller learns nothing but "we have written to that address":
    a new account gets its verification link, an existing one's owner a notice."""
    errors = account_errors(account, MEMBER_ROLES, profile_required=True)
    if errors:
        raise FormInvalid(errors)
    password_hash = hash_password(account.password)  # both ways, so both take as long
    async with transaction():
        user = await _insert_user(account, password_hash, verified=False)
        if user is not None:
            detail = {"role": user.role}
            await history.record("account.registered", user.id, actor_id=user.id, detail=detail)
            await send_verification(user, base_url, token_hours)
            return
    owner = await User.objects().where(User.email == account.email).first().run()
    if owner is None or not await mail_limiter.allows(owner.email, ip):
        return
    await write_to(
        owner,
        "account_exists",
        login_link=f"{base_url}/login",
        reset_link=f"{base_url}/password/forgot",
    )


async def create_account(account: NewAccount, *, actor_id: int | None) -> User:
    """Any role, email taken as verified: for the command line and administrators."""
    errors = account_errors(account, ROLES, profile_required=False)
    if errors:
        raise FormInvalid(errors)
    async with transaction():
        user = await _insert_user(account, hash_password(account.password), verified=True)
        if user is None:
            raise FormInvalid(
                {"email": _("An account with this email already exists.")}, code="email_taken"
            )
        detail = {"role": user.role}
        await history.record("account.created", user.id, actor_id=actor_id, detail=detail)
    return user


async def update_profile(user: User, changes: ProfileChanges) -> User:
    if not changes.locale:
        changes.locale = user.locale
    errors = profile_errors(user.role, changes)
    if errors:
        raise FormInvalid(errors)
    async with transaction():
        values = asdict(changes)
        if (zalo_user_id := values.pop("zalo_user_id")) is not None:
            user.zalo_user_id = zalo_user_id or None
        for key, value in values.items():
            setattr(user, key, value)
        user.updated_at = utcnow()
        await user.save()
        await history.record("account.profile_updated", user.id, actor_id=user.id)
    return user


async def set_locale(user: User, locale: str) -> None:
    if locale not in LOCALES:
        raise FormInvalid({"locale": _("Choose one of the listed languages.")})
    user.locale = locale
    await user.save([User.locale])


async def list_users() -> list[User]:
    return await User.objects().order_by(User.role).order_by(User.name).run()
