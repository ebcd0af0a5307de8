"""What an administrator does to accounts: find them, change a role, deactivate and reactivate,
send a fresh verification or password-reset link. Every change is audited in its transaction.

The centre always keeps an active administrator: a change that would remove the last one, or
an administrator's own role or access, is refused. Two administrators demoting each other at
the same moment must not both succeed, so every change takes ADMINS_LOCK and then writes with
one conditional UPDATE that re-reads, inside the lock, that the actor is still an active
administrator and that another one remains (SQLite's write lock does the same there).
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from litestar.exceptions import PermissionDeniedException

from innovation_hub.accounts.services import history
from innovation_hub.accounts.services.email_links import send_reset_link, send_verification
from innovation_hub.accounts.tables import ApiToken, User
from innovation_hub.core.audit import AuditEntry
from innovation_hub.core.auth import ROLES
from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import lock_until_commit, transaction
from innovation_hub.core.errors import FormInvalid, NotFound, RuleBroken
from innovation_hub.core.i18n import gettext as _

ADMINS_LOCK = "innovation_hub.accounts.admins"
PAGE_SIZE = 25
MAX_QUERY_LENGTH = 100
MAX_REASON_LENGTH = 500

UpcomingLister = Callable[[int], Awaitable[list[str]]]


@dataclass
class AccountReaders:
    """What higher floors tell an administrator about an account: bookings registers the
    member's upcoming bookings here (accounts may not import bookings)."""

    upcoming: list[UpcomingLister] = field(default_factory=list)

    async def upcoming_for(self, user_id: int) -> list[str]:
        return [line for lister in self.upcoming for line in await lister(user_id)]


@dataclass(frozen=True)
class AccountPage:
    users: list[User]
    total: int
    page: int
    pages: int
    query: str


async def find_accounts(query: str = "", page: int = 1) -> AccountPage:
    """Accounts whose name, email or phone contains ``query``, by name, a page at a time."""
    query = query.strip()[:MAX_QUERY_LENGTH]
    select = User.objects().order_by(User.name).order_by(User.id)
    count = User.count()
    if query:
        pattern = "%" + query.replace("%", "").replace("_", "") + "%"
        matches = User.name.ilike(pattern) | User.email.ilike(pattern) | User.phone.ilike(pattern)
        select, count = select.where(matches), count.where(matches)
    total = await count.run()
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, page), pages)
    users = await select.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE).run()
    return AccountPage(users, total, page, pages, query)


def _no_such_account() -> NotFound:
    return NotFound(_("There is no such account."), code="account_not_found")


async def get_account(user_id: int) -> User:
    user = await User.objects().where(User.id == user_id).first().run()
    if user is None:
        raise _no_such_account()
    return user


@dataclass(frozen=True)
class Deactivation:
    at: datetime
    reason: str


async def last_deactivation(user_id: int) -> Deactivation | None:
    """When and why the account was last deactivated, from the audit log."""
    row = (
        await AuditEntry.select(AuditEntry.at, AuditEntry.detail)
        .where(
            (AuditEntry.record_type == "user")
            & (AuditEntry.record_id == str(user_id))
            & (AuditEntry.action == "account.deactivated")
        )
        .order_by(AuditEntry.id, ascending=False)
        .first()
        .run()
    )
    if row is None:
        return None
    detail = json.loads(row["detail"]) if isinstance(row["detail"], str) else row["detail"]
    return Deactivation(row["at"], str(detail.get("reason", "")))


_GUARDED_UPDATE = (
    'UPDATE "hub_user" SET "role" = {}, "is_active" = {}, "updated_at" = {} '
    'WHERE "id" = {} AND EXISTS (SELECT 1 FROM "hub_user" a '
    'WHERE a."id" = {} AND a."role" = \'admin\' AND a."is_active") '
    'AND (NOT ("role" = \'admin\' AND "is_active") OR {} '
    'OR EXISTS (SELECT 1 FROM "hub_user" o '
    'WHERE o."id" <> {} AND o."role" = \'admin\' AND o."is_active")) '
    'RETURNING "id"'
)


