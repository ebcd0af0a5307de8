"""The audit entry every change to an account writes."""

from __future__ import annotations

from typing import Any

from innovation_hub.core import audit


async def record(
    action: str, user_id: int, *, actor_id: int | None, detail: dict[str, Any] | None = None
) -> None:
    await audit.record(
        actor_id=actor_id, action=action, record_type="user", record_id=user_id, detail=detail
    )
