"""Payments through Stripe PaymentIntents, refunds and the webhook event log."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import BigInt, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

ID = "2026-11-28T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "payments"


class Booking(Table, tablename="booking"):
    pass


class Payment(Table, tablename="payment"):
    booking = ForeignKey(references=Booking, on_delete=OnDelete.restrict, null=False, index=True)
    attempt = Integer(default=1)
    idempotency_key = Varchar(length=100, unique=True)
    intent_id = Varchar(length=100, null=True, default=None, unique=True)
    client_secret = Varchar(length=200, default="")
    amount_vnd = BigInt()
    status = Varchar(length=20, default="creating", index=True)
    refunded_vnd = BigInt(default=0)
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Refund(Table, tablename="refund"):
    payment = ForeignKey(references=Payment, on_delete=OnDelete.restrict, null=False, index=True)
    amount_vnd = BigInt()
    reason = Text(default="")
    idempotency_key = Varchar(length=100, unique=True)
    stripe_refund_id = Varchar(length=100, null=True, default=None)
    status = Varchar(length=20, default="pending")
    last_error = Text(default="")
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class StripeEvent(Table, tablename="stripe_event"):
    event_id = Varchar(length=100, unique=True)
    type = Varchar(length=100)
    received_at = Timestamptz(default=TimestamptzNow())


TABLES = [Payment, Refund, StripeEvent]


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