async def _guarded_write(admin: User, target: User, *, role: str, active: bool) -> None:
    """Writes the role and access under ADMINS_LOCK, or refuses: the actor has stopped being
    an active administrator meanwhile (403), or it would leave no active administrator."""
    stays_admin = role == "admin" and active
    values = (role, active, utcnow(), target.id, admin.id, stays_admin, target.id)
    if await User.raw(_GUARDED_UPDATE, *values).run():
        return
    still_admin = await User.exists().where(
        (User.id == admin.id) & (User.role == "admin") & User.is_active.eq(True)
    )
    if not still_admin:
        raise PermissionDeniedException(_("You are no longer an administrator."))
    raise RuleBroken(
        _("This is the last active administrator: make another account an administrator first."),
        code="last_admin",
    )


def _refuse_own_account(admin: User, target: User) -> None:
    if target.id == admin.id:
        raise RuleBroken(
            _("You cannot change your own role or access: ask another administrator."),
            code="own_account",
        )


async def _locked_target(user_id: int) -> User:
    """Inside a transaction: the account, read after ADMINS_LOCK, so it is current."""
    await lock_until_commit(ADMINS_LOCK, 0)
    return await get_account(user_id)


def _checked_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise FormInvalid({"reason": _("Say why the account is deactivated.")}, code="no_reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise FormInvalid(
            {"reason": _("Use at most %(n)s characters.", n=MAX_REASON_LENGTH)}, code="too_long"
        )
    return reason


async def change_account(
    admin: User,
    user_id: int,
    *,
    role: str | None = None,
    active: bool | None = None,
    reason: str = "",
) -> User:
    """A new role and/or access for the account, in one transaction; what is already so is
    left alone (and not audited). Deactivated, the member can no longer log in, their
    sessions stop at their next request (each request loads an active account only) and
    their API tokens are deleted; their bookings stay, listed for staff to decide on."""
    if role is not None and role not in ROLES:
        raise FormInvalid({"role": _("Choose one of the listed account types.")}, code="bad_role")
    if active is False:
        reason = _checked_reason(reason)
    async with transaction():
        target = await _locked_target(user_id)
        new_role = target.role if role is None else role
        new_active = target.is_active if active is None else active
        if (new_role, new_active) == (target.role, target.is_active):
            return target
        _refuse_own_account(admin, target)
        await _guarded_write(admin, target, role=new_role, active=new_active)
        if new_role != target.role:
            detail = {"from": target.role, "to": new_role}
            await history.record("account.role_changed", user_id, actor_id=admin.id, detail=detail)
        if not new_active and target.is_active:
            await ApiToken.delete().where(ApiToken.user == user_id).run()
            detail = {"reason": reason}
            await history.record("account.deactivated", user_id, actor_id=admin.id, detail=detail)
        elif new_active and not target.is_active:
            await history.record("account.reactivated", user_id, actor_id=admin.id)
        target.role, target.is_active = new_role, new_active
    return target


async def send_verification_for(admin: User, user_id: int, *, base_url: str, hours: int) -> User:
    async with transaction():
        target = await get_account(user_id)
        if target.email_verified_at is not None:
            raise RuleBroken(_("This email address is already confirmed."), code="already_verified")
        await send_verification(target, base_url, hours)
        await history.record("account.verification_sent", target.id, actor_id=admin.id)
    return target


async def send_reset_for(admin: User, user_id: int, *, base_url: str) -> User:
    async with transaction():
        target = await get_account(user_id)
        if not target.is_active:
            raise RuleBroken(
                _("This account is deactivated: reactivate it before sending a reset link."),
                code="account_inactive",
            )
        await send_reset_link(target, base_url, actor_id=admin.id)
    return target
