"""Accounts in the application: sign-up, login, tokens, and the limits on guessing."""

from __future__ import annotations

from innovation_hub.accounts import api, services, web
from innovation_hub.core.domains import Domain, Values
from innovation_hub.core.ratelimit import Backoff, DistinctCap, RateLimiter


def provides(values: Values) -> Values:
    settings, store = values["settings"], values["rate_store"]
    login_limiter = services.LoginLimiter(
        store,
        pairs=Backoff(
            store,
            free=settings.login_free_failures,
            first_delay=settings.login_first_delay_seconds,
            max_delay=settings.login_max_delay_seconds,
            window_seconds=settings.login_window_seconds,
        ),
        addresses=DistinctCap(
            store,
            cap=settings.login_max_accounts_per_ip,
            window_seconds=settings.login_window_seconds,
        ),
    )
    hourly = settings.reset_emails_per_account_per_hour, settings.reset_emails_per_ip_per_hour
    mail_limiter = services.MailLimiter(
        per_account=RateLimiter(store, limit=hourly[0], window_seconds=3600),
        per_ip=RateLimiter(store, limit=hourly[1], window_seconds=3600),
    )
    return {
        "login_limiter": login_limiter,
        "mail_limiter": mail_limiter,
        "reminder_links": services.ReminderLinks(settings.base_url, settings.secret_key),
        "account_readers": services.AccountReaders(),
    }


DOMAIN = Domain("accounts", web=web.ROUTES, api=api.ROUTES, provides=provides)
