"""Types for the JSON API's inputs, so that the OpenAPI document says what the API accepts.

Two kinds of constraint:

- *Enforced* (``msgspec.Meta`` bounds, Litestar parameter bounds): the request is malformed
  and answered 400 before any handler runs. Used for the ranges of the database columns: a
  row id or a count past a PostgreSQL ``integer`` (2**31 - 1), an amount past a ``bigint``.
- *Declared* (``rule(...)``): a service checks it and answers 422 with its own rule ``code``
  (API.md fixes those answers, e.g. a Nice class outside 1–45); the document states the
  same bounds or choices so that clients, and generated requests, know them beforehand.

At the edge (``check_api_input``) a JSON body is also decoded strictly (a string is not an
integer), and U+0000, which PostgreSQL cannot store, becomes U+FFFD in text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

import msgspec
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import ValidationException
from litestar.params import PathParameter, QueryParameter
from litestar.utils.scope.state import ScopeState

from innovation_hub.core.errors import json_too_deep

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


def _whole_numbers(value: Any) -> Any:
    """JSON Schema counts ``5.0`` as an integer: give msgspec the int it expects."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_whole_numbers(item) for item in value]
    if isinstance(value, dict):
        return {key: _whole_numbers(item) for key, item in value.items()}
    return value


# PostgreSQL cannot store U+0000 in text. It is taken as U+FFFD, the replacement character, so
# that text keeps its length: the limits the document states hold for what was sent.
NUL, REPLACEMENT = "\x00", "\ufffd"


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace(NUL, REPLACEMENT)
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    return value


def _query_without_nul(request: Request[Any, Any, Any]) -> None:
    raw: bytes = request.scope.get("query_string", b"")
    if b"%00" in raw:
        pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
        cleaned = [(_without_nul(key), _without_nul(item)) for key, item in pairs]
        request.scope["query_string"] = urlencode(cleaned).encode()


async def check_api_input(request: Request[Any, Any, Any]) -> None:
    """Before a JSON API handler reads its input: the query string and a JSON body.

    - U+0000 in text (query values, JSON strings) becomes U+FFFD: PostgreSQL cannot store
      it, and it means nothing in a name or a message; SQLite and PostgreSQL now agree.
    - A JSON body is checked strictly against its type. Litestar converts a handler's
      arguments leniently (so that query strings become numbers), the body included: ``"5"``
      would pass for an integer and ``0`` for ``false``. The document says integer and
      boolean, so a body that is not that is a 400 here, in Litestar's own shape of validation
      error. Malformed JSON is left to Litestar (also 400).
    """
    _query_without_nul(request)
    field = request.route_handler.parsed_fn_signature.parameters.get("data")
    kwarg = field.kwarg_definition if field is not None else None
    if field is None or getattr(kwarg, "media_type", None) != RequestEncodingType.JSON:
        return
    body = await request.body()
    if not body.strip():
        return
    try:
        value = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return
    except RecursionError:  # nested past the decoder's limit: malformed, like HubRequest.json
        raise json_too_deep() from None
    if b"\\u0000" in body or b"\x00" in body:
        value = _without_nul(value)
        # What Litestar's JSON extractor reads instead of decoding the body again.
        ScopeState.from_scope(request.scope).json = value
    try:
        msgspec.convert(_whole_numbers(value), type=field.annotation, strict=True)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `")
        key = where.rstrip("`").removeprefix("$.").removeprefix("$")
        raise ValidationException(
            detail=f"Validation failed for {request.method} {request.url.path}",
            extra=[{"message": message, "key": key, "source": "body"}],
        ) from None
