from piccolo.columns import BigInt, Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from innovation_hub.accounts.tables import User
from innovation_hub.spaces.tables import Location, Resource


def _written_now() -> Timestamptz:
    """A timestamp column that defaults to the time the row is written."""
    return Timestamptz(default=TimestamptzNow())


# Statuses that hold time on a resource; the database refuses overlaps among them.
ACTIVE_STATUSES = ("pending_approval", "pending_payment", "confirmed", "checked_in")


class BookingSeries(Table, tablename="booking_series"):
    id: Serial
    user = ForeignKey(references=User, on_delete=OnDelete.restrict, null=False, index=True)
    resource = ForeignKey(references=Resource, on_delete=OnDelete.restrict, null=False)
    frequency = Varchar(length=10)  # daily | weekly | monthly
    occurrences = Integer(default=0)
    created_at = _written_now()


class Booking(Table, tablename="booking"):
    id: Serial
    resource = ForeignKey(references=Resource, on_delete=OnDelete.restrict, null=False, index=True)
    user = ForeignKey(references=User, on_delete=OnDelete.restrict, null=True, index=True)
    kind = Varchar(length=20, default="booking")  # booking | block
    # Indexed with start_at as (resource, start_at) and (status, start_at): see migration 0008.
    status = Varchar(length=20)
    start_at = Timestamptz(index=True)
    end_at = Timestamptz()
    # end_at plus the resource's buffer: the time the resource is held.
    occupied_until = Timestamptz()
    purpose = Varchar(length=300, default="")
    attendees = Integer(default=1)
    price_vnd = BigInt(default=0)
    # A staff block shown in the centre's public events feed (a workshop, a demo day).
    is_public = Boolean(default=False)
    hold_expires_at = Timestamptz(null=True, default=None)
    series = ForeignKey(references=BookingSeries, on_delete=OnDelete.set_null, null=True)
    checked_in_at = Timestamptz(null=True, default=None)
    # When each reminder went out (bookings.services.reminders claims them, once each).
    reminded_at = Timestamptz(null=True, default=None)
    evening_reminded_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)
    status_reason = Text(default="")
    created_by = Integer(null=True, default=None)
    sequence = Integer(default=0)
    created_at = _written_now()
    updated_at = _written_now()


class WaitlistEntry(Table, tablename="waitlist_entry"):
    id: Serial
    resource = ForeignKey(references=Resource, on_delete=OnDelete.cascade, null=False, index=True)
    user = ForeignKey(references=User, on_delete=OnDelete.cascade, null=False, index=True)
    start_at = Timestamptz()
    end_at = Timestamptz()
    status = Varchar(
        length=10, default="waiting", index=True
    )  # waiting|offered|booked|expired|left
    offer_expires_at = Timestamptz(null=True, default=None)
    booking = ForeignKey(references=Booking, on_delete=OnDelete.set_null, null=True)
    created_at = _written_now()


class KioskToken(Table, tablename="kiosk_token"):
    """A front-desk screen's key to one location's day: only the digest of the token is kept;
    staff revoke a lost or replaced screen, which refuses its token from then on."""

    id: Serial
    location = ForeignKey(references=Location, on_delete=OnDelete.cascade, null=False, index=True)
    label = Varchar(length=100)
    token_digest = Varchar(length=64, unique=True)
    created_by = Integer(null=True, default=None)
    created_at = _written_now()
    revoked_at = Timestamptz(null=True, default=None)
