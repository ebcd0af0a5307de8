"""How a domain plugs into the application: one declaration each, one plugin for all.

A domain declares its pages, its JSON operations, the objects its handlers receive by
name (Litestar dependency injection: ``policy: Policy`` in a handler's signature), its
background jobs and its listeners. ``HubPlugin`` walks the domains in floor order (DESIGN
§3), so a domain's ``provides`` and ``setup`` see what the floors below it provided.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from litestar import Litestar, Router
from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.plugins import InitPluginProtocol
from litestar.types import ControllerRouterHandler

from innovation_hub.core.jobs import Job, JobRunner

Values = dict[str, Any]


@dataclass(frozen=True)
class Domain:
    name: str
    web: Sequence[ControllerRouterHandler] = ()  # pages, under "/"
    api: Sequence[ControllerRouterHandler] = ()  # JSON, under "/api/v1"
    root: Sequence[ControllerRouterHandler] = ()  # outside both (the Stripe webhook)
    # The objects its handlers and jobs use, by name, built once from what is known so far.
    provides: Callable[[Values], Values] | None = None
    jobs: Callable[[Values], list[Job]] | None = None
    setup: Callable[[Values], None] | None = None  # listeners on lower floors' events


@dataclass
class Wiring:
    values: Values
    jobs: list[Job] = field(default_factory=list)


def wire(domains: Sequence[Domain], **known: Any) -> Wiring:
    """Builds every domain's objects and jobs, lowest floor first."""
    values: Values = dict(known)
    for domain in domains:
        if domain.provides is not None:
            values.update(domain.provides(values))
    for domain in domains:
        if domain.setup is not None:
            domain.setup(values)
    jobs = [job for d in domains if d.jobs is not None for job in d.jobs(values)]
    return Wiring(values, jobs)


def _constant(value: Any) -> Provide:
    def provide() -> Any:
        return value

    return Provide(provide, use_cache=True, sync_to_thread=False)


class HubPlugin(InitPluginProtocol):
    """Registers the domains' routes, dependencies and state, and runs their jobs while the
    application is up."""

    def __init__(
        self,
        domains: Sequence[Domain],
        wiring: Wiring,
        *,
        api_path: str,
        api_options: dict[str, Any],
        run_jobs: bool,
    ) -> None:
        self.domains, self.wiring = domains, wiring
        self.api_path, self.api_options = api_path, api_options
        self.runner = JobRunner(wiring.jobs if run_jobs else [])

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        web = [handler for d in self.domains for handler in d.web]
        api = [handler for d in self.domains for handler in d.api]
        root = [handler for d in self.domains for handler in d.root]
        app_config.route_handlers.extend(
            [
                Router("/", route_handlers=web, include_in_schema=False),
                Router(self.api_path, route_handlers=api, **self.api_options),
                *root,
            ]
        )
        values = self.wiring.values
        app_config.dependencies.update({name: _constant(v) for name, v in values.items()})
        app_config.state.update(values)
        app_config.lifespan.append(self._run_jobs)
        return app_config

    @asynccontextmanager
    async def _run_jobs(self, _: Litestar) -> AsyncIterator[None]:
        self.runner.start()
        try:
            yield
        finally:
            await self.runner.stop()
