"""The deployment files agree with the app: every setting documented, compose.yaml complete."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from innovation_hub.core.settings import PROJECT_ROOT, Settings


class RecordingEnv(dict[str, str]):
    """An environment that remembers every variable the settings ask for."""

    def __init__(self, **values: str) -> None:
        super().__init__(values)
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)


def settings_variables(tmp_path: Path) -> set[str]:
    env = RecordingEnv(HUB_VAR_DIR=str(tmp_path), HUB_SECRET_KEY="k" * 40)
    Settings.from_env(env)
    return env.asked


def compose() -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())  # type: ignore[no-any-return]


def test_every_setting_is_in_the_readme_table_and_compose(tmp_path: Path) -> None:
    variables = settings_variables(tmp_path)
    assert len(variables) > 20 and all(name.startswith("HUB_") for name in variables)
    readme = (PROJECT_ROOT / "README.md").read_text()
    table_rows = [line for line in readme.splitlines() if line.startswith("| `HUB_")]
    documented = {name for row in table_rows for name in re.findall(r"`(HUB_[A-Z_]+)`", row)}
    assert variables <= documented, f"not in README's settings table: {variables - documented}"
    in_compose = set(compose()["services"]["app"]["environment"])
    assert variables <= in_compose, f"not in compose.yaml: {variables - in_compose}"


def test_compose_runs_replicas_behind_a_proxy_after_one_migration() -> None:
    services = compose()["services"]
    app = services["app"]
    assert app["deploy"]["replicas"] == 2
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert app["environment"]["HUB_REDIS_URL"]  # sessions shared between replicas
    assert app["environment"]["HUB_DATABASE_URL"].startswith("postgresql://")
    assert "--proxy-headers" in app["command"]
    assert any("/readyz" in part for part in app["healthcheck"]["test"])
    assert services["migrate"]["command"] == ["innovation-hub", "migrate"]
    assert "127.0.0.1:8000:80" in services["proxy"]["ports"]
    assert services["postgres"]["image"].startswith("postgres:17")
    assert services["redis"]["image"].startswith("redis:7")
    for name, service in services.items():
        if name != "migrate":  # a one-shot job: its exit status is its health
            assert service["healthcheck"]["test"], name
    caddyfile = (PROJECT_ROOT / "deploy" / "Caddyfile").read_text()
    assert "dynamic a app 8000" in caddyfile
    assert "--port=8000" in app["command"]
