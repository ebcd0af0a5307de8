"""Reminders: the member's choice to receive them, the moment each reminder was sent, and
the extra headers an outbox message carries (``List-Unsubscribe`` on reminders).

Each ``*reminded_at`` column is claimed by a conditional UPDATE (``… WHERE reminded_at IS
NULL``) in the transaction that queues the email, so a reminder goes out once however many
instances run the jobs. Rows that exist before this migration start unreminded: a booking
starting within the reminder window when it is applied gets its reminder then.
"""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import JSON, Boolean, Column, Timestamptz

ID = "2026-12-04T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "reminders and their preference"

_SENT_AT: dict[str, Any] = {"null": True, "default": None}

# (table class, table name, column, column class, params)
COLUMNS: list[tuple[str, str, str, type[Column], dict[str, Any]]] = [
    ("User", "hub_user", "reminders_enabled", Boolean, {"default": True}),
    ("OutboxMessage", "outbox", "headers", JSON, {"default": "{}"}),
    ("Booking", "booking", "reminded_at", Timestamptz, _SENT_AT),
    ("Booking", "booking", "evening_reminded_at", Timestamptz, _SENT_AT),
    ("Visit", "visit", "reminded_at", Timestamptz, _SENT_AT),
    ("TrademarkConsultation", "trademark_consultation", "reminded_at", Timestamptz, _SENT_AT),
    ("Milestone", "programme_milestone", "reminded_at", Timestamptz, _SENT_AT),
    ("Application", "programme_application", "deadline_reminded_at", Timestamptz, _SENT_AT),
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="hub", description=DESCRIPTION)
    for class_name, tablename, column, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name=column,
            db_column_name=column,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
        )
    return manager
