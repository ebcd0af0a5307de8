"""What the trademark pages share: a state's badge, the wording of deadlines and timeline
entries, the case page's context and the form pieces every audience uses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from litestar import Request
from litestar.di import NamedDependency

from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.forms import parse_day, parse_int, parse_moment, text
from innovation_hub.core.i18n import N_, Labels, format_date, format_datetime
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.settings import Settings
from innovation_hub.trademarks import config, services, workflow
from innovation_hub.trademarks.deadlines import DEADLINE_PERIODS
from innovation_hub.trademarks.workflow import TRADEMARKS

Req = Request[Any, Any, Any]
AppSettings = NamedDependency[Settings]  # the running app's settings, given by the HubPlugin

# A bookings.css status class per state, so the badge's border style differs as well.
TONES = {
    "granted": "status-confirmed",
    "office_action": "status-pending_payment",
    "formality_examination": "status-pending_approval",
    "refused": "status-cancelled",
    "withdrawn": "status-cancelled",
    "guidance_only": "status-cancelled",
}


@dataclass(frozen=True)
class StatusView:
    status: str
    text: str
    icon: str
    tone: str


def status_view(status: str) -> StatusView:
    """The state's words and icon from the declared workflow, with its badge style."""
    state = TRADEMARKS.view(status)
    return StatusView(status, state.text, state.icon, TONES.get(status, ""))


party_label = Labels(
    {
        "office": N_("IP Office"),
        "applicant": N_("Applicant"),
        "owner": N_("Owner of the mark"),
    }
)


def when_text(days_left: int) -> str:
    if days_left < 0:
        return _("overdue by %(n)s days", n=-days_left)
    if days_left == 0:
        return _("due today")
    return _("in %(n)s days", n=days_left)


def class_title(number: int, on: date | None = None) -> str:
    """The class heading in the edition in force on ``on`` (today when not given)."""
    found = config.nice(on).get(number)
    return found.title if found else str(number)


def class_options() -> list[tuple[int, str]]:
    return [(c.number, f"{c.number} – {c.title}") for c in config.nice().classes]


def nice_class(raw: object) -> int | None:
    """A Nice class number from a field, when there is such a class."""
    number = parse_int(raw, minimum=config.FIRST_CLASS, maximum=config.LAST_CLASS)
    return number if number is not None and config.nice().get(number) else None


def class_list(case: Any) -> str:
    return ", ".join(str(c.number) for c in services.case_classes(case))


def dossier_label(code: str) -> str:
    for item in config.dossier_items():
        if item.code == code:
            return item.label
    return code


# -- timeline ----------------------------------------------------------------------------------


def _day(raw: object) -> str:
    day = parse_day(raw)
    return format_date(day) if day else ""


def _event_text(d: dict[str, Any]) -> str:
    text_ = workflow.event_label(str(d.get("type", "")), d)
    if isinstance(d.get("date"), str):
        text_ += " – " + _day(d["date"])
    extra = []
    if d.get("application_number"):
        extra.append(_("application number %(n)s", n=d["application_number"]))
    if d.get("certificate_number"):
        extra.append(_("certificate number %(n)s", n=d["certificate_number"]))
    if d.get("opponent"):
        extra.append(_("by %(who)s", who=d["opponent"]))
    return text_ + (" (" + ", ".join(extra) + ")" if extra else "")


def _consultation_text(d: dict[str, Any]) -> str:
    start = parse_moment(d.get("start"))
    return _(
        "Consultation booked: %(when)s, %(place)s, with %(staff)s",
        when=format_datetime(start) if start else "",
        place=d.get("resource_name", ""),
        staff=d.get("staff_name", ""),
    )


def _reminder_text(d: dict[str, Any]) -> str:
    period = DEADLINE_PERIODS.get(str(d.get("deadline", "")))
    label = config.durations_on(services.today_local()).periods[period].label if period else ""
    return _("Reminder emailed: %(label)s, due %(day)s", label=label, day=_day(d.get("due")))


TIMELINE_TEXTS: dict[str, Callable[[dict[str, Any]], str]] = {
    "trademark.created": lambda d: _("Case opened"),
    "trademark.assigned": lambda d: _("Assigned to %(name)s", name=d.get("staff_name", "")),
    "trademark.event": _event_text,
    "trademark.consultation_booked": _consultation_text,
    "trademark.consultation_cancelled": lambda d: _("Consultation cancelled"),
    "trademark.checklist": lambda d: _(
        "Checklist: “%(item)s” is now %(state)s",
        item=dossier_label(str(d.get("code", ""))),
        state=services.checklist_state_label(str(d.get("to", ""))),
    ),
    "trademark.file_uploaded": lambda d: _(
        "Document added to “%(item)s”: %(name)s",
        item=dossier_label(str(d.get("code", ""))),
        name=d.get("name", ""),
    ),
    "trademark.image": lambda d: _("Sample image of the mark uploaded"),
    "trademark.classes_changed": lambda d: _(
        "Goods and services changed: classes %(classes)s",
        classes=", ".join(str(n) for n in d.get("classes", [])),
    ),
    "trademark.reminder": _reminder_text,
}


