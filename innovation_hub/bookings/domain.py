"""Bookings in the application: the member pages, the staff board, the API and the jobs
that expire holds, release no-shows and run the waitlist."""

from __future__ import annotations

from innovation_hub.bookings import api, services, web
from innovation_hub.bookings.web.labels import status_label, when_label
from innovation_hub.core import clock
from innovation_hub.core.domains import Domain, Values
from innovation_hub.core.jobs import Job
from innovation_hub.core.settings import Settings
from innovation_hub.spaces import services as spaces


def booking_policy(settings: Settings) -> services.Policy:
    return services.Policy.from_settings(settings)


def reminder_policy(values: Values) -> services.ReminderPolicy:
    settings = values["settings"]
    return services.ReminderPolicy(
        minutes_before=settings.reminder_minutes,
        evening_hour=settings.reminder_evening_hour,
        links=values["reminder_links"],
        booking=values["booking_policy"],
    )


def provides(values: Values) -> Values:
    policy = booking_policy(values["settings"])
    return {
        "booking_policy": policy,
        "booking_reminders": reminder_policy({**values, "booking_policy": policy}),
    }


def jobs(values: Values) -> list[Job]:
    policy = values["booking_policy"]

    async def expire_holds() -> int:
        return await services.expire_holds(policy=policy)

    async def release_no_shows() -> int:
        return await services.release_no_shows(policy=policy)

    async def expire_offers() -> int:
        return await services.expire_offers(policy=policy)

    async def offer_waitlist() -> int:
        return await services.offer_waitlist(policy=policy)

    async def send_reminders() -> int:
        return await services.send_booking_reminders(policy=values["booking_reminders"])

    return [
        Job("expire-payment-holds", 30, expire_holds),
        Job("release-no-shows", 60, release_no_shows),
        Job("expire-waitlist-offers", 60, expire_offers),
        Job("offer-waitlist", 60, offer_waitlist),
        Job("booking-reminders", 60, send_reminders),
    ]


async def upcoming_bookings(user_id: int) -> list[str]:
    """The account's bookings still to come, a line each, for the administrator's page."""
    resources = {r.id: r.name for r in await spaces.list_resources()}
    return [
        f"{when_label(b.start_at, b.end_at)} · {resources.get(b.resource, '?')} · "
        f"{status_label(b.status)}"
        for b in await services.upcoming_of(user_id, clock.utcnow())
    ]


def setup(values: Values) -> None:
    values["account_readers"].upcoming.append(upcoming_bookings)


DOMAIN = Domain(
    "bookings",
    web=[*web.MEMBER_ROUTES, *web.STAFF_ROUTES],
    api=api.ROUTES,
    provides=provides,
    jobs=jobs,
    setup=setup,
)
