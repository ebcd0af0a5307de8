"""Accounts: registration, login, tokens, email links, profiles. Every rule lives here."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from litestar.stores.base import Store
from piccolo.custom_types import Combinable

from innovation_hub.accounts.tables import ApiToken, EmailToken, User
from innovation_hub.core import audit, mail
from innovation_hub.core.auth import MEMBER_ROLES, ROLES
from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import lock_until_commit, quick_reads, transaction
from innovation_hub.core.errors import FormInvalid, NotFound, TooManyRequests
from innovation_hub.core.i18n import LOCALES, ngettext
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.ratelimit import Backoff, DistinctCap, RateLimiter
from innovation_hub.core.security import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    new_secret_token,
    token_digest,
    verify_password,
)
from innovation_hub.core.taxcode import is_valid_tax_code, normalise_tax_code

VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"  # noqa: S105 (a purpose name, not a password)
RESET_TOKEN_HOURS = 2
MAX_PASSWORD_LENGTH = 1024  # argon2 is slow by design; refuse megabyte "passwords"


def normalise_email(value: str) -> str:
    return value.strip().lower()


def _looks_like_email(value: str) -> bool:
    local, at, domain = value.partition("@")
    return bool(at and local and "." in domain and " " not in value and len(value) <= 254)


def _password_error(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Use at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("Use at most %(n)s characters.", n=MAX_PASSWORD_LENGTH)
    return None


def session_stamp(user: User) -> str:
    """Changes when the password changes, which ends every other session."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


@dataclass
class NewAccount:
    email: str
    password: str
    name: str
    role: str
    organisation_name: str = ""
    school: str = ""
    tax_code: str = ""
    phone: str = ""
    locale: str = "vi"

    @classmethod
    def from_form(cls, form: dict[str, Any], locale: str) -> NewAccount:
        def text(key: str) -> str:
            value = form.get(key, "")
            return value.strip() if isinstance(value, str) else ""

        return cls(
            email=normalise_email(text("email")),
            password=form.get("password", "") if isinstance(form.get("password"), str) else "",
            name=text("name"),
            role=text("role"),
            organisation_name=text("organisation_name"),
            school=text("school"),
            tax_code=normalise_tax_code(text("tax_code")),
            phone=text("phone"),
            locale=text("locale") if text("locale") in LOCALES else locale,
        )


def _required_profile(role: str) -> set[str]:
    return {
        "student": {"school"},
        "startup": {"organisation_name"},
        "enterprise": {"organisation_name", "tax_code"},
    }.get(role, set())


def _account_errors(
    account: NewAccount, allowed_roles: tuple[str, ...], *, profile_required: bool
) -> dict[str, str]:
    """What is wrong with ``account``. Self-registration must give the profile its role
    needs (school; organisation; tax code); an administrator may leave it to the member."""
    errors: dict[str, str] = {}
    if not _looks_like_email(account.email):
        errors["email"] = _("Enter a valid email address.")
    if error := _password_error(account.password):
        errors["password"] = error
    if not account.name:
        errors["name"] = _("Enter your full name.")
    elif len(account.name) > 200:
        errors["name"] = _("Use at most %(n)s characters.", n=200)
    if account.role not in allowed_roles:
        errors["role"] = _("Choose one of the listed account types.")
    required = _required_profile(account.role) if profile_required else set()
    if "school" in required and not account.school:
        errors["school"] = _("Enter your school or university.")
    if "organisation_name" in required and not account.organisation_name:
        errors["organisation_name"] = _("Enter the name of your organisation.")
    if "tax_code" in required and not is_valid_tax_code(account.tax_code):
        errors["tax_code"] = _(
            "Enter a valid tax code: 10 digits, or 10 digits, a hyphen and 3 digits for a branch."
        )
    elif account.tax_code and not is_valid_tax_code(account.tax_code):
        errors["tax_code"] = _("This is not a valid Vietnamese tax code.")
    for key in ("organisation_name", "school"):
        if len(getattr(account, key)) > 200 and key not in errors:
            errors[key] = _("Use at most %(n)s characters.", n=200)
    if len(account.phone) > 30:
        errors["phone"] = _("Use at most %(n)s characters.", n=30)
    return errors


