"""Indexes for the overlap and availability queries (bounded by start_at since reservations
last at most a day), instead of the status index SQLite's planner preferred for them."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-28T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "booking indexes"

FORWARDS = [
    "DROP INDEX IF EXISTS booking_status",
    "CREATE INDEX booking_resource_start ON booking (resource, start_at)",
    "CREATE INDEX booking_status_start ON booking (status, start_at)",
]
BACKWARDS = [
    "DROP INDEX IF EXISTS booking_status_start",
    "DROP INDEX IF EXISTS booking_resource_start",
    "CREATE INDEX booking_status ON booking (status)",
]


class Booking(Table, tablename="booking"):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="hub", description=DESCRIPTION)

    async def run(statements: list[str]) -> None:
        for statement in statements:
            await Booking._meta.db.run_ddl(statement)

    async def create() -> None:
        await run(FORWARDS)

    async def drop() -> None:
        await run(BACKWARDS)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
