"""Private feed tokens, and public events (a booking flag) for the centre's events feed."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

ID = "2026-11-28T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "calendars"


class User(Table, tablename="hub_user"):
    pass


class FeedToken(Table, tablename="feed_token"):
    user = ForeignKey(references=User, on_delete=OnDelete.cascade, null=False, index=True)
    kind = Varchar(length=20)
    generation = Integer(default=1)
    token_digest = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="hub", description=DESCRIPTION)

    async def create() -> None:
        await FeedToken.create_table().run()
        await FeedToken._meta.db.run_ddl(
            "ALTER TABLE booking ADD COLUMN is_public BOOLEAN NOT NULL DEFAULT false"
        )

    async def drop() -> None:
        await FeedToken._meta.db.run_ddl("ALTER TABLE booking DROP COLUMN is_public")
        await FeedToken.alter().drop_table().run()

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
