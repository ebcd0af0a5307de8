"""The application factory: wires settings, plumbing, domain routes and jobs together."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.middleware import DefineMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.htmx import HTMXPlugin
from litestar.static_files import create_static_files_router

from innovation_hub import visits
from innovation_hub.accounts import api as accounts_api
from innovation_hub.accounts import services as accounts_services
from innovation_hub.accounts import web as accounts_web
from innovation_hub.bookings import api as bookings_api
from innovation_hub.bookings import board_web as bookings_board_web
from innovation_hub.bookings import services as bookings_services
from innovation_hub.bookings import web as bookings_web
from innovation_hub.calendars import api as calendars_api
from innovation_hub.calendars import services as calendars_services
from innovation_hub.calendars import web as calendars_web
from innovation_hub.core import mail
from innovation_hub.core.auth import PUBLIC, AuthenticationMiddleware, access_guard
from innovation_hub.core.csrf import SessionBoundCSRF
from innovation_hub.core.database import close_pool, open_pool
from innovation_hub.core.errors import EXCEPTION_HANDLERS, HubRequest
from innovation_hub.core.i18n import LocaleMiddleware
from innovation_hub.core.jobs import Job, JobRunner
from innovation_hub.core.openapi import check_api_input
from innovation_hub.core.options import AllowEveryMethodMiddleware
from innovation_hub.core.ratelimit import Backoff, DistinctCap, RateLimiter
from innovation_hub.core.security import (
    ControlCharacterGuard,
    RedactFeedTokens,
    SecurityHeadersMiddleware,
)
from innovation_hub.core.sessions import RATE_LIMIT_STORE, session_config, store_registry
from innovation_hub.core.settings import Settings, get_settings
from innovation_hub.core.stripe import StripeClient
from innovation_hub.core.templating import (
    STATIC_DIR,
    STATIC_FILES,
    StaticCacheMiddleware,
    make_environment,
    template_config,
)
from innovation_hub.pages import web as pages_web
from innovation_hub.payments import api as payments_api
from innovation_hub.payments import services as payments_services
from innovation_hub.payments import web as payments_web
from innovation_hub.programmes import api as programmes_api
from innovation_hub.programmes import web as programmes_web
from innovation_hub.reports import api as reports_api
from innovation_hub.reports import web as reports_web
from innovation_hub.spaces import api as spaces_api
from innovation_hub.trademarks import api as trademarks_api
from innovation_hub.trademarks import jobs as trademarks_jobs
from innovation_hub.trademarks import web as trademarks_web

API_VERSION = "1"


def booking_policy(settings: Settings) -> bookings_services.Policy:
    return bookings_services.Policy(
        hold_minutes=settings.payment_hold_minutes,
        max_unpaid_holds=settings.max_unpaid_holds,
        check_in_early_minutes=settings.check_in_early_minutes,
        no_show_grace_minutes=settings.no_show_grace_minutes,
        waitlist_offer_minutes=settings.waitlist_offer_minutes,
        base_url=settings.base_url,
    )


def stripe_client(settings: Settings) -> StripeClient:
    return StripeClient(api_base=settings.stripe_api_base, secret_key=settings.stripe_secret_key)


def payments_config(settings: Settings) -> payments_services.PaymentsConfig:
    return payments_services.PaymentsConfig(
        publishable_key=settings.stripe_publishable_key,
        webhook_secret=settings.stripe_webhook_secret,
        js_url=settings.stripe_js_url,
        full_refund_hours=settings.refund_full_hours,
    )


def background_jobs(settings: Settings) -> list[Job]:
    transport = mail.transport_for(settings.smtp_url, settings.mail_dir)
    policy = booking_policy(settings)
    client, config = stripe_client(settings), payments_config(settings)

    async def reconcile_payments() -> dict[str, int]:
        return await payments_services.reconcile(client, config)

    async def send_outbox() -> int:
        return await mail.deliver_due(transport, settings.mail_from)

    async def expire_holds() -> int:
        return await bookings_services.expire_holds(policy=policy)

    async def release_no_shows() -> int:
        return await bookings_services.release_no_shows(policy=policy)

    async def expire_offers() -> int:
        return await bookings_services.expire_offers(policy=policy)

    async def offer_waitlist() -> int:
        return await bookings_services.offer_waitlist(policy=policy)

    return [
        Job("send-outbox", 10, send_outbox),
        Job("reconcile-payments", 60, reconcile_payments),
        Job("expire-payment-holds", 30, expire_holds),
        Job("release-no-shows", 60, release_no_shows),
        Job("expire-waitlist-offers", 60, expire_offers),
        Job("offer-waitlist", 60, offer_waitlist),
        *trademarks_jobs.jobs(settings),
    ]


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    environment = make_environment(settings)
    mail.configure(environment)
    stores = store_registry(settings)
    rate_store = stores.get(RATE_LIMIT_STORE)
    login_limiter = accounts_services.LoginLimiter(
        rate_store,
        pairs=Backoff(
            rate_store,
            free=settings.login_free_failures,
            first_delay=settings.login_first_delay_seconds,
            max_delay=settings.login_max_delay_seconds,
            window_seconds=settings.login_window_seconds,
        ),
        addresses=DistinctCap(
            rate_store,
            cap=settings.login_max_accounts_per_ip,
            window_seconds=settings.login_window_seconds,
        ),
    )
    mail_limiter = accounts_services.MailLimiter(
        per_account=RateLimiter(
            rate_store, limit=settings.reset_emails_per_account_per_hour, window_seconds=3600
        ),
        per_ip=RateLimiter(
            rate_store, limit=settings.reset_emails_per_ip_per_hour, window_seconds=3600
        ),
    )
    runner = JobRunner(background_jobs(settings) if settings.run_jobs else [])
    client, config = stripe_client(settings), payments_config(settings)
    bookings_services.on_cancelled(
        "payments-refund", payments_services.cancellation_listener(client, config)
    )

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        # The server configured its loggers by now; keep feed secrets out of access logs.
        logging.getLogger("uvicorn.access").addFilter(RedactFeedTokens())
        await open_pool()
        runner.start()
        try:
            yield
        finally:
            await runner.stop()
            await close_pool()

    sessions = session_config(settings)
    web = Router(
        "/",
        route_handlers=[
            *pages_web.ROUTES,
            *accounts_web.ROUTES,
            *bookings_web.ROUTES,
            *bookings_board_web.ROUTES,
            *payments_web.ROUTES,
            *calendars_web.ROUTES,
            *visits.web.WEB_ROUTES,
            *trademarks_web.WEB_ROUTES,
            *programmes_web.WEB_ROUTES,
            *reports_web.WEB_ROUTES,
        ],
        include_in_schema=False,
    )
    api = Router(
        f"/api/v{API_VERSION}",
        route_handlers=[
            *accounts_api.ROUTES,
            *spaces_api.ROUTES,
            *bookings_api.ROUTES,
            *payments_api.API_ROUTES,
            *calendars_api.ROUTES,
            *visits.api.API_ROUTES,
            *trademarks_api.API_ROUTES,
            *programmes_api.API_ROUTES,
            *reports_api.API_ROUTES,
        ],
        security=[{"bearer": []}],
        # A JSON body is exactly what the document says ("5" is not an integer); U+0000,
        # which PostgreSQL cannot store, becomes U+FFFD in text.
        before_request=check_api_input,
    )
    static = create_static_files_router(
        path="/static",
        directories=[STATIC_DIR],
        opt={"access": PUBLIC},
        include_in_schema=False,
        middleware=[DefineMiddleware(StaticCacheMiddleware, files=STATIC_FILES)],
        name="static",
    )
    return Litestar(
        route_handlers=[web, api, static, *payments_api.ROOT_ROUTES],
        plugins=[HTMXPlugin()],  # first: it replaces signature_types
        middleware=[
            DefineMiddleware(SecurityHeadersMiddleware),
            DefineMiddleware(ControlCharacterGuard),
            # Litestar 2 lists only one handler's methods in OPTIONS (litestar#4169).
            DefineMiddleware(AllowEveryMethodMiddleware),
            sessions.middleware,
            DefineMiddleware(
                AuthenticationMiddleware,
                session_loader=accounts_services.user_for_session,
                token_loader=accounts_services.user_for_token,
            ),
            DefineMiddleware(LocaleMiddleware, default_locale=settings.default_locale),
            # Inside the session middleware: a token is valid only with its session.
            SessionBoundCSRF(
                CSRFConfig(
                    secret=settings.secret_key,
                    cookie_name="hub_csrf",
                    cookie_secure=settings.secure_cookies,
                    cookie_httponly=True,
                    cookie_samesite="lax",
                    header_name="x-csrftoken",
                    exclude=["^/api/", "^/stripe/webhook$"],
                ),
                session_cookie=sessions.key,
            ),
        ],
        guards=[access_guard],
        stores=stores,
        template_config=template_config(environment),
        openapi_config=OpenAPIConfig(
            title="Innovation Hub API",
            version=API_VERSION,
            path="/schema",
            openapi_router=Router(
                "/schema", route_handlers=[], opt={"access": PUBLIC}, include_in_schema=False
            ),
            # JSON only: the browsable UIs load scripts from CDNs the CSP forbids.
            render_plugins=[JsonRenderPlugin()],
            components=Components(
                security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")}
            ),
        ),
        exception_handlers=EXCEPTION_HANDLERS,
        request_class=HubRequest,
        state=State(
            {
                "settings": settings,
                "login_limiter": login_limiter,
                "mail_limiter": mail_limiter,
                "booking_policy": booking_policy(settings),
                "stripe_client": client,
                "payments_config": config,
                "payment_starter": payments_api.start_for_new_booking,
                "calendar_config": calendars_services.CalendarConfig(
                    base_url=settings.base_url,
                    secret_key=settings.secret_key,
                    cancelled_days=settings.feed_cancelled_days,
                    centre_name=settings.centre_name,
                ),
                "feed_miss_limiter": RateLimiter(rate_store, limit=60, window_seconds=900),
            }
        ),
        lifespan=[lifespan],
    )


app = create_app()
