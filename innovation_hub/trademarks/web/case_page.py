"""The case page, as the organisation and as staff see it; shown again with the errors of a
form posted from it."""

from __future__ import annotations

from typing import Any

from litestar.response import Template

from innovation_hub.core.web import page
from innovation_hub.spaces import services as spaces
from innovation_hub.trademarks import services, workflow
from innovation_hub.trademarks.web.views import Req, case_context, done_message

CONSULTATION_ROOMS = ("meeting_room", "event_hall", "lab")


def event_options(status: str) -> list[tuple[str, str]]:
    """The steps staff may record next: each stage and each result is an option of its own."""
    options = []
    for transition in workflow.EVENTS:
        kind = transition.action
        if status not in transition.sources:
            continue
        if kind == "stage":
            options += [
                (f"stage:{stage}", workflow.event_label("stage", {"stage": stage}))
                for stage in workflow.STAGES
                if stage != status
            ]
        elif kind == "substantive_result":
            options += [
                (f"{kind}:{result}", workflow.event_label(kind, {"result": result}))
                for result in workflow.RESULTS
            ]
        else:
            options.append((kind, workflow.event_label(kind)))
    return options


async def _staff_context(view: services.CaseView) -> dict[str, Any]:
    resources = [r for r in await spaces.list_resources() if r.kind in CONSULTATION_ROOMS]
    staff = await services.staff_members()
    return {
        "event_options": event_options(view.case.status),
        "staff_options": [(u.id, u.name) for u in staff],
        "resource_options": [(r.id, r.name) for r in resources],
        "today": services.today_local().isoformat(),
        "form": {},
    }


async def case_page(
    request: Req,
    case_id: int,
    *,
    staff: bool,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Template:
    """The case page; with ``errors`` (and the ``form`` as typed) after a refused form."""
    view = await services.case_view(await services.get_case_for(request.user, case_id))
    context = case_context(view, staff=staff)
    if staff:
        context.update(await _staff_context(view))
    if errors is None:
        created = request.query_params.get("created") == "1"
        context.update(created=created, message=done_message(request))
    else:
        context.update(errors=errors, created=False, message="")
    if form is not None:
        context["form"] = form
    template = "trademarks/staff_case.html" if staff else "trademarks/case.html"
    return page(request, template, context, status_code=status_code)
