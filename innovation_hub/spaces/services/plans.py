"""Floor plans: one plan file per location, and where each of its spaces sits on it.

A plan is an SVG, PNG, JPEG or WebP file, checked by its content. An SVG is rebuilt from the
SVG drawing elements it holds: scripts, event handlers, foreign objects, links out of the
file and anything outside the SVG namespace are dropped, and a DOCTYPE (entities) is refused.
Pages show plans through <img>, where even a missed script would not run."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from innovation_hub.core import audit, uploads
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import FormInvalid, NotFound, RuleBroken
from innovation_hub.core.i18n import gettext as _
from innovation_hub.spaces.services.locations import get_location
from innovation_hub.spaces.services.resources import get_any_resource, list_resources
from innovation_hub.spaces.tables import Location, Resource

PLAN_MAX_BYTES = 5 * 1024 * 1024
PLAN_AREA = "plans"
RASTER_TYPES = {**uploads.IMAGE_TYPES, "image/webp": b"RIFF"}

XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ElementTree.register_namespace("", SVG_NS)
ElementTree.register_namespace("xlink", XLINK_NS)
# What a drawing of walls, rooms and labels needs; everything else is dropped.
SVG_ELEMENTS = {
    "svg", "g", "defs", "title", "desc", "style", "symbol", "use", "rect", "circle",
    "ellipse", "line", "polyline", "polygon", "path", "text", "tspan", "linearGradient",
    "radialGradient", "stop", "pattern", "clipPath", "mask", "marker",
}  # fmt: skip


def plan_type(data: bytes) -> str | None:
    """The plan's content type, read from its first bytes."""
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp"
    raster = uploads.sniff(data, uploads.IMAGE_TYPES)
    if raster is not None:
        return raster
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"<?xml", b"<svg", b"<!--")) and b"<svg" in data:
        return "image/svg+xml"
    return None


def _refuse(message: str, code: str) -> RuleBroken:
    return RuleBroken(message, code=code, field_errors={"plan": message})


def _local(name: str) -> tuple[str, str]:
    """(namespace, local name) of an ElementTree tag or attribute name."""
    if name.startswith("{"):
        namespace, _sep, local = name[1:].partition("}")
        return namespace, local
    return "", name


def _keeps_attribute(name: str, value: str) -> bool:
    namespace, local = _local(name)
    if local.lower().startswith("on") or namespace not in ("", XLINK_NS):
        return False
    if local == "href":
        return value.startswith("#")  # a part of this file; never another document
    return "javascript:" not in value.lower()


