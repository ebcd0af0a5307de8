"""Migrations run forwards and backwards on the engine under test: each one's reverse restores
exactly the schema before it, and the newest ones reverse and re-apply without losing data."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from typing import Any

import asyncpg
import pytest
from piccolo.apps.migrations.commands.backwards import run_backwards
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration

from innovation_hub.core.database import close_pool, migrate_backwards, migrate_forwards, open_pool
from innovation_hub.demo import load_demo
from piccolo_migrations import (
    hub_0008_booking_indexes,
    hub_0009_data_version,
    hub_0010_refund_limit,
    hub_0011_reminders,
    hub_0012_channels,
    hub_0013_staff_digest,
    hub_0014_floor_plans,
    hub_0015_programme_rules,
    hub_0016_trademark_events,
    hub_0018_front_desk,
)
from tests.conftest import DATABASE_URL

# Migrations whose reverse loses no rows (they only change indexes, say). The newest applied
# migration must be listed here or be known to lose data: say which when adding one.
LOSSLESS_MIGRATIONS = {
    hub_0008_booking_indexes.ID,
    hub_0009_data_version.ID,
    hub_0010_refund_limit.ID,
    hub_0012_channels.ID,
}
# Migrations whose reverse drops only the columns they added: every row stays, and what those
# columns held is lost (when reminders went out, the reminder choice, outbox headers, floor
# plans and places on them, a call's rules and a decision's number, whether a trademark
# contains a place name; 0014's amenity codes stay codes).
COLUMN_ADDING_MIGRATIONS = {
    hub_0011_reminders.ID,
    hub_0014_floor_plans.ID,
    hub_0015_programme_rules.ID,
    hub_0016_trademark_events.ID,
}
# Migrations that only add a table of their own: their reverse loses that table's rows and
# nothing else, so the test looks past them at the rest.
OWN_TABLE_MIGRATIONS = {
    hub_0013_staff_digest.ID: "staff_digest",
    hub_0018_front_desk.ID: "kiosk_token",
}
DERIVED_TABLES = {"migration", "data_version"}
# Columns whose reverse migration drops them with what they hold (listed migrations lose
# nothing else): the data checks leave them out.
DROPPED_COLUMNS = {
    (table, column)
    for migration in (hub_0012_channels, hub_0015_programme_rules)
    for table, column, _kind in migration.ADDED_COLUMNS
}

SQLITE_SCHEMA = """
    SELECT type, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"""
POSTGRES_SCHEMA = """
    SELECT 'column', table_name::text, concat_ws(' ', column_name, data_type,
        character_maximum_length, is_nullable, column_default)
    FROM information_schema.columns WHERE table_schema = 'public'
    UNION ALL
    SELECT 'index', tablename::text, indexdef FROM pg_indexes WHERE schemaname = 'public'
    UNION ALL
    SELECT 'constraint', conrelid::regclass::text, conname || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace
    UNION ALL
    SELECT 'trigger', event_object_table::text, trigger_name || ' ' || action_statement
    FROM information_schema.triggers WHERE trigger_schema = 'public'
    ORDER BY 1, 2, 3"""


def is_sqlite_url(url: str) -> bool:
    return url.startswith("sqlite:///")


async def query_each(url: str, statements: Sequence[str]) -> list[list[tuple[Any, ...]]]:
    """Each statement's rows through the engine's own driver, on one connection of their own."""
    if is_sqlite_url(url):
        with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as connection:
            return [[tuple(row) for row in connection.execute(sql)] for sql in statements]
    connection = await asyncpg.connect(url)
    try:
        return [[tuple(row) for row in await connection.fetch(sql)] for sql in statements]
    finally:
        await connection.close()


async def named_rows_each(url: str, statements: Sequence[str]) -> list[list[dict[str, Any]]]:
    """Like ``query_each``, each row as a dict by column name."""
    if is_sqlite_url(url):
        with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as connection:
            connection.row_factory = sqlite3.Row
            return [[dict(row) for row in connection.execute(sql)] for sql in statements]
    connection = await asyncpg.connect(url)
    try:
        return [[dict(row) for row in await connection.fetch(sql)] for sql in statements]
    finally:
        await connection.close()


async def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    return (await query_each(url, [sql]))[0]


async def schema(url: str) -> list[tuple[Any, ...]]:
    """Tables, columns, indexes, constraints and triggers, in a stable order."""
    if not is_sqlite_url(url):
        return await query(url, POSTGRES_SCHEMA)
    # SQLite keeps each statement as it was written: spacing, and identifiers quoted or not,
    # mean the same.
    return sorted(
        (kind, table, " ".join(sql.replace('"', "").split()))
        for kind, table, sql in await query(url, SQLITE_SCHEMA)
    )


async def table_names(url: str) -> list[str]:
    sql = (
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        if is_sqlite_url(url)
        else "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    )
    return sorted(row[0] for row in await query(url, sql))


async def all_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows but the ``DROPPED_COLUMNS``, in a stable order."""
    tables = await table_names(url)
    statements = [f'SELECT * FROM "{table}"' for table in tables]
    rows = await named_rows_each(url, statements)
    return {
        table: sorted(
            (
                tuple(v for k, v in row.items() if (table, k) not in DROPPED_COLUMNS)
                for row in table_rows
            ),
            key=repr,
        )
        for table, table_rows in zip(tables, rows, strict=True)
    }


