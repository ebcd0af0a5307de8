"""What every bookings page module shares at the edge: the request type, the booking policy
as handlers receive it, the staff pages' audience, and reading a missing space as a form
mistake."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeAlias, TypeVar

from litestar import Controller, Request
from litestar.di import NamedDependency

from innovation_hub.bookings import services
from innovation_hub.core.auth import STAFF
from innovation_hub.core.errors import NotFound, RuleBroken

Req: TypeAlias = Request[Any, Any, Any]
# Handlers name ``booking_policy: BookingPolicy``; bookings/domain.py provides it.
BookingPolicy: TypeAlias = NamedDependency[services.Policy]
T = TypeVar("T")


class StaffPages(Controller):
    """A controller of staff-only pages (the board, the spaces editor)."""

    opt = {"access": STAFF}


async def space_in_form(call: Awaitable[T]) -> T:
    """A space gone from the list is a mistake beside its field, not a missing page."""
    try:
        return await call
    except NotFound as exc:
        raise RuleBroken(exc.detail, code=exc.code) from exc
