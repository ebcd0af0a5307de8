"""Reminders on or off: the member's own choice on the profile page, and the one-click link
every reminder carries (a confirmation page, then a POST; mail programs POST directly)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Template

from innovation_hub.accounts import services
from innovation_hub.core.auth import ANY_USER, PUBLIC
from innovation_hub.core.errors import NotFound
from innovation_hub.core.settings import Settings
from innovation_hub.core.web import FormBody, go_to, is_htmx, page

Req = Request[Any, Any, Any]
LINK = services.UNSUBSCRIBE_PATH + "/{token:str}"


def _link_refused(request: Req, refusal: NotFound) -> Template:
    """A 404 page that says why: the link was altered, or its account is gone."""
    context = {"refused": refusal.detail}
    return page(request, "accounts/reminders_off.html", context, status_code=404)


class ReminderPages(Controller):
    path = "/"

    @post("/profile/reminders", access=ANY_USER)
    async def choose(self, request: Req, data: FormBody) -> Response[Any] | Template:
        """The checkbox on the profile page: ticked means on (an unticked box sends nothing)."""
        await services.set_reminders(
            request.user, "reminders_enabled" in data, actor_id=request.user.id
        )
        if is_htmx(request):
            context = {"user": request.user, "reminders_saved": True}
            return Template(template_name="accounts/_reminders.html", context=context)
        return go_to(request, "/profile?reminders=saved")

    @get(LINK, access=PUBLIC)
    async def confirm_off(
        self, request: Req, token: str, settings: NamedDependency[Settings]
    ) -> Template:
        """Opening the link changes nothing (mail scanners open links): it asks first."""
        try:
            account = await services.account_for_unsubscribe(token, settings.secret_key)
        except NotFound as exc:
            return _link_refused(request, exc)
        context = {"account": account, "done": not account.reminders_enabled}
        return page(request, "accounts/reminders_off.html", context)

    # Mail programs POST here with no session and no form token (RFC 8058 one-click).
    @post(LINK, access=PUBLIC, exclude_from_csrf=True, status_code=200)
    async def turn_off(
        self, request: Req, token: str, settings: NamedDependency[Settings]
    ) -> Template:
        try:
            account = await services.turn_off_by_link(token, settings.secret_key)
        except NotFound as exc:
            return _link_refused(request, exc)
        return page(request, "accounts/reminders_off.html", {"account": account, "done": True})
