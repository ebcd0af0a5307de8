"""Rows (Piccolo objects, dict rows, dataclasses) to msgspec Structs at the API's edge.

``to_struct(row, CaseOut, owner_id=row.owner)`` fills every field of the Struct from the
attribute (or dict key) of the same name, and takes the keyword arguments for fields that
are named or computed differently. Instants are shown in local time (UTC+7), nested rows
and lists of rows are converted the same way, so an API mapping names only what differs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

import msgspec

from innovation_hub.core.clock import LOCAL_TZ

S = TypeVar("S")


def local(value: Any) -> Any:
    """An aware instant in local time; anything else as it is."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(LOCAL_TZ)
    return value


def _shown(value: Any) -> Any:
    if isinstance(value, datetime):
        return local(value)
    if isinstance(value, list | tuple):
        return [_shown(item) for item in value]
    if isinstance(value, Mapping):  # a JSON column, or a row read as a dict
        return {key: _shown(item) for key, item in value.items()}
    if isinstance(value, str | bytes | int | float | bool) or value is None:
        return value
    return _Shown(value) if hasattr(value, "__dict__") or hasattr(value, "__slots__") else value


class _Shown:
    """What msgspec reads (``from_attributes``): the row's attributes in local time, with
    the overrides first."""

    __slots__ = ("_overrides", "_row")

    def __init__(self, row: Any, overrides: Mapping[str, Any] | None = None) -> None:
        self._row = row
        self._overrides = overrides or {}

    def __getattr__(self, name: str) -> Any:
        if name in self._overrides:
            return _shown(self._overrides[name])
        row = self._row
        if isinstance(row, Mapping):
            if name not in row:
                raise AttributeError(name)
            return _shown(row[name])
        return _shown(getattr(row, name))


def to_struct(row: Any, struct_type: type[S], /, **overrides: Any) -> S:
    return msgspec.convert(_Shown(row, overrides), struct_type, from_attributes=True)


def to_structs(rows: Any, struct_type: type[S], /) -> list[S]:
    return [to_struct(row, struct_type) for row in rows]
