"""Pages for trademark guidance: the public guide, the fee estimator and Nice class search; an
organisation's cases; the staff queue and case page with its actions. Every change goes
through ``trademarks.services``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Template

from innovation_hub.accounts.tables import User
from innovation_hub.core import uploads
from innovation_hub.core.auth import ANY_USER, PUBLIC, STAFF, allow
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.errors import FormInvalid, HubError, NotFound
from innovation_hub.core.i18n import format_date, format_datetime
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.web import go_to, page, settings_of
from innovation_hub.spaces import services as spaces
from innovation_hub.trademarks import config, services, workflow
from innovation_hub.trademarks.deadlines import DEADLINE_PERIODS
from innovation_hub.trademarks.workflow import TRADEMARKS

Req = Request[Any, Any, Any]
CASE_ROLES = allow(*services.CASE_ROLES)
ESTIMATE_ROWS = 3
MAX_ROWS = 45


# -- shared view helpers -----------------------------------------------------------------------


@dataclass(frozen=True)
class StatusView:
    status: str
    text: str
    icon: str
    tone: str  # a bookings.css status class, so the badge's border style differs as well


def status_view(status: str) -> StatusView:
    tone = {
        "granted": "status-confirmed",
        "office_action": "status-pending_payment",
        "formality_examination": "status-pending_approval",
        "refused": "status-cancelled",
        "withdrawn": "status-cancelled",
        "guidance_only": "status-cancelled",
    }.get(status, "")
    state = TRADEMARKS.view(status)
    return StatusView(status, state.text, state.icon, tone)


def party_label(party: str) -> str:
    return {
        "office": _("IP Office"),
        "applicant": _("Applicant"),
        "owner": _("Owner of the mark"),
    }.get(party, party)


def when_text(days_left: int) -> str:
    if days_left < 0:
        return _("overdue by %(n)s days", n=-days_left)
    if days_left == 0:
        return _("due today")
    return _("in %(n)s days", n=days_left)


def class_title(number: int) -> str:
    found = config.nice().get(number)
    return found.title if found else str(number)


def class_options() -> list[tuple[int, str]]:
    return [(c.number, f"{c.number} – {c.title}") for c in config.nice().classes]


def mark_type_options() -> list[tuple[str, str]]:
    return [(t, workflow.mark_type_label(t)) for t in workflow.MARK_TYPES]


def organisation_kind_options() -> list[tuple[str, str]]:
    return [(k, services.organisation_kind_label(k)) for k in services.ORGANISATION_KINDS]


def _int(raw: object) -> int | None:
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError):
        return None


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return str(value).strip() if isinstance(value, str) else ""


def timeline_text(entry: services.TimelineEntry) -> str:
    d = entry.detail
    action = entry.action
    if action == "trademark.created":
        return _("Case opened")
    if action == "trademark.assigned":
        return _("Assigned to %(name)s", name=d.get("staff_name", ""))
    if action == "trademark.event":
        text = workflow.event_label(str(d.get("type", "")), d)
        raw_day = d.get("date")
        if isinstance(raw_day, str):
            text += " – " + format_date(date.fromisoformat(raw_day))
        extra = []
        if d.get("application_number"):
            extra.append(_("application number %(n)s", n=d["application_number"]))
        if d.get("certificate_number"):
            extra.append(_("certificate number %(n)s", n=d["certificate_number"]))
        if extra:
            text += " (" + ", ".join(extra) + ")"
        return text
    if action == "trademark.consultation_booked":
        start = d.get("start")
        when = format_datetime(datetime.fromisoformat(start)) if isinstance(start, str) else ""
        return _(
            "Consultation booked: %(when)s, %(place)s, with %(staff)s",
            when=when,
            place=d.get("resource_name", ""),
            staff=d.get("staff_name", ""),
        )
    if action == "trademark.consultation_cancelled":
        return _("Consultation cancelled")
    if action == "trademark.checklist":
        return _(
            "Checklist: “%(item)s” is now %(state)s",
            item=_dossier_label(str(d.get("code", ""))),
            state=services.checklist_state_label(str(d.get("to", ""))),
        )
    if action == "trademark.file_uploaded":
        return _(
            "Document added to “%(item)s”: %(name)s",
            item=_dossier_label(str(d.get("code", ""))),
            name=d.get("name", ""),
        )
    if action == "trademark.image":
        return _("Sample image of the mark uploaded")
    if action == "trademark.classes_changed":
        classes = ", ".join(str(n) for n in d.get("classes", []))
        return _("Goods and services changed: classes %(classes)s", classes=classes)
    if action == "trademark.reminder":
        period = DEADLINE_PERIODS.get(str(d.get("deadline", "")))
        label = config.durations_on(services.today_local()).periods[period].label if period else ""
        raw_due = d.get("due")
        due = format_date(date.fromisoformat(raw_due)) if isinstance(raw_due, str) else ""
        return _("Reminder emailed: %(label)s, due %(day)s", label=label, day=due)
    return action


def _dossier_label(code: str) -> str:
    for item in config.dossier_items():
        if item.code == code:
            return item.label
    return code


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
        if entry.action.startswith(f"{TRADEMARKS.name}."):
            continue  # the workflow's own status entry: the step's entry tells it
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


def case_context(view: services.CaseView, *, staff: bool) -> dict[str, Any]:
    case = view.case
    return {
        "view": view,
        "case": case,
        "state": status_view(case.status),
        "status_help": workflow.status_help(case.status),
        "mark_type_text": workflow.mark_type_label(case.mark_type),
        "organisation_kind_text": services.organisation_kind_label(case.organisation_kind),
        "classes": [(c.number, class_title(c.number), c.items) for c in view.classes],
        "timeline": list(reversed(timeline_rows(view))),
        "party_label": party_label,
        "when_text": when_text,
        "state_label": services.checklist_state_label,
        "checklist_states": services.CHECKLIST_STATES,
        "checklist_icons": {"missing": "○", "draft": "◐", "ready": "✔"},
        "pre_filing": case.status in workflow.PRE_FILING,
        "closed": TRADEMARKS.is_final(case.status),
        "is_staff_page": staff,
        "base": f"/staff/trademarks/{case.id}" if staff else f"/trademarks/cases/{case.id}",
        "edition": config.nice().edition,
        "hhmm": lambda moment: moment.astimezone(LOCAL_TZ).strftime("%H:%M"),
        "errors": {},
    }


# -- public: guide, fee estimator, Nice classes --------------------------------------------------


@dataclass(frozen=True)
class StepView:
    title: str
    months: int | None
    text: str
    basis: str


def guide_steps(durations: config.Durations) -> list[StepView]:
    p = durations.periods
    return [
        StepView(
            _("Prepare: the mark, its goods and services, the Nice classes"),
            None,
            _(
                "Decide what the mark is (words, logo, or both), list the goods and services "
                "it will be used on and group them by Nice class. A search for similar marks "
                "lowers the risk of refusal."
            ),
            "",
        ),
        StepView(
            _("File the application at the IP Office of Vietnam"),
            None,
            _(
                "Online through the national public service portal or on paper in Hà Nội, "
                "Hồ Chí Minh City or Đà Nẵng. The filing date fixes your priority."
            ),
            "",
        ),
        StepView(
            p["formality_examination"].label,
            p["formality_examination"].months,
            _(
                "The Office checks the form of the application within %(n)s month of filing.",
                n=p["formality_examination"].months,
            ),
            p["formality_examination"].basis,
        ),
        StepView(
            p["publication"].label,
            p["publication"].months,
            _(
                "A valid application is published within %(n)s months of its acceptance.",
                n=p["publication"].months,
            ),
            p["publication"].basis,
        ),
        StepView(
            p["substantive_examination"].label,
            p["substantive_examination"].months,
            _(
                "The Office decides whether the mark can be protected within %(n)s months of "
                "publication. An office action must be answered within the window the notice "
                "gives (usually %(m)s months).",
                n=p["substantive_examination"].months,
                m=p["office_action_response"].months,
            ),
            p["substantive_examination"].basis,
        ),
        StepView(
            _("Grant of the certificate"),
            None,
            _(
                "After a favourable result the applicant pays the grant fees (within %(n)s months) "
                "and receives the certificate.",
                n=p["grant_fees"].months,
            ),
            p["grant_fees"].basis,
        ),
    ]


@get("/trademarks", access=PUBLIC, name="trademark_guide")
async def guide(request: Req) -> Template:
    today = services.today_local()
    durations = config.durations_on(today)
    table = config.fee_table_on(today)
    one_class = config.estimate([config.ClassCount(number=30, items=6)], table)
    return page(
        request,
        "trademarks/guide.html",
        {
            "durations": durations,
            "steps": guide_steps(durations),
            "table": table,
            "one_class": one_class,
            "dossier": config.dossier_items(),
            "mark_types": mark_type_options(),
            "edition": config.nice().edition,
            "protection_years": durations.months("protection") // 12,
            "renewal_months": durations.months("renewal_window"),
            "grace_months": durations.months("renewal_grace"),
            "per_label": per_label,
        },
    )


def per_label(per: str, class_items: int) -> str:
    return {
        "application": _("per application"),
        "class": _("per class (up to %(n)s items)", n=class_items),
        "extra_item": _("per item beyond %(n)s in a class", n=class_items),
    }.get(per, per)


@dataclass(frozen=True)
class EstimateRow:
    number: str
    items: str


def _estimate_rows(request: Req) -> tuple[list[EstimateRow], int]:
    numbers = request.query_params.getall("class", [])
    counts = request.query_params.getall("items", [])
    rows = [
        EstimateRow(str(n).strip(), str(counts[i]).strip() if i < len(counts) else "")
        for i, n in enumerate(numbers)
    ]
    wanted = _int(request.query_params.get("rows")) or 0
    size = max(ESTIMATE_ROWS, len(rows), min(wanted, MAX_ROWS))
    rows += [EstimateRow("", "") for _ in range(size - len(rows))]
    return rows, size


@get("/trademarks/fees", access=PUBLIC, name="trademark_fees")
async def fees(request: Req) -> Template:
    """The estimator: a GET form, so an estimate is a link to share; htmx swaps the result."""
    rows, size = _estimate_rows(request)
    table = config.fee_table_on(services.today_local())
    estimate = None
    error = ""
    chosen = [r for r in rows if r.number]
    if chosen:
        counts = []
        for row in chosen:
            number = _int(row.number)
            items = _int(row.items) if row.items else 1
            if number is None or items is None:
                error = _("Give whole numbers for the class and the number of items.")
                break
            counts.append(config.ClassCount(number=number, items=items))
        if not error:
            try:
                estimate = config.estimate(counts, table)
            except HubError as exc:
                error = next(iter(exc.field_errors.values()), exc.detail)
    elif request.query_params.get("submitted"):
        error = _("Choose at least one Nice class.")
    query = "&".join(f"class={r.number}&items={r.items}" for r in chosen)
    return page(
        request,
        "trademarks/fees.html",
        {
            "rows": rows,
            "more_link": f"/trademarks/fees?{query}&rows={size + 1}"
            if query
            else f"/trademarks/fees?rows={size + 1}",
            "options": class_options(),
            "estimate": estimate,
            "error": error,
            "table": table,
            "per_label": per_label,
            "class_title": class_title,
        },
        fragment="trademarks/_estimate.html",
        status_code=422 if error else 200,
    )


@get("/trademarks/classes", access=PUBLIC, name="trademark_classes")
async def nice_classes(request: Req) -> Template:
    query = str(request.query_params.get("q") or "")[:100]
    pick = request.query_params.get("pick") == "1"
    data = config.nice()
    return page(
        request,
        "trademarks/classes.html",
        {"q": query, "found": data.search(query), "edition": data.edition, "pick": pick},
        fragment="trademarks/_class_results.html",
    )


@get("/trademarks/classes/row", access=CASE_ROLES)
async def class_row(request: Req) -> Template:
    """One chosen class for the case form (htmx appends it to the chosen list)."""
    number = _int(request.query_params.get("number"))
    found = config.nice().get(number) if number is not None else None
    if found is None:
        raise NotFound(_("No such Nice class."), code="class_not_found")
    return page(
        request,
        "trademarks/_class_row.html",
        {"number": found.number, "title": found.title, "items": "", "errors": {}},
    )


# -- an organisation's cases --------------------------------------------------------------------


@get("/trademarks/cases", access=CASE_ROLES, name="trademark_cases")
async def my_cases(request: Req) -> Template | Response[Any]:
    user: User = request.user
    if services.is_staff(user):
        return go_to(request, "/staff/trademarks")
    rows = await services.list_cases(user)
    return page(
        request,
        "trademarks/cases.html",
        {
            "rows": [(r, status_view(r.case.status)) for r in rows],
            "when_text": when_text,
            "class_list": lambda case: ", ".join(
                str(c.number) for c in services.case_classes(case)
            ),
        },
    )


def _chosen_classes(form: Any) -> dict[int, str]:
    """``items_<n>`` fields (one textarea per chosen class, maybe twice) → class → text."""
    chosen: dict[int, list[str]] = {}
    for key in form:
        if not key.startswith("items_"):
            continue
        number = _int(key[len("items_") :])
        if number is None or form.get(f"remove_{number}"):
            continue
        values = [v for v in form.getall(key) if isinstance(v, str)]
        chosen.setdefault(number, []).extend(values)
    return {n: "\n".join(v for v in texts if v.strip()) for n, texts in sorted(chosen.items())}


def _items_of(text: str) -> list[str]:
    """One item per line; semicolons also separate items."""
    return [part.strip() for line in text.splitlines() for part in line.split(";") if part.strip()]


def _new_case_context(
    request: Req, form: dict[str, Any], chosen: dict[int, str], errors: dict[str, str]
) -> dict[str, Any]:
    user: User = request.user
    return {
        "form": form,
        "errors": errors,
        "chosen": [(n, class_title(n), text) for n, text in chosen.items()],
        "mark_types": mark_type_options(),
        "kinds": organisation_kind_options(),
        "options": class_options(),
        "for_staff": services.is_staff(user),
        "max_image_mb": services.MAX_IMAGE_BYTES // (1024 * 1024),
        "edition": config.nice().edition,
    }


@get("/trademarks/cases/new", access=CASE_ROLES, name="trademark_new_case")
async def new_case_form(request: Req) -> Template:
    user: User = request.user
    form: dict[str, Any] = {"mark_type": "combined"}
    if not services.is_staff(user):
        form.update(organisation_name=user.organisation_name, organisation_kind=user.role)
    chosen = {}
    for raw in request.query_params.getall("class", []):
        number = _int(raw)
        if number is not None and config.nice().get(number):
            chosen[number] = ""
    return page(request, "trademarks/new_case.html", _new_case_context(request, form, chosen, {}))


@post("/trademarks/cases/new", access=CASE_ROLES)
async def new_case(request: Req) -> Response[Any] | Template:
    user: User = request.user
    form_data = await request.form()
    form = {k: v for k, v in form_data.items() if isinstance(v, str) and k != "_csrf_token"}
    chosen = _chosen_classes(form_data)
    errors: dict[str, str] = {}
    add_number = _int(form.get("add_class"))
    add_items = str(form.get("add_items") or "").strip()
    if add_number is not None:
        if config.nice().get(add_number) is None:
            errors["add_class"] = _("Nice classes are numbered 1 to 45.")
        else:
            joined = "\n".join(t for t in (chosen.get(add_number, ""), add_items) if t)
            chosen[add_number] = joined
            form.pop("add_class", None)
            form.pop("add_items", None)
    elif add_items:
        errors["add_class"] = _("Choose the class these items belong to.")
    chosen = dict(sorted(chosen.items()))
    if form.get("action") == "add" or errors:
        status = 422 if errors else 200
        return page(
            request,
            "trademarks/new_case.html",
            _new_case_context(request, form, chosen, errors),
            status_code=status,
        )
    image = form_data.get("image")
    upload = None
    if isinstance(image, UploadFile) and image.filename:
        upload = services.Upload(await image.read(), image.filename)
    new = services.NewCase(
        mark_name=form.get("mark_name", ""),
        mark_type=form.get("mark_type", ""),
        classes=[services.ClassEntry(n, _items_of(text)) for n, text in chosen.items()],
        organisation_name=form.get("organisation_name", ""),
        notes=form.get("notes", ""),
        mark_description=form.get("mark_description", ""),
        organisation_kind=form.get("organisation_kind", ""),
        through_representative=bool(form.get("through_representative")),
        priority_claimed=bool(form.get("priority_claimed")),
        member_email=form.get("member_email", ""),
    )
    try:
        case = await services.create_case(
            user, new, image=upload, var_dir=settings_of(request).var_dir
        )
    except HubError as exc:
        errors = exc.field_errors or {"_form": exc.detail}
        if upload is not None and "image" not in errors:
            errors["image"] = _("Choose the image again: browsers do not keep it.")
        return page(
            request,
            "trademarks/new_case.html",
            _new_case_context(request, form, chosen, errors),
            status_code=exc.status_code,
        )
    target = (
        f"/staff/trademarks/{case.id}"
        if services.is_staff(user)
        else f"/trademarks/cases/{case.id}"
    )
    return go_to(request, target + "?created=1")


@get("/trademarks/cases/{case_id:int}", access=ANY_USER, name="trademark_case")
async def case_page(request: Req, case_id: FromPath[int]) -> Template:
    case = await services.get_case_for(request.user, case_id)
    view = await services.case_view(case)
    context = case_context(view, staff=False)
    context["created"] = request.query_params.get("created") == "1"
    context["message"] = _message(request)
    return page(request, "trademarks/case.html", context)


def _message(request: Req) -> str:
    return {
        "saved": _("Saved."),
        "uploaded": _("The file was added."),
        "event": _("The step was recorded."),
        "booked": _("The consultation is booked."),
        "cancelled": _("The consultation was cancelled."),
        "assigned": _("The case was assigned."),
    }.get(str(request.query_params.get("done") or ""), "")


async def _case_page_with_error(
    request: Req, case_id: int, errors: dict[str, str], status: int, *, staff: bool
) -> Template:
    view = await services.case_view(await services.get_case_for(request.user, case_id))
    context = case_context(view, staff=staff)
    context.update(errors=errors, created=False, message="")
    if staff:
        context.update(await _staff_context(request, view))
    template = "trademarks/staff_case.html" if staff else "trademarks/case.html"
    return page(request, template, context, status_code=status)


def _back(request: Req, case_id: int, done: str) -> Response[Any]:
    user: User = request.user
    base = (
        f"/staff/trademarks/{case_id}"
        if services.is_staff(user)
        else f"/trademarks/cases/{case_id}"
    )
    return go_to(request, f"{base}?done={done}")


@post("/trademarks/cases/{case_id:int}/checklist/{code:str}", access=CASE_ROLES)
async def checklist_item(
    request: Req, case_id: FromPath[int], code: FromPath[str]
) -> Response[Any] | Template:
    """A checklist row's form: a new state, and/or a document (multipart)."""
    form = await request.form()
    upload = form.get("file")
    state = form.get("state")
    user: User = request.user
    try:
        if isinstance(upload, UploadFile) and upload.filename:
            await services.add_dossier_file(
                user,
                case_id,
                code,
                services.Upload(await upload.read(), upload.filename),
                var_dir=settings_of(request).var_dir,
            )
        if isinstance(state, str) and state:
            await services.set_checklist_state(user, case_id, code, state)
    except NotFound:
        raise
    except HubError as exc:
        message = next(iter(exc.field_errors.values()), exc.detail)
        return await _case_page_with_error(
            request,
            case_id,
            {f"checklist_{code}": message},
            exc.status_code,
            staff=services.is_staff(user),
        )
    return _back(request, case_id, "saved")


