"""Background jobs run on an interval inside the web process.

Each job must be safe when several instances run it at once (claim before acting).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger("innovation_hub.jobs")


@dataclass(frozen=True)
class Job:
    name: str
    interval_seconds: float
    run: Callable[[], Coroutine[Any, Any, object]]


class JobRunner:
    def __init__(self, jobs: list[Job]) -> None:
        self.jobs = jobs
        self._tasks: list[asyncio.Task[None]] = []

    async def _loop(self, job: Job) -> None:
        while True:
            try:
                await job.run()
            except Exception:
                logger.exception("job %s failed; it will run again", job.name)
            await asyncio.sleep(job.interval_seconds)

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._loop(job), name=job.name) for job in self.jobs]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
