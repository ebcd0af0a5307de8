"""The front desk: printable QR signs for the spaces (staff), the kiosk screens staff make and
revoke, and the kiosk page itself, reached by its secret link alone and refreshing its list of
the day every 30 seconds."""

from __future__ import annotations

from typing import Any

import segno
from litestar import Controller, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services
from innovation_hub.bookings.services.kiosk import DeskEntry
from innovation_hub.bookings.web.edge import Req, StaffPages
from innovation_hub.bookings.web.here import here_path
from innovation_hub.bookings.web.labels import day_label, hhmm, time_range
from innovation_hub.core.auth import PUBLIC
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.errors import HubError, NotFound
from innovation_hub.core.forms import parse_id
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.i18n import use_locale
from innovation_hub.core.web import FormBody, Refusal, go_to, page, settings_of
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import Resource


def sign_url(request: Req, resource_id: int) -> str:
    """What a space's QR code holds: the public address of its check-in page."""
    return settings_of(request).base_url.rstrip("/") + here_path(resource_id)


def qr_svg(url: str, title: str) -> str:
    """The QR code of ``url`` as inline SVG, sized by its container (error correction M)."""
    return str(segno.make(url, error="m").svg_inline(omitsize=True, title=title))


def scan_words() -> tuple[str, str]:
    """The sign's call to scan, in Vietnamese and in English: a sign serves both readers."""
    words = []
    for locale in ("vi", "en"):
        with use_locale(locale):
            words.append(_("Scan to check in"))
    return words[0], words[1]


def sign(request: Req, resource: Resource, location_name: str) -> dict[str, Any]:
    url = sign_url(request, resource.id)
    return {
        "resource": resource,
        "location_name": location_name,
        "url": url,
        "svg": qr_svg(url, _("QR code of %(name)s", name=resource.name)),
    }


def signs_page(request: Req, signs: list[dict[str, Any]], title: str) -> Template:
    scan_vi, scan_en = scan_words()
    context = {"signs": signs, "title": title, "scan_vi": scan_vi, "scan_en": scan_en}
    return page(request, "bookings/signs.html", context)


async def location_names() -> dict[int, str]:
    return {location.id: location.name for location in await spaces.list_locations()}


async def kiosks_page(
    request: Req,
    *,
    new_url: str = "",
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Template:
    names = await location_names()
    context = {
        "kiosks": await services.list_kiosks(),
        "locations": names,
        "new_url": new_url,
        "errors": errors or {},
        "form": form or {},
        "revoked": parse_id(request.query_params.get("revoked")) is not None,
    }
    return page(request, "bookings/kiosks.html", context, status_code=status)


class FrontDeskStaff(StaffPages):
    path = "/staff"

    @get("/spaces/{resource_id:int}/sign")
    async def one_sign(self, request: Req, resource_id: FromPath[int]) -> Template:
        resource = await spaces.get_any_resource(resource_id)
        names = await location_names()
        return signs_page(
            request, [sign(request, resource, names.get(resource.location, ""))], resource.name
        )

    @get("/spaces/signs")
    async def all_signs(self, request: Req) -> Template:
        locations = await spaces.list_locations()
        wanted = parse_id(request.query_params.get("location_id"))
        location = next((loc for loc in locations if loc.id == wanted), None)
        if location is None:
            location = await spaces.default_location()
        resources = await spaces.list_resources(location_id=location.id)
        signs = [sign(request, resource, location.name) for resource in resources]
        return signs_page(request, signs, _("QR signs: %(name)s", name=location.name))

    @get("/kiosks")
    async def kiosks(self, request: Req) -> Template:
        return await kiosks_page(request)

    @post("/kiosks")
    async def create(self, request: Req, data: FormBody) -> Template:
        user: User = request.user
        location_id = parse_id(data.get("location_id"))
        try:
            if location_id is None:
                raise NotFound(_("No such location."), code="location_not_found")
            _kiosk, token = await services.create_kiosk(
                user, location_id, str(data.get("label", ""))
            )
        except HubError as exc:
            refusal = Refusal.of(exc, data, general="location_id")
            return await kiosks_page(request, errors=refusal.errors, form=refusal.form, status=422)
        base = settings_of(request).base_url.rstrip("/")
        return await kiosks_page(request, new_url=f"{base}/kiosk/{token}", status=201)

    @post("/kiosks/{kiosk_id:int}/revoke")
    async def revoke(self, request: Req, kiosk_id: FromPath[int]) -> Response[Any]:
        await services.revoke_kiosk(request.user, kiosk_id)
        return go_to(request, f"/staff/kiosks?revoked={kiosk_id}")


def entry_view(entry: DeskEntry) -> dict[str, Any]:
    return {
        "who": entry.who,
        "time": time_range(entry.start, entry.end),
        "status": entry.status,
        "checked_in_at": hhmm(entry.checked_in_at) if entry.checked_in_at else "",
        "walk_in": entry.walk_in,
    }


async def kiosk_context(token: str) -> dict[str, Any]:
    kiosk, location = await services.kiosk_for(token)
    day = await services.front_desk_day(location.id)
    return {
        "user": None,  # a screen, not a session: the page shows no account, whoever opens it
        "token": token,
        "screen": kiosk.label,
        "location": location,
        "day": day,
        "updated": hhmm(day.now),
        "today": day_label(day.now.astimezone(LOCAL_TZ).date()),
        "spaces_booked": [
            {"name": s.resource.name, "entries": [entry_view(e) for e in s.entries]}
            for s in day.spaces
            if s.entries
        ],
        "spaces_free": [s.resource.name for s in day.spaces if not s.entries],
    }


class Kiosk(Controller):
    """Public: the token in the path is the only key, and it opens this page alone (its list
    too, when htmx polls it)."""

    path = "/kiosk/{token:str}"
    opt = {"access": PUBLIC}

    @get("/")
    async def screen(self, request: Req, token: FromPath[str]) -> Template:
        context = await kiosk_context(token)
        return page(request, "bookings/kiosk.html", context, fragment="bookings/_kiosk_board.html")
