"""Backups and restores on the engine under test: a backup taken while the app writes restores
to an intact, consistent database; a restore never overwrites data unless forced; the command
line says what went wrong."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime, time, timedelta
from pathlib import Path

import asyncpg
import pytest

from innovation_hub.bookings.services import create_block
from innovation_hub.core.backup import BackupError, backup_database, restore_database
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.database import close_pool, open_pool
from innovation_hub.spaces.services import create_resource
from tests.app.test_cli_and_server import hub
from tests.conftest import DATABASE_URL, POSTGRES_ADMIN_URL, _postgres_admin, _postgres_url
from tests.core.test_migrations import all_rows, is_sqlite_url, query, schema, table_names
from tests.helpers import make_user, next_open_day

WRITERS = 20
# A staff block is one transaction that adds one booking and its audit entry, and upserts
# the bookings cache token in data_version (so that table's count is not a count of writes).
ROWS_PER_WRITE = {"booking": 1, "audit_log": 1}
UPSERTED_TABLES = {"data_version"}


@pytest.fixture(scope="module")
def scratch_postgres() -> Iterator[str | None]:
    """One PostgreSQL database for this module's restores (making one can take seconds)."""
    if not POSTGRES_ADMIN_URL:
        yield None
        return
    name = f"hub_restore_{os.getpid()}"
    asyncio.run(_postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(_postgres_admin(f'CREATE DATABASE "{name}"'))
    yield _postgres_url(name)
    asyncio.run(_postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def scratch_url(scratch_postgres: str | None, tmp_path: Path) -> str:
    """An empty database of the suite's engine to restore into."""
    if scratch_postgres is None:
        return f"sqlite:///{tmp_path / 'restored' / 'hub.sqlite3'}"
    connection = await asyncpg.connect(scratch_postgres)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await connection.close()
    return scratch_postgres


async def row_counts(url: str) -> dict[str, int]:
    return {table: len(rows) for table, rows in (await all_rows(url)).items()}


async def emails(url: str) -> list[str]:
    return [row[0] for row in await query(url, "SELECT email FROM hub_user ORDER BY email")]


# PostgreSQL prints a re-created constraint's or index's expression differently (same
# meaning), so across a restore their names are compared, and the columns in full.
POSTGRES_NAMED_OBJECTS = """
    SELECT conrelid::regclass::text, conname::text, contype::text FROM pg_constraint
    WHERE connamespace = 'public'::regnamespace
    UNION ALL
    SELECT tablename::text, indexname::text, 'index' FROM pg_indexes WHERE schemaname = 'public'
    ORDER BY 1, 2, 3"""


async def assert_intact(restored_url: str) -> None:
    """The engine's own checks pass and the schema (constraints, triggers) came across whole.
    pg_restore adds constraints after loading the rows, so its success means they hold."""
    if is_sqlite_url(restored_url):
        assert await query(restored_url, "PRAGMA integrity_check") == [("ok",)]
        assert await query(restored_url, "PRAGMA foreign_key_check") == []
        assert await schema(restored_url) == await schema(DATABASE_URL)
        return
    invalid = "SELECT conname FROM pg_constraint WHERE NOT convalidated"
    assert await query(restored_url, invalid) == []
    restored, source = await schema(restored_url), await schema(DATABASE_URL)
    assert [row for row in restored if row[0] == "column"] == [
        row for row in source if row[0] == "column"
    ]
    named = await query(DATABASE_URL, POSTGRES_NAMED_OBJECTS)
    assert ("booking", "booking_no_overlap", "x") in named
    assert await query(restored_url, POSTGRES_NAMED_OBJECTS) == named


async def add_audit_row(url: str) -> int:
    """An insert that relies on the id counters coming across (PostgreSQL sequences)."""
    sql = (
        "INSERT INTO audit_log (at, actor_id, action, record_type, record_id, detail) "
        "VALUES (CURRENT_TIMESTAMP, NULL, 'restore.checked', 'test', '1', '{}') RETURNING id"
    )
    if is_sqlite_url(url):
        with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as connection:
            new_id: int = connection.execute(sql).fetchone()[0]
            connection.commit()
            return new_id
    connection = await asyncpg.connect(url)
    try:
        return int(await connection.fetchval(sql))
    finally:
        await connection.close()


async def test_backup_under_concurrent_writes_restores_a_consistent_snapshot(
    scratch_url: str, tmp_path: Path
) -> None:
    staff = await make_user("staff")
    rooms = [
        await create_resource(
            {"name": f"Phòng {number:02}", "kind": "meeting_room", "capacity": 6}, actor_id=None
        )
        for number in range(WRITERS)
    ]
    counts_before_writes = await row_counts(DATABASE_URL)
    first_hour = datetime.combine(next_open_day(), time(0), LOCAL_TZ)
    committed = 0
    stop = asyncio.Event()

    async def writer(room_id: int) -> None:
        nonlocal committed
        start = first_hour
        while not stop.is_set():
            end = start + timedelta(hours=1)
            await create_block(staff, room_id, start, end, reason="Bảo trì định kỳ")
            committed += 1
            start = end

    writers: list[asyncio.Task[None]] = []

    async def until_committed(count: int) -> None:
        async with asyncio.timeout(60):
            while committed < count:
                for task in writers:
                    if task.done():
                        task.result()  # a writer that failed fails the test
                await asyncio.sleep(0.005)

    file = tmp_path / "hub.backup"
    await open_pool()  # as the running app does
    try:
        writers.extend(asyncio.create_task(writer(room.id)) for room in rooms)
        await until_committed(2 * WRITERS)
        counted_before_backup = committed
        await backup_database(DATABASE_URL, file)
        counted_after_backup = committed
        await until_committed(counted_after_backup + 2 * WRITERS)
        stop.set()
        await asyncio.gather(*writers)
    finally:
        stop.set()
        await asyncio.gather(*writers, return_exceptions=True)
        await close_pool()
    source_rows = await all_rows(DATABASE_URL)

    await restore_database(scratch_url, file)
    await assert_intact(scratch_url)
    restored_rows = await all_rows(scratch_url)
    restored_counts = {table: len(rows) for table, rows in restored_rows.items()}
    writes_in_backup = restored_counts["booking"] - counts_before_writes["booking"]
    # The backup instant is not observable from here, so the counts are checked against the
    # only states the source passed through: every write adds exactly ROWS_PER_WRITE in one
    # transaction, so after k writes each table holds its count before the writes plus
    # k × its share. A consistent snapshot is one of those states, with k inside the backup
    # call: at least the writes counted before it began, at most those counted when it
    # returned plus one in flight per writer (a writer counts only after its commit returns).
    # A torn copy (a booking without its audit entry, half a transaction) matches no state.
    assert counted_before_backup <= writes_in_backup <= counted_after_backup + WRITERS
    assert writes_in_backup < len(source_rows["booking"]), "no write came after the backup"
    assert {t: n for t, n in restored_counts.items() if t not in UPSERTED_TABLES} == {
        table: count + writes_in_backup * ROWS_PER_WRITE.get(table, 0)
        for table, count in counts_before_writes.items()
        if table not in UPSERTED_TABLES
    }
    # The same rows, not only as many: each restored row is the source's row with that id, and
    # the restored audit entries are exactly those of the restored bookings.
    for table in ROWS_PER_WRITE:
        by_id = {row[0]: row for row in source_rows[table]}
        assert all(by_id[row[0]] == row for row in restored_rows[table])
    blocked = "SELECT record_id FROM audit_log WHERE action = 'booking.blocked'"
    audited = sorted(int(row[0]) for row in await query(scratch_url, blocked))
    assert audited == [
        row[0] for row in await query(scratch_url, "SELECT id FROM booking ORDER BY id")
    ]
    # The app can go on writing in the restored database: the id counters came across.
    newest_audit_id = max(row[0] for row in restored_rows["audit_log"])
    assert await add_audit_row(scratch_url) > newest_audit_id


async def test_restore_refuses_a_database_with_data_unless_forced(
    scratch_url: str, tmp_path: Path
) -> None:
    await make_user("student", email="an@example.vn")
    first, second = tmp_path / "first.backup", tmp_path / "second.backup"
    await backup_database(DATABASE_URL, first)
    await make_user("startup", email="binh@example.vn")
    await backup_database(DATABASE_URL, second)

    await restore_database(scratch_url, first)
    assert await emails(scratch_url) == ["an@example.vn"]
    restored_first = await all_rows(scratch_url)
    with pytest.raises(BackupError, match=r"not empty \(rows in .*hub_user.*--force"):
        await restore_database(scratch_url, second)
    assert await all_rows(scratch_url) == restored_first

    await restore_database(scratch_url, second, force=True)
    assert await all_rows(scratch_url) == await all_rows(DATABASE_URL)
    await assert_intact(scratch_url)


async def test_restore_explains_files_it_cannot_use(scratch_url: str, tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="there is no backup file at"):
        await restore_database(scratch_url, tmp_path / "missing.backup")

    notes = tmp_path / "notes.txt"
    notes.write_text("danh sách khách mời\n")
    with pytest.raises(BackupError, match="is not a backup"):
        await restore_database(scratch_url, notes)

    other_engine = tmp_path / "other-engine.backup"
    if POSTGRES_ADMIN_URL:
        with closing(sqlite3.connect(other_engine)) as connection:
            connection.execute("CREATE TABLE migration (id INTEGER PRIMARY KEY)")
        wrong_engine = "is a backup of SQLite but the database is PostgreSQL"
    else:
        other_engine.write_bytes(b"PGDMP" + bytes(200))
        wrong_engine = "is a backup of PostgreSQL but the database is SQLite"
    with pytest.raises(BackupError, match=wrong_engine):
        await restore_database(scratch_url, other_engine)

    # A backup of some other database on the same engine: the empty scratch one, or a file.
    foreign = tmp_path / "foreign.backup"
    if POSTGRES_ADMIN_URL:
        await backup_database(scratch_url, foreign)
    else:
        other = tmp_path / "other.sqlite3"
        with closing(sqlite3.connect(other)) as connection:
            connection.execute("CREATE TABLE guests (name TEXT)")
        await backup_database(f"sqlite:///{other}", foreign)
    with pytest.raises(BackupError, match="not an Innovation Hub backup"):
        await restore_database(scratch_url, foreign)

    await make_user("staff")
    good = tmp_path / "hub.backup"
    await backup_database(DATABASE_URL, good)
    cut = tmp_path / "cut.backup"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size * 3 // 4])
    with pytest.raises(BackupError):
        await restore_database(scratch_url, cut)
    if POSTGRES_ADMIN_URL:
        assert await table_names(scratch_url) == [], "a refused restore left tables behind"
    else:
        assert not Path(scratch_url.removeprefix("sqlite:///")).exists()


async def test_backup_keeps_the_previous_file_when_it_fails(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="no directory"):
        await backup_database(DATABASE_URL, tmp_path / "missing-dir" / "hub.backup")
    file = tmp_path / "hub.backup"
    file.write_bytes(b"yesterday's backup")
    gone = (
        _postgres_url(f"hub_gone_{os.getpid()}")
        if POSTGRES_ADMIN_URL
        else f"sqlite:///{tmp_path / 'gone.sqlite3'}"
    )
    with pytest.raises(BackupError):
        await backup_database(gone, file)
    assert file.read_bytes() == b"yesterday's backup"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["hub.backup"]


async def test_postgres_tools_missing_is_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    url = "postgresql://hub@127.0.0.1:5432/hub"
    with pytest.raises(BackupError, match=r"pg_dump is not installed.*postgresql-client"):
        await backup_database(url, tmp_path / "hub.backup")
    archive = tmp_path / "hub.dump"
    archive.write_bytes(b"PGDMP" + bytes(200))
    with pytest.raises(BackupError, match="pg_restore is not installed"):
        await restore_database(url, archive)


def environment(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HUB_DATABASE_URL": database_url,
        "HUB_VAR_DIR": str(tmp_path / "var"),
        "HUB_RUN_JOBS": "false",
    }


@pytest.mark.slow
async def test_backup_and_restore_commands(scratch_url: str, tmp_path: Path) -> None:
    source, target = environment(DATABASE_URL, tmp_path), environment(scratch_url, tmp_path)
    await make_user("staff", email="ngoc@hub.vn")
    file = tmp_path / "hub.backup"
    made = hub(source, "backup", str(file))
    assert made.returncode == 0, made.stderr
    assert f"to {file}" in made.stdout and file.stat().st_size > 0

    # A server that was started once has applied migrations: it is not empty.
    assert hub(target, "migrate").returncode == 0
    refused = hub(target, "restore", str(file))
    assert refused.returncode != 0
    assert "not empty" in refused.stderr and "--force" in refused.stderr
    assert await emails(scratch_url) == []

    forced = hub(target, "restore", str(file), "--force")
    assert forced.returncode == 0, forced.stderr
    assert await emails(scratch_url) == ["ngoc@hub.vn"]
