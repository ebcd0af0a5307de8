from datetime import datetime

import msgspec


class TokenRequest(msgspec.Struct):
    email: str
    password: str


class TokenOut(msgspec.Struct):
    token: str
    expires_at: datetime


class MeOut(msgspec.Struct):
    id: int
    email: str
    name: str
    role: str
    organisation_name: str
    locale: str
    email_verified: bool
