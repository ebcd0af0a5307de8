"""The statutory workflow of a trademark case: states, the events that move it, and the
deadlines that follow from the recorded events. Pure functions over plain values.

States before filing are the centre's own guidance steps (intake, consultation, classification,
dossier); guidance_only closes a case that was never filed. After filing the state says what
the application waits for:

- filed: lodged at the IP Office, nothing heard yet (formality examination, 1 month);
- formality_examination: the Office answered in the formality stage: a defect notice to answer,
  or acceptance as a valid application (then publication is due within 2 months);
- published: published in the Gazette, waiting for substantive examination (9 months);
- substantive_examination: the Office answered in the substantive stage and the case goes on
  (a favourable result, or our answer to an office action);
- office_action: the Office intends to refuse or asks for changes: an answer is due;
- granted, refused, withdrawn: final.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from innovation_hub.core.errors import FormInvalid, RuleBroken
from innovation_hub.core.i18n import gettext as _
from innovation_hub.trademarks.config import Durations, add_months, durations_on

PRE_FILING = ("intake", "consultation", "classification", "dossier")
STAGES = ("consultation", "classification", "dossier")  # steps staff move a case through
AFTER_FILING = (
    "filed",
    "formality_examination",
    "published",
    "substantive_examination",
    "office_action",
)
FINAL = ("granted", "refused", "withdrawn", "guidance_only")
STATUSES = (*PRE_FILING, *AFTER_FILING, *FINAL)
OPEN_STATUSES = (*PRE_FILING, *AFTER_FILING)

MARK_TYPES = (
    "word",
    "figurative",
    "combined",
    "three_dimensional",
    "sound",
    "collective",
    "certification",
)

# Event type → the states it may follow.
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    "stage": PRE_FILING,
    "guidance_only": PRE_FILING,
    "filed": PRE_FILING,
    "defect_notice": ("filed", "formality_examination"),
    "formality_accepted": ("filed", "formality_examination"),
    "published": ("formality_examination",),
    "office_action": ("published", "substantive_examination", "office_action"),
    "substantive_result": ("published", "substantive_examination", "office_action"),
    "response": ("formality_examination", "office_action"),
    "granted": ("published", "substantive_examination"),
    "refused": AFTER_FILING,
    "withdrawn": OPEN_STATUSES,
}
EVENT_TYPES = tuple(ALLOWED_FROM)
RESULTS = ("favourable", "objection")
# Events with a response window the Office may state in its notice.
RESPONSE_EVENTS = ("defect_notice", "office_action", "substantive_result")

STATUS_ICONS = {
    "intake": "○",
    "consultation": "◔",
    "classification": "◑",
    "dossier": "◕",
    "filed": "➤",
    "formality_examination": "◷",
    "published": "▣",
    "substantive_examination": "◷",
    "office_action": "⚠",
    "granted": "✔",
    "refused": "✖",
    "withdrawn": "↩",
    "guidance_only": "■",
}

# Deadline name → the configured period it comes from.
DEADLINE_PERIODS = {
    "formality_examination": "formality_examination",
    "defect_response": "defect_response",
    "publication": "publication",
    "substantive_examination": "substantive_examination",
    "office_action_response": "office_action_response",
    "grant_fees": "grant_fees",
    "renewal_window_opens": "renewal_window",
    "protection_expires": "protection",
    "renewal_grace_ends": "renewal_grace",
}


def status_label(status: str) -> str:
    return {
        "intake": _("Request received"),
        "consultation": _("Consultation"),
        "classification": _("Choosing classes"),
        "dossier": _("Preparing the dossier"),
        "filed": _("Filed"),
        "formality_examination": _("Formality examination"),
        "published": _("Published"),
        "substantive_examination": _("Substantive examination"),
        "office_action": _("Office action: answer due"),
        "granted": _("Registered"),
        "refused": _("Refused"),
        "withdrawn": _("Withdrawn"),
        "guidance_only": _("Closed, not filed"),
    }.get(status, status)


def status_help(status: str) -> str:
    """What the status means for the organisation, in a sentence."""
    return {
        "intake": _("The centre has your request. Staff will contact you to book a consultation."),
        "consultation": _("Staff advise on the mark, its risks and the classes to choose."),
        "classification": _("The goods and services are being grouped into Nice classes."),
        "dossier": _("The application documents are being prepared: see the checklist below."),
        "filed": _("The application is at the IP Office, waiting for the formality examination."),
        "formality_examination": _(
            "The IP Office is examining the application's form; answer any defect notice in time."
        ),
        "published": _(
            "Published in the Industrial Property Gazette; waiting for the substantive examination."
        ),
        "substantive_examination": _(
            "The IP Office is examining whether the mark can be protected."
        ),
        "office_action": _(
            "The IP Office raised an objection. An answer is due by the date below."
        ),
        "granted": _("The mark is registered. Keep the renewal dates below in mind."),
        "refused": _("The IP Office refused the application."),
        "withdrawn": _("The application was withdrawn."),
        "guidance_only": _("The case was closed after guidance, without filing."),
    }.get(status, "")


def event_label(event_type: str, detail: dict[str, Any] | None = None) -> str:
    detail = detail or {}
    if event_type == "stage":
        return _("Moved to: %(stage)s", stage=status_label(str(detail.get("stage", ""))))
    if event_type == "substantive_result":
        if detail.get("result") == "objection":
            return _("Substantive examination: objection")
        return _("Substantive examination: favourable result")
    return {
        "guidance_only": _("Closed after guidance, not filed"),
        "filed": _("Filed at the IP Office"),
        "defect_notice": _("Formality defect notice"),
        "formality_accepted": _("Accepted as a valid application"),
        "published": _("Published in the Industrial Property Gazette"),
        "office_action": _("Office action received"),
        "response": _("Response sent to the IP Office"),
        "granted": _("Certificate granted"),
        "refused": _("Application refused"),
        "withdrawn": _("Withdrawn"),
    }.get(event_type, event_type)


def mark_type_label(mark_type: str) -> str:
    return {
        "word": _("Word mark"),
        "figurative": _("Figurative mark (logo)"),
        "combined": _("Combined mark (words and logo)"),
        "three_dimensional": _("Three-dimensional mark"),
        "sound": _("Sound mark"),
        "collective": _("Collective mark"),
        "certification": _("Certification mark"),
    }.get(mark_type, mark_type)


@dataclass(frozen=True)
class EventInput:
    type: str
    date: date
    application_number: str = ""
    certificate_number: str = ""
    result: str = ""
    stage: str = ""
    response_due: dt.date | None = None
    note: str = ""

    def detail(self) -> dict[str, Any]:
        """What is kept with the event: only the fields that mean something for its type."""
        keep: dict[str, Any] = {}
        if self.type == "filed":
            keep["application_number"] = self.application_number
        if self.type == "granted":
            keep["certificate_number"] = self.certificate_number
        if self.type == "substantive_result":
            keep["result"] = self.result
        if self.type == "stage":
            keep["stage"] = self.stage
        if self.response_due is not None and self.type in RESPONSE_EVENTS:
            keep["response_due"] = self.response_due.isoformat()
        if self.note:
            keep["note"] = self.note
        return keep


@dataclass(frozen=True)
class PastEvent:
    type: str
    date: date
    detail: dict[str, Any] = field(default_factory=dict)


def next_status(current: str, event: EventInput) -> str:
    """The state after ``event``; a 422 with a code when the event cannot follow ``current``."""
    if event.type not in ALLOWED_FROM:
        raise RuleBroken(
            _("Unknown event type %(type)s.", type=event.type),
            code="unknown_event_type",
            field_errors={"type": _("Choose an event from the list.")},
        )
    if current not in ALLOWED_FROM[event.type]:
        raise RuleBroken(
            _(
                "“%(event)s” cannot be recorded while the case is “%(status)s”.",
                event=event_label(event.type, event.detail()),
                status=status_label(current),
            ),
            code="invalid_transition",
            extra={"case_status": current, "event_type": event.type},
        )
    if event.type == "stage":
        return event.stage
    if event.type == "response":
        return (
            "formality_examination"
            if current == "formality_examination"
            else ("substantive_examination")
        )
    if event.type == "substantive_result":
        return "office_action" if event.result == "objection" else "substantive_examination"
    return {
        "guidance_only": "guidance_only",
        "filed": "filed",
        "defect_notice": "formality_examination",
        "formality_accepted": "formality_examination",
        "published": "published",
        "office_action": "office_action",
        "granted": "granted",
        "refused": "refused",
        "withdrawn": "withdrawn",
    }[event.type]


def check_event(
    current: str, event: EventInput, history: list[PastEvent], *, filing_date: date | None
) -> str:
    """Validates ``event`` against the case and returns the new status."""
    errors: dict[str, str] = {}
    if event.type == "filed" and not event.application_number:
        errors["application_number"] = _("Enter the application number the IP Office gave.")
    if event.type == "granted" and not event.certificate_number:
        errors["certificate_number"] = _("Enter the certificate number.")
    if event.type == "substantive_result" and event.result not in RESULTS:
        errors["result"] = _("Choose favourable or objection.")
    if event.type == "stage" and (event.stage not in STAGES or event.stage == current):
        errors["stage"] = _("Choose another guidance step.")
    if len(event.application_number) > 40 or len(event.certificate_number) > 40:
        errors[
            "application_number" if len(event.application_number) > 40 else "certificate_number"
        ] = _("Use at most %(n)s characters.", n=40)
    if len(event.note) > 2000:
        errors["note"] = _("Use at most %(n)s characters.", n=2000)
    if errors:
        codes = {
            "application_number": "application_number_required",
            "certificate_number": "certificate_number_required",
            "result": "result_required",
            "stage": "invalid_stage",
            "note": "note_too_long",
        }
        raise FormInvalid(errors, code=codes[next(iter(errors))])
    status = next_status(current, event)
    if event.response_due is not None and event.response_due < event.date:
        raise FormInvalid(
            {"response_due": _("The answer cannot be due before the notice.")},
            code="response_due_before_notice",
        )
    if filing_date is not None and event.type != "filed" and event.date < filing_date:
        raise FormInvalid(
            {
                "date": _(
                    "The date cannot be before the filing date (%(day)s).",
                    day=filing_date.strftime("%d/%m/%Y"),
                )
            },
            code="date_before_filing",
        )
    statutory = [e for e in history if e.type not in ("stage",)]
    if statutory and event.type != "stage" and event.date < statutory[-1].date:
        raise FormInvalid(
            {
                "date": _(
                    "The date cannot be before the last recorded event (%(day)s).",
                    day=statutory[-1].date.strftime("%d/%m/%Y"),
                )
            },
            code="date_before_previous",
        )
    return status


# -- deadlines ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    name: str
    due: date
    party: str
    period: str

    def label(self, durations: Durations) -> str:
        return durations.periods[self.period].label

    def basis(self, durations: Durations) -> str:
        return durations.periods[self.period].basis


def durations_for(history: list[PastEvent], today: date) -> Durations:
    """The periods in force on the filing date (today for a case not filed yet)."""
    filed = next((e.date for e in history if e.type == "filed"), None)
    return durations_on(filed or today)


def _response_due(event: PastEvent, default: date) -> date:
    raw = event.detail.get("response_due")
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            return default
    return default


def deadlines(history: list[PastEvent], durations: Durations) -> list[Deadline]:
    """The open deadlines after ``history`` (in the order recorded), soonest first."""
    open_: dict[str, Deadline] = {}
    filing: date | None = None

    def put(name: str, due: date) -> None:
        period = DEADLINE_PERIODS[name]
        open_[name] = Deadline(name, due, durations.periods[period].party, period)

    def after(name: str, start: date) -> date:
        return add_months(start, durations.months(DEADLINE_PERIODS[name]))

    for event in history:
        kind = event.type
        if kind == "filed":
            filing = event.date
            open_.clear()
            put("formality_examination", after("formality_examination", event.date))
        elif kind == "defect_notice":
            open_.pop("formality_examination", None)
            default = after("defect_response", event.date)
            put("defect_response", _response_due(event, default))
        elif kind == "formality_accepted":
            for name in ("formality_examination", "defect_response"):
                open_.pop(name, None)
            put("publication", after("publication", event.date))
        elif kind == "published":
            for name in ("formality_examination", "defect_response", "publication"):
                open_.pop(name, None)
            put("substantive_examination", after("substantive_examination", event.date))
        elif kind == "office_action" or (
            kind == "substantive_result" and event.detail.get("result") == "objection"
        ):
            default = after("office_action_response", event.date)
            put("office_action_response", _response_due(event, default))
        elif kind == "substantive_result":
            for name in ("substantive_examination", "office_action_response"):
                open_.pop(name, None)
            put("grant_fees", after("grant_fees", event.date))
        elif kind == "response":
            for name in ("defect_response", "office_action_response"):
                open_.pop(name, None)
        elif kind == "granted":
            open_.clear()
            expiry = add_months(filing or event.date, durations.months("protection"))
            put("renewal_window_opens", add_months(expiry, -durations.months("renewal_window")))
            put("protection_expires", expiry)
            put("renewal_grace_ends", add_months(expiry, durations.months("renewal_grace")))
        elif kind in ("refused", "withdrawn", "guidance_only"):
            open_.clear()
    return sorted(open_.values(), key=lambda d: (d.due, d.name))


def protection_expiry(history: list[PastEvent], durations: Durations) -> date | None:
    filed = next((e.date for e in history if e.type == "filed"), None)
    if filed is None or not any(e.type == "granted" for e in history):
        return None
    return add_months(filed, durations.months("protection"))