async def _insert_user(account: NewAccount, password_hash: str, *, verified: bool) -> User | None:
    """The new account, or None when its email is taken (the unique index decides, so two
    registrations of one address at once make one account)."""
    now = utcnow()
    user = User(
        email=account.email,
        password_hash=password_hash,
        name=account.name,
        role=account.role,
        organisation_name=account.organisation_name,
        school=account.school,
        tax_code=account.tax_code,
        phone=account.phone,
        locale=account.locale,
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


async def _send_verification(user: User, base_url: str, hours: int) -> None:
    token = await _issue_email_token(user, VERIFY_EMAIL, hours)
    await mail.enqueue(
        to=user.email,
        template="verify_email",
        context={"name": user.name, "link": f"{base_url}/verify-email/{token}", "hours": hours},
        locale=user.locale,
    )


class MailLimiter:
    """Emails a stranger can make the centre send (password-reset links, notices about a
    registration): so many per account and per client address an hour. Over the limit
    nothing is sent, and the page says what it always says."""

    def __init__(self, per_account: RateLimiter, per_ip: RateLimiter) -> None:
        self.per_account = per_account
        self.per_ip = per_ip

    async def allows(self, email: str, ip: str) -> bool:
        on_ip = await self.per_ip.hit(f"reset-mail:ip:{ip}")
        on_account = await self.per_account.hit(f"reset-mail:account:{_email_key(email)}")
        return on_ip <= self.per_ip.limit and on_account <= self.per_account.limit


async def register(
    account: NewAccount, *, base_url: str, token_hours: int, ip: str, mail_limiter: MailLimiter
) -> None:
    """Self-registration for students, startups and enterprises. Whether or not the email
    has an account already, the caller learns nothing but "we have written to that address":
    a new account gets its verification link, an existing one's owner a notice."""
    errors = _account_errors(account, MEMBER_ROLES, profile_required=True)
    if errors:
        raise FormInvalid(errors)
    password_hash = hash_password(account.password)  # both ways, so both take as long
    async with transaction():
        user = await _insert_user(account, password_hash, verified=False)
        if user is not None:
            await audit.record(
                actor_id=user.id,
                action="account.registered",
                record_type="user",
                record_id=user.id,
                detail={"role": user.role},
            )
            await _send_verification(user, base_url, token_hours)
            return
    owner = await User.objects().where(User.email == account.email).first().run()
    if owner is None or not await mail_limiter.allows(owner.email, ip):
        return
    await mail.enqueue(
        to=owner.email,
        template="account_exists",
        context={
            "name": owner.name,
            "login_link": f"{base_url}/login",
            "reset_link": f"{base_url}/password/forgot",
        },
        locale=owner.locale,
    )


async def create_account(account: NewAccount, *, actor_id: int | None) -> User:
    """Any role, email taken as verified: for the command line and administrators."""
    errors = _account_errors(account, ROLES, profile_required=False)
    if errors:
        raise FormInvalid(errors)
    async with transaction():
        user = await _insert_user(account, hash_password(account.password), verified=True)
        if user is None:
            raise FormInvalid(
                {"email": _("An account with this email already exists.")}, code="email_taken"
            )
        await audit.record(
            actor_id=actor_id,
            action="account.created",
            record_type="user",
            record_id=user.id,
            detail={"role": user.role},
        )
    return user


def _email_key(email: str) -> str:
    """An email as rate limits store it: a digest, short whatever was typed, and no address
    in the store."""
    return token_digest(email)[:32]


@dataclass(frozen=True)
class LoginAttempt:
    account: str  # _email_key()
    ip: str
    pair_key: str


class LoginLimiter:
    """Slows guessing down without letting a stranger lock anyone out (OWASP, NIST 800-63B).

    - Per account *and* address: a few failures are free, then each further try must wait a
      delay that doubles up to a cap (``pairs``). A stranger's failures from another address
      never slow the owner down; a login, or a password reset from anywhere, clears them.
    - Per address: failing on many *different* accounts (credential stuffing) is refused
      for the rest of the window (``addresses``); a school behind one address, where a few
      pupils mistype their own passwords, stays far below it.

    Both count an attempt before the (slow) password check, in one atomic step of the store,
    so a burst of parallel guesses gets no more tries than one guess after another.
    """

    def __init__(self, store: Store, pairs: Backoff, addresses: DistinctCap) -> None:
        self.store = store
        self.pairs = pairs
        self.addresses = addresses

    @staticmethod
    def _epoch_key(email: str) -> str:
        return f"login:epoch:{_email_key(email)}"

    async def begin(self, email: str, ip: str) -> LoginAttempt:
        """Counts this attempt, or refuses it with TooManyRequests."""
        account = _email_key(email)
        wait = await self.addresses.admit(f"login:ip:{ip}", account)
        if wait:
            raise TooManyRequests(
                ngettext(
                    "Too many failed logins to different accounts from your network. "
                    "Try again in %(num)s minute.",
                    "Too many failed logins to different accounts from your network. "
                    "Try again in %(num)s minutes.",
                    _minutes(wait),
                ),
                retry_after=wait,
            )
        # A password reset starts a new epoch: the delays counted before it no longer apply.
        epoch = (await self.store.get(self._epoch_key(email)) or b"0").decode()
        attempt = LoginAttempt(account, ip, f"login:pair:{epoch}:{account}:{ip}")
        wait = await self.pairs.attempt(attempt.pair_key)
        if wait:
            raise TooManyRequests(_wait_message(wait), retry_after=wait)
        return attempt

    async def succeeded(self, attempt: LoginAttempt) -> None:
        await self.pairs.reset(attempt.pair_key)
        await self.addresses.remove(f"login:ip:{attempt.ip}", attempt.account)

    async def clear(self, email: str) -> None:
        """Forgets every address's failures on this account (its password was reset)."""
        await self.store.set(self._epoch_key(email), new_secret_token()[:12])


def _minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))


