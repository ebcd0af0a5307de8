"""What every bookings page module shares at the edge: the request type, the booking policy
as handlers receive it, and reading a missing space as a form mistake."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeAlias, TypeVar

from litestar import Controller, Request
from litestar.di import NamedDependency
from litestar.handlers import BaseRouteHandler

from innovation_hub.bookings import services
from innovation_hub.core.errors import NotFound, RuleBroken

Req: TypeAlias = Request[Any, Any, Any]
# Handlers name ``booking_policy: BookingPolicy``; bookings/domain.py provides it.
BookingPolicy: TypeAlias = NamedDependency[services.Policy]
T = TypeVar("T")


async def space_in_form(call: Awaitable[T]) -> T:
    """A space gone from the list is a mistake beside its field, not a missing page."""
    try:
        return await call
    except NotFound as exc:
        raise RuleBroken(exc.detail, code=exc.code) from exc


class Pages(Controller):
    """Pages for one audience: ``opt = {"access": ...}`` on the class.

    Litestar answers OPTIONS on every path with a handler of its own, owned by the
    controller, so a controller-wide access would make that answer ask for a login (the
    guard lets OPTIONS through only when it declares no access). The access therefore goes
    onto each of the controller's own handlers instead of staying on the controller."""

    def get_route_handlers(self) -> list[BaseRouteHandler]:
        handlers = super().get_route_handlers()
        declared = dict(type(self).opt or {})
        access = declared.pop("access", None)
        for handler in handlers:
            handler.opt.setdefault("access", access)
        self.opt = declared
        return handlers
