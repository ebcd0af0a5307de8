"""Calendar feeds: private (a member's own, a staff member's work), per resource, public events.

Feeds are read models over the domains. A feed's ETag is computed from a cheap summary of its
rows (count and last change) and the day, so an unchanged feed answers 304 without rendering.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from piccolo.query.functions.aggregate import Count, Max

from innovation_hub.accounts.tables import User
from innovation_hub.bookings.services import get_booking
from innovation_hub.bookings.tables import ACTIVE_STATUSES, Booking
from innovation_hub.bookings.workflow import BOOKINGS
from innovation_hub.calendars.tables import FeedToken
from innovation_hub.core import audit
from innovation_hub.core.auth import STAFF
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.database import transaction
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.i18n import use_locale
from innovation_hub.core.ical import FeedEvent, render
from innovation_hub.core.security import token_digest
from innovation_hub.spaces import services as spaces
from innovation_hub.trademarks.services import consultation_booking_ids_for_member

UID_DOMAIN = "innovation-hub"
PAST_DAYS = 90
FUTURE_DAYS = 400
FORMAT_VERSION = "1"  # raise when the rendering changes, so every ETag changes with it
CANCELLED_STATUSES = ("cancelled", "declined", "expired", "no_show")
# Reservations a staff member holds for centre work: blocks, hosted visits, consultations.
STAFF_WORK_KINDS = ("block", "visit", "consultation")


@dataclass(frozen=True)
class CalendarConfig:
    base_url: str
    secret_key: str
    cancelled_days: int = 30
    centre_name: str = ""


@dataclass(frozen=True)
class FeedLink:
    kind: str
    name: str
    url: str
    webcal_url: str
    google_url: str


@dataclass(frozen=True)
class Feed:
    etag: str
    last_modified: datetime | None
    private: bool
    render: Any  # () -> Awaitable[bytes]


# -- private feed tokens -----------------------------------------------------------------


def _token(config: CalendarConfig, user_id: int, kind: str, generation: int) -> str:
    mac = hmac.new(
        config.secret_key.encode(), f"feed:{user_id}:{kind}:{generation}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()  # 256 bits


def feed_kinds(user: User) -> list[str]:
    return ["member", "staff"] if user.role in STAFF else ["member"]


def feed_name(kind: str) -> str:
    return {"member": _("My bookings and appointments"), "staff": _("My work at the centre")}[kind]


async def _ensure_tokens(user: User, config: CalendarConfig) -> list[FeedToken]:
    tokens = await FeedToken.objects().where(FeedToken.user == user.id).run()
    have = {t.kind for t in tokens}
    missing = [k for k in feed_kinds(user) if k not in have]
    if missing:
        async with transaction():
            for kind in missing:
                token = FeedToken(
                    user=user.id,
                    kind=kind,
                    generation=1,
                    token_digest=token_digest(_token(config, user.id, kind, 1)),
                )
                await token.save()
                tokens.append(token)
    return sorted(
        (t for t in tokens if t.kind in feed_kinds(user)), key=lambda t: t.kind != "member"
    )


def _links(user: User, tokens: list[FeedToken], config: CalendarConfig) -> list[FeedLink]:
    links = []
    for token in tokens:
        secret = _token(config, user.id, token.kind, token.generation)
        url = f"{config.base_url}/feeds/private/{secret}.ics"
        webcal = "webcal://" + url.split("://", 1)[1]
        links.append(
            FeedLink(
                kind=token.kind,
                name=feed_name(token.kind),
                url=url,
                webcal_url=webcal,
                google_url="https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe=""),
            )
        )
    return links


async def feed_links(user: User, config: CalendarConfig) -> list[FeedLink]:
    return _links(user, await _ensure_tokens(user, config), config)


async def rotate(user: User, config: CalendarConfig) -> list[FeedLink]:
    """New secret URLs for every feed of the user; the old ones stop working at once."""
    tokens = await _ensure_tokens(user, config)
    async with transaction():
        for token in tokens:
            token.generation += 1
            token.token_digest = token_digest(_token(config, user.id, token.kind, token.generation))
            await token.save([FeedToken.generation, FeedToken.token_digest])
        await audit.record(
            actor_id=user.id, action="feeds.rotated", record_type="user", record_id=user.id
        )
    return _links(user, tokens, config)


async def resolve(token: str) -> tuple[User, str] | None:
    found = (
        await FeedToken.objects(FeedToken.user)
        .where(FeedToken.token_digest == token_digest(token))
        .first()
        .run()
    )
    if found is None or not found.user.is_active:
        return None
    user: User = found.user
    return user, found.kind


# -- feed contents -----------------------------------------------------------------------


def _window(now: datetime) -> tuple[datetime, datetime]:
    return now - timedelta(days=PAST_DAYS), now + timedelta(days=FUTURE_DAYS)


def _shown(config: CalendarConfig, now: datetime) -> Any:
    """Active and recent cancelled rows: a calendar learns of a cancellation, then forgets it."""
    recent = now - timedelta(days=config.cancelled_days)
    return Booking.status.is_in([*ACTIVE_STATUSES]) | (
        Booking.status.is_in(list(CANCELLED_STATUSES)) & (Booking.updated_at >= recent)
    )


async def _fingerprint(where: Any, *parts: object) -> tuple[str, datetime | None]:
    summary = (
        await Booking.select(
            Count(Booking.id, alias="n"),
            Max(Booking.updated_at, alias="last"),
            # A renamed room changes SUMMARY and LOCATION, so it must change the ETag too.
            Max(Booking.resource._.updated_at, alias="rooms_changed"),
        )
        .where(where)
        .first()
        .run()
    )
    last = summary["last"] if summary else None
    if isinstance(last, str):  # SQLite hands aggregates back as text
        last = datetime.fromisoformat(last)
        if last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
    today = datetime.now(LOCAL_TZ).date().isoformat()
    counts = (summary["n"], summary["rooms_changed"]) if summary else (0, None)
    raw = "|".join(str(p) for p in (FORMAT_VERSION, today, *counts, last, *parts))
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:40] + '"', last


def _status(booking_status: str) -> str:
    if booking_status in CANCELLED_STATUSES:
        return "CANCELLED"
    if booking_status in {"pending_approval", "pending_payment"}:
        return "TENTATIVE"
    return "CONFIRMED"


def _status_texts() -> dict[str, str]:
    """Each booking status in the member's words (the bookings workflow's), in the current
    locale; built once per feed rather than once per row."""
    return {status: BOOKINGS.label(status, member=True) for status in BOOKINGS.statuses}


def _title(row: dict[str, Any]) -> str:
    return row["resource_name"] + (f" – {row['purpose']}" if row["purpose"] else "")


_COLUMNS = (
    Booking.id,
    Booking.start_at,
    Booking.end_at,
    Booking.status,
    Booking.purpose,
    Booking.sequence,
    Booking.created_at,
    Booking.updated_at,
    Booking.resource.name.as_alias("resource_name"),
    Booking.resource.location.name.as_alias("location_name"),  # type: ignore[union-attr]
)


async def _rows(where: Any) -> list[dict[str, Any]]:
    return await Booking.select(*_COLUMNS).where(where).order_by(Booking.start_at).run()


def _event(
    row: dict[str, Any], summary: str, description: str = "", with_place: bool = True
) -> FeedEvent:
    return FeedEvent(
        uid=f"booking-{row['id']}@{UID_DOMAIN}",
        start=row["start_at"],
        end=row["end_at"],
        summary=summary,
        description=description,
        location=f"{row['resource_name']}, {row['location_name']}" if with_place else "",
        status=_status(row["status"]),
        sequence=row["sequence"],
        created=row["created_at"],
        last_modified=row["updated_at"],
    )


async def member_feed(user: User, kind: str, config: CalendarConfig, source_url: str) -> Feed:
    now = utcnow()
    start, end = _window(now)
    where: Any
    if kind == "staff":
        where = (Booking.user == user.id) & Booking.kind.is_in(list(STAFF_WORK_KINDS))
    else:
        consultations = await consultation_booking_ids_for_member(user.id)
        where = (Booking.user == user.id) & (Booking.kind == "booking")
        if consultations:  # trademark consultations on the member's own cases
            where = where | Booking.id.is_in(consultations)
    where = where & (Booking.start_at >= start) & (Booking.start_at < end) & _shown(config, now)
    etag, last = await _fingerprint(
        where, "private", kind, user.id, user.locale, user.name, config.centre_name
    )

    async def build() -> bytes:
        with use_locale(user.locale):
            texts = _status_texts()
            events = [
                _event(row, _title(row), texts.get(row["status"], row["status"]))
                for row in await _rows(where)
            ]
            return render(
                name=f"{config.centre_name} – {feed_name(kind)}",
                description=_(
                    "%(name)s's calendar at %(centre)s", name=user.name, centre=config.centre_name
                ),
                calendar_uid=f"feed-{kind}-{user.id}@{UID_DOMAIN}",
                source_url=source_url,
                events=events,
            )

    return Feed(etag, last, True, build)


async def resource_feed(resource_id: int, config: CalendarConfig, source_url: str) -> Feed:
    """When a resource is taken; nothing about who took it or why."""
    resource = await spaces.get_resource(resource_id)
    now = utcnow()
    start, end = _window(now)
    where = (
        (Booking.resource == resource.id)
        & (Booking.start_at >= start)
        & (Booking.start_at < end)
        & _shown(config, now)
    )
    etag, last = await _fingerprint(
        where, "resource", resource.id, resource.name, config.centre_name
    )

    async def build() -> bytes:
        with use_locale("vi"):
            events = [_event(row, _("Busy"), with_place=False) for row in await _rows(where)]
            return render(
                name=f"{resource.name} – {config.centre_name}",
                description=_("When %(resource)s is booked", resource=resource.name),
                calendar_uid=f"feed-resource-{resource.id}@{UID_DOMAIN}",
                source_url=source_url,
                events=events,
            )

    return Feed(etag, last, False, build)


async def public_events_feed(config: CalendarConfig, source_url: str) -> Feed:
    """The centre's public events and the public holidays it is closed on."""
    now = utcnow()
    start, end = _window(now)
    where = (
        (Booking.kind == "block")
        & Booking.is_public.eq(True)
        & (Booking.start_at >= start)
        & (Booking.start_at < end)
        & _shown(config, now)
    )
    etag, last = await _fingerprint(where, "events", config.centre_name)

    async def build() -> bytes:
        with use_locale("vi"):
            events = [_event(row, row["purpose"] or _("Event")) for row in await _rows(where)]
            first = start.astimezone(LOCAL_TZ).date()
            last_day = end.astimezone(LOCAL_TZ).date()
            stamp = datetime(first.year, 1, 1, tzinfo=LOCAL_TZ)
            for day, name in sorted(spaces.holidays_between(first, last_day).items()):
                events.append(
                    FeedEvent(
                        uid=f"holiday-{day.isoformat()}@{UID_DOMAIN}",
                        start=day,
                        end=day + timedelta(days=1),
                        summary=_("Closed: %(name)s", name=name),
                        created=stamp,
                        last_modified=stamp,
                        transparent=True,
                    )
                )
            return render(
                name=_("Events at %(centre)s", centre=config.centre_name),
                description=_(
                    "Public events and holidays of %(centre)s", centre=config.centre_name
                ),
                calendar_uid=f"feed-events@{UID_DOMAIN}",
                source_url=source_url,
                events=events,
            )

    return Feed(etag, last, False, build)


async def booking_ics(user: User, booking_id: int, config: CalendarConfig) -> tuple[str, bytes]:
    """One booking as a calendar file (a download, or an email attachment)."""
    booking = await get_booking(user, booking_id)
    [row] = await _rows(Booking.id == booking.id)
    with use_locale(user.locale):
        title = _title(row)
        status = _status_texts().get(row["status"], row["status"])
        body = render(
            name=title,
            description=config.centre_name,
            calendar_uid=f"booking-file-{booking.id}@{UID_DOMAIN}",
            source_url=f"{config.base_url}/bookings/{booking.id}.ics",
            events=[_event(row, title, status)],
        )
    return f"booking-{booking.id}.ics", body