def timeline_text(entry: services.TimelineEntry) -> str:
    describe = TIMELINE_TEXTS.get(entry.action)
    return describe(entry.detail) if describe else entry.action


@dataclass(frozen=True)
class TimelineRow:
    at: datetime
    who: str
    text: str
    note: str
    status: StatusView | None


def timeline_rows(view: services.CaseView) -> list[TimelineRow]:
    rows = []
    for entry in view.timeline:
        after = entry.detail.get("status_after")
        rows.append(
            TimelineRow(
                at=entry.at,
                who=entry.actor_name or _("The system"),
                text=timeline_text(entry),
                note=str(entry.detail.get("note", "")),
                status=status_view(str(after)) if after else None,
            )
        )
    return rows


# -- the case page -----------------------------------------------------------------------------


def case_base(case_id: int, *, staff: bool) -> str:
    return f"/staff/trademarks/{case_id}" if staff else f"/trademarks/cases/{case_id}"


def done_message(request: Req) -> str:
    return {
        "saved": _("Saved."),
        "uploaded": _("The file was added."),
        "event": _("The step was recorded."),
        "booked": _("The consultation is booked."),
        "cancelled": _("The consultation was cancelled."),
        "assigned": _("The case was assigned."),
    }.get(text(request.query_params.get("done")), "")


def case_context(view: services.CaseView, *, staff: bool) -> dict[str, Any]:
    case = view.case
    return {
        "view": view,
        "case": case,
        "state": status_view(case.status),
        "status_help": TRADEMARKS.explain(case.status),
        "mark_type_text": workflow.mark_type_label(case.mark_type),
        "organisation_kind_text": services.organisation_kind_label(case.organisation_kind),
        "classes": [
            (c.number, class_title(c.number, case.filing_date), c.items) for c in view.classes
        ],
        "timeline": list(reversed(timeline_rows(view))),
        "party_label": party_label,
        "when_text": when_text,
        "state_label": services.checklist_state_label,
        "checklist_states": services.CHECKLIST_STATES,
        "checklist_icons": {"missing": "○", "draft": "◐", "ready": "✔"},
        "pre_filing": case.status in workflow.PRE_FILING,
        "closed": TRADEMARKS.is_final(case.status),
        "is_staff_page": staff,
        "base": case_base(case.id, staff=staff),
        "edition": view.nice_edition,
        "hhmm": lambda moment: moment.astimezone(LOCAL_TZ).strftime("%H:%M"),
        "errors": {},
    }


# -- goods and services on a form ------------------------------------------------------------


def chosen_classes(form: Any) -> dict[int, str]:
    """``items_<n>`` fields (one textarea per chosen class, maybe twice) → class → text."""
    chosen: dict[int, list[str]] = {}
    for key in form:
        if not key.startswith("items_"):
            continue
        number = parse_int(key[len("items_") :])
        if number is None or form.get(f"remove_{number}"):
            continue
        values = [v for v in form.getall(key) if isinstance(v, str)]
        chosen.setdefault(number, []).extend(values)
    return {n: "\n".join(v for v in texts if v.strip()) for n, texts in sorted(chosen.items())}


def add_class(
    form: dict[str, Any], chosen: dict[int, str], *, items_need_class: bool
) -> dict[str, str]:
    """The "add a class" fields joined into ``chosen`` (and taken out of ``form``); the
    field errors when the class is not one of the 45."""
    items = text(form.get("add_items"))
    if text(form.get("add_class")):
        number = nice_class(form.get("add_class"))
        if number is None:
            return {"add_class": _("Nice classes are numbered 1 to 45.")}
        chosen[number] = "\n".join(t for t in (chosen.get(number, ""), items) if t)
        form.pop("add_class", None)
        form.pop("add_items", None)
    elif items and items_need_class:
        return {"add_class": _("Choose the class these items belong to.")}
    return {}


def items_of(text_: str) -> list[str]:
    """One item per line; semicolons also separate items."""
    return [part.strip() for line in text_.splitlines() for part in line.split(";") if part.strip()]


def class_entries(chosen: dict[int, str]) -> list[services.ClassEntry]:
    return [services.ClassEntry(n, items_of(t)) for n, t in chosen.items()]


async def string_fields(request: Req) -> dict[str, str]:
    """A form's text fields (never the CSRF token), to read and to show again."""
    data = await request.form()
    return {k: v for k, v in data.items() if isinstance(v, str) and k != "_csrf_token"}
