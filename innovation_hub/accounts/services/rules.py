"""The pure rules of an account: what a valid email, password and profile are."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from innovation_hub.accounts.tables import User
from innovation_hub.core.i18n import LOCALES
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.security import MIN_PASSWORD_LENGTH
from innovation_hub.core.taxcode import is_valid_tax_code, tax_code_error

VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"  # noqa: S105 (a purpose name, not a password)
RESET_TOKEN_HOURS = 2
MAX_PASSWORD_LENGTH = 1024  # argon2 is slow by design; refuse megabyte "passwords"
MAX_NAME_LENGTH = 200
MAX_PHONE_LENGTH = 30


def normalise_email(value: str) -> str:
    return value.strip().lower()


def _looks_like_email(value: str) -> bool:
    local, at, domain = value.partition("@")
    return bool(at and local and "." in domain and " " not in value and len(value) <= 254)


def password_error(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Use at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("Use at most %(n)s characters.", n=MAX_PASSWORD_LENGTH)
    return None


def session_stamp(user: User) -> str:
    """Changes when the password changes, which ends every other session."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


@dataclass(kw_only=True)
class ProfileChanges:
    """What a member may change of their own profile, text stripped by the caller."""

    name: str
    organisation_name: str = ""
    school: str = ""
    phone: str = ""
    tax_code: str = ""
    locale: str = ""  # empty keeps the member's language
    # Where Zalo messages go (digits, as the centre's Zalo OA gives it): None keeps it,
    # empty removes it.
    zalo_user_id: str | None = None


@dataclass(kw_only=True)
class NewAccount(ProfileChanges):
    """An account to create: a profile, and how its member logs in (email normalised)."""

    email: str
    password: str
    role: str
    locale: str = "vi"


def _looks_like_zalo_id(value: str) -> bool:
    return value.isascii() and value.isdigit() and len(value) <= 32


def _required_profile(role: str) -> set[str]:
    return {
        "student": {"school"},
        "startup": {"organisation_name"},
        "enterprise": {"organisation_name", "tax_code"},
    }.get(role, set())


def _length_errors(values: dict[str, str], errors: dict[str, str]) -> None:
    """Adds "too long" to each field that has no error yet."""
    limits = {"name": MAX_NAME_LENGTH, "organisation_name": MAX_NAME_LENGTH}
    limits |= {"school": MAX_NAME_LENGTH, "phone": MAX_PHONE_LENGTH}
    for key, limit in limits.items():
        if len(values.get(key, "")) > limit and key not in errors:
            errors[key] = _("Use at most %(n)s characters.", n=limit)


def account_errors(
    account: NewAccount, allowed_roles: tuple[str, ...], *, profile_required: bool
) -> dict[str, str]:
    """What is wrong with ``account``. Self-registration must give the profile its role
    needs (school; organisation; tax code); an administrator may leave it to the member."""
    errors: dict[str, str] = {}
    if not _looks_like_email(account.email):
        errors["email"] = _("Enter a valid email address.")
    if error := password_error(account.password):
        errors["password"] = error
    if not account.name:
        errors["name"] = _("Enter your full name.")
    if account.role not in allowed_roles:
        errors["role"] = _("Choose one of the listed account types.")
    required = _required_profile(account.role) if profile_required else set()
    if "school" in required and not account.school:
        errors["school"] = _("Enter your school or university.")
    if "organisation_name" in required and not account.organisation_name:
        errors["organisation_name"] = _("Enter the name of your organisation.")
    # An enterprise account may be a household business: its tax code is then the
    # 12-digit personal identification number, which is_valid_tax_code accepts.
    if ("tax_code" in required or account.tax_code) and not is_valid_tax_code(account.tax_code):
        errors["tax_code"] = tax_code_error()
    _length_errors(vars(account), errors)
    return errors


def profile_errors(role: str, changes: ProfileChanges) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not changes.name:
        errors["name"] = _("Enter your full name.")
    _length_errors(vars(changes), errors)
    if changes.locale not in LOCALES:
        errors["locale"] = _("Choose one of the listed languages.")
    if changes.zalo_user_id and not _looks_like_zalo_id(changes.zalo_user_id):
        errors["zalo_user_id"] = _("A Zalo user id is a number of up to %(n)s digits.", n=32)
    if role == "student" and not changes.school:
        errors["school"] = _("Enter your school or university.")
    if role in {"startup", "enterprise"} and not changes.organisation_name:
        errors["organisation_name"] = _("Enter the name of your organisation.")
    if (role == "enterprise" or changes.tax_code) and not is_valid_tax_code(changes.tax_code):
        errors["tax_code"] = tax_code_error()
    return errors
