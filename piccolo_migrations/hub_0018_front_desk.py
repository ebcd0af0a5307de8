"""The front desk's kiosk screens: one row per screen, holding the digest of its secret token,
the location whose day it shows, and when staff revoked it."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

ID = "2026-12-06T16:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "front-desk kiosk tokens"


class Location(Table, tablename="location"):
    pass


class KioskToken(Table, tablename="kiosk_token"):
    location = ForeignKey(references=Location, on_delete=OnDelete.cascade, null=False, index=True)
    label = Varchar(length=100)
    token_digest = Varchar(length=64, unique=True)
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="hub", description=DESCRIPTION)

    async def create() -> None:
        await KioskToken.create_table().run()

    async def drop() -> None:
        await KioskToken.alter().drop_table().run()

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
