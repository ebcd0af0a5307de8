"""Types for the JSON API's inputs, so that the OpenAPI document says what the API accepts.

Two kinds of constraint:

- *Enforced* (``msgspec.Meta`` bounds, Litestar parameter bounds): the request is malformed
  and answered 400 before any handler runs. Used for the ranges of the database columns: a
  row id or a count past a PostgreSQL ``integer`` (2**31 - 1), an amount past a ``bigint``.
- *Declared* (``rule(...)``): a service checks it and answers 422 with its own rule ``code``
  (API.md fixes those answers, e.g. a Nice class outside 1–45); the document states the
  same bounds or choices so that clients, and generated requests, know them beforehand.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

import msgspec
from litestar.params import PathParameter, QueryParameter

# PostgreSQL ``integer``: serial row ids, counts, minutes. ``bigint``: amounts of đồng.
MAX_INT = 2**31 - 1
MAX_BIGINT = 2**63 - 1
# Text with at least one character that is not white space (a blank one is refused).
NOT_BLANK = r"\S"

ID_DESCRIPTION = "A row id: a whole number from 1 to 2147483647"

# A row id in a JSON body.
Id = Annotated[int, msgspec.Meta(ge=1, le=MAX_INT, description=ID_DESCRIPTION)]
# A row id in the path (the path's ``{name:int}`` declares the type, this the range). Declared,
# not enforced: the services answer an id outside it as unknown (404, e.g. resource_not_found),
# or the database as out of range (400 number_too_large).
PathId = Annotated[
    int,
    PathParameter(description=ID_DESCRIPTION, schema_extra={"minimum": 1, "maximum": MAX_INT}),
]
# An optional row id in the query string.
QueryId = Annotated[int | None, QueryParameter(ge=1, le=MAX_INT, description=ID_DESCRIPTION)]
# A whole number stored in an ``integer`` column (counts, minutes, a year).
Int = Annotated[int, msgspec.Meta(ge=-MAX_INT - 1, le=MAX_INT)]
# Whole đồng stored in a ``bigint`` column.
Vnd = Annotated[int, msgspec.Meta(ge=-MAX_BIGINT - 1, le=MAX_BIGINT)]


def rule(**schema: Any) -> msgspec.Meta:
    """JSON-schema keywords for a constraint a service checks itself (answering 422 with its
    code): the document declares it, the decoder leaves it to the service."""
    return msgspec.Meta(extra_json_schema={"extra": schema})


def one_of(values: Iterable[Any]) -> msgspec.Meta:
    """The choices a service accepts for a field (anything else is its 422)."""
    return rule(enum=list(values))


def between(low: int, high: int) -> msgspec.Meta:
    """Bounds a service checks on a whole number (outside them is its 422)."""
    return rule(minimum=low, maximum=high)


def query_one_of(values: Iterable[str], description: str | None = None) -> QueryParameter:
    """A query parameter whose value is one of ``values`` (the handler refuses others)."""
    return QueryParameter(description=description, schema_extra={"enum": list(values)})
