"""The programme's rules from issue 20.

A call gets its finance rule (``finance_basis``), a yearly limit per enterprise (approved
applications and/or đồng of support, 0 for none) and the support share by enterprise size
(``size_shares``: {"micro": 70, "small": 50, "medium": 30}, empty for the items' own shares).
A decision records the authority that issued it, its number and its date.

The reverse drops these columns and what they hold; every other row and column is kept.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-06T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "programme: decision authority, yearly limits per enterprise, shares by size"

# Table and column each statement adds, for the tests that check what a reverse loses.
ADDED_COLUMNS = (
    ("programme", "finance_basis", "TEXT NOT NULL DEFAULT ''"),
    ("programme", "max_approvals_per_enterprise", "INTEGER NOT NULL DEFAULT 0"),
    ("programme", "max_support_per_enterprise_vnd", "BIGINT NOT NULL DEFAULT 0"),
    ("programme", "size_shares", "JSON NOT NULL DEFAULT '{}'"),
    ("programme_application", "decision_authority", "VARCHAR(20) NOT NULL DEFAULT ''"),
    ("programme_application", "decision_number", "VARCHAR(100) NOT NULL DEFAULT ''"),
    ("programme_application", "decision_date", "DATE NULL DEFAULT NULL"),
)
FORWARDS = [
    f"ALTER TABLE {table} ADD COLUMN {column} {kind}" for table, column, kind in ADDED_COLUMNS
]
BACKWARDS = [f"ALTER TABLE {table} DROP COLUMN {column}" for table, column, _ in ADDED_COLUMNS]


class Programme(Table, tablename="programme"):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="hub", description=DESCRIPTION)

    async def run(statements: list[str]) -> None:
        for statement in statements:
            await Programme._meta.db.run_ddl(statement)

    async def create() -> None:
        await run(FORWARDS)

    async def drop() -> None:
        await run(list(reversed(BACKWARDS)))

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
