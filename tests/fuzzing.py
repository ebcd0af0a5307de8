"""Schemathesis over the app in-process (ASGI), every check on, for a time budget.

Shared by ``tests/app/test_api_fuzz.py`` (about two minutes a role) and ``bench/fuzz_api.py``
(ten minutes a role by default): both build the same world of accounts and objects, then run
every schemathesis phase (examples, coverage, fuzzing, stateful) with every check as one
account's bearer token, and report what failed.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import msgspec
import schemathesis
from litestar import Litestar
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema
from schemathesis.python import asgi
from schemathesis.schemas import BaseSchema

from tests.matrix_roles import World, build_world

# Real objects in the paths, so requests reach the rules and not only "not found".
PATH_IDS = (
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
    "user_id",
    "token_id",
)
SEED = 20261201


@dataclass
class Report:
    role: str
    expected: int = 0  # operations in the document
    operations: set[str] = field(default_factory=set)
    requests: int = 0
    checks: Counter[str] = field(default_factory=Counter)
    # check name -> operation -> distinct failure texts
    failures: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    running_time: float = 0.0
    # Schema-valid requests that a rule refused: "422 code" -> operation -> count. Allowed
    # (API.md: 409/422 name the rule), but a code about the input's form means the document
    # does not say what the API accepts.
    refusals: dict[str, Counter[str]] = field(default_factory=dict)

    def add_refusal(self, recorder: Any) -> None:
        for case_id, node in recorder.cases.items():
            meta = node.value.meta
            interaction = recorder.interactions.get(case_id)
            if meta is None or interaction is None or interaction.response is None:
                continue
            if not meta.generation.mode.is_positive:
                continue
            response = interaction.response
            if response.status_code not in (400, 409, 422):
                continue
            try:
                code = msgspec.json.decode(response.content).get("code", "?")
            except (msgspec.DecodeError, AttributeError):
                code = "?"
            key = f"{response.status_code} {code}"
            self.refusals.setdefault(key, Counter())[recorder.label] += 1

    @property
    def failure_count(self) -> int:
        """Distinct failures: one per (check, operation, title and message)."""
        return sum(len(found) for by_op in self.failures.values() for found in by_op.values())

    def add_failure(self, check: str, label: str, text: str) -> None:
        self.failures.setdefault(check, {}).setdefault(label, set()).add(text)

    def headline(self) -> str:
        return (
            f"{self.role}: {len(self.operations)} of {self.expected} operations,"
            f" {self.requests} requests, checks passed {self.checks['passed']},"
            f" failed {self.checks['failed']}, {self.failure_count} distinct failures,"
            f" {len(self.errors)} errors, in {self.running_time:.1f} s"
        )

    def summary(self, *, samples: bool = True, refusals: bool = False) -> str:
        lines = [f"schemathesis {self.headline()}"]
        for check, by_op in sorted(self.failures.items()):
            count = sum(len(found) for found in by_op.values())
            lines.append(f"  {check}: {count} on {len(by_op)} operations")
            for label, found in sorted(by_op.items()):
                lines.append(f"    {label}")
                if samples:
                    lines.extend(f"      {text}" for text in sorted(found)[:3])
        lines.extend(f"  ERROR {text}" for text in self.errors)
        if refusals and self.refusals:
            lines.append("  schema-valid requests refused by a rule (allowed):")
            for key, counts in sorted(self.refusals.items()):
                ops = ", ".join(f"{op} ×{n}" for op, n in counts.most_common())
                lines.append(f"    {key}: {ops}")
        return "\n".join(lines)


def answer(recorder: Any, case_id: str | None) -> str:
    """The status and the start of the body the app answered the failing request with."""
    interaction = recorder.interactions.get(case_id) if case_id else None
    if interaction is None or interaction.response is None:
        return "no answer recorded"
    response = interaction.response
    return f"{response.status_code} {response.content[:300]!r}"


def path_values(world: World) -> dict[str, Any]:
    values: dict[str, Any] = {name: int(world.values[name]) for name in PATH_IDS}
    values["code"] = world.values["code"]
    return values


def config_for(token: str, values: dict[str, Any], seconds: int) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "headers": {"Authorization": f"Bearer {token}"},
            # Fuzzing and stateful phases repeat (new seed each cycle) until the time is up.
            "max-time": seconds,
            "generation": {"max-examples": 25, "database": "none"},
            "checks": {
                "enabled": True,
                # API.md: 422 is the documented answer when a booking or workflow rule refuses
                # well-formed data (opening hours, quotas, states), 409 when it conflicts with
                # existing data: no schema can say those.
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "3xx", 401, 403, 404, 409, 422, 429]
                },
            },
            "parameters": {f"path.{name}": value for name, value in values.items()},
            "cache": {"enabled": False},
            "phases": {"stateful": {"max-steps": 6}},
            "seed": SEED,
        }
    )


def fuzz(app: Litestar, role: str, token: str, values: dict[str, Any], seconds: int) -> Report:
    """Runs every schemathesis phase and check; the app is called in schemathesis' own loop."""
    config = config_for(token, values, seconds)
    schema: BaseSchema = schemathesis.openapi.from_asgi("/schema/openapi.json", app, config=config)
    report = Report(
        role=role,
        expected=sum(len(operations) for operations in schema.raw_schema["paths"].values()),
    )
    try:
        for event in from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished) and event.is_test_scenario:
                if event.label and event.status != Status.SKIP:
                    report.operations.add(event.label)
                report.requests += len(event.recorder.interactions)
                report.add_refusal(event.recorder)
                for case_id, nodes in event.recorder.checks.items():
                    for node in nodes:
                        passed = node.status == Status.SUCCESS
                        report.checks["passed" if passed else "failed"] += 1
                        if node.failure_info is not None:
                            failure = node.failure_info.failure
                            report.add_failure(
                                node.name,
                                failure.operation or event.recorder.label,
                                f"{failure.title}: {failure.message[:300]}"
                                f"\n        {node.failure_info.code_sample[-400:]}"
                                f"\n        -> {answer(event.recorder, case_id)}",
                            )
            elif isinstance(event, events.NonFatalError):
                report.errors.append(f"{event.label}: {event.info.message}")
            elif isinstance(event, events.FatalError):
                report.errors.append(repr(event.exception))
            elif isinstance(event, events.EngineFinished):
                report.running_time = event.running_time
                for failure in event.failures:
                    report.add_failure("after_run", failure.operation or "-", failure.title)
    finally:
        # The ASGI client started the app's lifespan in its own event loop; close it.
        asgi.shutdown_lifespans()
    return report


async def fuzz_role(app: Litestar, client: httpx.AsyncClient, role: str, seconds: int) -> Report:
    """Builds the world (accounts and objects of every kind) and fuzzes as ``role``."""
    world = await build_world(client)
    return await asyncio.to_thread(fuzz, app, role, world.tokens[role], path_values(world), seconds)