@post("/trademarks/cases/{case_id:int}/image", access=CASE_ROLES)
async def case_image(request: Req, case_id: FromPath[int]) -> Response[Any] | Template:
    form = await request.form()
    image = form.get("image")
    user: User = request.user
    data = await image.read() if isinstance(image, UploadFile) else b""
    try:
        await services.set_image(
            user,
            case_id,
            services.Upload(data, image.filename if isinstance(image, UploadFile) else ""),
            var_dir=settings_of(request).var_dir,
        )
    except NotFound:
        raise
    except HubError as exc:
        message = next(iter(exc.field_errors.values()), exc.detail)
        return await _case_page_with_error(
            request, case_id, {"image": message}, exc.status_code, staff=services.is_staff(user)
        )
    return _back(request, case_id, "uploaded")


@get("/trademarks/cases/{case_id:int}/files/{file_id:int}", access=ANY_USER)
async def case_file(
    request: Req, case_id: FromPath[int], file_id: FromPath[int]
) -> Response[bytes]:
    data, content_type, name = await services.read_file(
        request.user, case_id, file_id, var_dir=settings_of(request).var_dir
    )
    return Response(
        data,
        media_type=content_type,
        headers={
            **uploads.download_headers(
                name, content_type, inline=content_type.startswith("image/")
            ),
            "cache-control": "private, max-age=300",
        },
    )


