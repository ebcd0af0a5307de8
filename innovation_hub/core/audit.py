"""The audit log: who did what to which record.

``record`` must be awaited inside the same transaction as the change it describes, so the
entry and the change are committed or rolled back together.
"""

from __future__ import annotations

from typing import Any

from piccolo.columns import JSON, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from innovation_hub.core.clock import utcnow


class AuditEntry(Table, tablename="audit_log"):
    id: Serial
    at = Timestamptz(default=TimestamptzNow(), index=True)
    actor_id = Integer(null=True, default=None)
    action = Varchar(length=80)
    record_type = Varchar(length=80)
    record_id = Varchar(length=80)
    detail = JSON(default="{}")


async def record(
    *,
    actor_id: int | None,
    action: str,
    record_type: str,
    record_id: object,
    detail: dict[str, Any] | None = None,
) -> None:
    await AuditEntry.insert(
        AuditEntry(
            at=utcnow(),
            actor_id=actor_id,
            action=action,
            record_type=record_type,
            record_id=str(record_id),
            detail=detail or {},
        )
    ).run()
