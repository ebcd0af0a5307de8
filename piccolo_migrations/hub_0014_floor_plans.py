"""Floor plans: a plan file per location, each space's place on it, and amenities as data.

Amenities were free text; from here they are codes of a fixed list (``spaces.services.
AMENITIES``). Text that names one of them becomes its code; any other text is kept at the end
of the space's description, so nothing staff wrote is lost. The reverse drops the added
columns and leaves the codes (they are valid text amenities too).
"""

import json
from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Column, DoublePrecision, Varchar
from piccolo.table import Table

ID = "2026-12-06T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "floor plans and amenity codes"

_PLACE: dict[str, Any] = {"null": True, "default": None}

# (table class, table name, column, column class, params)
COLUMNS: list[tuple[str, str, str, type[Column], dict[str, Any]]] = [
    ("Location", "location", "plan_path", Varchar, {"length": 300, "default": ""}),
    ("Resource", "resource", "plan_x", DoublePrecision, _PLACE),
    ("Resource", "resource", "plan_y", DoublePrecision, _PLACE),
]

# Free-text amenities (lower case) that name a code of the fixed list.
AMENITY_WORDS = {
    "monitor": "monitor",
    "màn hình": "monitor",
    "power": "power",
    "ổ cắm điện": "power",
    "ổ cắm": "power",
    "window": "window",
    "cửa sổ": "window",
    "quiet": "quiet",
    "yên tĩnh": "quiet",
    "step_free": "step_free",
    "step-free": "step_free",
    "không bậc thềm": "step_free",
}
OTHER_EQUIPMENT = "Trang bị khác"


class Resource(Table, tablename="resource"):
    pass


def amenity_codes(listed: list[str]) -> tuple[list[str], list[str]]:
    """The codes the listed words name, and the words that name none."""
    codes: list[str] = []
    others: list[str] = []
    for word in listed:
        key = str(word).strip().lower()
        code = AMENITY_WORDS.get(key) or next(
            (c for w, c in AMENITY_WORDS.items() if key.startswith(w + " ")), None
        )
        if code is not None:
            codes.append(code)
        elif key:
            others.append(str(word).strip())
    return list(dict.fromkeys(codes)), others


async def _amenities_to_codes() -> None:
    rows = await Resource.raw("SELECT id, amenities, description FROM resource").run()
    for row in rows:
        raw = row["amenities"]
        listed = json.loads(raw) if isinstance(raw, str) else list(raw or [])
        codes, others = amenity_codes(listed)
        if codes == listed:
            continue
        description = row["description"] or ""
        if others:
            extra = f"{OTHER_EQUIPMENT}: {', '.join(others)}."
            description = f"{description}\n{extra}".strip()
        await Resource.raw(
            "UPDATE resource SET amenities = {}, description = {} WHERE id = {}",
            json.dumps(codes),
            description,
            row["id"],
        ).run()


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="hub", description=DESCRIPTION)
    for class_name, tablename, column, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name=column,
            db_column_name=column,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
        )
    manager.add_raw(_amenities_to_codes)
    return manager
