"""The calls of the support programme, open to anyone."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from litestar.params import FromPath
from litestar.response import Template

from innovation_hub.core.auth import PUBLIC
from innovation_hub.core.web import page
from innovation_hub.programmes import services
from innovation_hub.programmes.catalogue import size_class_label
from innovation_hub.programmes.tables import Application
from innovation_hub.programmes.web.views import Req, call_state, terms_view


async def my_application(user: Any, programme_id: int) -> Application | None:
    """The enterprise's live application to the call, if it has one."""
    if user is None or user.role != "enterprise":
        return None
    found = await services.list_for(user, programme_id=programme_id, statuses=services.ACTIVE)
    return found[0] if found else None


class CallsController(Controller):
    path = "/programmes"
    opt = {"access": PUBLIC}

    @get("/", name="programmes")
    async def calls(self, request: Req) -> Template:
        rows = await services.list_programmes()
        calls = [{"programme": p, "state": call_state(p), "terms": terms_view(p)} for p in rows]
        return page(request, "programmes/list.html", {"calls": calls})

    @get("/{programme_id:int}")
    async def call_page(self, request: Req, programme_id: FromPath[int]) -> Template:
        programme = await services.get_programme(programme_id)
        context = {
            "programme": programme,
            "state": call_state(programme),
            "terms": terms_view(programme),
            "criteria": services.criteria_of(programme),
            "documents": services.documents_required(programme),
            "events": await services.events_of(programme.id),
            "remaining": services.remaining_budget(programme),
            "size_shares": [
                (size_class_label(size), percent)
                for size, percent in services.size_shares_of(programme).items()
            ],
            "mine": await my_application(request.scope.get("user"), programme.id),
        }
        return page(request, "programmes/call.html", context)
