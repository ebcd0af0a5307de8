"""The front desk's kiosk screens and the day they show.

A screen is reached by a secret link (``/kiosk/<token>``); only the token's digest is stored,
staff revoke a screen that is lost or replaced, and the token opens that location's day and
nothing else. The day names each member as the desk greets them (initials and given name,
"P. M. Khoa"), never their email, phone, organisation, purpose or price: the screen faces
the room."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from innovation_hub.accounts.tables import User
from innovation_hub.bookings.tables import Booking, KioskToken
from innovation_hub.core import audit, clock
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import FormInvalid, NotFound
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.security import new_secret_token, token_digest
from innovation_hub.spaces import services as spaces
from innovation_hub.spaces.tables import Location, Resource

LABEL_MAX = 100
# A booking made this close to its start (or after it) was made at the desk: a walk-in.
WALK_IN_WITHIN = timedelta(minutes=30)
SHOWN_STATUSES = ("confirmed", "checked_in", "no_show")


def desk_name(full_name: str) -> str:
    """How the screen names a member: "Phạm Minh Khoa" is "P. M. Khoa" (Vietnamese names
    end with the given name, the one people are greeted by)."""
    parts = full_name.split()
    if len(parts) < 2:
        return full_name.strip()
    return " ".join([*(p[0] + "." for p in parts[:-1]), parts[-1]])


async def create_kiosk(staff: User, location_id: int, label: str) -> tuple[KioskToken, str]:
    """A new screen for the location; the token is returned once and never stored."""
    label = label.strip()
    if not label:
        raise FormInvalid({"label": _("Name the screen, e.g. Reception.")})
    if len(label) > LABEL_MAX:
        raise FormInvalid({"label": _("Use at most %(n)s characters.", n=LABEL_MAX)})
    location = await spaces.get_location(location_id)
    token = new_secret_token()
    async with transaction():
        kiosk = KioskToken(
            location=location.id,
            label=label,
            token_digest=token_digest(token),
            created_by=staff.id,
            created_at=clock.utcnow(),
        )
        await kiosk.save()
        await audit.record(
            actor_id=staff.id,
            action="kiosk.created",
            record_type="kiosk",
            record_id=kiosk.id,
            detail={"location": location.id, "label": label},
        )
    return kiosk, token


async def revoke_kiosk(staff: User, kiosk_id: int) -> None:
    """From now on the screen's token opens nothing; revoking twice changes nothing."""
    if not 0 < kiosk_id <= spaces.MAX_ID:
        raise NotFound(_("No such kiosk screen."), code="kiosk_not_found")
    async with transaction():
        revoked = (
            await KioskToken.update({KioskToken.revoked_at: clock.utcnow()})
            .where((KioskToken.id == kiosk_id) & KioskToken.revoked_at.is_null())
            .returning(KioskToken.id)
            .run()
        )
        if revoked:
            await audit.record(
                actor_id=staff.id, action="kiosk.revoked", record_type="kiosk", record_id=kiosk_id
            )
        elif not await KioskToken.exists().where(KioskToken.id == kiosk_id).run():
            raise NotFound(_("No such kiosk screen."), code="kiosk_not_found")


async def list_kiosks() -> list[KioskToken]:
    return await KioskToken.objects().order_by(KioskToken.id).run()


async def kiosk_for(token: str) -> tuple[KioskToken, Location]:
    """The screen this token opens, and its location; NotFound for a wrong or revoked one."""
    kiosk = (
        await KioskToken.objects()
        .where((KioskToken.token_digest == token_digest(token)) & KioskToken.revoked_at.is_null())
        .first()
        .run()
    )
    if kiosk is None:
        raise NotFound(_("This kiosk link is not valid."), code="kiosk_not_found")
    return kiosk, await spaces.get_location(kiosk.location)


@dataclass(frozen=True)
class DeskEntry:
    who: str
    start: datetime
    end: datetime
    status: str  # confirmed (expected), checked_in or no_show
    checked_in_at: datetime | None
    walk_in: bool


@dataclass
class SpaceDay:
    resource: Resource
    entries: list[DeskEntry] = field(default_factory=list)


@dataclass(frozen=True)
class FrontDeskDay:
    spaces: list[SpaceDay]
    now: datetime

    @property
    def entries(self) -> list[DeskEntry]:
        return [entry for space in self.spaces for entry in space.entries]

    def count(self, status: str) -> int:
        return sum(1 for entry in self.entries if entry.status == status)

    @property
    def walk_ins(self) -> int:
        return sum(1 for entry in self.entries if entry.walk_in)


async def front_desk_day(location_id: int, *, now: datetime | None = None) -> FrontDeskDay:
    """Today's bookings at the location, by space: who is expected, who checked in (and
    when), who was released as a no-show, and which were made at the desk."""
    now = now or clock.utcnow()
    day = now.astimezone(LOCAL_TZ).date()
    start = datetime.combine(day, datetime.min.time(), LOCAL_TZ)
    end = start + timedelta(days=1)
    resources = await spaces.list_resources(location_id=location_id)
    rows = (
        await Booking.select(
            Booking.resource,
            Booking.user.name,
            Booking.start_at,
            Booking.end_at,
            Booking.status,
            Booking.checked_in_at,
            Booking.created_at,
        )
        .where(
            Booking.resource.is_in([r.id for r in resources] or [0])
            & (Booking.kind == "booking")
            & Booking.status.is_in(list(SHOWN_STATUSES))
            & (Booking.start_at < end)
            & (Booking.end_at > start)
        )
        .order_by(Booking.start_at)
        .run()
    )
    by_space = {r.id: SpaceDay(r) for r in resources}
    for row in rows:
        by_space[row["resource"]].entries.append(
            DeskEntry(
                who=desk_name(row["user.name"] or ""),
                start=row["start_at"],
                end=row["end_at"],
                status=row["status"],
                checked_in_at=row["checked_in_at"],
                walk_in=row["created_at"] > row["start_at"] - WALK_IN_WITHIN,
            )
        )
    return FrontDeskDay(list(by_space.values()), now)
