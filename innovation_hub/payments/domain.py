"""Payments in the application: Stripe for paid rooms, refunds when bookings are cancelled,
and the reconciliation job."""

from __future__ import annotations

from innovation_hub.bookings import services as bookings
from innovation_hub.core.domains import Domain, Values
from innovation_hub.core.jobs import Job
from innovation_hub.core.settings import Settings
from innovation_hub.core.stripe import StripeClient
from innovation_hub.payments import api, services, web


def stripe_client(settings: Settings) -> StripeClient:
    return StripeClient(api_base=settings.stripe_api_base, secret_key=settings.stripe_secret_key)


def payments_config(settings: Settings) -> services.PaymentsConfig:
    return services.PaymentsConfig(
        publishable_key=settings.stripe_publishable_key,
        webhook_secret=settings.stripe_webhook_secret,
        js_url=settings.stripe_js_url,
        full_refund_hours=settings.refund_full_hours,
    )


def provides(values: Values) -> Values:
    settings = values["settings"]
    client, config = stripe_client(settings), payments_config(settings)
    return {
        "stripe_client": client,
        "payments_config": config,
        # Bookings asks for a payment through this, without importing payments.
        "payment_starter": api.payment_starter(client, config),
    }


def setup(values: Values) -> None:
    bookings.on_cancelling(
        "payments-refund", services.cancellation_refunder(values["payments_config"])
    )
    bookings.on_cancelled(
        "payments-refund", services.cancellation_listener(values["stripe_client"])
    )


def jobs(values: Values) -> list[Job]:
    client, config = values["stripe_client"], values["payments_config"]

    async def reconcile_payments() -> dict[str, int]:
        return await services.reconcile(client, config)

    return [Job("reconcile-payments", 60, reconcile_payments)]


DOMAIN = Domain(
    "payments",
    web=web.ROUTES,
    api=api.API_ROUTES,
    root=api.ROOT_ROUTES,
    provides=provides,
    setup=setup,
    jobs=jobs,
)
