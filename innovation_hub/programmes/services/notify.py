"""Emails to the enterprise that applied, in its language."""

from __future__ import annotations

from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.core import mail
from innovation_hub.programmes.services.calls import get_programme
from innovation_hub.programmes.tables import Application
from innovation_hub.programmes.workflow import APPLICATIONS


async def tell_applicant(application: Application, template: str, **context: Any) -> None:
    """Queues an email to the enterprise's account, in its language."""
    if application.applicant is None:
        return
    owner = await User.objects().where(User.id == application.applicant).first()
    if owner is None:
        return
    programme = await get_programme(application.programme)
    await mail.enqueue(
        to=owner.email,
        template=template,
        context={
            "application": application,
            "programme": programme,
            "owner": owner,
            "status_text": APPLICATIONS.label(application.status, member=True),
            **context,
        },
        locale=owner.locale or application.locale,
    )
