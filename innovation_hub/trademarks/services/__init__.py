"""Trademark guidance cases: every rule and every write, by use case. Pages, the JSON API and
the jobs call these; ``from innovation_hub.trademarks import services`` gives every name.

An organisation sees only its own cases (another's is NotFound, never Forbidden); staff see all.
Every change writes an audit entry in the same transaction; the case's timeline is read back
from those entries, so the organisation sees exactly what was recorded.
"""

from innovation_hub.trademarks.deadlines import first_reminder, reminder_after
from innovation_hub.trademarks.queries import (
    CaseRow,
    CaseView,
    ChecklistRow,
    ConsultationView,
    DeadlineView,
    FileView,
    TimelineEntry,
    case_view,
    consultation_booking_ids_for_member,
    deadline_views,
    deadlines_for_staff,
    list_cases,
    organisations_guided,
    staff_members,
)
from innovation_hub.trademarks.records import (
    CASE_ROLES,
    CHECKLIST_STATES,
    ORGANISATION_KINDS,
    RECORD_TYPE,
    ClassEntry,
    case_classes,
    checklist_state_label,
    class_counts,
    get_case_for,
    history_of,
    is_staff,
    organisation_kind_label,
    today_local,
)
from innovation_hub.trademarks.services.cases import (
    MAX_ITEM_LENGTH,
    MAX_ITEMS,
    NewCase,
    assign,
    clean_items,
    create_case,
    update_classes,
)
from innovation_hub.trademarks.services.consultations import (
    book_consultation,
    cancel_consultation,
)
from innovation_hub.trademarks.services.documents import (
    DOSSIER_TYPES,
    MAX_DOSSIER_BYTES,
    MAX_IMAGE_BYTES,
    UPLOAD_AREA,
    Upload,
    add_dossier_file,
    read_file,
    set_checklist_state,
    set_image,
    store_image,
)
from innovation_hub.trademarks.services.events import record_event
from innovation_hub.trademarks.services.reminders import (
    ConsultationReminders,
    send_consultation_reminders,
    send_due_reminders,
)

__all__ = [
    "CASE_ROLES",
    "CHECKLIST_STATES",
    "DOSSIER_TYPES",
    "MAX_DOSSIER_BYTES",
    "MAX_IMAGE_BYTES",
    "MAX_ITEMS",
    "MAX_ITEM_LENGTH",
    "ORGANISATION_KINDS",
    "RECORD_TYPE",
    "UPLOAD_AREA",
    "CaseRow",
    "CaseView",
    "ChecklistRow",
    "ClassEntry",
    "ConsultationReminders",
    "ConsultationView",
    "DeadlineView",
    "FileView",
    "NewCase",
    "TimelineEntry",
    "Upload",
    "add_dossier_file",
    "assign",
    "book_consultation",
    "cancel_consultation",
    "case_classes",
    "case_view",
    "checklist_state_label",
    "class_counts",
    "clean_items",
    "consultation_booking_ids_for_member",
    "create_case",
    "deadline_views",
    "deadlines_for_staff",
    "first_reminder",
    "get_case_for",
    "history_of",
    "is_staff",
    "list_cases",
    "organisation_kind_label",
    "organisations_guided",
    "read_file",
    "record_event",
    "reminder_after",
    "send_consultation_reminders",
    "send_due_reminders",
    "set_checklist_state",
    "set_image",
    "staff_members",
    "store_image",
    "today_local",
    "update_classes",
]
