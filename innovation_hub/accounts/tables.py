from piccolo.columns import Boolean, ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class User(Table, tablename="hub_user"):
    id: Serial
    email = Varchar(length=254, unique=True)
    password_hash = Varchar(length=255)
    name = Varchar(length=200)
    role = Varchar(length=20, index=True)
    organisation_name = Varchar(length=200, default="")
    school = Varchar(length=200, default="")
    tax_code = Varchar(length=14, default="")
    phone = Varchar(length=30, default="")
    locale = Varchar(length=5, default="vi")
    # Set by the member on their profile: where Zalo messages go (HUB_ZALO_*).
    zalo_user_id = Varchar(length=64, null=True, default=None)
    is_active = Boolean(default=True)
    email_verified_at = Timestamptz(null=True, default=None)
    # Reminders before bookings, visits, consultations and deadlines; never confirmations.
    reminders_enabled = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ApiToken(Table, tablename="api_token"):
    id: Serial
    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True, null=False)
    token_digest = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)


class EmailToken(Table, tablename="email_token"):
    """One-use links sent by email: verifying an address, resetting a password."""

    id: Serial
    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True, null=False)
    purpose = Varchar(length=20)
    token_digest = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
