"""Documents: what an application requires, and each milestone's evidence. Only the
enterprise that applied uploads or removes them."""

from __future__ import annotations

from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import FormInvalid, RuleBroken
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.uploads import StoredFile
from innovation_hub.programmes.services.access import found, get_application_for, own
from innovation_hub.programmes.services.calls import get_programme
from innovation_hub.programmes.services.follow_up import milestone_of
from innovation_hub.programmes.services.support import document_label, documents_required
from innovation_hub.programmes.services.timeline import add_to_timeline
from innovation_hub.programmes.tables import Document
from innovation_hub.programmes.workflow import APPLICATIONS

MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
MAX_DOCUMENTS = 30


async def add_document(
    user: User,
    application_id: int,
    *,
    kind: str,
    filename: str,
    stored: StoredFile,
    milestone_id: int | None = None,
) -> Document:
    """An application document (while it can be edited) or a milestone's evidence (while the
    project runs); only the enterprise that applied uploads."""
    async with transaction():
        application = await own(user, application_id)
        programme = await get_programme(application.programme)
        if milestone_id is not None:
            APPLICATIONS.require("report", application.status)
            await milestone_of(application, milestone_id)
            kind = "evidence"
        else:
            APPLICATIONS.require("edit", application.status)
            allowed = {d.code for d in documents_required(programme)} | {"other"}
            if kind not in allowed:
                raise FormInvalid({"kind": _("Choose what this document is.")}, code="invalid_kind")
        count = await Document.count().where(Document.application == application.id)
        if count >= MAX_DOCUMENTS:
            raise RuleBroken(
                _("At most %(n)s documents per application.", n=MAX_DOCUMENTS),
                code="too_many_documents",
            )
        name = "".join(c for c in filename if c.isprintable()).strip()[-200:] or "document.pdf"
        document = Document(
            application=application.id,
            milestone_id=milestone_id,
            kind=kind,
            filename=name,
            **stored.columns(),
            uploaded_by=user.id,
            created_at=utcnow(),
        )
        await document.save()
        await add_to_timeline(
            application,
            user,
            "document_added",
            f"{document_label(programme, kind)}: {name}",
            document_id=document.id,
            milestone_id=milestone_id,
        )
    return document


async def get_document_for(user: Any, application_id: int, document_id: int) -> Document:
    application = await get_application_for(user, application_id)
    query = Document.objects().where(
        (Document.id == document_id) & (Document.application == application.id)
    )
    return await found(query.first(), _("There is no such document."), "document_not_found")


async def delete_document(user: User, application_id: int, document_id: int) -> None:
    async with transaction():
        application = await own(user, application_id)
        document = await get_document_for(user, application_id, document_id)
        APPLICATIONS.require("report" if document.milestone_id else "edit", application.status)
        await Document.delete().where(Document.id == document.id)
        await add_to_timeline(
            application, user, "document_removed", document.filename, document_id=document.id
        )
