"""Two instances run the background jobs at the same moment against one database, as two
replicas behind a load balancer do: every reminder, digest and email still goes out once."""

from __future__ import annotations

import collections
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.app.conftest import hub

pytestmark = pytest.mark.slow

# Before the job runs, every demo booking is made to look booked a month ago, so that the
# reminders due within the (widened) window are not skipped as "booked inside the window".
BACKDATE = """
import asyncio
from datetime import timedelta
from innovation_hub.bookings.tables import Booking
from innovation_hub.core.clock import utcnow
asyncio.run(Booking.update({Booking.created_at: utcnow() - timedelta(days=30)}, force=True).run())
"""

COUNT = """
import asyncio, json
from innovation_hub.bookings.tables import Booking
from innovation_hub.core.mail import OutboxMessage
from innovation_hub.reports.tables import StaffDigest
async def main():
    rows = await OutboxMessage.select(
        OutboxMessage.id, OutboxMessage.channel, OutboxMessage.to_address,
        OutboxMessage.subject, OutboxMessage.status).run()
    claims = await Booking.count().where(Booking.reminded_at.is_not_null()).run()
    claims += await Booking.count().where(Booking.evening_reminded_at.is_not_null()).run()
    digests = await StaffDigest.count().where(StaffDigest.items > 0).run()
    print(json.dumps({"rows": rows, "reminder_claims": claims, "digests": digests}))
asyncio.run(main())
"""


def python(env: dict[str, str], script: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_two_instances_running_the_jobs_at_once_send_each_message_once(
    own_database: dict[str, str], tmp_path: Path
) -> None:
    env = {
        **own_database,
        "HUB_REMINDER_MINUTES": str(14 * 24 * 60),  # every demo booking of the next 2 weeks
        "HUB_STAFF_DIGEST_HOUR": "0",  # the digest is due whatever the hour
    }
    assert hub(env, "demo").returncode == 0
    python(env, BACKDATE)
    before = {row["id"] for row in json.loads(python(env, COUNT))["rows"]}

    command = [sys.executable, "-m", "innovation_hub.cli", "jobs", "run", "--rounds", "3"]
    instances = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    for instance in instances:
        _, errors = instance.communicate(timeout=300)
        assert instance.returncode == 0, errors.decode()[-3000:]

    counted = json.loads(python(env, COUNT))
    new = [row for row in counted["rows"] if row["id"] not in before]
    # A subject names its booking, visit, case or day, so a message queued twice (by both
    # instances) shows as the same subject to the same address twice.
    same = collections.Counter((row["channel"], row["to_address"], row["subject"]) for row in new)
    assert [key for key, n in same.items() if n > 1] == [], "a message was queued twice"
    assert counted["reminder_claims"] >= 3  # the demo has bookings to remind of
    assert counted["digests"] >= 2  # and staff with work waiting
    assert len(new) >= counted["reminder_claims"] + counted["digests"]

    # Each queued message was sent (by one instance or the other) and written out once.
    assert {row["status"] for row in counted["rows"]} == {"sent"}
    outbox_ids = [path.stem.rsplit("-", 1)[1] for path in (tmp_path / "var" / "mail").glob("*.eml")]
    assert sorted(outbox_ids) == sorted(set(outbox_ids))
    assert len(outbox_ids) == len(counted["rows"])