def _classes_form_context(
    view: services.CaseView, chosen: dict[int, str], errors: dict[str, str], staff: bool
) -> dict[str, Any]:
    return {
        "case": view.case,
        "chosen": [(n, class_title(n), text) for n, text in chosen.items()],
        "errors": errors,
        "options": class_options(),
        "form": {},
        "back": f"/staff/trademarks/{view.case.id}"
        if staff
        else f"/trademarks/cases/{view.case.id}",
        "edition": config.nice().edition,
    }


@get("/trademarks/cases/{case_id:int}/classes", access=CASE_ROLES)
async def classes_form(request: Req, case_id: FromPath[int]) -> Template:
    view = await services.case_view(await services.get_case_for(request.user, case_id))
    chosen = {c.number: "\n".join(c.items) for c in view.classes}
    return page(
        request,
        "trademarks/classes_form.html",
        _classes_form_context(view, chosen, {}, services.is_staff(request.user)),
    )


@post("/trademarks/cases/{case_id:int}/classes", access=CASE_ROLES)
async def classes_save(request: Req, case_id: FromPath[int]) -> Response[Any] | Template:
    user: User = request.user
    form = await request.form()
    chosen = _chosen_classes(form)
    errors: dict[str, str] = {}
    add_number = _int(form.get("add_class"))
    add_items = str(form.get("add_items") or "").strip()
    if add_number is not None:
        if config.nice().get(add_number) is None:
            errors["add_class"] = _("Nice classes are numbered 1 to 45.")
        else:
            chosen[add_number] = "\n".join(t for t in (chosen.get(add_number, ""), add_items) if t)
    chosen = dict(sorted(chosen.items()))
    if form.get("action") == "add" or errors:
        view = await services.case_view(await services.get_case_for(user, case_id))
        return page(
            request,
            "trademarks/classes_form.html",
            _classes_form_context(view, chosen, errors, services.is_staff(user)),
            status_code=422 if errors else 200,
        )
    try:
        await services.update_classes(
            user, case_id, [services.ClassEntry(n, _items_of(t)) for n, t in chosen.items()]
        )
    except NotFound:
        raise
    except HubError as exc:
        view = await services.case_view(await services.get_case_for(user, case_id))
        errors = exc.field_errors or {"_form": exc.detail}
        return page(
            request,
            "trademarks/classes_form.html",
            _classes_form_context(view, chosen, errors, services.is_staff(user)),
            status_code=exc.status_code,
        )
    return _back(request, case_id, "saved")


