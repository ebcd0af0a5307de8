"""Messages on more than one channel, and an HTML part for emails.

``outbox.channel`` says where a message goes (``email``, or ``zalo`` for a Zalo Official
Account message; existing rows are emails), ``outbox.body_html`` holds an email's HTML
alternative (empty for rows queued before: they go out as plain text), and
``hub_user.zalo_user_id`` is the member's Zalo user id, if they gave one.

The reverse drops these columns and what they hold; every other row and column is kept.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-04T11:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbox channels, HTML emails, members' Zalo ids"

# Table and column each statement adds, for the tests that check what a reverse loses.
ADDED_COLUMNS = (
    ("outbox", "channel", "VARCHAR(10) NOT NULL DEFAULT 'email'"),
    ("outbox", "body_html", "TEXT NOT NULL DEFAULT ''"),
    ("hub_user", "zalo_user_id", "VARCHAR(64) NULL DEFAULT NULL"),
)
FORWARDS = [
    f"ALTER TABLE {table} ADD COLUMN {column} {kind}" for table, column, kind in ADDED_COLUMNS
]
BACKWARDS = [f"ALTER TABLE {table} DROP COLUMN {column}" for table, column, _ in ADDED_COLUMNS]


class OutboxMessage(Table, tablename="outbox"):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="hub", description=DESCRIPTION)

    async def run(statements: list[str]) -> None:
        for statement in statements:
            await OutboxMessage._meta.db.run_ddl(statement)

    async def create() -> None:
        await run(FORWARDS)

    async def drop() -> None:
        await run(list(reversed(BACKWARDS)))

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
