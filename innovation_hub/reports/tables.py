"""What the reports floor writes: which staff member's daily digest went out on which day."""

from __future__ import annotations

from piccolo.columns import Date, ForeignKey, Integer, Serial, Timestamptz
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from innovation_hub.accounts.tables import User


class StaffDigest(Table, tablename="staff_digest"):
    """One row per staff member and local day, unique: inserting it claims that day's digest,
    so of several instances running the job at once exactly one sends it."""

    id: Serial
    staff = ForeignKey(references=User, on_delete=OnDelete.cascade, null=False)
    local_date = Date()
    items = Integer(default=0)  # how many items waited; 0: nothing was sent
    sent_at = Timestamptz(default=TimestamptzNow())


TABLES = [StaffDigest]
