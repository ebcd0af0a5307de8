from datetime import datetime
from typing import Literal

import msgspec


class TokenRequest(msgspec.Struct):
    email: str
    password: str


class TokenOut(msgspec.Struct):
    token: str
    expires_at: datetime


Role = Literal["student", "startup", "enterprise", "staff", "admin"]


class MeOut(msgspec.Struct):
    id: int
    email: str
    name: str
    role: Role
    organisation_name: str
    locale: str
    email_verified: bool
    reminders_enabled: bool


class RemindersIn(msgspec.Struct):
    enabled: bool


class ApiTokenOut(msgspec.Struct):
    """One of the caller's API tokens; the secret itself is shown only when it is made."""

    id: int
    created_at: datetime
    expires_at: datetime


class ApiTokenList(msgspec.Struct):
    items: list[ApiTokenOut]


class AccountChange(msgspec.Struct, kw_only=True):
    """What an administrator changes of an account; a deactivation says why. An unknown
    role is refused with 422 (code bad_role), like the page's."""

    role: str | None = None
    is_active: bool | None = None
    reason: str = ""


class AccountOut(msgspec.Struct):
    id: int
    email: str
    name: str
    role: Role
    is_active: bool
    email_verified: bool
