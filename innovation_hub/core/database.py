"""The Piccolo engine for the configured database, transactions, the connection pools,
and the data versions that let a process keep answers computed from the database."""

from __future__ import annotations

import asyncio
import io
import sqlite3
import threading
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterator
from contextlib import asynccontextmanager, contextmanager, redirect_stdout
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

import aiosqlite
from piccolo.columns import BigInt, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.engine import engine_finder
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.table import Table

SQLITE_BUSY_TIMEOUT_SECONDS = 15
# Connections kept open per SQLite database: more than the two cores, so that a query
# waiting on the disk does not hold up the rest, few enough to keep threads cheap.
SQLITE_POOL_SIZE = 8
POSTGRES_POOL_SIZE = 20


class SQLitePool:
    """Open SQLite connections for reuse, on the event loop that opened the pool.

    Piccolo opens a connection (a thread, in aiosqlite) for every query outside a
    transaction and for every transaction: ~2 ms each, against ~0.1 ms for a query on an
    open connection. At most ``size`` are in use at once; the rest wait for one.
    """

    def __init__(self, engine: PooledSQLiteEngine, size: int) -> None:
        self.loop = asyncio.get_running_loop()
        self.closed = False
        self._engine = engine
        self._idle: list[aiosqlite.Connection] = []
        self._slots = asyncio.Semaphore(size)

    async def acquire(self) -> aiosqlite.Connection:
        await self._slots.acquire()
        try:
            if self._idle:
                return self._idle.pop()
            return await self._engine.open_daemon_connection()
        except BaseException:
            self._slots.release()
            raise

    async def release(self, connection: aiosqlite.Connection) -> None:
        try:
            try:
                # Left inside a transaction (a cancelled request): not reused.
                reusable = not self.closed and not connection.in_transaction
            except ValueError:  # closed already
                reusable = False
            if reusable:
                self._idle.append(connection)
            else:
                await connection.close()
        finally:
            self._slots.release()

    async def close(self) -> None:
        self.closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()


def _at_once(connection: aiosqlite.Connection, query: str, args: list[Any]) -> list[Any] | None:
    """Runs ``query`` on the event loop's thread, where it must not wait for a lock: None
    when SQLite is busy (another process writes, or recovers after a crash), for the
    caller to run it on the connection's thread, where SQLite's busy handler waits."""
    sqlite = connection._conn
    sqlite.execute("PRAGMA busy_timeout = 0")
    try:
        return sqlite.execute(query, args).fetchall()
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:  # or an extended BUSY code
            raise
        return None
    finally:
        sqlite.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")


_quick_reads: ContextVar[bool] = ContextVar("quick_reads", default=False)


@contextmanager
def quick_reads() -> Iterator[None]:
    """Marks reads that an index answers in microseconds (a row by its key, a few small
    rows): on SQLite, outside a transaction, they run on the event loop's thread, for a
    thread hop costs more than the query (bench/: 580 → 670 bookings/s under 20 clients).
    Never for a read whose cost grows with the data."""
    token = _quick_reads.set(True)
    try:
        yield
    finally:
        _quick_reads.reset(token)


class PooledSQLiteTransaction(SQLiteTransaction):
    """A transaction on a pooled connection, given back when the transaction ends."""

    __slots__ = ("inline", "pool")

    def __init__(
        self,
        engine: PooledSQLiteEngine,
        transaction_type: TransactionType,
        allow_nested: bool,
        pool: SQLitePool,
    ) -> None:
        super().__init__(engine, transaction_type=transaction_type, allow_nested=allow_nested)
        self.pool = pool
        # A write transaction holds SQLite's one write lock from BEGIN to COMMIT. Its
        # statements (short, indexed) run on the event loop's own thread: sent to the
        # connection's thread, each would wait for its turn on the loop to resume, and
        # every other writer would wait that long too (lock held 2.4 → 1.6 ms a booking
        # under 20 clients, bench/). COMMIT, the disk write, still goes to the thread.
        self.inline = transaction_type is TransactionType.immediate

    async def get_connection(self) -> aiosqlite.Connection:
        return await self.pool.acquire()

    async def begin(self) -> None:
        if not self.inline:
            return await super().begin()
        # Writers in this process take turns (transaction()), so the write lock is usually
        # free: take it at once; if another process holds it, wait on the thread.
        if _at_once(self.connection, "BEGIN IMMEDIATE", []) is None:
            await super().begin()

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception is not None:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            await self.pool.release(self.connection)
            self.engine.current_transaction.reset(self.context)
        return exception is None


class PooledSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine with a pool of open connections while the app runs
    (``open_pool``); without one, or on another event loop, it works as Piccolo's does."""

    __slots__ = ("pool",)

    def __init__(self, path: str, **connection_kwargs: Any) -> None:
        super().__init__(path=path, **connection_kwargs)
        self.pool: SQLitePool | None = None

    async def open_daemon_connection(self) -> aiosqlite.Connection:
        """A connection whose thread does not keep the process alive at exit, should the
        pool be left open (Python waits for ordinary threads before it exits)."""
        # Write transactions also use it from the event loop's thread (see
        # PooledSQLiteTransaction.inline), one user at a time.
        connection = aiosqlite.connect(**self.connection_kwargs, check_same_thread=False)
        thread = getattr(connection, "_thread", None)  # aiosqlite starts it on await
        if isinstance(thread, threading.Thread):
            thread.daemon = True
        await connection
        connection.row_factory = dict_factory  # type: ignore[assignment]
        await connection.execute("PRAGMA foreign_keys = 1")
        return connection

    def _current_pool(self) -> SQLitePool | None:
        pool = self.pool
        if pool is None or pool.closed:
            return None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None
        return pool if pool.loop is loop else None

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        pool = self._current_pool()
        if pool is None:
            return await super()._run_in_new_connection(query, args, query_type, table)
        connection = await pool.acquire()
        try:
            if _quick_reads.get():
                rows = _at_once(connection, query, args or [])
                if rows is not None:
                    return rows
            return await self._run_in_existing_connection(
                connection, query, args, query_type, table
            )
        finally:
            await pool.release(connection)

    async def _run_in_existing_connection(
        self,
        connection: aiosqlite.Connection,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        if query_type == "insert" and self.get_version_sync() < 3.35:  # no RETURNING
            return await super()._run_in_existing_connection(
                connection, query, args, query_type, table
            )
        transaction = self.current_transaction.get()
        if (
            isinstance(transaction, PooledSQLiteTransaction)
            and transaction.inline
            and transaction.connection is connection
        ):
            return connection._conn.execute(query, args or []).fetchall()  # holds the lock
        # One call to the connection's thread instead of Piccolo's four (it also repeats
        # the foreign_keys pragma, which get_connection has already set).
        return list(await connection.execute_fetchall(query, args or []))

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.deferred,
        allow_nested: bool = True,
    ) -> SQLiteTransaction:
        pool = self._current_pool()
        if pool is None:
            return super().transaction(transaction_type, allow_nested)
        return PooledSQLiteTransaction(self, transaction_type, allow_nested, pool)


def engine_from_url(url: str) -> Engine:
    """SQLite for ``sqlite:///path``, PostgreSQL for ``postgres://`` and ``postgresql://``."""
    if urlsplit(url).scheme == "sqlite":
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        return PooledSQLiteEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
    # asyncpg understands both URL schemes.
    return PostgresEngine(config={"dsn": url})


def sqlite_path(url: str) -> Path:
    """``sqlite:///var/hub.db`` is relative, ``sqlite:////srv/hub.db`` absolute."""
    if not url.startswith("sqlite:///"):
        raise ValueError(f"not a sqlite:/// URL: {url}")
    return Path(url[len("sqlite:///") :])


def get_engine() -> Engine:
    engine = engine_finder()
    if engine is None:
        raise RuntimeError("no database engine configured")
    return engine


def is_sqlite(engine: Engine | None = None) -> bool:
    return (engine or get_engine()).engine_type == "sqlite"


_writer_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def _sqlite_writer_lock() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _writer_locks.get(loop)
    if lock is None:
        lock = _writer_locks[loop] = asyncio.Lock()
    return lock


@asynccontextmanager
async def transaction() -> AsyncIterator[None]:
    """A write transaction. SQLite takes its write lock up front, so a read-then-write
    inside it cannot meet "database is locked" halfway through."""
    engine = get_engine()
    if not isinstance(engine, SQLiteEngine):
        async with engine.transaction():
            yield
        return
    if engine.current_transaction.get() is not None:  # nested: join the outer transaction
        async with engine.transaction(transaction_type=TransactionType.immediate):
            yield
        return
    # One writer at a time inside this process: waiting on a lock is fairer and far quicker
    # than many connections polling SQLite's busy handler (p99 3.9 s → 0.34 s under load).
    async with _sqlite_writer_lock():
        async with engine.transaction(transaction_type=TransactionType.immediate):
            yield


async def lock_until_commit(name: str, key: int) -> None:
    """Makes the current ``transaction()`` wait for, and then hold off, every other
    transaction that calls this with the same name and key, until it ends: a check made
    after this call still holds when the transaction writes. PostgreSQL (read committed)
    takes a transaction-level advisory lock; on SQLite ``transaction()`` already holds the
    one write lock of the database, so there is nothing more to take."""
    engine = get_engine()
    current = engine.current_transaction.get()
    if current is None:
        raise RuntimeError("lock_until_commit() must run inside transaction()")
    if isinstance(engine, PostgresEngine):
        await current.connection.execute(
            "SELECT pg_advisory_xact_lock(hashtext($1), $2)", name, key
        )


def now_column() -> Timestamptz:
    """A timestamp column that defaults to the time the row is written."""
    return Timestamptz(default=TimestamptzNow())


class DataVersion(Table, tablename="data_version"):
    """One token per kind of data, given a new random value by database triggers in the
    same transaction as any change to that data (migration 0009): ``spaces`` (locations,
    opening hours, resources, closures) and ``bookings``."""

    name = Varchar(length=20, primary_key=True)
    token = BigInt()


