"""The application factory: settings, plumbing, and the domains in floor order."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from jinja2 import Environment
from litestar import Litestar
from litestar.plugins.htmx import HTMXPlugin

from innovation_hub.accounts import services as accounts
from innovation_hub.accounts.domain import DOMAIN as ACCOUNTS
from innovation_hub.bookings.domain import DOMAIN as BOOKINGS
from innovation_hub.calendars.domain import DOMAIN as CALENDARS
from innovation_hub.core import assembly, mail
from innovation_hub.core.auth import access_guard
from innovation_hub.core.database import close_pool, open_pool
from innovation_hub.core.domains import Domain, HubPlugin, Wiring, wire
from innovation_hub.core.errors import EXCEPTION_HANDLERS, HubRequest
from innovation_hub.core.openapi import check_api_input
from innovation_hub.core.security import RedactFeedTokens
from innovation_hub.core.sessions import RATE_LIMIT_STORE, session_config, store_registry
from innovation_hub.core.settings import Settings, get_settings
from innovation_hub.core.templating import make_environment, template_config
from innovation_hub.pages.domain import DOMAIN as PAGES
from innovation_hub.payments.domain import DOMAIN as PAYMENTS
from innovation_hub.programmes.domain import DOMAIN as PROGRAMMES
from innovation_hub.reports.domain import DOMAIN as REPORTS
from innovation_hub.spaces.domain import DOMAIN as SPACES
from innovation_hub.trademarks.domain import DOMAIN as TRADEMARKS
from innovation_hub.visits.domain import DOMAIN as VISITS

API_VERSION = "1"
OUTBOX = Domain("outbox", jobs=mail.outbox_jobs)
# Floor order (DESIGN §3): each domain sees what the ones before it provided.
DOMAINS = (
    OUTBOX,
    ACCOUNTS,
    SPACES,
    BOOKINGS,
    PAYMENTS,
    VISITS,
    TRADEMARKS,
    PROGRAMMES,
    CALENDARS,
    REPORTS,
    PAGES,
)


def wiring(settings: Settings, environment: Environment | None = None) -> Wiring:
    """Every domain's objects and jobs, as the app, the CLI and the tests use them."""
    mail.configure(environment or make_environment(settings))
    stores = store_registry(settings)
    return wire(DOMAINS, settings=settings, stores=stores, rate_store=stores.get(RATE_LIMIT_STORE))


@asynccontextmanager
async def database_pool(_: Litestar) -> AsyncIterator[None]:
    # The server configured its loggers by now; keep feed secrets out of access logs.
    logging.getLogger("uvicorn.access").addFilter(RedactFeedTokens())
    await open_pool()
    try:
        yield
    finally:
        await close_pool()


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    environment = make_environment(settings)
    wired = wiring(settings, environment)
    # A JSON body is exactly what the document says ("5" is not an integer); U+0000,
    # which PostgreSQL cannot store, becomes U+FFFD in text.
    api = {"security": [{"bearer": []}], "before_request": check_api_input}
    domains = HubPlugin(
        DOMAINS, wired, api_path=f"/api/v{API_VERSION}", api_options=api, run_jobs=settings.run_jobs
    )
    sessions = session_config(settings)
    middleware = assembly.middleware(
        settings,
        sessions,
        session_loader=accounts.user_for_session,
        token_loader=accounts.user_for_token,
    )
    return Litestar(
        route_handlers=[assembly.static_files()],
        plugins=[HTMXPlugin(), domains],  # HTMX first: it replaces signature_types
        middleware=middleware,
        guards=[access_guard],
        stores=wired.values["stores"],
        template_config=template_config(environment),
        openapi_config=assembly.openapi_config(API_VERSION),
        exception_handlers=EXCEPTION_HANDLERS,
        request_class=HubRequest,
        lifespan=[database_pool],
    )


app = create_app()
