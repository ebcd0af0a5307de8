from piccolo.columns import (
    JSON,
    Date,
    ForeignKey,
    Integer,
    Serial,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from innovation_hub.accounts.tables import User
from innovation_hub.bookings.tables import Booking
from innovation_hub.spaces.tables import Resource


class Visit(Table, tablename="visit"):
    """A school group's request to visit, and what became of it."""

    id: Serial
    status = Varchar(length=20, default="requested", index=True)  # visits.workflow.VISITS
    school_name = Varchar(length=200)
    contact_name = Varchar(length=200)
    contact_email = Varchar(length=254, index=True)
    contact_phone = Varchar(length=30)
    level = Varchar(length=20, default="other")  # primary | lower_secondary | … | other
    grade = Varchar(length=100, default="")
    student_count = Integer()
    supervisor_count = Integer()
    topic = Varchar(length=300)
    goals = Text(default="")
    mentors_equipment = Text(default="")
    preferred_date = Date(index=True)
    alternate_dates = JSON(default="[]")  # ["YYYY-MM-DD", …], at most three
    preferred_time = Varchar(length=10, default="any")  # morning | afternoon | any
    notes = Text(default="")  # accessibility and other needs
    locale = Varchar(length=5, default="vi")
    consent_at = Timestamptz()
    email_confirmed_at = Timestamptz(null=True, default=None)
    requested_by = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    # Set when approved: the time, the room and the reservation that holds it.
    start_at = Timestamptz(null=True, default=None, index=True)
    end_at = Timestamptz(null=True, default=None)
    resource = ForeignKey(references=Resource, on_delete=OnDelete.set_null, null=True)
    booking = ForeignKey(references=Booking, on_delete=OnDelete.set_null, null=True)
    host = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True, index=True)
    decided_by = Integer(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)
    reminded_at = Timestamptz(null=True, default=None)  # the day-before reminder, sent once
    attended_students = Integer(null=True, default=None)
    attended_supervisors = Integer(null=True, default=None)
    feedback_rating = SmallInt(null=True, default=None)
    feedback_text = Text(default="")
    feedback_at = Timestamptz(null=True, default=None)
    sequence = Integer(default=0)  # raised on every change the teacher's calendar must see
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class VisitLink(Table, tablename="visit_link"):
    """A private link to a visit's status page. Only the digest of its token is kept; every
    email carries a fresh link, and the older ones keep working."""

    id: Serial
    visit = ForeignKey(references=Visit, on_delete=OnDelete.cascade, null=False, index=True)
    token_digest = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)


class VisitMessage(Table, tablename="visit_message"):
    """What staff and the teacher told each other, in order."""

    id: Serial
    visit = ForeignKey(references=Visit, on_delete=OnDelete.cascade, null=False, index=True)
    author = Varchar(length=10)  # staff | teacher
    author_id = Integer(null=True, default=None)
    kind = Varchar(length=20)  # approved | declined | more_info | reply | cancelled | …
    body = Text(default="")
    proposed_date = Date(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
