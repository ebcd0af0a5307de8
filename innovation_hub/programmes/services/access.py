"""Who may see an application: staff see everything; an enterprise sees its own; a reviewer
sees the applications assigned to them. Anything else is "not found"."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from litestar.exceptions import PermissionDeniedException

from innovation_hub.accounts.tables import User
from innovation_hub.core.auth import STAFF
from innovation_hub.core.errors import NotFound
from innovation_hub.core.i18n import gettext as _
from innovation_hub.programmes.tables import Application, Assignment
from innovation_hub.programmes.workflow import APPLICATIONS

T = TypeVar("T")


async def found(row: Awaitable[T | None], message: str, code: str) -> T:
    """The row a query's ``first()`` found, or 404 ``code``."""
    result = await row
    if result is None:
        raise NotFound(message, code=code)
    return result


def is_staff(user: Any) -> bool:
    return getattr(user, "role", None) in STAFF


async def is_assigned(user: Any, application_id: int) -> bool:
    if user is None:
        return False
    found = await Assignment.exists().where(
        (Assignment.application == application_id) & (Assignment.reviewer == user.id)
    )
    return bool(found)


async def load(application_id: int) -> Application:
    query = Application.objects().where(Application.id == application_id)
    return await found(query.first(), _("There is no such application."), "application_not_found")


async def get_application_for(user: Any, application_id: int) -> Application:
    """Staff, the enterprise that applied, or a reviewer assigned to it; others: not found."""
    application = await load(application_id)
    if user is not None and (
        is_staff(user)
        or application.applicant == user.id
        or await is_assigned(user, application.id)
    ):
        return application
    raise NotFound(_("There is no such application."), code="application_not_found")


def viewer_kind(user: Any, application: Application) -> str:
    """staff | applicant | reviewer (the caller was already let in)."""
    if is_staff(user):
        return "staff"
    if application.applicant == user.id:
        return "applicant"
    return "reviewer"


async def own(user: User, application_id: int) -> Application:
    application = await get_application_for(user, application_id)
    if application.applicant != user.id:
        raise PermissionDeniedException(_("Only the enterprise that applied may do this."))
    return application


async def ready_for(user: Any, application_id: int, action: str) -> Application:
    """The application ``user`` may see, if the workflow allows ``action`` in its state now."""
    application = await get_application_for(user, application_id)
    APPLICATIONS.require(action, application.status)
    return application


async def own_ready_for(user: User, application_id: int, action: str) -> Application:
    """The enterprise's own application, if the workflow allows ``action`` in its state now."""
    application = await own(user, application_id)
    APPLICATIONS.require(action, application.status)
    return application
