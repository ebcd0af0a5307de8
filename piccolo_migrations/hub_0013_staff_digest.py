"""The staff's daily digest: one row per staff member and local day, unique, so that inserting
it claims the day's digest and several instances running the job at once send it once."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Date, ForeignKey, Integer, Timestamptz
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

ID = "2026-12-04T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "staff digest claims"

UNIQUE_INDEX = "CREATE UNIQUE INDEX staff_digest_once_a_day ON staff_digest (staff, local_date)"


class User(Table, tablename="hub_user"):
    pass


class StaffDigest(Table, tablename="staff_digest"):
    staff = ForeignKey(references=User, on_delete=OnDelete.cascade, null=False)
    local_date = Date()
    items = Integer(default=0)
    sent_at = Timestamptz(default=TimestamptzNow())


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="hub", description=DESCRIPTION)

    async def create() -> None:
        await StaffDigest.create_table().run()
        await StaffDigest._meta.db.run_ddl(UNIQUE_INDEX)

    async def drop() -> None:
        await StaffDigest.alter().drop_table().run()

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
