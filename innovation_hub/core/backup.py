"""Backing up the database to one file and restoring it.

SQLite copies through its online backup API: one read transaction, so the file is a consistent
snapshot even while the app writes. PostgreSQL uses ``pg_dump --format=custom`` (one
repeatable-read snapshot) and ``pg_restore``. A restore refuses a database that holds any rows
(the migration table counts, so a database the app has started on is not empty) unless forced.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import asyncpg

from innovation_hub.core.database import SQLITE_BUSY_TIMEOUT_SECONDS, sqlite_path

SQLITE = "SQLite"
POSTGRESQL = "PostgreSQL"
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
MIGRATION_TABLE_IN_ARCHIVE = re.compile(r"^\d+; \d+ \d+ TABLE \S+ migration ", re.MULTILINE)


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


def engine_name(database_url: str) -> str:
    scheme = urlsplit(database_url).scheme
    if scheme == "sqlite":
        return SQLITE
    if scheme in {"postgres", "postgresql"}:
        return POSTGRESQL
    raise BackupError(f"the database URL must be sqlite:/// or postgresql://, not {scheme}:")


async def backup_database(database_url: str, file: Path) -> None:
    """Write the whole database to ``file``, replacing it only once the copy is complete."""
    if engine_name(database_url) == SQLITE:
        await asyncio.to_thread(_sqlite_backup, sqlite_path(database_url), file)
    else:
        await _pg_dump(database_url, file)


async def restore_database(database_url: str, file: Path, *, force: bool = False) -> None:
    """Load ``file`` (made by ``backup_database`` on the same engine) into the database.
    Without ``force`` a database holding any rows is refused and left as it was."""
    engine = engine_name(database_url)
    archive_engine = _backup_engine(file)
    if archive_engine != engine:
        raise BackupError(
            f"{file} is a backup of {archive_engine} but the database is {engine}: "
            f"restore it into {archive_engine}"
        )
    if engine == SQLITE:
        await asyncio.to_thread(_sqlite_restore, file, sqlite_path(database_url), force)
    else:
        await _pg_restore(database_url, file, force)


def _backup_engine(file: Path) -> str:
    if not file.is_file():
        raise BackupError(f"there is no backup file at {file}")
    with file.open("rb") as stream:
        head = stream.read(len(SQLITE_MAGIC))
    if head == SQLITE_MAGIC:
        return SQLITE
    if head.startswith(PG_DUMP_MAGIC):
        return POSTGRESQL
    raise BackupError(
        f"{file} is not a backup: neither an SQLite database nor a pg_dump custom-format archive"
    )


def _refusal(filled_tables: list[str]) -> BackupError:
    shown = ", ".join(filled_tables[:5]) + (", …" if len(filled_tables) > 5 else "")
    return BackupError(
        f"the database is not empty (rows in {shown}); nothing was changed. "
        "Restoring replaces everything in it: run again with --force to do that"
    )


@contextmanager
def _written_whole(file: Path) -> Iterator[Path]:
    """A scratch path beside ``file`` that replaces it on success, so an interrupted backup
    never leaves a truncated file under the name of a good one."""
    if not file.parent.is_dir():
        raise BackupError(f"there is no directory {file.parent} to write the backup to")
    partial = file.with_name(f".{file.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        yield partial
        os.replace(partial, file)
    finally:
        partial.unlink(missing_ok=True)


# -- SQLite ------------------------------------------------------------------------------


def _read_only(path: Path) -> sqlite3.Connection:
    # mode=ro: never write to the source, and never create an empty file where none was.
    return sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=SQLITE_BUSY_TIMEOUT_SECONDS
    )


def _sqlite_filled_tables(connection: sqlite3.Connection) -> list[str]:
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    # Names from the catalogue, quoted as identifiers: no user input reaches the SQL.
    sql = "SELECT EXISTS (SELECT 1 FROM {})"
    return [name for name in names if connection.execute(sql.format(_quoted(name))).fetchone()[0]]


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _sqlite_backup(database: Path, file: Path) -> None:
    if not database.is_file():
        raise BackupError(f"there is no database at {database}")
    if file.resolve() == database.resolve():
        raise BackupError("the backup file must not be the database itself")
    try:
        with _written_whole(file) as partial, closing(_read_only(database)) as source:
            with closing(sqlite3.connect(partial)) as target:
                # All pages in one step: one read transaction, so one consistent snapshot that
                # writers (WAL) do not wait for. Copying a few pages at a time would restart
                # after every write by the app and might never finish under steady writes.
                source.backup(target, pages=-1)
                # A backup is one self-contained file, not a database with a -wal beside it.
                target.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise BackupError(f"could not back up {database}: {exc}") from exc


def _sqlite_restore(file: Path, database: Path, force: bool) -> None:
    try:
        with closing(_read_only(file)) as backup:
            _check_sqlite_backup(file, backup)
            database.parent.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(database, timeout=SQLITE_BUSY_TIMEOUT_SECONDS)) as target:
                if not force and (filled := _sqlite_filled_tables(target)):
                    raise _refusal(filled)
                # All pages in one step under the target's write lock: a connection still open
                # on it sees either the old database or the restored one, never a mix.
                backup.backup(target, pages=-1)
    except sqlite3.Error as exc:
        raise BackupError(f"could not restore {file} into {database}: {exc}") from exc


def _check_sqlite_backup(file: Path, backup: sqlite3.Connection) -> None:
    problems = [row[0] for row in backup.execute("PRAGMA integrity_check")]
    if problems != ["ok"]:
        raise BackupError(f"{file} is damaged: {'; '.join(problems[:3])}")
    tables = {row[0] for row in backup.execute("SELECT name FROM sqlite_master")}
    if "migration" not in tables:
        raise BackupError(f"{file} is an SQLite database but not an Innovation Hub backup")


# -- PostgreSQL --------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools of the server's "
            "major version (Debian and Ubuntu: apt-get install postgresql-client)"
        )
    return path


def _libpq_target(database_url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password, and an environment that holds the password: arguments
    are visible to every user in ``ps``, the environment is not."""
    parts = urlsplit(database_url)
    env = dict(os.environ)
    if parts.password is None:
        return database_url, env
    env["PGPASSWORD"] = unquote(parts.password)
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{parts.username}@{host}" if parts.username else host
    return urlunsplit(parts._replace(netloc=netloc)), env


