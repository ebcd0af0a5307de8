"""The single Piccolo app whose migrations live in the top-level ``piccolo_migrations/``."""

from piccolo.conf.apps import AppConfig

from innovation_hub.core.settings import PROJECT_ROOT

APP_CONFIG = AppConfig(
    app_name="hub",
    migrations_folder_path=str(PROJECT_ROOT / "piccolo_migrations"),
    table_classes=[],
    migration_dependencies=[],
    commands=[],
)
