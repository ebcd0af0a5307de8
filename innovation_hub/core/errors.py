"""Errors the services raise, and how each kind of client sees them.

A JSON API call gets ``application/problem+json`` with a ``code``; a page gets an HTML error
page (or, for htmx, a fragment); a page that needs a login redirects to it.
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import asyncpg
import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    ValidationException,
)
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Operation, RequestBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from innovation_hub.core.auth import PUBLIC, is_api_path
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.security import SECURITY_HEADERS

logger = logging.getLogger("innovation_hub")

PROBLEM_JSON = "application/problem+json"


class HubError(Exception):
    """A request the services refuse. Subclasses fix the HTTP status."""

    status_code = 422
    code = "rule_broken"
    title = "Request refused"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        field_errors: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.field_errors = field_errors or {}
        # More members of the problem-details body, e.g. the conflicting dates of a series.
        self.extra = extra or {}

    def __init_subclass__(
        cls, *, status_code: int | None = None, code: str | None = None, title: str | None = None
    ) -> None:
        """``class NotFound(HubError, status_code=404, code="not_found", title=...)``: what a
        subclass does not name, it inherits."""
        super().__init_subclass__()
        for name, value in (("status_code", status_code), ("code", code), ("title", title)):
            if value is not None:
                setattr(cls, name, value)


class BadRequest(HubError, status_code=400, code="bad_request", title="Malformed request"):
    pass


class NotFound(HubError, status_code=404, code="not_found", title="Not found"):
    pass


class Conflict(HubError, status_code=409, code="conflict", title="Conflict with existing data"):
    pass


class RuleBroken(HubError, status_code=422, code="rule_broken", title="A rule refused the request"):
    pass


class FormInvalid(RuleBroken, code="invalid_input", title="Some fields need attention"):
    """One or more form fields are wrong; ``field_errors`` maps field name to message."""

    def __init__(self, field_errors: dict[str, str], *, code: str | None = None) -> None:
        super().__init__(
            "; ".join(f"{k}: {v}" for k, v in field_errors.items()),
            code=code,
            field_errors=field_errors,
        )


class Problems:
    """Every broken rule of one request, field by field, each with its code; the first code
    names the whole refusal (``FormInvalid``, with every field's code in ``codes``)."""

    def __init__(self) -> None:
        self.found: dict[str, tuple[str, str]] = {}

    def add(self, name: str, message: str, code: str) -> None:
        self.found.setdefault(name, (message, code))

    def merge(self, errors: dict[str, str], code: str) -> None:
        for name, message in errors.items():
            self.add(name, message, code)

    def raise_if_any(self) -> None:
        if self.found:
            codes = {name: code for name, (_message, code) in self.found.items()}
            messages = {name: message for name, (message, _code) in self.found.items()}
            refusal = FormInvalid(messages, code=next(iter(codes.values())))
            refusal.extra = {"codes": codes}
            raise refusal


class TooManyRequests(HubError, status_code=429, code="rate_limited", title="Too many requests"):
    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


def problem(status: int, title: str, detail: str, code: str, **extra: Any) -> Response[Any]:
    # The standard members win over any extra member of the same name.
    body: dict[str, Any] = {
        **extra,
        "status": status,
        "title": title,
        "detail": detail,
        "code": code,
    }
    # Also here: a path no route matches is answered before the app's middleware runs.
    headers = dict(SECURITY_HEADERS)
    if status == 401:
        headers["www-authenticate"] = "Bearer"
    if "retry_after" in extra:
        headers["retry-after"] = str(extra["retry_after"])
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "rule_broken",
    429: "rate_limited",
}


def _html_error(request: Request[Any, Any, Any], status: int, detail: str) -> Response[Any]:
    template = "errors/_error.html" if request.headers.get("hx-request") else "errors/error.html"
    context = {"status": status, "detail": detail, "user": request.scope.get("user")}
    return Template(
        template_name=template, context=context, status_code=status, headers=SECURITY_HEADERS
    )


def hub_error_handler(request: Request[Any, Any, Any], exc: HubError) -> Response[Any]:
    if is_api_path(request.url.path):
        extra: dict[str, Any] = dict(exc.extra)
        if exc.field_errors:
            extra["errors"] = exc.field_errors
        if isinstance(exc, TooManyRequests):
            extra["retry_after"] = exc.retry_after
        return problem(
            exc.status_code,
            exc.title,
            exc.detail,
            exc.code,
            **{k: v for k, v in extra.items() if k not in {"status", "title", "detail", "code"}},
        )
    return _html_error(request, exc.status_code, exc.detail)


