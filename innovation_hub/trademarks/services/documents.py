"""The dossier: its checklist, the documents for each item and the mark's sample image."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from innovation_hub.accounts.tables import User
from innovation_hub.core import uploads
from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import FormInvalid, NotFound
from innovation_hub.core.i18n import gettext as _
from innovation_hub.trademarks import config
from innovation_hub.trademarks.records import CHECKLIST_STATES, get_case_for, log
from innovation_hub.trademarks.tables import TrademarkCase, TrademarkDossierItem, TrademarkFile

UPLOAD_AREA = "trademarks"
MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_DOSSIER_BYTES = 5 * 1024 * 1024
DOSSIER_TYPES = {**uploads.PDF_TYPES, **uploads.IMAGE_TYPES}


@dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str = ""


def store_image(var_dir: Path, upload: Upload) -> uploads.StoredFile:
    return uploads.store(
        var_dir,
        UPLOAD_AREA,
        upload.data,
        allowed=uploads.IMAGE_TYPES,
        max_bytes=MAX_IMAGE_BYTES,
        field="image",
    )


def _safe_name(filename: str, stored: uploads.StoredFile) -> str:
    name = Path(filename or "").name.strip()[:150]
    return name or stored.name


async def _save_file(
    actor: User,
    case_id: int,
    stored: uploads.StoredFile,
    filename: str,
    now: datetime,
    *,
    purpose: str,
    code: str,
) -> TrademarkFile:
    """Keeps the stored upload with the case; its checklist item, when missing, becomes draft."""
    row = TrademarkFile(
        trademark_case=case_id,
        purpose=purpose,
        item_code=code,
        original_name=_safe_name(filename, stored),
        **stored.columns(),
        uploaded_by=actor.id,
        uploaded_at=now,
    )
    await row.save()
    await (
        TrademarkDossierItem.update(
            {
                TrademarkDossierItem.state: "draft",
                TrademarkDossierItem.updated_by: actor.id,
                TrademarkDossierItem.updated_at: now,
            }
        )
        .where(
            (TrademarkDossierItem.trademark_case == case_id)
            & (TrademarkDossierItem.code == code)
            & (TrademarkDossierItem.state == "missing")
        )
        .run()
    )
    return row


async def attach_image(
    actor: User, case: TrademarkCase, stored: uploads.StoredFile, filename: str, now: datetime
) -> TrademarkFile:
    row = await _save_file(
        actor, case.id, stored, filename, now, purpose="mark_image", code="mark_samples"
    )
    case.image_file = row.id
    case.updated_at = now
    await case.save([TrademarkCase.image_file, TrademarkCase.updated_at])
    await log(actor.id, case.id, "image", {"file_id": row.id, "name": row.original_name})
    return row


def _dossier_code(code: str) -> str:
    if code not in {item.code for item in config.dossier_items()}:
        raise NotFound(_("No such checklist item."), code="checklist_item_not_found")
    return code


async def set_checklist_state(
    actor: User, case_id: int, code: str, state: str, *, note: str | None = None
) -> TrademarkDossierItem:
    code = _dossier_code(code)
    if state not in CHECKLIST_STATES:
        raise FormInvalid(
            {"state": _("Choose missing, draft or ready.")}, code="invalid_checklist_state"
        )
    async with transaction():
        case = await get_case_for(actor, case_id)
        item = (
            await TrademarkDossierItem.objects()
            .where(
                (TrademarkDossierItem.trademark_case == case.id)
                & (TrademarkDossierItem.code == code)
            )
            .first()
            .run()
        )
        if item is None:  # a case opened before this item was configured
            item = TrademarkDossierItem(trademark_case=case.id, code=code, state="missing")
            await item.save()
        before = item.state
        item.state = state
        if note is not None:
            item.note = note.strip()[:2000]
        item.updated_by = actor.id
        item.updated_at = utcnow()
        await item.save()
        if before != state:
            await log(actor.id, case.id, "checklist", {"code": code, "from": before, "to": state})
    return item


async def add_dossier_file(
    actor: User, case_id: int, code: str, upload: Upload, *, var_dir: Path
) -> TrademarkFile:
    """A PDF, PNG or JPEG (by content) for a checklist item; a missing item becomes draft."""
    code = _dossier_code(code)
    case = await get_case_for(actor, case_id)
    stored = uploads.store(
        var_dir,
        UPLOAD_AREA,
        upload.data,
        allowed=DOSSIER_TYPES,
        max_bytes=MAX_DOSSIER_BYTES,
        field="file",
    )
    async with transaction():
        row = await _save_file(
            actor, case.id, stored, upload.filename, utcnow(), purpose="dossier", code=code
        )
        detail = {"code": code, "file_id": row.id, "name": row.original_name}
        await log(actor.id, case.id, "file_uploaded", detail)
    return row


async def set_image(actor: User, case_id: int, upload: Upload, *, var_dir: Path) -> TrademarkFile:
    """The mark's sample image: a PNG or JPEG (checked by content) of at most 2 MB."""
    case = await get_case_for(actor, case_id)
    stored = store_image(var_dir, upload)
    async with transaction():
        return await attach_image(actor, case, stored, upload.filename, utcnow())


async def read_file(
    user: User, case_id: int, file_id: int, *, var_dir: Path
) -> tuple[bytes, str, str]:
    case = await get_case_for(user, case_id)
    row = (
        await TrademarkFile.objects()
        .where((TrademarkFile.id == file_id) & (TrademarkFile.trademark_case == case.id))
        .first()
        .run()
    )
    if row is None:
        raise NotFound(_("No such file."), code="file_not_found")
    try:
        data = uploads.read(var_dir, UPLOAD_AREA, row.stored_name)
    except FileNotFoundError as exc:
        raise NotFound(_("No such file."), code="file_not_found") from exc
    return data, row.content_type, row.original_name
