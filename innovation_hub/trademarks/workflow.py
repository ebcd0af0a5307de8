"""The statutory workflow of a trademark case, declared once (core.workflow): its states,
the events that move it, and the checks an event must pass. Pure apart from the declaration.

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

Each event staff record is a transition of the same name; booking the first consultation
moves a new case on as well. Staff and members read the same words for a state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from innovation_hub.core.errors import FormInvalid, RuleBroken
from innovation_hub.core.i18n import N_, Labels
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.workflow import STAFF_ROLES, State, Transition, Workflow
from innovation_hub.trademarks.tables import TrademarkCase

PRE_FILING = ("intake", "consultation", "classification", "dossier")
STAGES = ("consultation", "classification", "dossier")  # steps staff move a case through
AFTER_FILING = (
    "filed",
    "formality_examination",
    "published",
    "substantive_examination",
    "office_action",
)
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
RESULTS = ("favourable", "objection")
# Events with a response window the Office may state in its notice.
RESPONSE_EVENTS = ("defect_notice", "office_action", "substantive_result", "opposition")
# A third party may oppose from the publication of the application until the decision to
# grant (Law on IP, art. 112a); the case stays where it is, but cannot be granted meanwhile.
OPPOSABLE = ("published", "substantive_examination", "office_action")
EXAMINED = ("formality_examination", "substantive_examination")


def _event(
    action: str, sources: tuple[str, ...], targets: tuple[str, ...], label: str = ""
) -> Transition:
    return Transition(action, sources, targets, STAFF_ROLES, label)


# The events staff record, each a transition from the states it may follow.
EVENTS = (
    _event("stage", PRE_FILING, STAGES),
    _event("guidance_only", PRE_FILING, ("guidance_only",), N_("Closed after guidance, not filed")),
    _event("filed", PRE_FILING, ("filed",), N_("Filed at the IP Office")),
    _event(
        "defect_notice",
        ("filed", "formality_examination"),
        ("formality_examination",),
        N_("Formality defect notice"),
    ),
    _event(
        "formality_accepted",
        ("filed", "formality_examination"),
        ("formality_examination",),
        N_("Accepted as a valid application"),
    ),
    _event(
        "published",
        ("formality_examination",),
        ("published",),
        N_("Published in the Industrial Property Gazette"),
    ),
    _event(
        "office_action",
        ("published", "substantive_examination", "office_action"),
        ("office_action",),
        N_("Office action received"),
    ),
    _event(
        "substantive_result",
        ("published", "substantive_examination", "office_action"),
        ("substantive_examination", "office_action"),
    ),
    _event(
        "response",
        ("formality_examination", "office_action"),
        EXAMINED,
        N_("Response sent to the IP Office"),
    ),
    _event("opposition", OPPOSABLE, OPPOSABLE, N_("Third-party opposition received")),
    _event("opposition_settled", OPPOSABLE, OPPOSABLE, N_("Opposition settled by the IP Office")),
    _event(
        "granted",
        ("published", "substantive_examination"),
        ("granted",),
        N_("Certificate granted"),
    ),
    # A registered mark renewed: a new 10-year term from the day the last one ends.
    _event("renewed", ("granted",), ("granted",), N_("Registration renewed for 10 years")),
    _event("refused", AFTER_FILING, ("refused",), N_("Application refused")),
    _event("withdrawn", OPEN_STATUSES, ("withdrawn",), N_("Withdrawn")),
)
EVENT_TYPES = tuple(t.action for t in EVENTS)

TRADEMARKS = Workflow(
    name="trademark_case",
    table=TrademarkCase,
    states=(
        State(
            "intake",
            N_("Request received"),
            "○",
            explain=N_(
                "The centre has your request. Staff will contact you to book a consultation."
            ),
        ),
        State(
            "consultation",
            N_("Consultation"),
            "◔",
            explain=N_("Staff advise on the mark, its risks and the classes to choose."),
        ),
        State(
            "classification",
            N_("Choosing classes"),
            "◑",
            explain=N_("The goods and services are being grouped into Nice classes."),
        ),
        State(
            "dossier",
            N_("Preparing the dossier"),
            "◕",
            explain=N_("The application documents are being prepared: see the checklist below."),
        ),
        State(
            "filed",
            N_("Filed"),
            "➤",
            explain=N_(
                "The application is at the IP Office, waiting for the formality examination."
            ),
        ),
        State(
            "formality_examination",
            N_("Formality examination"),
            "◷",
            explain=N_(
                "The IP Office is examining the application's form; "
                "answer any defect notice in time."
            ),
        ),
        State(
            "published",
            N_("Published"),
            "▣",
            explain=N_(
                "Published in the Industrial Property Gazette; "
                "waiting for the substantive examination."
            ),
        ),
        State(
            "substantive_examination",
            N_("Substantive examination"),
            "◷",
            explain=N_("The IP Office is examining whether the mark can be protected."),
        ),
        State(
            "office_action",
            N_("Office action: answer due"),
            "⚠",
            explain=N_("The IP Office raised an objection. An answer is due by the date below."),
        ),
        State(
            "granted",
            N_("Registered"),
            "✔",
            final=True,
            explain=N_("The mark is registered. Keep the renewal dates below in mind."),
        ),
        State(
            "refused",
            N_("Refused"),
            "✖",
            final=True,
            explain=N_("The IP Office refused the application."),
        ),
        State(
            "withdrawn",
            N_("Withdrawn"),
            "↩",
            final=True,
            explain=N_("The application was withdrawn."),
        ),
        State(
            "guidance_only",
            N_("Closed, not filed"),
            "■",
            final=True,
            explain=N_("The case was closed after guidance, without filing."),
        ),
    ),
    transitions=(
        *EVENTS,
        # Booking the first consultation of a new case.
        Transition("consultation_booked", ("intake",), ("consultation",), STAFF_ROLES),
    ),
    conflict_message=N_("Someone changed this case meanwhile. Reload it and try again."),
    conflict_code="case_changed",
    # Each step writes its own entry (with the dates and numbers the case's timeline shows).
    audit_by="none",
)
STATUSES = TRADEMARKS.statuses
FINAL = TRADEMARKS.final_statuses


def event_label(event_type: str, detail: dict[str, Any] | None = None) -> str:
    detail = detail or {}
    if event_type == "stage":
        stage = str(detail.get("stage", ""))
        return _("Moved to: %(stage)s", stage=TRADEMARKS.label(stage))
    if event_type == "substantive_result":
        if detail.get("result") == "objection":
            return _("Substantive examination: objection")
        return _("Substantive examination: favourable result")
    if event_type in EVENT_TYPES:
        return _(TRADEMARKS.transition(event_type).label)
    return event_type


mark_type_label = Labels(
    {
        "word": N_("Word mark"),
        "figurative": N_("Figurative mark (logo)"),
        "combined": N_("Combined mark (words and logo)"),
        "three_dimensional": N_("Three-dimensional mark"),
        "sound": N_("Sound mark"),
        "collective": N_("Collective mark"),
        "certification": N_("Certification mark"),
    }
)


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
    opponent: str = ""  # opposition: who opposes

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
        if self.type == "opposition":
            keep["opponent"] = self.opponent
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
    if event.type not in EVENT_TYPES:
        raise RuleBroken(
            _("Unknown event type %(type)s.", type=event.type),
            code="unknown_event_type",
            field_errors={"type": _("Choose an event from the list.")},
        )
    if not TRADEMARKS.can(event.type, current):
        raise RuleBroken(
            _(
                "“%(event)s” cannot be recorded while the case is “%(status)s”.",
                event=event_label(event.type, event.detail()),
                status=TRADEMARKS.label(current),
            ),
            code="invalid_transition",
            extra={"case_status": current, "event_type": event.type},
        )
    if event.type == "stage":
        return event.stage
    if event.type == "response":
        return current if current in EXAMINED else "substantive_examination"
    if event.type in ("opposition", "opposition_settled", "renewed"):
        return current
    if event.type == "substantive_result":
        return "office_action" if event.result == "objection" else "substantive_examination"
    return TRADEMARKS.transition(event.type).targets[0]


_FIELD_CODES = {
    "application_number": "application_number_required",
    "certificate_number": "certificate_number_required",
    "result": "result_required",
    "stage": "invalid_stage",
    "opponent": "opponent_required",
    "note": "note_too_long",
}


def _field_errors(current: str, event: EventInput) -> None:
    """What the event's own fields must hold for its type."""
    errors: dict[str, str] = {}
    if event.type == "filed" and not event.application_number:
        errors["application_number"] = _("Enter the application number the IP Office gave.")
    if event.type == "granted" and not event.certificate_number:
        errors["certificate_number"] = _("Enter the certificate number.")
    if event.type == "substantive_result" and event.result not in RESULTS:
        errors["result"] = _("Choose favourable or objection.")
    if event.type == "stage" and (event.stage not in STAGES or event.stage == current):
        errors["stage"] = _("Choose another guidance step.")
    if event.type == "opposition" and not event.opponent:
        errors["opponent"] = _("Enter who filed the opposition.")
    elif len(event.opponent) > 200:
        errors["opponent"] = _("Use at most %(n)s characters.", n=200)
    if len(event.application_number) > 40 or len(event.certificate_number) > 40:
        errors[
            "application_number" if len(event.application_number) > 40 else "certificate_number"
        ] = _("Use at most %(n)s characters.", n=40)
    if len(event.note) > 2000:
        errors["note"] = _("Use at most %(n)s characters.", n=2000)
    if errors:
        raise FormInvalid(errors, code=_FIELD_CODES[next(iter(errors))])


def _date_error(message: str, code: str) -> FormInvalid:
    return FormInvalid({"date": message}, code=code)


def check_event(
    current: str, event: EventInput, history: list[PastEvent], *, filing_date: date | None
) -> str:
    """Validates ``event`` against the case and returns the new status."""
    _field_errors(current, event)
    status = next_status(current, event)
    if event.response_due is not None and event.response_due < event.date:
        raise FormInvalid(
            {"response_due": _("The answer cannot be due before the notice.")},
            code="response_due_before_notice",
        )
    if filing_date is not None and event.type != "filed" and event.date < filing_date:
        message = _(
            "The date cannot be before the filing date (%(day)s).",
            day=filing_date.strftime("%d/%m/%Y"),
        )
        raise _date_error(message, "date_before_filing")
    statutory = [e for e in history if e.type not in ("stage",)]
    if statutory and event.type != "stage" and event.date < statutory[-1].date:
        message = _(
            "The date cannot be before the last recorded event (%(day)s).",
            day=statutory[-1].date.strftime("%d/%m/%Y"),
        )
        raise _date_error(message, "date_before_previous")
    return status
