"""A payment's refunded total stays between 0 and what was paid, as a rule of the database.

PostgreSQL gets a CHECK constraint. SQLite cannot add one to an existing table without
rebuilding it, so two triggers refuse an insert or update that breaks the rule instead.

Before this, racing refunds could add more than was paid to ``refunded_vnd``. Stripe never
refunds more than it charged (it refused the excess), so a total above the amount is brought
down to the amount: what was really given back. That correction is not undone backwards.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-03T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "refunded total within the amount paid"

RULE = "refunded_vnd >= 0 AND refunded_vnd <= amount_vnd"
NEW_ROW_RULE = "NEW.refunded_vnd >= 0 AND NEW.refunded_vnd <= NEW.amount_vnd"
CAP_PAST_TOTALS = "UPDATE payment SET refunded_vnd = amount_vnd WHERE refunded_vnd > amount_vnd"

SQLITE_FORWARDS = [
    CAP_PAST_TOTALS,
    f"""CREATE TRIGGER payment_refund_limit_insert BEFORE INSERT ON payment
        WHEN NOT ({NEW_ROW_RULE})
        BEGIN SELECT RAISE(ABORT, 'refund_exceeds_payment'); END""",
    f"""CREATE TRIGGER payment_refund_limit_update
        BEFORE UPDATE OF refunded_vnd, amount_vnd ON payment
        WHEN NOT ({NEW_ROW_RULE})
        BEGIN SELECT RAISE(ABORT, 'refund_exceeds_payment'); END""",
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER IF EXISTS payment_refund_limit_insert",
    "DROP TRIGGER IF EXISTS payment_refund_limit_update",
]
POSTGRES_FORWARDS = [
    CAP_PAST_TOTALS,
    f"ALTER TABLE payment ADD CONSTRAINT payment_refund_limit CHECK ({RULE})",
]
POSTGRES_BACKWARDS = ["ALTER TABLE payment DROP CONSTRAINT IF EXISTS payment_refund_limit"]


class Payment(Table, tablename="payment"):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="hub", description=DESCRIPTION)

    async def run(sqlite: list[str], postgres: list[str]) -> None:
        engine = Payment._meta.db
        for statement in sqlite if engine.engine_type == "sqlite" else postgres:
            await engine.run_ddl(statement)

    async def create() -> None:
        await run(SQLITE_FORWARDS, POSTGRES_FORWARDS)

    async def drop() -> None:
        await run(SQLITE_BACKWARDS, POSTGRES_BACKWARDS)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