async def _run(tool: str, *args: str, env: dict[str, str]) -> str:
    process = await asyncio.create_subprocess_exec(
        _pg_tool(tool),
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        raise BackupError(f"{tool} failed: {err.decode(errors='replace').strip()}")
    return out.decode(errors="replace")


async def _pg_dump(database_url: str, file: Path) -> None:
    _pg_tool("pg_dump")
    target, env = _libpq_target(database_url)
    with _written_whole(file) as partial:
        await _run(
            "pg_dump",
            "--format=custom",
            "--no-password",
            f"--file={partial}",
            f"--dbname={target}",
            env=env,
        )


async def _pg_restore(database_url: str, file: Path, force: bool) -> None:
    contents = await _run("pg_restore", "--list", str(file), env=dict(os.environ))
    if not MIGRATION_TABLE_IN_ARCHIVE.search(contents):
        raise BackupError(f"{file} is a pg_dump archive but not an Innovation Hub backup")
    if not force and (filled := await _pg_filled_tables(database_url)):
        raise _refusal(filled)
    target, env = _libpq_target(database_url)
    # One transaction: a restore that fails part-way leaves the database as it was.
    # Objects are owned by, and granted as, whoever restores (roles differ between servers).
    args = ["--single-transaction", "--no-owner", "--no-privileges", "--no-password"]
    if force:
        args += ["--clean", "--if-exists"]
    await _run("pg_restore", *args, f"--dbname={target}", str(file), env=env)


async def _pg_filled_tables(database_url: str) -> list[str]:
    try:
        connection = await asyncpg.connect(database_url)
    except asyncpg.InvalidCatalogNameError as exc:
        raise BackupError(f"{exc}: create the database first (createdb)") from exc
    except (OSError, asyncpg.PostgresError) as exc:
        raise BackupError(f"cannot connect to the database: {exc}") from exc
    try:
        tables = await connection.fetch(
            "SELECT tablename, format('%I.%I', schemaname, tablename) AS qualified "
            "FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') "
            "ORDER BY tablename"
        )
        # Names from the catalogue, quoted by format('%I'): no user input reaches the SQL.
        sql = "SELECT EXISTS (SELECT 1 FROM {})"
        return [
            table["tablename"]
            for table in tables
            if await connection.fetchval(sql.format(table["qualified"]))
        ]
    finally:
        await connection.close()