DataVersions = tuple[tuple[str, int], ...]
DATA_KINDS = ("bookings", "spaces")


async def data_versions() -> DataVersions | None:
    """The current tokens, read in one query; None when the table has lost its rows (a
    test emptied it), so that nothing is cached until a change writes them again."""
    with quick_reads():
        rows = await DataVersion.raw("SELECT name, token FROM data_version").run()
    found = tuple(sorted((row["name"], row["token"]) for row in rows))
    return found if len(found) == len(DATA_KINDS) else None


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class VersionedCache(Generic[K, V]):
    """Answers computed from the database, each kept with the data version it was computed
    under and served only while that version is current.

    The version is read before the data: an answer is then at least as new as its version,
    so a later reader who sees the same version cannot get older data than it asked for.
    One computation at a time per event loop: requests that miss together wait for the
    first, then read the version again and take its answer instead of each doing the work.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[K, tuple[Hashable, V]] = OrderedDict()
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def _cached(self, key: K, version: Hashable | None) -> V | None:
        entry = self._entries.get(key)
        if version is None or entry is None or entry[0] != version:
            return None
        self._entries.move_to_end(key)
        return entry[1]

    async def get(
        self,
        key: K,
        read_version: Callable[[], Awaitable[Hashable | None]],
        compute: Callable[[Any, V | None], Awaitable[V]],
    ) -> V:
        """The answer for ``key`` under the current version; ``compute(version, previous)``
        makes a new one, given the last answer for the key (of an older version) to reuse
        what did not change. A None version (unknown) is computed and not kept."""
        found = self._cached(key, await read_version())
        if found is not None:
            return found
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        async with lock:
            version = await read_version()
            found = self._cached(key, version)
            if found is not None:
                return found
            previous = self._entries.get(key)
            value = await compute(version, previous[1] if previous else None)
            if version is not None:
                self._entries[key] = (version, value)
                self._entries.move_to_end(key)
                while len(self._entries) > self._size:
                    self._entries.popitem(last=False)
        return value


async def open_pool() -> None:
    """Keeps connections open while the app runs (call from its lifespan)."""
    engine = get_engine()
    if isinstance(engine, PostgresEngine):
        # As many as the clients a single process serves at once (20 in bench/).
        await engine.start_connection_pool(min_size=1, max_size=POSTGRES_POOL_SIZE)
    elif isinstance(engine, PooledSQLiteEngine):
        if engine.pool is not None:
            await engine.pool.close()
        engine.pool = SQLitePool(engine, SQLITE_POOL_SIZE)


async def close_pool() -> None:
    engine = get_engine()
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()
    elif isinstance(engine, PooledSQLiteEngine) and engine.pool is not None:
        pool, engine.pool = engine.pool, None
        await pool.close()


async def ping(limit_seconds: float = 3.0) -> bool:
    """True when the database answers a query over the migrations table."""
    engine = get_engine()
    # Connecting to a deleted SQLite file would silently create an empty one.
    if isinstance(engine, SQLiteEngine) and not Path(engine.path).exists():
        return False
    try:
        async with asyncio.timeout(limit_seconds):
            await engine.run_ddl("SELECT 1 FROM migration LIMIT 1")
    except Exception:
        return False
    return True


async def _migrations_run() -> int:
    from piccolo.apps.migrations.tables import Migration

    if not await Migration.table_exists().run():
        return 0
    return int(await Migration.count().where(Migration.app_name == "hub").run())


async def migrate_forwards() -> int:
    """Apply every migration in ``piccolo_migrations/`` that has not run yet; how many ran.

    Piccolo's own log is kept back (on a fresh database it reads "13 migrations already
    complete" above "13 migrations not yet run"); it is shown only when a migration fails."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    engine = get_engine()
    log = io.StringIO()
    with redirect_stdout(log):
        if isinstance(engine, PostgresEngine):
            # Instances starting together take turns: the second finds nothing left to run.
            import asyncpg

            lock = await asyncpg.connect(engine.config["dsn"])
            try:
                await lock.execute("SELECT pg_advisory_lock(hashtext('innovation_hub.migrations'))")
                before = await _migrations_run()
                result = await run_forwards(app_name="hub", migration_id="all")
            finally:
                await lock.close()  # the session lock ends with its connection
        else:
            # WAL lets readers work while one writer commits; the mode is kept in the file.
            await engine.run_ddl("PRAGMA journal_mode=WAL")
            before = await _migrations_run()
            result = await run_forwards(app_name="hub", migration_id="all")
    if not result.success:
        raise RuntimeError(f"migration failed: {result.message}\n{log.getvalue()}")
    return await _migrations_run() - before


async def migrate_backwards() -> None:
    """Undo every migration (used to prove they reverse)."""
    from piccolo.apps.migrations.commands.backwards import run_backwards

    result = await run_backwards(app_name="hub", migration_id="all", auto_agree=True)
    if not result.success:
        raise RuntimeError(f"reverse migration failed: {result.message}")