def _wait_message(seconds: int) -> str:
    if seconds < 60:
        return ngettext(
            "Too many failed attempts. Wait %(num)s second, then try again.",
            "Too many failed attempts. Wait %(num)s seconds, then try again.",
            seconds,
        )
    return ngettext(
        "Too many failed attempts. Try again in %(num)s minute.",
        "Too many failed attempts. Try again in %(num)s minutes.",
        _minutes(seconds),
    )


async def authenticate(email: str, password: str, *, ip: str, limiter: LoginLimiter) -> User:
    """The active account with this email and password, or FormInvalid / TooManyRequests."""
    email = normalise_email(email)
    attempt = await limiter.begin(email, ip)
    user = await User.objects().where(User.email == email).first().run()
    valid = verify_password(user.password_hash if user else None, password[:MAX_PASSWORD_LENGTH])
    if user is None or not valid or not user.is_active:
        raise FormInvalid({"password": _("Wrong email or password.")}, code="bad_credentials")
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
        await audit.record(
            actor_id=user.id, action="api_token.issued", record_type="user", record_id=user.id
        )
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
        raise NotFound(
            _("This link is invalid, has expired or was already used."), code="link_invalid"
        )
    user = await User.objects().where(User.id == used[0]["user"]).first().run()
    if user is None:
        raise NotFound(
            _("This link is invalid, has expired or was already used."), code="link_invalid"
        )
    return user


async def verify_email(token: str) -> User:
    async with transaction():
        user = await _use_email_token(token, VERIFY_EMAIL)
        if user.email_verified_at is None:
            user.email_verified_at = utcnow()
            await user.save([User.email_verified_at])
            await audit.record(
                actor_id=user.id,
                action="account.email_verified",
                record_type="user",
                record_id=user.id,
            )
    return user


async def resend_verification(user: User, *, base_url: str, token_hours: int) -> None:
    if user.email_verified_at is not None:
        return
    async with transaction():
        await _send_verification(user, base_url, token_hours)


# Serialises, per account, the transactions that issue and use its email links.
EMAIL_LINKS_LOCK = "innovation_hub.accounts.email_links"


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
        await lock_until_commit(EMAIL_LINKS_LOCK, user.id)
        await _void_reset_links(user.id)
        token = await _issue_email_token(user, RESET_PASSWORD, RESET_TOKEN_HOURS)
        await mail.enqueue(
            to=user.email,
            template="reset_password",
            context={
                "name": user.name,
                "link": f"{base_url}/password/reset/{token}",
                "hours": RESET_TOKEN_HOURS,
            },
            locale=user.locale,
        )
        await audit.record(
            actor_id=None,
            action="account.password_reset_requested",
            record_type="user",
            record_id=user.id,
        )


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
    if error := _password_error(password):
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
        await audit.record(
            actor_id=user.id, action="account.password_reset", record_type="user", record_id=user.id
        )
    await limiter.clear(user.email)
    return user


async def update_profile(user: User, form: dict[str, Any]) -> User:
    def text(key: str) -> str:
        value = form.get(key, "")
        return value.strip() if isinstance(value, str) else ""

    changes = {
        "name": text("name"),
        "organisation_name": text("organisation_name"),
        "school": text("school"),
        "phone": text("phone"),
        "tax_code": normalise_tax_code(text("tax_code")),
        "locale": text("locale") or user.locale,
    }
    errors: dict[str, str] = {}
    if not changes["name"]:
        errors["name"] = _("Enter your full name.")
    for key in ("name", "organisation_name", "school"):
        if len(changes[key]) > 200 and key not in errors:
            errors[key] = _("Use at most %(n)s characters.", n=200)
    if len(changes["phone"]) > 30:
        errors["phone"] = _("Use at most %(n)s characters.", n=30)
    if changes["locale"] not in LOCALES:
        errors["locale"] = _("Choose one of the listed languages.")
    if user.role == "student" and not changes["school"]:
        errors["school"] = _("Enter your school or university.")
    if user.role in {"startup", "enterprise"} and not changes["organisation_name"]:
        errors["organisation_name"] = _("Enter the name of your organisation.")
    if (user.role == "enterprise" or changes["tax_code"]) and not is_valid_tax_code(
        changes["tax_code"]
    ):
        errors["tax_code"] = _("This is not a valid Vietnamese tax code.")
    if errors:
        raise FormInvalid(errors)
    async with transaction():
        for key, value in changes.items():
            setattr(user, key, value)
        user.updated_at = utcnow()
        await user.save()
        await audit.record(
            actor_id=user.id,
            action="account.profile_updated",
            record_type="user",
            record_id=user.id,
        )
    return user


async def set_locale(user: User, locale: str) -> None:
    if locale not in LOCALES:
        raise FormInvalid({"locale": _("Choose one of the listed languages.")})
    user.locale = locale
    await user.save([User.locale])


async def list_users() -> list[User]:
    return await User.objects().order_by(User.role).order_by(User.name).run()
