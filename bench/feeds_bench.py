"""iCal feeds at scale: rendering cost against the icalendar library alone, and 304 answers.

a. In one process, a 10,000-event feed rendered by ``innovation_hub.core.ical.render`` with
   its per-event cache emptied (a cold render), against the same 10,000 events written by
   the ``icalendar`` library alone through its everyday API (``Calendar.add``, ``Event.add``
   with every property the app writes, the VTIMEZONE, then ``to_ical``) from already-loaded
   events: in the feed's order, times already local, stamps already UTC. The run checks that
   both give the same bytes, so the baseline does the same serialising work. Time is CPU time
   of this process (steadier than wall time on a shared machine), several rounds taken in
   turn; the ratio is the median of the rounds' ratios. Peak memory is measured with
   ``tracemalloc`` in separate runs (it slows allocation down). A cProfile run splits a cold
   render's time between our code and icalendar. Target: render ≤ 1.5 × the baseline.
   The baseline used before 2026-11-28 09:00 UTC (five properties, no VTIMEZONE, about half
   the bytes) is still shown for comparison with older figures.
b. The real app served by uvicorn (one worker, loopback) on a fresh SQLite database holding
   10,000 bookings of one member inside the feed's window (bulk-inserted with Piccolo).
   ``GET`` of the member's private feed in full, then with a matching ``If-None-Match``
   (304). Target: the 304 at least 20 × faster.
c. The whole feed path in this process, cold: the same ``GET`` through the app over ASGI
   (token lookup, ETag query, rows query, building and rendering the feed, the response)
   with the per-event cache emptied before each request, against the library-only baseline
   writing the same events (captured from the app's call to ``render``; same bytes checked).

Figures are printed and appended to ``bench/RESULTS.md``::

    .venv/bin/python bench/feeds_bench.py
    .venv/bin/python bench/feeds_bench.py --events 2000 --no-write
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import logging
import os
import platform
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import httpx
from harness import (
    app_env,
    free_port,
    log_shows_errors,
    migrate,
    positive_int,
    publish,
    start_server,
    stop_server,
    wait_ready,
)

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PASSWORD = "bench-matkhau-2026"
EMAIL = "feeds.member@bench.hub.vn"
RENDER_TARGET = 1.5
NOT_MODIFIED_TARGET = 20.0
PURPOSES = ("", "Họp nhóm; kế hoạch, quý I", "Phỏng vấn khách hàng", "Làm việc 🎉", "Tập huấn")
# Inside the feed's window (90 days back, 400 ahead), with a margin for the day turning.
FIRST_DAY_OFFSET, LAST_DAY_OFFSET = -85, 395
SLOTS = ((8, 0, 10, 0), (10, 30, 12, 0), (13, 30, 15, 0))


# --- a. rendering in one process ---------------------------------------------------------


def feed_events(count: int) -> list[Any]:
    from innovation_hub.core.ical import FeedEvent

    stamp = datetime(2026, 10, 1, 3, 4, 5, tzinfo=UTC)
    first = datetime(2026, 9, 1, 8, tzinfo=LOCAL_TZ)
    events = []
    for number in range(count):
        start = first + timedelta(days=number // 24, minutes=30 * (number % 24))
        purpose = PURPOSES[number % len(PURPOSES)]
        events.append(
            FeedEvent(
                uid=f"booking-{number + 1}@innovation-hub",
                start=start,
                end=start + timedelta(minutes=90),
                summary=f"Phòng họp {number % 40:02d}" + (f" – {purpose}" if purpose else ""),
                description="Đã xác nhận",
                location=f"Phòng họp {number % 40:02d}, Trung tâm Khởi nghiệp Tây Ninh",
                status="CANCELLED" if number % 20 == 0 else "CONFIRMED",
                sequence=number % 3,
                created=stamp,
                last_modified=stamp + timedelta(minutes=number),
            )
        )
    return events


BENCH_FEED = {
    "name": "Trung tâm Khởi nghiệp – Lịch đặt chỗ của tôi",
    "description": "Lịch của Đặng Quốc Bảo",
    "calendar_uid": "feed-member-1@innovation-hub",
    "source_url": "http://127.0.0.1/feeds/private/x.ics",
}


def render_app(events: list[Any]) -> bytes:
    from innovation_hub.core.ical import render

    return render(events=events, **BENCH_FEED)


def render_app_cold(events: list[Any]) -> bytes:
    """The app's render with its per-event cache emptied: a feed never rendered before."""
    from innovation_hub.core import ical

    ical._event_bytes.cache_clear()
    return render_app(events)


