"""The Jinja2 environment shared by pages and emails."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar.datastructures import MutableScopeHeaders
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from innovation_hub.core import i18n
from innovation_hub.core.auth import role_label
from innovation_hub.core.settings import PROJECT_ROOT, Settings
from innovation_hub.core.taxcode import tax_code_kind_label
from innovation_hub.core.workflow import state_view

TEMPLATE_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"
STATIC_PREFIX = "/static/"
# A versioned URL names one content forever; anything else may change with the next release.
IMMUTABLE_CACHE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, max-age=300"


def content_hash(data: bytes) -> str:
    """Twelve hex digits of SHA-256: enough to tell two versions of a file apart."""
    return hashlib.sha256(data).hexdigest()[:12]


class StaticFiles:
    """The files under ``static/`` and their content hashes, read once at start-up."""

    def __init__(self, directory: Path) -> None:
        self.hashes = {
            path.relative_to(directory).as_posix(): content_hash(path.read_bytes())
            for path in sorted(directory.rglob("*"))
            if path.is_file()
        }

    def url(self, path: str) -> str:
        """``/static/<path>?v=<hash>``: a new release with changed content gets a new URL."""
        if path not in self.hashes:
            raise LookupError(f"no static file {path!r}")
        return f"{STATIC_PREFIX}{path}?v={self.hashes[path]}"

    def cache_control(self, path: str, version: str) -> str:
        # Only the hash of the file served here is immutable: during a rolling update an
        # older instance may be asked for a newer version it does not have.
        if version and self.hashes.get(path) == version:
            return IMMUTABLE_CACHE
        return SHORT_CACHE


STATIC_FILES = StaticFiles(STATIC_DIR)


class StaticCacheMiddleware:
    """Sets ``Cache-Control`` on static files from the ``v`` their URL carries."""

    def __init__(self, app: ASGIApp, files: StaticFiles) -> None:
        self.app = app
        self.files = files

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"].removeprefix(STATIC_PREFIX)
        version = parse_qs(scope["query_string"].decode("latin-1")).get("v", [""])[0]
        cache_control = self.files.cache_control(path, version)

        async def send_with_cache_control(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                MutableScopeHeaders.from_message(message)["cache-control"] = cache_control
            await send(message)

        await self.app(scope, receive, send_with_cache_control)


def make_environment(settings: Settings) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        date=i18n.format_date,
        datetime=i18n.format_datetime,
        vnd=i18n.format_vnd,
        number=i18n.format_number,
        duration=i18n.format_duration,
        hours=i18n.format_hours,
    )
    env.globals.update(
        settings=settings,
        current_locale=i18n.current_locale,
        locale_names=i18n.LOCALE_NAMES,
        role_label=role_label,
        static_url=STATIC_FILES.url,
        status_view=state_view,
        tax_code_kind_label=tax_code_kind_label,
    )
    return env


def template_config(env: Environment) -> TemplateConfig[Any]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(env))


def render_blocks(env: Environment, name: str, context: dict[str, Any], *blocks: str) -> list[str]:
    """Render named blocks of one template, e.g. an email's subject and body."""
    template = env.get_template(name)
    ctx = template.new_context(context)
    return ["".join(template.blocks[block](ctx)).strip() for block in blocks]
