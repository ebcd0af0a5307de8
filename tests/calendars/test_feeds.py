"""iCal feeds: contract, bytes, lifecycle, caching, privacy."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import httpx
import pytest
from icalendar import Calendar

from innovation_hub.accounts.tables import User
from innovation_hub.bookings import services as bookings
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.spaces.services import create_resource
from tests.helpers import api_token, bearer, log_in, make_user, next_open_day

POLICY = bookings.Policy()


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LOCAL_TZ)


async def feed_urls(client: httpx.AsyncClient, token: str) -> dict[str, str]:
    response = await client.get("/api/v1/me/feeds", headers=bearer(token))
    assert response.status_code == 200
    return {item["kind"]: item["url"] for item in response.json()["items"]}


def path_of(url: str) -> str:
    return url.removeprefix("http://testserver")


@pytest.fixture
async def member() -> User:
    return await make_user("startup", email="bao@agritn.vn", name="Đặng Quốc Bảo")


async def booked(member: User, purpose: str = "Họp nhóm; bàn kế hoạch, quý I") -> bookings.Booking:
    room = await create_resource(
        {"name": "Phòng họp Trúc", "kind": "meeting_room", "capacity": 4}, actor_id=None
    )
    day = next_open_day()
    return await bookings.create_booking(
        member, room.id, local(day, 9), local(day, 10), purpose=purpose, policy=POLICY
    )


async def test_every_account_has_one_member_feed_and_staff_also_a_staff_feed(
    client: httpx.AsyncClient, member: User
) -> None:
    await make_user("staff", email="ngoc@hub.vn")
    member_feeds = (
        await client.get(
            "/api/v1/me/feeds", headers=bearer(await api_token(client, "bao@agritn.vn"))
        )
    ).json()["items"]
    assert [f["kind"] for f in member_feeds] == ["member"]
    assert member_feeds[0]["webcal_url"].startswith("webcal://testserver/feeds/private/")
    staff_feeds = (
        await client.get("/api/v1/me/feeds", headers=bearer(await api_token(client, "ngoc@hub.vn")))
    ).json()["items"]
    assert sorted(f["kind"] for f in staff_feeds) == ["member", "staff"]
    token = re.search(r"/feeds/private/([^.]+)\.ics", member_feeds[0]["url"])
    assert token and len(token.group(1)) >= 22  # at least 128 bits in URL-safe base64


async def test_member_feed_shows_a_0900_booking_as_0200_utc(
    client: httpx.AsyncClient, member: User
) -> None:
    booking = await booked(member)
    urls = await feed_urls(client, await api_token(client, "bao@agritn.vn"))
    response = await client.get(path_of(urls["member"]))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["cache-control"].startswith("private")
    calendar = Calendar.from_ical(response.content)
    [event] = calendar.walk("VEVENT")
    assert str(event["uid"]) == f"booking-{booking.id}@innovation-hub"
    start = event.decoded("dtstart")
    assert start.utcoffset() == timedelta(hours=7)
    assert start.hour == 9
    assert start.astimezone(UTC).hour == 2
    assert "DTSTART;TZID=Asia/Ho_Chi_Minh:" in response.text
    assert str(event["summary"]) == "Phòng họp Trúc – Họp nhóm; bàn kế hoạch, quý I"
    assert "SUMMARY:Phòng họp Trúc – Họp nhóm\\; bàn kế hoạch\\, quý I" in response.text
    [timezone] = calendar.walk("VTIMEZONE")
    assert len(timezone.walk("STANDARD")) == 1 and not timezone.walk("DAYLIGHT")
    for prop in (
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
        "X-WR-TIMEZONE:Asia/Ho_Chi_Minh",
        "PRODID:",
        "X-WR-CALNAME:",
        "NAME:",
    ):
        assert prop in response.text


async def test_feed_bytes_are_stable_well_formed_and_cacheable(
    client: httpx.AsyncClient, member: User
) -> None:
    await booked(member, purpose="Dòng rất dài " * 20 + "🎉 \\ backslash\nxuống dòng")
    urls = await feed_urls(client, await api_token(client, "bao@agritn.vn"))
    first = await client.get(path_of(urls["member"]))
    second = await client.get(path_of(urls["member"]))
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]
    raw = first.content
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # folding never splits a character
    text = raw.decode()
    assert text.count("BEGIN:") == text.count("END:")
    cached = await client.get(
        path_of(urls["member"]), headers={"if-none-match": first.headers["etag"]}
    )
    assert cached.status_code == 304 and cached.content == b""
    head = await client.head(path_of(urls["member"]))
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == first.headers["etag"]


async def test_changes_keep_the_uid_raise_sequence_and_change_the_etag(
    client: httpx.AsyncClient, member: User
) -> None:
    booking = await booked(member)
    urls = await feed_urls(client, await api_token(client, "bao@agritn.vn"))
    before = await client.get(path_of(urls["member"]))
    staff = await make_user("staff", email="ngoc@hub.vn")
    await bookings.move_booking(
        staff,
        booking.id,
        start=booking.start_at + timedelta(hours=1),
        end=booking.end_at + timedelta(hours=1),
        resource_id=None,
        reason="Đổi giờ",
        policy=POLICY,
    )
    after = await client.get(
        path_of(urls["member"]), headers={"if-none-match": before.headers["etag"]}
    )
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    [old] = Calendar.from_ical(before.content).walk("VEVENT")
    [new] = Calendar.from_ical(after.content).walk("VEVENT")
    assert old["uid"] == new["uid"]
    assert int(new["sequence"]) > int(old["sequence"])
    await bookings.cancel_booking(
        member, booking.id, policy=POLICY, now=booking.start_at - timedelta(days=1)
    )
    cancelled = await client.get(path_of(urls["member"]))
    [gone] = Calendar.from_ical(cancelled.content).walk("VEVENT")
    assert str(gone["status"]) == "CANCELLED"
    assert int(gone["sequence"]) > int(new["sequence"])


async def test_rotated_tokens_answer_404(client: httpx.AsyncClient, member: User) -> None:
    token = await api_token(client, "bao@agritn.vn")
    old = await feed_urls(client, token)
    rotated = await client.post("/api/v1/me/feeds/rotate", headers=bearer(token))
    assert rotated.status_code == 200
    new = {item["kind"]: item["url"] for item in rotated.json()["items"]}
    assert new["member"] != old["member"]
    assert (await client.get(path_of(old["member"]))).status_code == 404
    assert (await client.get(path_of(new["member"]))).status_code == 200
    assert await feed_urls(client, token) == new


async def test_feed_misses_are_rate_limited(client: httpx.AsyncClient) -> None:
    for n in range(60):
        assert (await client.get(f"/feeds/private/guess{n}.ics")).status_code == 404
    assert (await client.get("/feeds/private/guess-again.ics")).status_code == 429


async def test_a_valid_feed_url_is_served_from_an_address_throttled_for_misses(
    client: httpx.AsyncClient, member: User
) -> None:
    await booked(member)
    urls = await feed_urls(client, await api_token(client, "bao@agritn.vn"))
    for n in range(60):  # someone behind the same address guesses until refused
        await client.get(f"/feeds/private/guess{n}.ics")
    assert (await client.get("/feeds/private/guess-again.ics")).status_code == 429
    for method in ("GET", "HEAD"):
        served = await client.request(method, path_of(urls["member"]))
        assert served.status_code == 200, method
    assert "Phòng họp Trúc" in (await client.get(path_of(urls["member"]))).text
    assert (await client.get("/feeds/private/guess-more.ics")).status_code == 429


async def test_resource_feed_has_no_personal_data(client: httpx.AsyncClient, member: User) -> None:
    booking = await booked(member, purpose="Gặp nhà đầu tư bí mật")
    response = await client.get(f"/feeds/resources/{booking.resource}.ics")
    assert response.status_code == 200
    assert response.headers["cache-control"].startswith("public")
    for private in ("Đặng Quốc Bảo", "bao@agritn.vn", "nhà đầu tư"):
        assert private not in response.text
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["summary"]) == "Bận"
    assert (await client.get("/feeds/resources/999.ics")).status_code == 404
    assert (await client.get("/feeds/resources/abc.ics")).status_code == 404


async def test_public_events_feed_has_events_and_all_day_holidays(
    client: httpx.AsyncClient,
) -> None:
    staff = await make_user("staff", email="ngoc@hub.vn")
    hall = await create_resource(
        {"name": "Hội trường", "kind": "event_hall", "capacity": 120}, actor_id=None
    )
    day = next_open_day()
    await bookings.create_block(
        staff,
        hall.id,
        local(day, 13),
        local(day, 17),
        reason="Ngày hội khởi nghiệp 2026",
        public=True,
    )
    await bookings.create_block(staff, hall.id, local(day, 8), local(day, 9), reason="Bảo trì")
    response = await client.get("/feeds/events.ics")
    calendar = Calendar.from_ical(response.content)
    summaries = [str(e["summary"]) for e in calendar.walk("VEVENT")]
    assert "Ngày hội khởi nghiệp 2026" in summaries and "Bảo trì" not in summaries
    tet = [e for e in calendar.walk("VEVENT") if "Tết" in str(e["summary"])]
    assert tet
    start, end = tet[0].decoded("dtstart"), tet[0].decoded("dtend")
    assert type(start) is date and end - start == timedelta(days=1)  # exclusive end


async def test_single_booking_download_and_feeds_page(
    client: httpx.AsyncClient, member: User
) -> None:
    booking = await booked(member)
    await log_in(client, "bao@agritn.vn")
    download = await client.get(f"/bookings/{booking.id}.ics")
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    assert f"booking-{booking.id}@innovation-hub" in download.text
    other = await make_user("student", email="khoa@hs.vn")
    assert other
    page = await client.get("/feeds")
    assert page.status_code == 200
    assert "webcal://testserver/feeds/private/" in page.text
    assert "calendar.google.com" in page.text


def test_feed_tokens_never_reach_the_access_log() -> None:
    import logging

    from innovation_hub.core.security import RedactFeedTokens

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/feeds/private/s3cr3tT0ken-abc_123.ics", "1.1", 200),
        None,
    )
    assert RedactFeedTokens().filter(record)
    assert "s3cr3tT0ken" not in record.getMessage()
    assert "/feeds/private/[token].ics" in record.getMessage()


async def test_renaming_the_member_changes_the_etag(
    client: httpx.AsyncClient, member: User
) -> None:
    from innovation_hub.accounts.services import ProfileChanges, update_profile

    await booked(member)
    urls = await feed_urls(client, await api_token(client, "bao@agritn.vn"))
    before = await client.get(path_of(urls["member"]))
    await update_profile(
        member, ProfileChanges(name="Đặng Quốc Bảo Anh", organisation_name="AgriTN", locale="vi")
    )
    after = await client.get(
        path_of(urls["member"]), headers={"if-none-match": before.headers["etag"]}
    )
    assert after.status_code == 200
    assert "Đặng Quốc Bảo Anh" in after.text
