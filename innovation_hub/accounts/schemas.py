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