# -- staff ------------------------------------------------------------------------------------


def _status_filter_options() -> list[tuple[str, str]]:
    return [
        ("open", _("Open cases")),
        ("closed", _("Closed cases")),
        ("all", _("All cases")),
        *[(s, TRADEMARKS.label(s)) for s in TRADEMARKS.statuses],
    ]


@get("/staff/trademarks", access=STAFF, name="trademark_queue")
async def staff_queue(request: Req) -> Template:
    status = str(request.query_params.get("status") or "open")
    assigned = str(request.query_params.get("assigned") or "")
    query = str(request.query_params.get("q") or "")[:100]
    rows = await services.list_cases(
        request.user,
        status=None if status == "all" else status,
        assigned=assigned or None,
        query=query,
    )
    soon = sum(1 for r in rows if r.next_deadline and r.next_deadline.days_left <= 14)
    return page(
        request,
        "trademarks/staff_queue.html",
        {
            "rows": [(r, status_view(r.case.status)) for r in rows],
            "filters": {"status": status, "assigned": assigned, "q": query},
            "status_options": _status_filter_options(),
            "assigned_options": [
                ("", _("Anyone")),
                ("me", _("Assigned to me")),
                ("none", _("Not assigned")),
            ],
            "soon": soon,
            "when_text": when_text,
            "class_list": lambda case: ", ".join(
                str(c.number) for c in services.case_classes(case)
            ),
        },
        fragment="trademarks/_staff_rows.html",
    )


