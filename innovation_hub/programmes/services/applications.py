"""The enterprise's side of an application: start a draft, edit it, submit it, answer a
request for more information, withdraw."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.core import audit
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import Conflict, FormInvalid, RuleBroken
from innovation_hub.core.i18n import gettext as _
from innovation_hub.programmes.services.access import load, own_ready_for
from innovation_hub.programmes.services.calls import get_programme, programme_status, release
from innovation_hub.programmes.services.checks import (
    ApplicationChanges,
    Problems,
    check_application,
    complete_problems,
)
from innovation_hub.programmes.services.timeline import add_to_timeline
from innovation_hub.programmes.tables import Application
from innovation_hub.programmes.workflow import APPLICATIONS, HOLDING_BUDGET

# A mapping of field → typed value is taken too: the API and the demo data pass one.
Changes = ApplicationChanges | Mapping[str, Any]


async def create_application(
    user: User,
    programme_id: int,
    changes: Changes,
    *,
    locale: str = "vi",
    form_errors: dict[str, str] | None = None,
) -> Application:
    """A draft. Needs the enterprise's name and a valid tax code; the rest may come later.
    ``form_errors`` are values a form could not read, reported with the others."""
    programme = await get_programme(programme_id)
    problems = Problems()
    values = ApplicationChanges.of(changes).given()
    values.setdefault("enterprise_name", "")
    values.setdefault("tax_code", "")
    check_application(values, programme, problems)
    problems.merge(form_errors or {}, "invalid_number")
    problems.raise_if_any()
    if programme_status(programme) == "closed":
        raise RuleBroken(
            _("This call closed on %(day)s.", day=_local(programme.closes_at)),
            code="call_closed",
        )
    now = utcnow()
    async with transaction():
        existing = (
            await Application.select(Application.id)
            .where(
                (Application.programme == programme_id)
                & (Application.applicant == user.id)
                & (Application.status != "withdrawn")
            )
            .first()
        )
        if existing:
            raise Conflict(
                _("You already have an application to this call."),
                code="application_exists",
                extra={"application_id": existing["id"]},
            )
        application = Application(
            programme=programme_id,
            applicant=user.id,
            status="draft",
            locale=locale,
            created_at=now,
            updated_at=now,
            **values,
        )
        await application.save()
        await add_to_timeline(application, user, "created", shown=True)
    return application


async def update_application(
    user: User,
    application_id: int,
    changes: Changes,
    *,
    form_errors: dict[str, str] | None = None,
) -> Application:
    """More detail on a draft, or changes while staff wait for more information."""
    async with transaction():
        application = await own_ready_for(user, application_id, "edit")
        programme = await get_programme(application.programme)
        values = ApplicationChanges.of(changes).given()
        problems = Problems()
        check_application(values, programme, problems)
        problems.merge(form_errors or {}, "invalid_number")
        problems.raise_if_any()
        if not values:
            return application
        columns: dict[Any, Any] = {getattr(Application, k): v for k, v in values.items()}
        columns[Application.updated_at] = utcnow()
        await Application.update(columns).where(Application.id == application.id)
        await audit.record(
            actor_id=user.id,
            action="application.update",
            record_type="programme_application",
            record_id=application.id,
            detail={"fields": sorted(values)},
        )
        return await load(application.id)


def _local(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%H:%M %d/%m/%Y")


async def submit_application(user: User, application_id: int) -> Application:
    async with transaction():
        application = await own_ready_for(user, application_id, "submit")
        programme = await get_programme(application.programme)
        now = utcnow()
        status = programme_status(programme, now)
        if status == "closed":
            raise RuleBroken(
                _(
                    "The call closed at %(when)s; applications can no longer be submitted.",
                    when=_local(programme.closes_at),
                ),
                code="call_closed",
            )
        if status == "upcoming":
            raise RuleBroken(
                _("The call opens at %(when)s.", when=_local(programme.opens_at)),
                code="call_not_open",
            )
        problems = complete_problems(application, programme)
        problems.raise_if_any()
        twin = await Application.exists().where(
            (Application.programme == programme.id)
            & (Application.tax_code == application.tax_code)
            & (Application.id != application.id)
            & Application.status.not_in(["draft", "withdrawn"])
        )
        if twin:
            raise Conflict(
                _("An application with this tax code has already been submitted to this call."),
                code="duplicate_enterprise",
            )
        await APPLICATIONS.apply(
            application,
            "submit",
            values={Application.submitted_at: now},
            actor_id=user.id,
            now=now,
        )
        await add_to_timeline(application, user, "submitted")
    return application


async def reply(user: User, application_id: int, message: str) -> Application:
    """The enterprise answers a request for more information; the application goes back to
    where it was."""
    message = message.strip()
    if not message:
        raise FormInvalid({"message": _("Write your answer.")}, code="message_required")
    if len(message) > 5000:
        raise FormInvalid({"message": _("Use at most %(n)s characters.", n=5000)}, code="too_long")
    async with transaction():
        application = await own_ready_for(user, application_id, "reply")
        back = application.return_status or "screening"
        await APPLICATIONS.apply(
            application,
            "reply",
            to=back,
            values={Application.return_status: ""},
            actor_id=user.id,
        )
        await add_to_timeline(application, user, "reply", message)
    return application


async def withdraw(user: User, application_id: int, reason: str = "") -> Application:
    async with transaction():
        application = await own_ready_for(user, application_id, "withdraw")
        holding = application.status in HOLDING_BUDGET
        await APPLICATIONS.apply(
            application, "withdraw", values={Application.closed_at: utcnow()}, actor_id=user.id
        )
        if holding and application.approved_vnd:
            await release(application.programme, int(application.approved_vnd))
        await add_to_timeline(application, user, "withdrawn", reason.strip()[:2000])
    return application