async def data_digest(url: str) -> dict[str, tuple[int, str]]:
    """Row count and a checksum of the rows of every table but those the app rewrites on its
    own (Piccolo's migration log; the random cache tokens in data_version)."""
    return {
        table: (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
        for table, rows in (await all_rows(url)).items()
        if table not in DERIVED_TABLES
    }


async def applied_migrations() -> list[str]:
    return list(await Migration.get_migrations_which_ran(app_name="hub"))


async def one_step_forwards() -> None:
    result = await run_forwards(app_name="hub", migration_id="1")
    assert result.success, result.message


async def back_to(migration_id: str) -> None:
    """Reverse the newest migrations down to and including ``migration_id``."""
    result = await run_backwards(app_name="hub", migration_id=migration_id, auto_agree=True)
    assert result.success, result.message


@pytest.mark.slow
async def test_each_migration_reverses_to_the_schema_before_it() -> None:
    migrated = await schema(DATABASE_URL)
    applied = await applied_migrations()
    try:
        await migrate_backwards()
        assert await table_names(DATABASE_URL) == ["migration"]
        schemas = [await schema(DATABASE_URL)]
        for migration_id in applied:
            await one_step_forwards()
            schemas.append(await schema(DATABASE_URL))
            assert schemas[-1] != schemas[-2], f"{migration_id} changed nothing"
        assert schemas[-1] == migrated
        for migration_id, schema_before in zip(
            reversed(applied), reversed(schemas[:-1]), strict=True
        ):
            await back_to(migration_id)
            assert await schema(DATABASE_URL) == schema_before, f"{migration_id} reversed badly"
    finally:
        await migrate_forwards()
    assert await schema(DATABASE_URL) == migrated
    assert await applied_migrations() == applied


@pytest.mark.slow
async def test_newest_migrations_reverse_and_reapply_keeping_every_row() -> None:
    await open_pool()
    try:
        await load_demo()
    finally:
        await close_pool()
    schema_before = await schema(DATABASE_URL)
    data_before = await data_digest(DATABASE_URL)
    assert data_before["booking"][0] > 0 and data_before["hub_user"][0] > 0
    applied = await applied_migrations()
    reversible: list[str] = []
    own_tables: set[str] = set()
    for migration_id in reversed(applied):
        if migration_id in OWN_TABLE_MIGRATIONS:
            own_tables.add(OWN_TABLE_MIGRATIONS[migration_id])
        elif migration_id not in LOSSLESS_MIGRATIONS | COLUMN_ADDING_MIGRATIONS:
            break
        reversible.insert(0, migration_id)
    assert reversible, f"say whether the newest migration {applied[-1]} reverses without loss"
    # Past a migration that drops its columns, only the rows are the same, not their values.
    whole = not COLUMN_ADDING_MIGRATIONS.intersection(reversible)

    def kept(digest: dict[str, tuple[int, str]]) -> Any:
        rows = {t: v for t, v in digest.items() if t not in own_tables}
        return rows if whole else {table: count for table, (count, _sum) in rows.items()}

    try:
        await back_to(reversible[0])
        assert await schema(DATABASE_URL) != schema_before
        assert kept(await data_digest(DATABASE_URL)) == kept(data_before)
    finally:
        await migrate_forwards()
    assert await applied_migrations() == applied
    assert await schema(DATABASE_URL) == schema_before
    assert kept(await data_digest(DATABASE_URL)) == kept(data_before)


@pytest.mark.slow
async def test_refunded_totals_past_the_amount_paid_are_capped_by_0010() -> None:
    from datetime import timedelta

    from innovation_hub.bookings.tables import Booking
    from innovation_hub.core.clock import utcnow
    from innovation_hub.payments.tables import Payment
    from innovation_hub.spaces.services import create_resource
    from tests.helpers import make_user

    room = await create_resource(
        {"name": "Phòng", "kind": "meeting_room", "capacity": 6}, actor_id=None
    )
    member = await make_user("startup")
    start = utcnow().replace(microsecond=0) + timedelta(days=3)
    booking = Booking(
        resource=room.id,
        user=member.id,
        status="cancelled",
        start_at=start,
        end_at=start + timedelta(hours=1),
        occupied_until=start + timedelta(hours=1),
    )
    await booking.save()
    applied = await applied_migrations()
    try:
        await back_to(hub_0010_refund_limit.ID)
        # Before 0010, racing refunds could add up past the payment.
        for key, refunded in (("over", 1_500_000), ("within", 50_000)):
            await Payment(
                booking=booking.id, amount_vnd=150_000, refunded_vnd=refunded, idempotency_key=key
            ).save()
    finally:
        await migrate_forwards()
    assert await applied_migrations() == applied
    rows = await Payment.select(Payment.idempotency_key, Payment.refunded_vnd).order_by(Payment.id)
    assert rows == [
        {"idempotency_key": "over", "refunded_vnd": 150_000},
        {"idempotency_key": "within", "refunded_vnd": 50_000},
    ]
