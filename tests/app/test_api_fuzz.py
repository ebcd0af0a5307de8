"""Property-based fuzzing of the JSON API with schemathesis, in-process over ASGI.

Every operation in /schema/openapi.json is called with generated requests (examples, coverage
of boundaries and wrong types, random fuzzing and stateful sequences) as a staff account and
as a student account, each over a world of accounts and objects, for a time budget per role;
every schemathesis check is on. No answer may be a 5xx, break the schema the API publishes,
accept input the document calls invalid, refuse input it calls valid (except with 401, 403,
404, 409, 422 or 429: API.md's answers for a rule or a missing right), or list in Allow other
methods than the path answers.
"""

from __future__ import annotations

import os

import httpx
import pytest
from litestar import Litestar

from tests.fuzzing import fuzz_role

# Per role and engine; the fuzzing and stateful phases repeat until it is spent. CI runs the
# suite on SQLite and on PostgreSQL, so each role is fuzzed for 100 s a CI run, and the suite
# keeps within its 15 minutes; bench/fuzz_api.py fuzzes for ten minutes a role.
# HUB_TEST_FUZZ_SECONDS changes it (shorter while working on one failure).
SECONDS = int(os.environ.get("HUB_TEST_FUZZ_SECONDS", "40"))


@pytest.mark.parametrize("role", ["staff", "student"])
async def test_api_fuzz(
    app: Litestar, client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str], role: str
) -> None:
    report = await fuzz_role(app, client, role, SECONDS)
    with capsys.disabled():
        print("\n" + report.summary())
    assert len(report.operations) == report.expected, report.summary()
    assert not report.failures, report.summary()
    assert not report.errors, report.summary()
    assert report.running_time >= SECONDS * 0.95, report.summary()
