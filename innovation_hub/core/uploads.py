"""Uploaded files: checked by their content (never the name or the browser's word), kept
under ``var/uploads/<area>/`` with random names, read back only through the app."""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from innovation_hub.core.errors import RuleBroken
from innovation_hub.core.i18n import gettext as _

IMAGE_TYPES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
PDF_TYPES = {"application/pdf": b"%PDF-"}
EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "image/svg+xml": "svg",
    "application/pdf": "pdf",
}


@dataclass(frozen=True)
class StoredFile:
    name: str  # the random file name under the area's folder
    content_type: str
    size: int

    def columns(self) -> dict[str, Any]:
        """The columns every table of uploads keeps: ``Row(**stored.columns(), …)``."""
        return {"stored_name": self.name, "content_type": self.content_type, "size": self.size}


def sniff(data: bytes, allowed: dict[str, bytes]) -> str | None:
    """The content type whose signature ``data`` starts with, among ``allowed``."""
    for content_type, signature in allowed.items():
        if data.startswith(signature):
            return content_type
    return None


def store(
    var_dir: Path,
    area: str,
    data: bytes,
    *,
    allowed: dict[str, bytes],
    max_bytes: int,
    field: str = "file",
) -> StoredFile:
    """Checks and writes an upload; a wrong type or size is a RuleBroken next to ``field``."""
    if not data:
        raise RuleBroken(
            _("Choose a file."), code="file_missing", field_errors={field: _("Choose a file.")}
        )
    if len(data) > max_bytes:
        message = _("The file is larger than %(n)s MB.", n=max_bytes // (1024 * 1024))
        raise RuleBroken(message, code="file_too_large", field_errors={field: message})
    content_type = sniff(data, allowed)
    if content_type is None:
        kinds = ", ".join(sorted(EXTENSIONS[t].upper() for t in allowed))
        message = _("Upload a %(kinds)s file.", kinds=kinds)
        raise RuleBroken(message, code="file_type", field_errors={field: message})
    return write(var_dir, area, data, content_type)


def write(var_dir: Path, area: str, data: bytes, content_type: str) -> StoredFile:
    """Writes checked content under a new random name."""
    folder = var_dir / "uploads" / area
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(16)}.{EXTENSIONS[content_type]}"
    (folder / name).write_bytes(data)
    return StoredFile(name=name, content_type=content_type, size=len(data))


def discard(var_dir: Path, area: str, stored: StoredFile) -> None:
    """Removes a stored upload whose record could not be saved, so no file is left behind."""
    (var_dir / "uploads" / area / stored.name).unlink(missing_ok=True)


def read(var_dir: Path, area: str, name: str) -> bytes:
    path = (var_dir / "uploads" / area / name).resolve()
    if path.parent != (var_dir / "uploads" / area).resolve() or not path.is_file():
        raise FileNotFoundError(name)
    return path.read_bytes()


_NOT_ASCII_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_STEM_MAX = 100


def _stem(name: str) -> str:
    """The user's file name without folders, extension or unprintable characters (controls,
    and format characters such as the right-to-left override that disguises an extension)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable())
    stem, dot, _extension = base.rpartition(".")
    return (stem if dot else base).strip(" .")[:_STEM_MAX].strip(" .")


def _ascii(stem: str) -> str:
    """Vietnamese letters without their marks (đ as d), anything else outside [A-Za-z0-9._-]
    as "_": safe inside a quoted header parameter."""
    plain = unicodedata.normalize("NFKD", stem.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return _NOT_ASCII_NAME.sub("_", plain).strip("_.")


def download_headers(name: str, content_type: str, *, inline: bool = False) -> dict[str, str]:
    """``Content-Disposition`` for serving an upload back: the stem of the name it was uploaded
    with, the extension of its checked content type (never the uploader's own extension), an
    ASCII ``filename`` and the UTF-8 name as RFC 5987 ``filename*``. Documents are downloads
    (attachment); images may show in the page (inline)."""
    stem = _stem(name) or "file"
    extension = EXTENSIONS.get(content_type, "bin")
    fallback = f"{_ascii(stem) or 'file'}.{extension}"
    utf8 = quote(f"{stem}.{extension}", safe="")
    disposition = "inline" if inline else "attachment"
    return {
        "content-disposition": f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{utf8}"
    }
