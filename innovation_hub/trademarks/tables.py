from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from innovation_hub.accounts.tables import User
from innovation_hub.bookings.tables import Booking


class TrademarkCase(Table, tablename="trademark_case"):
    """An organisation's mark, from the first question to the certificate (or not)."""

    id: Serial
    status = Varchar(length=30, default="intake", index=True)
    mark_name = Varchar(length=200)
    # word | figurative | combined | three_dimensional | sound | collective | certification
    mark_type = Varchar(length=30)
    mark_description = Text(default="")  # colours, transliteration, meaning of foreign words
    organisation_name = Varchar(length=200)
    organisation_kind = Varchar(length=30, default="")  # startup | enterprise | cooperative | …
    # The member account the case belongs to; none when staff act for an organisation
    # that has no account (then only staff see it).
    owner = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True, index=True)
    created_by = Integer(null=True, default=None)
    assigned_staff = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True, index=True)
    notes = Text(default="")
    classes = JSON(default="[]")  # [{"number": 30, "items": ["Bánh tráng", …]}]
    through_representative = Boolean(default=False)
    priority_claimed = Boolean(default=False)
    # The mark contains a place name or a geographical indication (with collective or
    # certification: the provincial People's Committee's permission is in the dossier).
    geographical_name = Boolean(default=False)
    image_file = Integer(null=True, default=None)  # a TrademarkFile of purpose mark_image
    fee_table_version = Varchar(length=40)
    fee_estimate = JSON(default="{}")  # the figures the case was given, kept as they were
    application_number = Varchar(length=40, default="")
    filing_date = Date(null=True, default=None, index=True)
    certificate_number = Varchar(length=40, default="")
    grant_date = Date(null=True, default=None)
    expiry_date = Date(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


def _of_the_case() -> ForeignKey[TrademarkCase]:
    """The case a row belongs to; it goes when the case goes."""
    return ForeignKey(references=TrademarkCase, on_delete=OnDelete.cascade, null=False, index=True)


class TrademarkEvent(Table, tablename="trademark_event"):
    """A step of the statutory timeline (or a stage before filing), as staff recorded it."""

    id: Serial
    trademark_case = _of_the_case()
    event_type = Varchar(length=30)
    event_date = Date()
    # application_number, certificate_number, result, response_due, stage, note
    detail = JSON(default="{}")
    status_before = Varchar(length=30)
    status_after = Varchar(length=30)
    recorded_by = Integer(null=True, default=None)
    recorded_at = Timestamptz(default=TimestamptzNow())


class TrademarkDeadline(Table, tablename="trademark_deadline"):
    """The case's open deadlines, kept in step with its events; reminders are claimed here."""

    id: Serial
    trademark_case = _of_the_case()
    name = Varchar(length=40)
    due = Date(index=True)
    party = Varchar(length=12)  # office | applicant | owner
    active = Boolean(default=True, index=True)
    # The day the next reminder is due; none once every reminder went out or it closed.
    remind_on = Date(null=True, default=None, index=True)
    reminders_sent = Integer(default=0)
    updated_at = Timestamptz(default=TimestamptzNow())


class TrademarkDossierItem(Table, tablename="trademark_dossier_item"):
    id: Serial
    trademark_case = _of_the_case()
    code = Varchar(length=30)
    state = Varchar(length=10, default="missing")  # missing | draft | ready
    note = Text(default="")
    updated_by = Integer(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


class TrademarkFile(Table, tablename="trademark_file"):
    """An upload kept under ``var/uploads/trademarks/``; checked by its content."""

    id: Serial
    trademark_case = _of_the_case()
    purpose = Varchar(length=20)  # mark_image | dossier
    item_code = Varchar(length=30, default="")
    stored_name = Varchar(length=80)
    original_name = Varchar(length=200, default="")
    content_type = Varchar(length=50)
    size = Integer()
    uploaded_by = Integer(null=True, default=None)
    uploaded_at = Timestamptz(default=TimestamptzNow())


class TrademarkConsultation(Table, tablename="trademark_consultation"):
    """A meeting with the case's staff member, held as a booking of kind consultation."""

    id: Serial
    trademark_case = _of_the_case()
    booking = ForeignKey(references=Booking, on_delete=OnDelete.set_null, null=True, index=True)
    staff = ForeignKey(references=User, on_delete=OnDelete.set_null, null=True)
    topic = Varchar(length=300, default="")
    reminded_at = Timestamptz(null=True, default=None)  # the owner's reminder, sent once
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


TABLES = [
    TrademarkCase,
    TrademarkEvent,
    TrademarkDeadline,
    TrademarkDossierItem,
    TrademarkFile,
    TrademarkConsultation,
]