def sanitised_svg(data: bytes) -> bytes:
    """The SVG's drawing alone; RuleBroken (next to the ``plan`` field) when it is not one.
    UTF-8 only, with no DOCTYPE: without one no entity can be declared, so the entity
    attacks defusedxml guards against cannot happen here."""
    refused = _refuse(_("This SVG file cannot be used as a floor plan."), "svg_refused")
    try:
        markup = XML_DECLARATION.sub("", data.decode("utf-8-sig"), count=1)
    except UnicodeDecodeError as exc:
        raise refused from exc
    if "<!doctype" in markup.lower() or "<!entity" in markup.lower():
        raise refused
    try:
        root = ElementTree.fromstring(markup)  # noqa: S314 (no DTD: checked above)
    except ElementTree.ParseError as exc:
        raise refused from exc
    if _local(root.tag) != (SVG_NS, "svg"):
        raise refused
    for parent in list(root.iter()):
        for child in list(parent):
            namespace, local = _local(child.tag) if isinstance(child.tag, str) else ("", "")
            if namespace != SVG_NS or local not in SVG_ELEMENTS:
                parent.remove(child)
    for element in root.iter():
        for name, value in list(element.attrib.items()):
            if not _keeps_attribute(name, value):
                del element.attrib[name]
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def checked_plan(data: bytes) -> tuple[bytes, str]:
    """The content to store and its type; a wrong type or size is a RuleBroken."""
    if not data:
        raise _refuse(_("Choose a file."), "file_missing")
    if len(data) > PLAN_MAX_BYTES:
        raise _refuse(
            _("The file is larger than %(n)s MB.", n=PLAN_MAX_BYTES // (1024 * 1024)),
            "file_too_large",
        )
    content_type = plan_type(data)
    if content_type is None:
        raise _refuse(_("Upload a %(kinds)s file.", kinds="SVG, PNG, JPG, WEBP"), "file_type")
    if content_type == "image/svg+xml":
        data = sanitised_svg(data)
    return data, content_type


async def set_plan(
    location_id: int, data: bytes, *, var_dir: Path, actor_id: int | None
) -> Location:
    """Stores a location's floor plan in place of any earlier one."""
    location = await get_location(location_id)
    content, content_type = checked_plan(data)
    stored = uploads.write(var_dir, PLAN_AREA, content, content_type)
    async with transaction():
        location.plan_path = stored.name
        await location.save([Location.plan_path])
        await audit.record(
            actor_id=actor_id,
            action="location.plan_set",
            record_type="location",
            record_id=location.id,
            detail={"plan": stored.name, "type": content_type},
        )
    return location


async def remove_plan(location_id: int, *, actor_id: int) -> Location:
    """Takes the plan off the location; the spaces keep their places for the next plan."""
    location = await get_location(location_id)
    async with transaction():
        location.plan_path = ""
        await location.save([Location.plan_path])
        await audit.record(
            actor_id=actor_id,
            action="location.plan_removed",
            record_type="location",
            record_id=location.id,
            detail={},
        )
    return location


def plan_file(var_dir: Path, name: str) -> tuple[bytes, str]:
    """A stored plan and its content type; NotFound for anything else."""
    try:
        data = uploads.read(var_dir, PLAN_AREA, name)
    except (FileNotFoundError, OSError) as exc:
        raise NotFound(_("No such floor plan."), code="plan_not_found") from exc
    content_type = plan_type(data)
    if content_type is None:
        raise NotFound(_("No such floor plan."), code="plan_not_found")
    return data, content_type


Position = tuple[float, float] | None


def _percent(value: Any) -> float | None:
    if isinstance(value, str):
        value = value.strip().replace(",", ".")
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return round(float(value), 2) if math.isfinite(value) and 0 <= value <= 100 else None


def checked_position(x: Any, y: Any, *, field: str = "") -> Position:
    """A place on the plan from two percentages, or None when both are blank."""
    if x in (None, "") and y in (None, ""):
        return None
    found_x, found_y = _percent(x), _percent(y)
    errors = {}
    message = _("Enter a number from %(low)s to %(high)s.", low=0, high=100)
    if found_x is None:
        errors[f"{field}x"] = message
    if found_y is None:
        errors[f"{field}y"] = message
    if errors:
        raise FormInvalid(errors)
    assert found_x is not None and found_y is not None
    return found_x, found_y


async def set_positions(
    location_id: int, positions: dict[int, Position], *, actor_id: int | None
) -> list[Resource]:
    """Places the spaces of one location on its plan, all or none: a space of another
    location is refused (422) and nothing is written."""
    await get_location(location_id)
    async with transaction():
        changed = []
        for resource_id, position in positions.items():
            resource = await get_any_resource(resource_id, lock=True)
            if resource.location != location_id:
                raise RuleBroken(_("This space is at another location."), code="resource_elsewhere")
            x, y = position if position is not None else (None, None)
            if (resource.plan_x, resource.plan_y) == (x, y):
                continue
            resource.plan_x, resource.plan_y = x, y
            await resource.save([Resource.plan_x, Resource.plan_y])
            changed.append(resource)
        if changed:
            await audit.record(
                actor_id=actor_id,
                action="location.plan_positions",
                record_type="location",
                record_id=location_id,
                detail={str(r.id): [r.plan_x, r.plan_y] for r in changed},
            )
    return changed


@dataclass(frozen=True)
class Plan:
    location: Location
    resources: list[Resource]  # the location's open spaces, placed or not

    @property
    def url(self) -> str | None:
        return f"/spaces/plans/{self.location.plan_path}" if self.location.plan_path else None

    @property
    def placed(self) -> list[Resource]:
        return [r for r in self.resources if r.plan_x is not None and r.plan_y is not None]


async def location_plan(location_id: int) -> Plan:
    location = await get_location(location_id)
    return Plan(location, await list_resources(location_id=location_id))