def event_options(status: str) -> list[tuple[str, str]]:
    options = []
    for transition in workflow.EVENTS:
        kind = transition.action
        if status not in transition.sources:
            continue
        if kind == "stage":
            for stage in workflow.STAGES:
                if stage != status:
                    options.append(
                        (f"stage:{stage}", workflow.event_label("stage", {"stage": stage}))
                    )
            continue
        if kind == "substantive_result":
            for result in workflow.RESULTS:
                options.append((f"{kind}:{result}", workflow.event_label(kind, {"result": result})))
            continue
        options.append((kind, workflow.event_label(kind)))
    return options


async def _staff_context(request: Req, view: services.CaseView) -> dict[str, Any]:
    resources = [
        r for r in await spaces.list_resources() if r.kind in ("meeting_room", "event_hall", "lab")
    ]
    staff = await services.staff_members()
    return {
        "event_options": event_options(view.case.status),
        "staff_options": [(u.id, u.name) for u in staff],
        "resource_options": [(r.id, r.name) for r in resources],
        "today": services.today_local().isoformat(),
        "form": {},
    }


@get("/staff/trademarks/{case_id:int}", access=STAFF, name="trademark_staff_case")
async def staff_case(request: Req, case_id: FromPath[int]) -> Template:
    view = await services.case_view(await services.get_case_for(request.user, case_id))
    context = case_context(view, staff=True)
    context.update(await _staff_context(request, view))
    context.update(
        errors={},
        created=request.query_params.get("created") == "1",
        message=_message(request),
    )
    return page(request, "trademarks/staff_case.html", context)


