"""Calendar feeds in the application: private, per-space and public iCal feeds."""

from __future__ import annotations

from innovation_hub.calendars import api, services, web
from innovation_hub.core.domains import Domain, Values
from innovation_hub.core.ratelimit import RateLimiter

# Wrong feed tokens an address may try in 15 minutes before it waits.
FEED_MISSES_PER_WINDOW = 60
FEED_MISS_WINDOW_SECONDS = 900


def provides(values: Values) -> Values:
    settings = values["settings"]
    return {
        "calendar_config": services.CalendarConfig(
            base_url=settings.base_url,
            secret_key=settings.secret_key,
            cancelled_days=settings.feed_cancelled_days,
            centre_name=settings.centre_name,
        ),
        "feed_miss_limiter": RateLimiter(
            values["rate_store"],
            limit=FEED_MISSES_PER_WINDOW,
            window_seconds=FEED_MISS_WINDOW_SECONDS,
        ),
    }


DOMAIN = Domain("calendars", web=web.ROUTES, api=api.ROUTES, provides=provides)
