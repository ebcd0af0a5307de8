"""Property-based fuzzing of the JSON API with schemathesis, in-process over ASGI.

Every operation in /schema/openapi.json is called with generated requests (examples, coverage
of boundaries and wrong types, random fuzzing and stateful sequences) as a startup account with
some data; every schemathesis check is on. No answer may be a 5xx or break the schema the API
publishes.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import schemathesis
from litestar import Litestar
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema
from schemathesis.python import asgi
from schemathesis.schemas import BaseSchema

from tests.matrix_roles import build_world

MAX_EXAMPLES = 8


@dataclass
class Report:
    expected: int = 0  # operations in the document
    operations: set[str] = field(default_factory=set)
    checks: Counter[str] = field(default_factory=Counter)
    failures: dict[str, set[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    running_time: float = 0.0

    def summary(self) -> str:
        lines = [
            f"schemathesis: {len(self.operations)} of {self.expected} operations tested"
            f" in {self.running_time:.1f} s;"
            f" checks passed {self.checks['passed']}, failed {self.checks['failed']}",
        ]
        for label, found in sorted(self.failures.items()):
            lines.extend(f"  FAILED {label}: {text}" for text in sorted(found))
        lines.extend(f"  ERROR {text}" for text in self.errors)
        return "\n".join(lines)


def fuzz(app: Litestar, token: str, path_values: dict[str, Any]) -> Report:
    """Runs every schemathesis phase and check; the app is called in schemathesis' own loop."""
    config = SchemathesisConfig.from_dict(
        {
            "headers": {"Authorization": f"Bearer {token}"},
            "generation": {"max-examples": MAX_EXAMPLES, "database": "none", "deterministic": True},
            "checks": {
                "enabled": True,
                # API.md: 422 is the documented answer when a booking or workflow rule refuses
                # well-formed data (opening hours, quotas, states): no schema can say those.
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "3xx", 401, 403, 404, 409, 422, 429]
                },
                # Litestar 2 bug (litestar-org/litestar#4169, fixed in v3): when two handler
                # functions share a path, the automatic OPTIONS answer lists one's methods only.
                "allow_header_conformance": {"enabled": False},
            },
            "parameters": {f"path.{name}": value for name, value in path_values.items()},
            "cache": {"enabled": False},
            "phases": {"stateful": {"max-steps": 6}},
            "seed": 20261201,
        }
    )
    schema: BaseSchema = schemathesis.openapi.from_asgi("/schema/openapi.json", app, config=config)
    report = Report(
        expected=sum(len(operations) for operations in schema.raw_schema["paths"].values())
    )
    try:
        for event in from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished) and event.is_test_scenario:
                if event.label and event.status != Status.SKIP:
                    report.operations.add(event.label)
                for nodes in event.recorder.checks.values():
                    for node in nodes:
                        passed = node.status == Status.SUCCESS
                        report.checks["passed" if passed else "failed"] += 1
                        if node.failure_info is not None:
                            failure = node.failure_info.failure
                            report.failures.setdefault(event.recorder.label, set()).add(
                                f"{node.name}: {failure.title} {failure.message[:300]}"
                                f"\n      {node.failure_info.code_sample[-400:]}"
                            )
            elif isinstance(event, events.NonFatalError):
                report.errors.append(f"{event.label}: {event.info.message}")
            elif isinstance(event, events.FatalError):
                report.errors.append(repr(event.exception))
            elif isinstance(event, events.EngineFinished):
                report.running_time = event.running_time
    finally:
        # The ASGI client started the app's lifespan in its own event loop; close it.
        asgi.shutdown_lifespans()
    return report


async def test_api_fuzz(
    app: Litestar, client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    world = await build_world(client)
    # Real objects in the paths, so requests reach the rules and not only "not found".
    ids: dict[str, Any] = {
        name: int(world.values[name])
        for name in (
            "booking_id",
            "series_id",
            "entry_id",
            "visit_id",
            "case_id",
            "programme_id",
            "application_id",
            "milestone_id",
            "resource_id",
            "reviewer_id",
        )
    }
    ids["code"] = world.values["code"]
    report = await asyncio.to_thread(fuzz, app, world.tokens["startup"], ids)
    with capsys.disabled():
        print("\n" + report.summary())
    assert len(report.operations) == report.expected, report.summary()
    assert not report.failures, report.summary()
    assert not report.errors, report.summary()
