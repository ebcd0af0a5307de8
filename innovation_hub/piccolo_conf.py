"""Piccolo's configuration: the engine from ``HUB_DATABASE_URL`` and the one migrations app."""

from piccolo.conf.apps import AppRegistry

from innovation_hub.core.database import engine_from_url
from innovation_hub.core.settings import get_settings

DB = engine_from_url(get_settings().database_url)

APP_REGISTRY = AppRegistry(apps=["innovation_hub.piccolo_app"])