async def _staff_error(
    request: Req, case_id: int, form: dict[str, Any], errors: dict[str, str], status: int
) -> Template:
    view = await services.case_view(await services.get_case_for(request.user, case_id))
    context = case_context(view, staff=True)
    context.update(await _staff_context(request, view))
    context.update(errors=errors, form=form, created=False, message="")
    return page(request, "trademarks/staff_case.html", context, status_code=status)


@post("/staff/trademarks/{case_id:int}/events", access=STAFF)
async def staff_event(request: Req, case_id: FromPath[int]) -> Response[Any] | Template:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    choice = form.get("type", "")
    kind, _sep, option = choice.partition(":")
    errors: dict[str, str] = {}
    day = _date(form.get("date"))
    if day is None:
        errors["date"] = _("Enter the date of this step.")
    response_due = _date(form.get("response_due")) if form.get("response_due") else None
    if form.get("response_due") and response_due is None:
        errors["response_due"] = _("Enter a date.")
    if errors or day is None:
        return await _staff_error(request, case_id, form, errors, 422)
    event = workflow.EventInput(
        type=kind,
        date=day,
        application_number=form.get("application_number", ""),
        certificate_number=form.get("certificate_number", ""),
        result=option if kind == "substantive_result" else "",
        stage=option if kind == "stage" else "",
        response_due=response_due,
        note=form.get("note", ""),
    )
    try:
        await services.record_event(
            request.user, case_id, event, base_url=settings_of(request).base_url
        )
    except NotFound:
        raise
    except HubError as exc:
        errors = exc.field_errors or {"type": exc.detail}
        return await _staff_error(request, case_id, form, errors, exc.status_code)
    return go_to(request, f"/staff/trademarks/{case_id}?done=event")


