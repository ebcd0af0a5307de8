"""The Jinja2 environment shared by pages and emails."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from innovation_hub.core import i18n
from innovation_hub.core.auth import role_label
from innovation_hub.core.settings import PROJECT_ROOT, Settings

TEMPLATE_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"


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
    )
    env.globals.update(
        settings=settings,
        current_locale=i18n.current_locale,
        locale_names=i18n.LOCALE_NAMES,
        role_label=role_label,
    )
    return env


def template_config(env: Environment) -> TemplateConfig[Any]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(env))


def render_blocks(env: Environment, name: str, context: dict[str, Any], *blocks: str) -> list[str]:
    """Render named blocks of one template, e.g. an email's subject and body."""
    template = env.get_template(name)
    ctx = template.new_context(context)
    return ["".join(template.blocks[block](ctx)).strip() for block in blocks]
