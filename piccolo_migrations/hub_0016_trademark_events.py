"""Trademark cases: whether the mark contains a geographical name (a place name or a
geographical indication). A collective or certification mark that does needs the provincial
People's Committee's permission in its dossier. Existing cases start without one.

The new events (third-party opposition, its settlement, renewal) are rows of the existing
``trademark_event`` table and need no change to it.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Boolean

ID = "2026-12-06T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "trademark case: geographical name"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="hub", description=DESCRIPTION)
    manager.add_column(
        table_class_name="TrademarkCase",
        tablename="trademark_case",
        column_name="geographical_name",
        db_column_name="geographical_name",
        column_class_name="Boolean",
        column_class=Boolean,
        params={"default": False},
    )
    return manager
