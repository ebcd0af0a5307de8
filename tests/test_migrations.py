"""Migrations run forwards and backwards on the engine under test."""

from __future__ import annotations

import pytest

from innovation_hub.core.database import get_engine, migrate_backwards, migrate_forwards


async def table_names() -> set[str]:
    engine = get_engine()
    if engine.engine_type == "sqlite":
        rows = await engine.run_ddl("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {row["name"] for row in rows}
    rows = await engine.run_ddl(
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
    )
    return {row["name"] for row in rows}


@pytest.mark.slow
async def test_migrations_reverse_and_reapply() -> None:
    expected = {"hub_user", "api_token", "email_token", "audit_log", "outbox"}
    assert expected <= await table_names()
    await migrate_backwards()
    assert not expected & await table_names()
    await migrate_forwards()
    assert expected <= await table_names()