def http_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if is_api_path(request.url.path):
        detail = exc.detail
        if isinstance(exc, ValidationException) and exc.extra:
            return problem(status, "Malformed request", detail, "bad_request", errors=exc.extra)
        response = problem(status, detail, detail, _HTTP_CODES.get(status, "error"))
        response.headers.update(exc.headers or {})  # e.g. Allow on a 405
        return response
    if isinstance(exc, NotAuthorizedException):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        login = "/login?next=" + quote(target, safe="/")
        if request.headers.get("hx-request"):
            return Response(None, status_code=204, headers={"hx-redirect": login})
        return Redirect(path=login)
    response = _html_error(request, status, exc.detail)
    response.headers.update(exc.headers or {})
    return response


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    status = HTTP_500_INTERNAL_SERVER_ERROR
    if is_api_path(request.url.path):
        return problem(status, "Internal error", "Something went wrong on our side.", "internal")
    try:
        return _html_error(request, status, "Something went wrong on our side.")
    except Exception:  # the error page itself failed: answer plainly
        return Response("Internal error", status_code=status, media_type=MediaType.TEXT)


def json_too_deep() -> BadRequest:
    return BadRequest(_("The JSON body is nested too deeply."), code="json_too_deep")


class HubRequest(Request[Any, Any, Any]):
    """The app's request. A JSON body nested deeper than the decoder's recursion limit is a
    malformed request (400), like any other JSON that does not decode; msgspec raises
    RecursionError for it, which Litestar would leave to the 500 handler."""

    async def json(self) -> Any:
        try:
            return await super().json()
        except RecursionError:
            raise json_too_deep() from None


def overflow_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A number too large for the database (an id of 2**63; on PostgreSQL anything past
    int32 for a serial id) is the caller's mistake, not ours."""
    return hub_error_handler(
        request, BadRequest(_("A value in the request is out of range."), code="number_too_large")
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    HubError: hub_error_handler,
    OverflowError: overflow_handler,
    asyncpg.exceptions.DataError: overflow_handler,
    HTTPException: http_exception_handler,
    Exception: internal_error_handler,
}


# -- the OpenAPI description of these answers ---------------------------------------------------


class Problem(msgspec.Struct, kw_only=True):
    """``application/problem+json``: ``code`` names what was wrong; more members may follow."""

    status: int
    title: str
    detail: str
    code: str
    # A refused field: field -> message; malformed input: Litestar's [{message, key, source}].
    errors: dict[str, str] | list[dict[str, Any]] | msgspec.UnsetType = msgspec.UNSET
    retry_after: int | msgspec.UnsetType = msgspec.UNSET


PROBLEMS = {
    400: "Malformed request: a field missing or of the wrong type, or a time without offset",
    401: "No bearer token, or an unknown or expired one",
    403: "The caller's role may not do this",
    404: "No such object, or not the caller's",
    409: "Conflicts with existing data (`code` names it, e.g. slot_taken)",
    422: "A rule refused the request (`code` names the rule); nothing was changed",
    429: "Too many requests: wait the seconds the retry-after header gives",
}


def problem_spec(status: int, description: str | None = None) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem,
        description=description or PROBLEMS[status],
        media_type=PROBLEM_JSON,
        generate_examples=False,
    )


@dataclass
class OptionalBodyOperation(Operation):
    """An operation whose JSON body may be left out (Litestar marks every body required)."""

    def __post_init__(self) -> None:
        if isinstance(self.request_body, RequestBody):
            self.request_body.required = False


def describe_problems(handlers: list[HTTPRouteHandler]) -> list[HTTPRouteHandler]:
    """Declares in the OpenAPI document what each JSON API operation answers besides success,
    following its ``access`` rule, so the document matches what the guard and services do:
    400 and 422 anywhere, 401 and 403 unless public, 404 for a path naming an object or a
    write, 409 for a write. Responses a handler declares itself win. A public operation takes
    a token but needs none, and a body whose default is None may be left out."""
    for handler in handlers:
        public = handler.opt.get("access") == PUBLIC
        statuses = [400, 422]
        if not public:
            statuses += [401, 403]
        writes = bool(handler.http_methods - {"GET", "HEAD"})
        if writes or any("{" in path for path in handler.paths):
            statuses.append(404)  # the object in the path, or one a body names
        if writes:
            statuses.append(409)
        declared = {status: problem_spec(status) for status in sorted(statuses)}
        handler.responses = {**declared, **(handler.responses or {})}
        if public:
            handler.security = [*(handler.security or []), {}]
        body = inspect.signature(handler.fn).parameters.get("data")
        if body is not None and body.default is None:
            handler.operation_class = OptionalBodyOperation
    return handlers