def as_loaded(events: list[Any]) -> list[Any]:
    """The events as a loader would hand them to a plain icalendar writer: in the feed's order,
    times already in local time, stamps in UTC, whole seconds. The app does this work itself."""
    from innovation_hub.core import ical

    def local(moment: datetime | date) -> datetime | date:
        if isinstance(moment, datetime):
            return moment.astimezone(LOCAL_TZ).replace(microsecond=0)
        return moment

    def utc(moment: datetime) -> datetime:
        return moment.astimezone(UTC).replace(microsecond=0)

    return [
        replace(
            item,
            start=local(item.start),
            end=local(item.end),
            created=utc(item.created),
            last_modified=utc(item.last_modified),
        )
        for item in sorted(events, key=ical._order)
    ]


@lru_cache(maxsize=1)
def library_timezone() -> Any:
    """The VTIMEZONE from icalendar alone, built once (the app caches its own too)."""
    from icalendar import Timezone

    from innovation_hub.core import ical

    return Timezone.from_tzid(ical.TZID, first_date=ical.TIMEZONE_FIRST_DATE)


def render_library_only(events: list[Any], feed: dict[str, str] = BENCH_FEED) -> bytes:
    """The same feed through icalendar's everyday API alone: every property the app writes,
    added with ``Calendar.add`` and ``Event.add``, then one ``to_ical``."""
    from icalendar import Calendar, Event, vDuration, vText

    from innovation_hub.core import ical

    calendar = Calendar()
    calendar.add("prodid", ical.PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("uid", feed["calendar_uid"])
    calendar.add("name", vText(feed["name"]))
    calendar.add("x-wr-calname", vText(feed["name"]))
    calendar.add("description", vText(feed["description"]))
    calendar.add("x-wr-caldesc", vText(feed["description"]))
    calendar.add("x-wr-timezone", ical.TZID)
    calendar.add("source", feed["source_url"], parameters={"VALUE": "URI"})
    calendar.add("refresh-interval", ical.REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(ical.REFRESH))
    calendar.add_component(library_timezone())
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", item.last_modified)
        event.add("created", item.created)
        event.add("last-modified", item.last_modified)
        event.add("sequence", item.sequence)
        event.add("dtstart", item.start)
        event.add("dtend", item.end)
        event.add("summary", item.summary)
        if item.description:
            event.add("description", item.description)
        if item.location:
            event.add("location", item.location)
        event.add("status", item.status)
        if item.transparent:
            event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()


def render_library_minimal(events: list[Any]) -> bytes:
    """The baseline used before 2026-11-28 09:00 UTC: five properties an event, two calendar
    properties, no VTIMEZONE; about half the app's bytes, so not the same work."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//bench//icalendar only//VI")
    calendar.add("version", "2.0")
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", item.last_modified)
        event.add("dtstart", item.start)
        event.add("dtend", item.end)
        event.add("summary", item.summary)
        calendar.add_component(event)
    return calendar.to_ical()


def _fold(line: str) -> str:
    """icalendar's folding (7.3.2): under 75 octets a line, a leading backslash kept whole."""
    if len(line) < 75 and (line.isascii() or len(line.encode()) < 75):
        return line
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode())
        if current and size + width >= 75:
            carried = current.pop() if len(current) > 1 and current[-1] in "\\^" else ""
            parts.append("".join(current))
            current, size = ([carried], len(carried.encode())) if carried else ([], 0)
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _escaped(text: str) -> str:
    # RFC 5545 TEXT escaping, without icalendar's step that reads a literal backslash-N as
    # a line break.
    return (
        unicodedata.normalize("NFC", text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def render_direct(events: list[Any]) -> bytes:
    """A prototype, not the app: the calendar part and VTIMEZONE from icalendar, each event's
    content lines written directly, in icalendar's property order. ``measure_renders`` checks
    that the bytes equal the app's."""
    from innovation_hub.core import ical

    head = render_app([]).removesuffix(b"END:VCALENDAR\r\n")
    out = [head.decode(), ical._vtimezone().to_ical().decode()]
    zone = f"TZID={ical.TZID}"

    def moment(name: str, value: Any) -> str:
        if isinstance(value, datetime):
            local = value.astimezone(LOCAL_TZ)
            return f"{name};{zone}:{local:%Y%m%dT%H%M%S}"
        return f"{name};VALUE=DATE:{value:%Y%m%d}"

    for item in sorted(events, key=ical._order):
        stamp = f"{item.last_modified.astimezone(UTC):%Y%m%dT%H%M%SZ}"
        lines = [
            "BEGIN:VEVENT",
            "SUMMARY:" + _escaped(item.summary),
            moment("DTSTART", item.start),
            moment("DTEND", item.end),
            "DTSTAMP:" + stamp,
            "UID:" + item.uid,
            f"SEQUENCE:{item.sequence}",
            f"CREATED:{item.created.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        ]
        if item.description:
            lines.append("DESCRIPTION:" + _escaped(item.description))
        lines.append("LAST-MODIFIED:" + stamp)
        if item.location:
            lines.append("LOCATION:" + _escaped(item.location))
        lines += [
            "STATUS:" + item.status,
            *(["TRANSP:TRANSPARENT"] if item.transparent else []),
            "END:VEVENT",
        ]
        out.append("".join(_fold(line) + "\r\n" for line in lines))
    out.append("END:VCALENDAR\r\n")
    return "".join(out).encode()


@dataclass
class RenderFigures:
    name: str
    seconds: list[float]  # CPU time of each round
    peak_bytes: int
    size: int

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def ratio_to(self, baseline: RenderFigures) -> float:
        """The median of the rounds' ratios: each pair was taken back to back."""
        return statistics.median(
            mine / theirs for mine, theirs in zip(self.seconds, baseline.seconds, strict=True)
        )


def cpu_timed(function: Callable[[], bytes]) -> tuple[float, bytes]:
    began = time.process_time()
    body = function()
    return time.process_time() - began, body


def peak_memory(function: Callable[[], bytes]) -> int:
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def measure_renders(count: int, rounds: int) -> dict[str, RenderFigures]:
    events = feed_events(count)
    loaded = as_loaded(events)
    # The VTIMEZONE is cached by the app; build it once so that no round pays for it.
    render_app(events[:1])
    app_bytes = render_app(events)
    if render_library_only(loaded) != app_bytes:
        raise AssertionError("the library-only baseline's bytes differ from the app's")
    if render_direct(events) != app_bytes:
        raise AssertionError("the prototype writer's bytes differ from the app's")
    candidates: dict[str, Callable[[], bytes]] = {
        "app": lambda: render_app_cold(events),
        # Rendered again with no event changed: every event's bytes come from the cache.
        "app_warm": lambda: render_app(events),
        "library": lambda: render_library_only(loaded),
        "minimal": lambda: render_library_minimal(events),
        "direct": lambda: render_direct(events),
    }
    figures = {name: RenderFigures(name, [], 0, 0) for name in candidates}
    for _ in range(rounds):  # in turn, so that machine noise hits each alike
        for name, function in candidates.items():
            seconds, body = cpu_timed(function)
            figures[name].seconds.append(seconds)
            figures[name].size = len(body)
            del body
    for name, function in candidates.items():
        figures[name].peak_bytes = peak_memory(function)
    return figures


@dataclass
class ProfileSplit:
    ours: float
    icalendar: float
    serialising: float  # icalendar's Component.to_ical, a part of ``icalendar``
    other: float


def profile_split(count: int) -> ProfileSplit:
    """Shares of a cold render's time under cProfile. Built-ins and the standard library are
    charged to the nearest caller in our code or in icalendar."""
    events = feed_events(count)
    render_app(events[:1])
    profiler = cProfile.Profile()
    profiler.runcall(render_app_cold, events)
    stats: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]

    def home(function: tuple[str, int, str]) -> str | None:
        if "/innovation_hub/" in function[0]:
            return "ours"
        if "/icalendar/" in function[0]:
            return "icalendar"
        return None

    def owner(function: tuple[str, int, str], depth: int = 0) -> str:
        callers = stats[function][4] if function in stats else {}
        if found := home(function):
            return found
        if not callers or depth > 8:
            return "other"
        # The caller it spent the most time under.
        return owner(max(callers, key=lambda caller: callers[caller][3]), depth + 1)

    shares = {"ours": 0.0, "icalendar": 0.0, "other": 0.0}
    for function, (_, _, own_time, _, callers) in stats.items():
        if home(function) or not callers:
            shares[owner(function)] += own_time
        else:  # a built-in: each caller is charged with the time spent on its calls
            for caller, edge in callers.items():
                shares[owner(caller)] += edge[2]
    serialising = sum(
        row[3]
        for function, row in stats.items()
        if function[2] == "to_ical" and function[0].endswith("cal/component.py")
    )
    total = sum(shares.values())
    return ProfileSplit(
        ours=shares["ours"] / total,
        icalendar=shares["icalendar"] / total,
        serialising=serialising / total,
        other=shares["other"] / total,
    )


# --- b. the member feed over HTTP --------------------------------------------------------


async def fill_database(count: int) -> tuple[int, int]:
    """One member with ``count`` bookings spread over rooms and days of the feed's window."""
    from innovation_hub.accounts.services import NewAccount, create_account
    from innovation_hub.bookings.tables import Booking
    from innovation_hub.spaces.services import create_resource

    member = await create_account(
        NewAccount(
            email=EMAIL,
            password=PASSWORD,
            name="Đặng Quốc Bảo",
            role="startup",
            organisation_name="Công ty Khởi Nghiệp Xanh",
        ),
        actor_id=None,
    )
    days = LAST_DAY_OFFSET - FIRST_DAY_OFFSET
    rooms_needed = -(-count // (days * len(SLOTS)))
    rooms = [
        await create_resource(
            {"name": f"Phòng họp {n:02d}", "kind": "meeting_room", "capacity": 8}, actor_id=None
        )
        for n in range(1, rooms_needed + 1)
    ]
    now = datetime.now(UTC).replace(microsecond=0)
    today = now.astimezone(LOCAL_TZ).date()
    rows = []
    for number in range(count):
        day = today + timedelta(days=FIRST_DAY_OFFSET + number % days)
        room = rooms[(number // days) % len(rooms)]
        h1, m1, h2, m2 = SLOTS[(number // days // len(rooms)) % len(SLOTS)]
        start = datetime(day.year, day.month, day.day, h1, m1, tzinfo=LOCAL_TZ)
        end = datetime(day.year, day.month, day.day, h2, m2, tzinfo=LOCAL_TZ)
        cancelled = number % 25 == 0  # recent cancellations stay in the feed
        created = now - timedelta(days=120, minutes=number)
        updated = now - timedelta(days=2) if cancelled else created
        rows.append(
            Booking(
                resource=room.id,
                user=member.id,
                kind="booking",
                status="cancelled" if cancelled else "confirmed",
                start_at=start,
                end_at=end,
                occupied_until=end,
                purpose=PURPOSES[number % len(PURPOSES)],
                attendees=2,
                cancelled_at=updated if cancelled else None,
                created_by=member.id,
                sequence=1 if cancelled else 0,
                created_at=created,
                updated_at=updated,
            )
        )
    # The SQLite overlap trigger looks up earlier bookings of the resource for every row; an
    # index kept for the load only makes that a seek (as bench/bookings_load.py does).
    await Booking.raw("CREATE INDEX bench_feed_load ON booking (resource, occupied_until)")
    for first in range(0, len(rows), 500):
        await Booking.insert(*rows[first : first + 500]).run()
    await Booking.raw("DROP INDEX bench_feed_load")
    return int(member.id), len(rooms)


def peak_rss_kib(pid: int) -> int | None:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


@dataclass
class HttpFigures:
    full_ms: list[float]
    not_modified_ms: list[float]
    body_bytes: int
    events: int
    rooms: int
    rss_before_kib: int | None
    rss_after_kib: int | None
    feed_path: str

    @property
    def ratio(self) -> float:
        return statistics.median(self.full_ms) / statistics.median(self.not_modified_ms)


def timed_get(client: httpx.Client, path: str, headers: dict[str, str]) -> tuple[float, Any]:
    began = time.perf_counter()
    response = client.get(path, headers=headers)
    return (time.perf_counter() - began) * 1000, response


def measure_http(count: int, full_requests: int, cached_requests: int, temp: Path) -> HttpFigures:
    port = free_port()
    var_dir = temp / "var"
    # The feed URLs the app hands out carry its address.
    env = app_env(var_dir, base_url=f"http://127.0.0.1:{port}")
    migrate(env)
    # This process writes the rows through Piccolo, so it reads the same settings.
    os.environ.update({k: v for k, v in env.items() if k.startswith("HUB_")})
    print(f"  inserting {count:,} bookings...", flush=True)
    _, rooms = asyncio.run(fill_database(count))
    server = start_server("app", "innovation_hub.app:app", env, temp, "/healthz", port=port)
    try:
        asyncio.run(wait_ready(server))
        with httpx.Client(base_url=server.base_url, trust_env=False, timeout=120.0) as client:
            token = client.post("/api/v1/auth/tokens", json={"email": EMAIL, "password": PASSWORD})
            token.raise_for_status()
            feeds = client.get(
                "/api/v1/me/feeds", headers={"authorization": f"Bearer {token.json()['token']}"}
            )
            feeds.raise_for_status()
            [url] = [i["url"] for i in feeds.json()["items"] if i["kind"] == "member"]
            path = url.removeprefix(server.base_url)

            rss_before = peak_rss_kib(server.process.pid)
            full: list[float] = []
            body = b""
            for number in range(2 + full_requests):  # two warm-ups
                elapsed, response = timed_get(client, path, {})
                assert response.status_code == 200, response.status_code
                body = response.content
                if number >= 2:
                    full.append(elapsed)
            rss_after = peak_rss_kib(server.process.pid)
            etag = response.headers["etag"]
            cached: list[float] = []
            for number in range(20 + cached_requests):
                elapsed, response = timed_get(client, path, {"if-none-match": etag})
                assert response.status_code == 304, response.status_code
                if number >= 20:
                    cached.append(elapsed)
    finally:
        stop_server(server)
    if log_shows_errors(server.log_tail()):
        print(server.log_tail(), file=sys.stderr)
    return HttpFigures(
        full_ms=full,
        not_modified_ms=cached,
        body_bytes=len(body),
        events=body.count(b"BEGIN:VEVENT"),
        rooms=rooms,
        rss_before_kib=rss_before,
        rss_after_kib=rss_after,
        feed_path=path,
    )


# --- c. the whole feed path in this process ----------------------------------------------


@dataclass
class InProcessFigures:
    path: RenderFigures  # the cold GET through the app
    library: RenderFigures  # icalendar alone on the same events
    events: int


async def measure_in_process(path: str, rounds: int) -> InProcessFigures:
    """Cold GETs of the feed through the app over ASGI (no server), each against the library
    writing the events the app rendered. Runs on the database part b filled."""
    from innovation_hub.app import create_app
    from innovation_hub.calendars import services
    from innovation_hub.core import ical

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per request
    captured: dict[str, Any] = {}
    app_render = services.render

    def recording_render(**feed: Any) -> bytes:
        captured.update(feed)
        return app_render(**feed)

    app: Any = create_app()  # Litestar's ASGI signature is narrower than httpx's annotation
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:

        async def cold_get() -> bytes:
            ical._event_bytes.cache_clear()
            response = await client.get(path)
            assert response.status_code == 200, response.status_code
            return response.content

        with mock.patch.object(services, "render", recording_render):
            expected = await cold_get()
        loaded = as_loaded(captured.pop("events"))
        if render_library_only(loaded, captured) != expected:
            raise AssertionError("the library-only baseline's bytes differ from the feed's")
        path_figures = RenderFigures("path", [], 0, len(expected))
        library = RenderFigures("library", [], 0, len(expected))
        for _ in range(rounds):
            began = time.process_time()  # this process's threads: the SQLite one included
            await cold_get()
            path_figures.seconds.append(time.process_time() - began)
            seconds, _ = cpu_timed(lambda: render_library_only(loaded, captured))
            library.seconds.append(seconds)
        tracemalloc.start()
        try:
            await cold_get()
            path_figures.peak_bytes = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        library.peak_bytes = peak_memory(lambda: render_library_only(loaded, captured))
    return InProcessFigures(path_figures, library, len(loaded))


# --- report ------------------------------------------------------------------------------


def mib(value: float | None) -> str:
    return "n/a" if value is None else f"{value / 1024 / 1024:.1f} MiB"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def verdict(ratio: float) -> str:
    return "met" if ratio <= RENDER_TARGET else "**missed**"


def report(
    args: argparse.Namespace,
    started: datetime,
    renders: dict[str, RenderFigures],
    split: ProfileSplit,
    http: HttpFigures | None,
    in_process: InProcessFigures | None,
) -> str:
    app, library, minimal = renders["app"], renders["library"], renders["minimal"]
    warm, direct = renders["app_warm"], renders["direct"]
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())

    def row(label: str, figures: RenderFigures) -> str:
        return (
            f"| {label} | {figures.median * 1000:.0f} ms | {min(figures.seconds) * 1000:.0f} ms"
            f" | {mib(figures.peak_bytes)} | {mib(figures.size)} | | |"
        )

    def ratio_row(label: str, mine: RenderFigures, baseline: RenderFigures, target: bool) -> str:
        ratio = mine.ratio_to(baseline)
        memory = f"{mine.peak_bytes / baseline.peak_bytes:.2f} ×" if baseline.peak_bytes else ""
        goal = f"≤ {RENDER_TARGET} × | {verdict(ratio)}" if target else "| "
        return f"| {label} | {ratio:.2f} × | | {memory} | | {goal} |"

    lines = [
        f"## {started:%Y-%m-%d %H:%M} UTC — iCal feeds (`bench/feeds_bench.py`)",
        "",
        f"a. {args.events:,} timed events rendered by `innovation_hub.core.ical.render` with its "
        "per-event cache emptied (cold), against the same events written by the `icalendar` "
        "library alone through its everyday API (`Calendar.add`, `Event.add` with every "
        "property the app writes: UID, DTSTAMP, CREATED, LAST-MODIFIED, SEQUENCE, DTSTART/DTEND "
        "with TZID, SUMMARY, DESCRIPTION, LOCATION, STATUS; the calendar properties and the "
        "VTIMEZONE; then `to_ical`) from already-loaded events (feed order, local times, UTC "
        "stamps); the run checks that both write the same bytes. CPU time of the process, "
        f"{args.rounds} rounds taken in turn; ratios are the median of the rounds' ratios; peak "
        "memory by `tracemalloc` in a separate run of each. The minimal baseline is the one "
        "used before 2026-11-28 09:00 UTC (UID, DTSTAMP, DTSTART, DTEND, SUMMARY, no VTIMEZONE: "
        "half the bytes). The prototype is `render_direct` in this script (not the app: event "
        "lines written by hand; same bytes checked). "
        "b. The member's private feed through the real app (uvicorn, one worker, loopback, "
        "SQLite): full `GET` (per-event cache warm after two warm-ups) against `GET` with the "
        "matching `If-None-Match` (304), sequential requests on one keep-alive connection, "
        "client-side latency. "
        "c. The same feed through the app in this process over ASGI, cold (token, ETag query, "
        "rows query, building, rendering, response; per-event cache emptied before each GET), "
        "against the library-only writer on the events the app rendered (same bytes checked); "
        "CPU time of the process including its SQLite thread.",
        "",
        f"- Machine: {platform.platform()}, {os.cpu_count()} CPUs, load average {load}",
        f"- Python {platform.python_version()}, icalendar {version('icalendar')}, "
        f"litestar {version('litestar')}, piccolo {version('piccolo')}, "
        f"uvicorn {version('uvicorn')}, SQLite {sqlite3.sqlite_version}",
        "",
        "| measurement | median | min | peak memory | body | target | result |",
        "|---|---|---|---|---|---|---|",
        row(f"app render, cold, {args.events:,} events (CPU)", app),
        row("icalendar alone, same events and bytes (CPU)", library),
        ratio_row("app cold render / baseline", app, library, target=True),
        row("app re-render, no event changed (per-event cache)", warm),
        ratio_row("app re-render / baseline", warm, library, target=True),
        row("earlier minimal baseline (5 properties, no VTIMEZONE)", minimal),
        ratio_row("app cold render / minimal baseline", app, minimal, target=False),
        row("prototype direct writer (same bytes as the app)", direct),
        ratio_row("prototype / baseline", direct, library, target=False),
    ]
    if http is not None:
        full, cached = http.full_ms, http.not_modified_ms
        lines += [
            f"| GET member feed, 200 ({http.events:,} events, n={len(full)}) | "
            f"{statistics.median(full):.0f} ms | {min(full):.0f} ms | server peak RSS "
            f"{mib((http.rss_before_kib or 0) * 1024)} → {mib((http.rss_after_kib or 0) * 1024)}"
            f" | {mib(http.body_bytes)} | | |",
            f"| GET with If-None-Match, 304 (n={len(cached)}) | "
            f"{statistics.median(cached):.2f} ms | {min(cached):.2f} ms | "
            f"p95 {percentile(cached, 0.95):.2f} ms | 0 | | |",
            f"| 200 / 304 | {http.ratio:.0f} × faster | | | | ≥ {NOT_MODIFIED_TARGET:.0f} × | "
            f"{'met' if http.ratio >= NOT_MODIFIED_TARGET else '**missed**'} |",
        ]
    if in_process is not None:
        lines += [
            row(f"cold GET in process, {in_process.events:,} events (CPU)", in_process.path),
            row("icalendar alone, same events and bytes (CPU)", in_process.library),
            ratio_row("cold feed path / baseline", in_process.path, in_process.library, True),
        ]
    lines += [
        "",
        f"A cold render under cProfile (built-ins charged to their caller): icalendar "
        f"{split.icalendar:.0%} (of which `Component.to_ical` {split.serialising:.0%}: "
        f"ordering, escaping, folding, CRLF), our code {split.ours:.0%}, other {split.other:.0%}.",
    ]
    if http is not None:
        lines += [
            "",
            f"Data set: one member, {args.events:,} bookings (4 % recently cancelled, still "
            f"shown) over {http.rooms} rooms and {LAST_DAY_OFFSET - FIRST_DAY_OFFSET} days "
            "inside the feed's window, bulk-inserted with Piccolo.",
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=positive_int, default=10_000, help="default 10000")
    parser.add_argument("--rounds", type=positive_int, default=5, help="render rounds (default 5)")
    parser.add_argument(
        "--full-requests", type=positive_int, default=15, help="200 GETs (default 15)"
    )
    parser.add_argument(
        "--cached-requests", type=positive_int, default=300, help="304 GETs (default 300)"
    )
    parser.add_argument("--no-http", action="store_true", help="skip parts b and c")
    parser.add_argument("--no-write", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args(argv)
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="hub-feeds-bench-") as temp_name:
        temp = Path(temp_name)
        # Importing the app package reads settings; point them at the throw-away directory.
        os.environ.update(HUB_VAR_DIR=str(temp / "var"), HUB_RUN_JOBS="false")
        os.environ.pop("HUB_DATABASE_URL", None)
        print(f"a. rendering {args.events:,} events, {args.rounds} rounds...", flush=True)
        renders = measure_renders(args.events, args.rounds)
        split = profile_split(args.events)
        http = in_process = None
        if not args.no_http:
            print(f"b. the member feed over HTTP with {args.events:,} bookings...", flush=True)
            http = measure_http(args.events, args.full_requests, args.cached_requests, temp)
            print("c. the cold feed path in this process...", flush=True)
            in_process = asyncio.run(measure_in_process(http.feed_path, args.rounds))
    publish(report(args, started, renders, split, http, in_process), write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
