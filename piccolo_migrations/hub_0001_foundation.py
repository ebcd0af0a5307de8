"""Accounts, API tokens, one-use email links, the audit log and the mail outbox.

Hand-written (Piccolo cannot auto-migrate SQLite): the tables are snapshots as of this
migration, so later changes to the live table classes do not alter what it creates.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

ID = "2026-11-28T07:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "foundation: accounts, tokens, audit log, outbox"


class User(Table, tablename="hub_user"):
    email = Varchar(length=254, unique=True)
    password_hash = Varchar(length=255)
    name = Varchar(length=200)
    role = Varchar(length=20, index=True)
    organisation_name = Varchar(length=200, default="")
    school = Varchar(length=200, default="")
    tax_code = Varchar(length=14, default="")
    phone = Varchar(length=30, default="")
    locale = Varchar(length=5, default="vi")
    is_active = Boolean(default=True)
    email_verified_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ApiToken(Table, tablename="api_token"):
    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True, null=False)
    token_digest = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)


class EmailToken(Table, tablename="email_token"):
    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True, null=False)
    purpose = Varchar(length=20)
    token_digest = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class AuditEntry(Table, tablename="audit_log"):
    at = Timestamptz(default=TimestamptzNow(), index=True)
    actor_id = Integer(null=True, default=None)
    action = Varchar(length=80)
    record_type = Varchar(length=80)
    record_id = Varchar(length=80)
    detail = JSON(default="{}")


class OutboxMessage(Table, tablename="outbox"):
    created_at = Timestamptz(default=TimestamptzNow())
    to_address = Varchar(length=254)
    subject = Varchar(length=300)
    body_text = Text()
    attachments = JSON(default="[]")
    status = Varchar(length=10, default="pending", index=True)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow())
    claimed_until = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    sent_at = Timestamptz(null=True, default=None)


TABLES = [User, ApiToken, EmailToken, AuditEntry, OutboxMessage]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="hub", description=DESCRIPTION)

    async def create() -> None:
        for table in TABLES:
            await table.create_table().run()

    async def drop() -> None:
        for table in reversed(TABLES):
            await table.alter().drop_table().run()

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