def _date(raw: object) -> date | None:
    try:
        return date.fromisoformat(str(raw or "").strip())
    except ValueError:
        return None


@post("/staff/trademarks/{case_id:int}/assign", access=STAFF)
async def staff_assign(request: Req, case_id: FromPath[int]) -> Response[Any] | Template:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    staff_id = _int(form.get("staff_id"))
    try:
        if staff_id is None:
            raise FormInvalid({"staff_id": _("Choose a member of staff.")})
        await services.assign(request.user, case_id, staff_id)
    except NotFound:
        raise
    except HubError as exc:
        errors = exc.field_errors or {"staff_id": exc.detail}
        return await _staff_error(request, case_id, form, errors, exc.status_code)
    return go_to(request, f"/staff/trademarks/{case_id}?done=assigned")


def _clock(raw: object) -> time | None:
    try:
        return time.fromisoformat(str(raw or "").strip()[:5])
    except ValueError:
        return None


@post("/staff/trademarks/{case_id:int}/consultations", access=STAFF)
async def staff_consultation(request: Req, case_id: FromPath[int]) -> Response[Any] | Template:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    errors: dict[str, str] = {}
    day = _date(form.get("day"))
    start, end = _clock(form.get("start")), _clock(form.get("end"))
    resource_id = _int(form.get("resource_id"))
    if day is None:
        errors["day"] = _("Enter the day.")
    if start is None:
        errors["start"] = _("Enter the start time.")
    if end is None:
        errors["end"] = _("Enter the end time.")
    if resource_id is None:
        errors["resource_id"] = _("Choose a room.")
    if errors or day is None or start is None or end is None or resource_id is None:
        return await _staff_error(request, case_id, form, errors, 422)
    try:
        await services.book_consultation(
            request.user,
            case_id,
            resource_id=resource_id,
            start=datetime.combine(day, start, LOCAL_TZ),
            end=datetime.combine(day, end, LOCAL_TZ),
            staff_id=_int(form.get("staff_id")),
            topic=form.get("topic", ""),
            base_url=settings_of(request).base_url,
        )
    except NotFound as exc:
        if exc.code == "case_not_found":
            raise
        return await _staff_error(request, case_id, form, {"resource_id": exc.detail}, 422)
    except HubError as exc:
        errors = exc.field_errors or {"consultation": exc.detail}
        if "end" in errors or "reason" in errors:
            errors = {"consultation": exc.detail}
        return await _staff_error(request, case_id, form, errors, exc.status_code)
    return go_to(request, f"/staff/trademarks/{case_id}?done=booked")


@post("/staff/trademarks/{case_id:int}/consultations/{consultation_id:int}/cancel", access=STAFF)
async def staff_cancel_consultation(
    request: Req, case_id: FromPath[int], consultation_id: FromPath[int]
) -> Response[Any]:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    await services.cancel_consultation(
        request.user, case_id, consultation_id, reason=form.get("reason", "")
    )
    return go_to(request, f"/staff/trademarks/{case_id}?done=cancelled")


WEB_ROUTES = [
    guide,
    fees,
    nice_classes,
    class_row,
    my_cases,
    new_case_form,
    new_case,
    case_page,
    checklist_item,
    case_image,
    case_file,
    classes_form,
    classes_save,
    staff_queue,
    staff_case,
    staff_event,
    staff_assign,
    staff_consultation,
    staff_cancel_consultation,
]
