"""Emails to a case's organisation, worded in the member's own language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.core import mail
from innovation_hub.core.i18n import use_locale
from innovation_hub.trademarks.tables import TrademarkCase


async def notify_owner(
    case: TrademarkCase,
    template: str,
    build: Callable[[], dict[str, Any]],
    *,
    base_url: str,
) -> None:
    """Queues an email to the case's member account; ``build`` runs in the member's language."""
    if not case.owner:
        return
    owner = (
        await User.objects().where((User.id == case.owner) & User.is_active.eq(True)).first().run()
    )
    if owner is None:
        return
    with use_locale(owner.locale):
        context = build()
    await mail.enqueue(
        to=owner.email,
        template=template,
        context={
            "case": case,
            "name": owner.name,
            "link": f"{base_url}/trademarks/cases/{case.id}",
            **context,
        },
        locale=owner.locale,
    )
