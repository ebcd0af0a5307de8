"""Pages of the support programme: public calls, the enterprise's application form, status
and follow-up, the staff queue and application page, and the reviewer's list. Every change
goes through ``programmes.services``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Annotated, Any

from babel.numbers import format_decimal
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import PermissionDeniedException
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from innovation_hub.accounts.tables import User
from innovation_hub.core import uploads
from innovation_hub.core.auth import ANY_USER, PUBLIC, STAFF, allow
from innovation_hub.core.clock import LOCAL_TZ, utcnow
from innovation_hub.core.errors import FormInvalid, HubError, NotFound
from innovation_hub.core.i18n import current_locale
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.web import FormBody, go_to, page, settings_of
from innovation_hub.programmes import services
from innovation_hub.programmes.catalogue import (
    DEFAULT_CRITERIA,
    SECTORS,
    SIZE_CLASSES,
    SUPPORT_TYPES,
    group_label,
    sector_label,
    size_class_label,
    support_type_label,
)
from innovation_hub.programmes.tables import Application, Programme

Req = Request[Any, Any, Any]
MultipartBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
ENTERPRISE = allow("enterprise")
COMMON_TYPES = (
    "iso_9001",
    "iso_22000",
    "haccp",
    "vietgap",
    "5s",
    "kaizen",
    "barcode",
    "traceability",
)


# -- small views --------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusView:
    status: str
    text: str
    icon: str


def status_view(status: str, *, applicant: bool = False) -> StatusView:
    text = services.applicant_status_label(status) if applicant else services.status_label(status)
    return StatusView(status, text, services.STATUS_ICONS.get(status, "•"))


def call_state(programme: Programme) -> StatusView:
    status = services.programme_status(programme)
    return StatusView(
        status, services.programme_status_label(status), services.PROGRAMME_ICONS[status]
    )


def money_text(value: int | None) -> str:
    """As typed in a form in the page's language: 120.000.000, or 120,000,000 in English
    (parse_amount takes either)."""
    return "" if value is None else format_decimal(value, locale=current_locale())


def percent_text(value: float | None) -> str:
    if value is None:
        return ""
    text = f"{value:g}"
    return text.replace(".", ",") if current_locale() == "vi" else text


def text_of(form: dict[str, Any], name: str) -> str:
    return str(form.get(name) or "").strip()


def form_of(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "_csrf_token" and not isinstance(v, UploadFile)}


@dataclass(frozen=True)
class TermView:
    type: str
    label: str
    group: str
    cost_share_percent: int
    cap_vnd: int


def terms_view(programme: Programme) -> list[TermView]:
    return [
        TermView(
            type=t["type"],
            label=support_type_label(t["type"]),
            group=group_label(SUPPORT_TYPES[t["type"]].group) if t["type"] in SUPPORT_TYPES else "",
            cost_share_percent=int(t["cost_share_percent"]),
            cap_vnd=int(t["cap_vnd"]),
        )
        for t in services.support_terms(programme)
    ]


def application_form(application: Application) -> dict[str, Any]:
    form: dict[str, Any] = {
        name: getattr(application, name) or ""
        for name in services.APPLICATION_FIELDS
        if name
        not in ("support_items", "employees", "output_per_worker_vnd", "defect_rate_percent")
    }
    form["employees"] = "" if application.employees is None else str(application.employees)
    form["output_per_worker_vnd"] = money_text(application.output_per_worker_vnd)
    form["defect_rate_percent"] = percent_text(application.defect_rate_percent)
    for item in services.items_of(application):
        form[f"cost_{item['type']}"] = money_text(int(item["cost_vnd"]))
    return form


def _choices(codes: tuple[str, ...], label: Any) -> list[tuple[str, str]]:
    return [(code, label(code)) for code in codes]


# -- public: calls ------------------------------------------------------------------------


@get("/programmes", access=PUBLIC, name="programmes")
async def calls(request: Req) -> Template:
    rows = await services.list_programmes()
    return page(
        request,
        "programmes/list.html",
        {
            "calls": [
                {"programme": p, "state": call_state(p), "terms": terms_view(p)} for p in rows
            ],
        },
    )


async def _my_application(user: Any, programme_id: int) -> Application | None:
    if user is None or user.role != "enterprise":
        return None
    found = await services.list_for(user, programme_id=programme_id, statuses=services.ACTIVE)
    return found[0] if found else None


@get("/programmes/{programme_id:int}", access=PUBLIC)
async def call_page(request: Req, programme_id: FromPath[int]) -> Template:
    programme = await services.get_programme(programme_id)
    user = request.scope.get("user")
    return page(
        request,
        "programmes/call.html",
        {
            "programme": programme,
            "state": call_state(programme),
            "terms": terms_view(programme),
            "criteria": services.criteria_of(programme),
            "documents": services.documents_required(programme),
            "events": await services.events_of(programme.id),
            "remaining": services.remaining_budget(programme),
            "mine": await _my_application(user, programme.id),
        },
    )


# -- the enterprise's application form ----------------------------------------------------


async def _form_page(
    request: Req,
    programme: Programme,
    application: Application | None,
    form: dict[str, Any],
    errors: dict[str, str],
    *,
    status_code: int = 200,
) -> Template:
    documents = await services.documents_of(application.id) if application else []
    required = services.documents_required(programme)
    uploaded = {d.kind for d in documents}
    items = [
        {"type": code, "cost_vnd": services.parse_amount(form.get(f"cost_{code}"))}
        for code in (t.type for t in terms_view(programme))
        if _readable_amount(form.get(f"cost_{code}"))
    ]
    limits = services.support_limits(programme, items)
    return page(
        request,
        "programmes/form.html",
        {
            "programme": programme,
            "application": application,
            "state": status_view(application.status, applicant=True) if application else None,
            "form": form,
            "errors": errors,
            "terms": terms_view(programme),
            "limits": limits,
            "size_classes": _choices(SIZE_CLASSES, size_class_label),
            "sectors": _choices(SECTORS, sector_label),
            "documents": [
                {"doc": d, "label": services.document_label(programme, d.kind)}
                for d in documents
                if d.milestone_id is None
            ],
            "checklist": [(d, d.code in uploaded) for d in required],
            "document_kinds": [(d.code, d.label) for d in required]
            + [("other", services.document_label(programme, "other"))],
            "max_mb": services.MAX_DOCUMENT_BYTES // (1024 * 1024),
            "call_state": call_state(programme),
        },
        fragment="programmes/_form.html",
        status_code=status_code,
    )


def _readable_amount(raw: object) -> bool:
    try:
        return bool(services.parse_amount(raw))
    except ValueError:
        return False


@get("/programmes/{programme_id:int}/apply", access=ENTERPRISE)
async def new_application(request: Req, programme_id: FromPath[int]) -> Template | Response[Any]:
    programme = await services.get_programme(programme_id)
    existing = await _my_application(request.user, programme_id)
    if existing is not None:
        return Redirect(path=f"/applications/{existing.id}/edit", status_code=303)
    user: User = request.user
    form = {
        "enterprise_name": user.organisation_name,
        "tax_code": user.tax_code,
        "contact_name": user.name,
        "contact_phone": user.phone,
    }
    return await _form_page(request, programme, None, form, {})


@post("/programmes/{programme_id:int}/apply", access=ENTERPRISE)
async def start_application(
    request: Req, programme_id: FromPath[int], data: FormBody
) -> Template | Response[Any]:
    programme = await services.get_programme(programme_id)
    form = form_of(data)
    changes, errors = services.application_changes_from_form(form, programme)
    try:
        application = await services.create_application(
            request.user, programme_id, changes, locale=current_locale(), form_errors=errors
        )
    except HubError as exc:
        return await _form_page(request, programme, None, form, _errors(exc), status_code=422)
    if text_of(form, "action") == "submit":
        return await _submit_from_form(request, programme, application, form)
    return go_to(request, f"/applications/{application.id}/edit?done=saved")


def _errors(exc: HubError) -> dict[str, str]:
    return exc.field_errors or {"_form": exc.detail}


async def _submit_from_form(
    request: Req, programme: Programme, application: Application, form: dict[str, Any]
) -> Template | Response[Any]:
    try:
        await services.submit_application(request.user, application.id)
    except HubError as exc:
        fresh = await services.get_application_for(request.user, application.id)
        errors = _errors(exc)
        if exc.field_errors:
            errors["_form"] = _("Your draft is saved, but it cannot be submitted yet.")
        return await _form_page(request, programme, fresh, form, errors, status_code=422)
    return go_to(request, f"/applications/{application.id}?done=submitted")


async def _owned(request: Req, application_id: int) -> Application:
    application = await services.get_application_for(request.user, application_id)
    if application.applicant != request.user.id:
        raise PermissionDeniedException(_("Only the enterprise that applied may do this."))
    return application


@get("/applications/{application_id:int}/edit", access=ANY_USER)
async def edit_application(request: Req, application_id: FromPath[int]) -> Template | Response[Any]:
    application = await _owned(request, application_id)
    if application.status not in services.TRANSITIONS["edit"]:
        return Redirect(path=f"/applications/{application.id}", status_code=303)
    programme = await services.get_programme(application.programme)
    errors: dict[str, str] = {}
    template = await _form_page(
        request, programme, application, application_form(application), errors
    )
    if request.query_params.get("done") == "saved":
        template.context["notice"] = _("Your draft is saved.")
    elif request.query_params.get("done") == "uploaded":
        template.context["notice"] = _("The document is uploaded.")
    return template


@post("/applications/{application_id:int}/edit", access=ANY_USER)
async def save_application(
    request: Req, application_id: FromPath[int], data: FormBody
) -> Template | Response[Any]:
    application = await _owned(request, application_id)
    programme = await services.get_programme(application.programme)
    form = form_of(data)
    changes, errors = services.application_changes_from_form(form, programme)
    try:
        application = await services.update_application(
            request.user, application.id, changes, form_errors=errors
        )
    except HubError as exc:
        return await _form_page(
            request, programme, application, form, _errors(exc), status_code=422
        )
    if text_of(form, "action") == "submit":
        return await _submit_from_form(request, programme, application, form)
    return go_to(request, f"/applications/{application.id}/edit?done=saved")


async def _read_upload(data: dict[str, Any], field: str) -> tuple[bytes, str]:
    upload = data.get(field)
    if not isinstance(upload, UploadFile):
        return b"", ""
    content = await upload.read()
    return content, upload.filename or ""


@post("/applications/{application_id:int}/documents", access=ANY_USER)
async def upload_document(
    request: Req, application_id: FromPath[int], data: MultipartBody
) -> Template | Response[Any]:
    application = await _owned(request, application_id)
    programme = await services.get_programme(application.programme)
    content, filename = await _read_upload(data, "document")
    kind = str(data.get("kind") or "")
    var_dir = settings_of(request).var_dir
    try:
        stored = uploads.store(
            var_dir,
            "programmes",
            content,
            allowed=uploads.PDF_TYPES,
            max_bytes=services.MAX_DOCUMENT_BYTES,
            field="document",
        )
        try:
            await services.add_document(
                request.user, application.id, kind=kind, filename=filename, stored=stored
            )
        except HubError:
            uploads.discard(var_dir, "programmes", stored)
            raise
    except HubError as exc:
        form = application_form(application)
        form["kind"] = kind
        return await _form_page(
            request, programme, application, form, _errors(exc), status_code=422
        )
    return go_to(request, f"/applications/{application.id}/edit?done=uploaded#documents")


@get("/applications/{application_id:int}/documents/{document_id:int}", access=ANY_USER)
async def download_document(
    request: Req, application_id: FromPath[int], document_id: FromPath[int]
) -> Response[bytes]:
    document = await services.get_document_for(request.user, application_id, document_id)
    try:
        content = uploads.read(settings_of(request).var_dir, "programmes", document.stored_name)
    except FileNotFoundError as exc:
        raise NotFound(_("The file is no longer available."), code="file_missing") from exc
    return Response(
        content,
        media_type=document.content_type,
        headers={
            **uploads.download_headers(document.filename, document.content_type),
            "cache-control": "private, no-store",
        },
    )


@post("/applications/{application_id:int}/documents/{document_id:int}/delete", access=ANY_USER)
async def delete_document(
    request: Req, application_id: FromPath[int], document_id: FromPath[int]
) -> Response[Any]:
    await services.delete_document(request.user, application_id, document_id)
    document_back = request.query_params.get("back") == "status"
    target = (
        f"/applications/{application_id}"
        if document_back
        else f"/applications/{application_id}/edit"
    )
    return go_to(request, f"{target}#documents")


# -- the enterprise's status page ---------------------------------------------------------

NOTICES = {
    "submitted": lambda: _("Your application is submitted. The centre will check it and tell you."),
    "answered": lambda: _("Your answer is sent."),
    "reported": lambda: _("Your report is sent to the centre."),
    "indicators": lambda: _("Your indicators are recorded."),
    "withdrawn": lambda: _("Your application is withdrawn."),
}


def explanation(status: str) -> str:
    return {
        "draft": _("Your application is a draft: the centre cannot see it until you submit it."),
        "submitted": _("The centre has received your application and will check it."),
        "screening": _("Staff are checking that your application meets the call's conditions."),
        "more_info": _("Staff need more information from you. Answer below."),
        "in_review": _("Reviewers are scoring your application."),
        "ready_for_decision": _("Reviewers are scoring your application."),
        "approved": _("Your application is approved. Staff will set the milestones."),
        "rejected": _("Your application was not approved in this call."),
        "implementing": _("Report each milestone with its evidence, then your indicators."),
        "accepted": _("The centre has accepted the results of your project."),
        "closed": _("This application is closed."),
        "withdrawn": _("You withdrew this application."),
    }.get(status, "")


async def _actor_names(entries: list[Any]) -> dict[int, str]:
    ids = {e.actor_id for e in entries if e.actor_id}
    if not ids:
        return {}
    rows = await User.select(User.id, User.name).where(User.id.is_in(list(ids)))
    return {row["id"]: row["name"] for row in rows}


async def _shared_context(application: Application, *, everything: bool) -> dict[str, Any]:
    programme = await services.get_programme(application.programme)
    limits = services.support_limits(programme, services.items_of(application))
    timeline = await services.timeline_of(application.id, everything=everything)
    names = await _actor_names(timeline)
    documents = await services.documents_of(application.id)
    milestones = await services.milestones_of(application.id)
    return {
        "application": application,
        "programme": programme,
        "limits": limits,
        "item_label": support_type_label,
        "size_label": size_class_label(application.size_class) if application.size_class else "",
        "sector_label": sector_label(application.sector) if application.sector else "",
        "defect_rate": percent_text(application.defect_rate_percent),
        "timeline": [
            {
                "entry": e,
                "label": services.timeline_label(e.kind),
                "who": names.get(e.actor_id or 0, ""),
            }
            for e in timeline
        ],
        "documents": [
            {"doc": d, "label": services.document_label(programme, d.kind)}
            for d in documents
            if d.milestone_id is None
        ],
        "milestones": [
            {"m": m, "evidence": [d for d in documents if d.milestone_id == m.id]}
            for m in milestones
        ],
        "indicators": await services.indicator_reports_of(application.id),
        "percent_text": percent_text,
        "screening_label": services.screening_label,
    }


@get("/applications", access=ENTERPRISE)
async def my_applications(request: Req) -> Template:
    rows = await services.list_for(request.user)
    names = await services.programme_names({a.programme for a in rows})
    return page(
        request,
        "programmes/mine.html",
        {
            "rows": [
                {
                    "application": a,
                    "programme_name": names.get(a.programme, ""),
                    "state": status_view(a.status, applicant=True),
                }
                for a in rows
            ]
        },
    )


async def _status_page(
    request: Req,
    application: Application,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    forms: dict[str, dict[str, Any]] | None = None,
    status_code: int = 200,
) -> Template:
    context = await _shared_context(application, everything=False)
    key = request.query_params.get("done", "")
    last_question = next(
        (t["entry"].body for t in reversed(context["timeline"]) if t["entry"].kind == "more_info"),
        "",
    )
    context.update(
        state=status_view(application.status, applicant=True),
        explanation=explanation(application.status),
        notice=NOTICES[key]() if key in NOTICES else "",
        question=last_question,
        errors=errors or {},
        forms=forms or {},
        can_edit=application.status in services.TRANSITIONS["edit"],
        can_reply=application.status in services.TRANSITIONS["reply"],
        can_report=application.status in services.TRANSITIONS["report"],
        can_withdraw=application.status in services.TRANSITIONS["withdraw"],
        max_mb=services.MAX_DOCUMENT_BYTES // (1024 * 1024),
    )
    return page(request, "programmes/status.html", context, status_code=status_code)


@get("/applications/{application_id:int}", access=ANY_USER)
async def application_page(request: Req, application_id: FromPath[int]) -> Template | Response[Any]:
    application = await services.get_application_for(request.user, application_id)
    viewer = services.viewer_kind(request.user, application)
    if viewer == "staff":
        return Redirect(path=f"/staff/applications/{application.id}", status_code=303)
    if viewer == "reviewer":
        return Redirect(path=f"/reviews/{application.id}", status_code=303)
    return await _status_page(request, application)


@post("/applications/{application_id:int}/reply", access=ANY_USER)
async def reply(
    request: Req, application_id: FromPath[int], data: FormBody
) -> Template | Response[Any]:
    application = await _owned(request, application_id)
    form = form_of(data)
    try:
        await services.reply(request.user, application.id, text_of(form, "message"))
    except HubError as exc:
        return await _status_page(
            request,
            application,
            errors={"reply": _errors(exc)},
            forms={"reply": form},
            status_code=422,
        )
    return go_to(request, f"/applications/{application.id}?done=answered")


@get("/applications/{application_id:int}/withdraw", access=ANY_USER)
async def withdraw_form(request: Req, application_id: FromPath[int]) -> Template:
    application = await _owned(request, application_id)
    programme = await services.get_programme(application.programme)
    return page(
        request,
        "programmes/withdraw.html",
        {"application": application, "programme": programme, "errors": {}, "form": {}},
    )


@post("/applications/{application_id:int}/withdraw", access=ANY_USER)
async def withdraw(
    request: Req, application_id: FromPath[int], data: FormBody
) -> Template | Response[Any]:
    application = await _owned(request, application_id)
    try:
        await services.withdraw(request.user, application.id, text_of(data, "reason"))
    except HubError as exc:
        programme = await services.get_programme(application.programme)
        return page(
            request,
            "programmes/withdraw.html",
            {
                "application": application,
                "programme": programme,
                "errors": _errors(exc),
                "form": form_of(data),
            },
            status_code=422,
        )
    return go_to(request, f"/applications/{application.id}?done=withdrawn")


@post("/applications/{application_id:int}/milestones/{milestone_id:int}/report", access=ANY_USER)
async def report_milestone(
    request: Req, application_id: FromPath[int], milestone_id: FromPath[int], data: MultipartBody
) -> Template | Response[Any]:
    application = await _owned(request, application_id)
    form = form_of(data)
    content, filename = await _read_upload(data, "evidence")
    section = f"milestone_{milestone_id}"
    var_dir = settings_of(request).var_dir
    stored = None
    try:
        if content or filename:
            stored = uploads.store(
                var_dir,
                "programmes",
                content,
                allowed=uploads.PDF_TYPES,
                max_bytes=services.MAX_DOCUMENT_BYTES,
                field="evidence",
            )
        await services.report_milestone(
            request.user, application.id, milestone_id, text_of(form, "report")
        )
        if stored is not None:
            await services.add_document(
                request.user,
                application.id,
                kind="evidence",
                filename=filename,
                stored=stored,
                milestone_id=milestone_id,
            )
    except HubError as exc:
        if stored is not None:  # the file was checked, but the report it backs was refused
            uploads.discard(var_dir, "programmes", stored)
        return await _status_page(
            request,
            application,
            errors={section: _errors(exc)},
            forms={section: form},
            status_code=422,
        )
    return go_to(request, f"/applications/{application.id}?done=reported")


def indicators_from_form(form: dict[str, Any]) -> tuple[services.Indicators, dict[str, str]]:
    values = services.Indicators(
        certificates_obtained=text_of(form, "certificates_obtained"), note=text_of(form, "note")
    )
    errors: dict[str, str] = {}
    for name in ("output_per_worker_before_vnd", "output_per_worker_after_vnd"):
        try:
            setattr(values, name, services.parse_amount(form.get(name)))
        except ValueError:
            errors[name] = _("Enter a whole number.")
    for name in ("defect_rate_before_percent", "defect_rate_after_percent"):
        try:
            setattr(values, name, services.parse_percent(form.get(name)))
        except ValueError:
            errors[name] = _("Enter a percentage such as 2.5.")
    return values, errors


@post("/applications/{application_id:int}/indicators", access=ANY_USER)
async def report_indicators(
    request: Req, application_id: FromPath[int], data: FormBody
) -> Template | Response[Any]:
    application = await _owned(request, application_id)
    form = form_of(data)
    values, errors = indicators_from_form(form)
    try:
        if errors:
            raise FormInvalid(errors)
        await services.report_indicators(request.user, application.id, values)
    except HubError as exc:
        return await _status_page(
            request,
            application,
            errors={"indicators": _errors(exc)},
            forms={"indicators": form},
            status_code=422,
        )
    return go_to(request, f"/applications/{application.id}?done=indicators")


# -- staff --------------------------------------------------------------------------------


def _status_filter_options() -> list[tuple[str, str]]:
    return [
        ("open", _("Waiting for the centre")),
        ("follow_up", _("Approved, being implemented")),
        ("done", _("Finished")),
        ("all", _("All")),
        *[(s, services.status_label(s)) for s in services.STATUSES],
    ]


@get("/staff/programmes", access=STAFF)
async def staff_queue(request: Req) -> Template:
    status = request.query_params.get("status") or "open"
    try:
        statuses = services.parse_status_filter(status)
    except HubError:
        status, statuses = "open", services.STATUS_GROUPS["open"]
    raw_programme = request.query_params.get("programme_id") or ""
    programme_id = (
        int(raw_programme) if raw_programme.isdigit() and len(raw_programme) < 10 else None
    )
    rows = await services.list_for(request.user, statuses=statuses, programme_id=programme_id)
    programmes = await services.list_programmes()
    by_id = {p.id: p for p in programmes}
    return page(
        request,
        "programmes/staff_queue.html",
        {
            "rows": [
                {
                    "application": a,
                    "programme": by_id.get(a.programme),
                    "state": status_view(a.status),
                    "max_support": services.support_limits(
                        by_id[a.programme], services.items_of(a)
                    ).max_support_vnd
                    if a.programme in by_id
                    else 0,
                }
                for a in rows
            ],
            "status": status,
            "status_options": _status_filter_options(),
            "programme_id": programme_id,
            "calls": [
                {
                    "programme": p,
                    "state": call_state(p),
                    "remaining": services.remaining_budget(p),
                }
                for p in programmes
            ],
        },
    )


STAFF_NOTICES = {
    "screened": lambda: _("The screening is recorded."),
    "asked": lambda: _("The request for more information is sent to the enterprise."),
    "assigned": lambda: _("The reviewer is assigned."),
    "unassigned": lambda: _("The reviewer is removed."),
    "reviewed": lambda: _("Your review is saved."),
    "decided": lambda: _("The decision is recorded and the letter is queued for the enterprise."),
    "milestone": lambda: _("The milestone is set."),
    "confirmed": lambda: _("The milestone is confirmed."),
    "accepted": lambda: _("The acceptance is recorded."),
    "closed": lambda: _("The application is closed."),
}


async def _staff_page(
    request: Req,
    application_id: int,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    forms: dict[str, dict[str, Any]] | None = None,
    status_code: int = 200,
) -> Template:
    application = await services.get_application_for(request.user, application_id)
    context = await _shared_context(application, everything=True)
    programme: Programme = context["programme"]
    reviewers = await services.reviewers_of(application.id)
    reviews = await services.reviews_of(application.id)
    reviewer_names = {u.id: u.name for u in reviewers}
    missing = {r.reviewer for r in reviews} - set(reviewer_names)
    if missing:
        rows = await User.select(User.id, User.name).where(User.id.is_in(list(missing)))
        reviewer_names.update({row["id"]: row["name"] for row in rows})
    candidates = [u for u in await services.reviewer_candidates() if u.id not in reviewer_names]
    key = request.query_params.get("done", "")
    allowed = {
        action: application.status in states for action, states in services.TRANSITIONS.items()
    }
    forms = forms or {}
    limits = context["limits"]
    forms.setdefault(
        "decision", {"outcome": "approved", "amount_vnd": money_text(limits.max_support_vnd)}
    )
    forms.setdefault("acceptance", {"settled_vnd": money_text(application.approved_vnd)})
    context.update(
        state=status_view(application.status),
        notice=STAFF_NOTICES[key]() if key in STAFF_NOTICES else "",
        errors=errors or {},
        forms=forms,
        allowed=allowed,
        reviewers=reviewers,
        candidates=candidates,
        reviews=[
            {
                "review": r,
                "who": reviewer_names.get(r.reviewer or 0, ""),
                "scores": services._json(r.scores, {}),
                "recommendation": services.recommendation_label(r.recommendation),
            }
            for r in reviews
        ],
        average=services.average_of(reviews),
        criteria=services.criteria_of(programme),
        remaining=services.remaining_budget(programme),
        recommendations=[(v, services.recommendation_label(v)) for v in services.RECOMMENDATIONS],
        screening_results=[(v, services.screening_label(v)) for v in services.SCREENING_RESULTS],
        has_review=bool(reviews),
        my_review_form=_my_review_form(reviews, request.user.id),
    )
    return page(request, "programmes/staff_detail.html", context, status_code=status_code)


def _my_review_form(reviews: list[Any], user_id: int) -> dict[str, Any]:
    for review in reviews:
        if review.reviewer == user_id:
            scores = services._json(review.scores, {})
            form = {f"score_{k}": ("na" if v is None else str(v)) for k, v in scores.items()}
            form.update(recommendation=review.recommendation, comment=review.comment)
            return form
    return {}


@get("/staff/applications/{application_id:int}", access=STAFF)
async def staff_application(request: Req, application_id: FromPath[int]) -> Template:
    return await _staff_page(request, application_id)


async def _staff_action(
    request: Req,
    application_id: int,
    section: str,
    form: dict[str, Any],
    action: Any,
    done: str,
) -> Template | Response[Any]:
    try:
        await action()
    except HubError as exc:
        return await _staff_page(
            request,
            application_id,
            errors={section: _errors(exc)},
            forms={section: form},
            status_code=422 if exc.status_code in (400, 422) else exc.status_code,
        )
    return go_to(request, f"/staff/applications/{application_id}?done={done}#{section}")


@post("/staff/applications/{application_id:int}/screening", access=STAFF)
async def staff_screening(
    request: Req, application_id: FromPath[int], data: FormBody
) -> Template | Response[Any]:
    form = form_of(data)
    return await _staff_action(
        request,
        application_id,
        "screening",
        form,
        lambda: services.screen(
            request.user, application_id, text_of(form, "result"), text_of(form, "note")
        ),
        "screened",
    )


@post("/staff/applications/{application_id:int}/more-info", access=STAFF)
async def staff_more_info(
    request: Req, application_id: FromPath[int], data: FormBody
) -> Template | Response[Any]:
    form = form_of(data)
    return await _staff_action(
        request,
        application_id,
        "more_info",
        form,
        lambda: services.ask_more_info(request.user, application_id, text_of(form, "message")),
        "asked",
    )


@post("/staff/applications/{application_id:int}/reviewers", access=STAFF)
async def staff_assign(
    request: Req, application_id: FromPath[int], data: FormBody
) -> Template | Response[Any]:
    form = form_of(data)
    raw_id = text_of(form, "reviewer_id")
    reviewer_id = int(raw_id) if raw_id.isdigit() and len(raw_id) < 10 else None
    email = text_of(form, "email")
    if reviewer_id is None and not email:
        return await _staff_page(
            request,
            application_id,
            errors={"reviewers": {"reviewer": _("Choose a member of staff or give an email.")}},
            forms={"reviewers": form},
            status_code=422,
        )
    return await _staff_action(
        request,
        application_id,
        "reviewers",
        form,
        lambda: services.assign_reviewer(
            request.user, application_id, reviewer_id=reviewer_id, email=email
        ),
        "assigned",
    )


@post("/staff/applications/{application_id:int}/reviewers/{reviewer_id:int}/remove", access=STAFF)
async def staff_unassign(
    request: Req, application_id: FromPath[int], reviewer_id: FromPath[int]
) -> Template | Response[Any]:
    return await _staff_action(
        request,
        application_id,
        "reviewers",
        {},
        lambda: services.unassign_reviewer(request.user, application_id, reviewer_id),
        "unassigned",
    )


def scores_from_form(
    form: dict[str, Any], programme: Programme
) -> tuple[dict[str, Any], dict[str, str]]:
    scores: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for criterion in services.criteria_of(programme):
        raw = text_of(form, f"score_{criterion.code}")
        if raw == "na":
            scores[criterion.code] = None
        elif not raw:
            errors[f"score_{criterion.code}"] = _("Choose a score, or n/a.")
        elif raw in ("0", "1", "2", "3", "4", "5"):
            scores[criterion.code] = int(raw)
        else:
            errors[f"score_{criterion.code}"] = _("Score from 0 to 5, or n/a.")
    return scores, errors


async def _save_review(request: Req, application_id: int, form: dict[str, Any]) -> None:
    application = await services.get_application_for(request.user, application_id)
    programme = await services.get_programme(application.programme)
    scores, errors = scores_from_form(form, programme)
    if errors:
        raise FormInvalid(errors)
    await services.submit_review(
        request.user,
        application_id,
        scores=scores,
        recommendation=text_of(form, "recommendation"),
        comment=text_of(form, "comment"),
    )


@post("/staff/applications/{application_id:int}/review", access=STAFF)
async def staff_review(
    request: Req, application_id: FromPath[int], data: FormBody
) -> Template | Response[Any]:
    form = form_of(data)
    return await _staff_action(
        request,
        application_id,
        "review",
        form,
        lambda: _save_review(request, application_id, form),
        "reviewed",
    )


@post("/staff/applications/{application_id:int}/decision", access=STAFF)
async def staff_decision(
    request: Req, application_id: FromPath[int], data: FormBody
) -> Template | Response[Any]:
    form = form_of(data)
    outcome = text_of(form, "outcome")

    async def act() -> None:
        amount: int | None = None
        if outcome == "approved":
            try:
                amount = services.parse_amount(form.get("amount_vnd"))
            except ValueError:
                raise FormInvalid({"amount_vnd": _("Enter the amount in đồng.")}) from None
            if amount is None:
                raise FormInvalid({"amount_vnd": _("Enter the amount in đồng.")})
        await services.decide(
            request.user,
            application_id,
            outcome=outcome,
            amount_vnd=amount,
            conditions=text_of(form, "conditions"),
            note=text_of(form, "note"),
        )

    return await _staff_action(request, application_id, "decision", form, act, "decided")


@post("/staff/applications/{application_id:int}/milestones", access=STAFF)
async def staff_milestone(
    request: Req, application_id: FromPath[int], data: FormBody
) -> Template | Response[Any]:
    form = form_of(data)
    return await _staff_action(
        request,
        application_id,
        "milestone",
        form,
        lambda: services.add_milestone(
            request.user,
            application_id,
            title=text_of(form, "title"),
            due_on=services.parse_day(form.get("due_on")),
            description=text_of(form, "description"),
        ),
        "milestone",
    )


@post(
    "/staff/applications/{application_id:int}/milestones/{milestone_id:int}/confirm",
    access=STAFF,
)
async def staff_confirm_milestone(
    request: Req, application_id: FromPath[int], milestone_id: FromPath[int]
) -> Template | Response[Any]:
    return await _staff_action(
        request,
        application_id,
        "milestones",
        {},
        lambda: services.confirm_milestone(request.user, application_id, milestone_id),
        "confirmed",
    )


@post("/staff/applications/{application_id:int}/acceptance", access=STAFF)
async def staff_acceptance(
    request: Req, application_id: FromPath[int], data: FormBody
) -> Template | Response[Any]:
    form = form_of(data)

    async def act() -> None:
        try:
            settled = services.parse_amount(form.get("settled_vnd"))
        except ValueError:
            raise FormInvalid({"settled_vnd": _("Enter the amount in đồng.")}) from None
        await services.accept(
            request.user, application_id, settled_vnd=settled, note=text_of(form, "note")
        )

    return await _staff_action(request, application_id, "acceptance", form, act, "accepted")


@post("/staff/applications/{application_id:int}/close", access=STAFF)
async def staff_close(
    request: Req, application_id: FromPath[int], data: FormBody
) -> Template | Response[Any]:
    form = form_of(data)
    return await _staff_action(
        request,
        application_id,
        "close",
        form,
        lambda: services.close(request.user, application_id, text_of(form, "note")),
        "closed",
    )


# -- staff: a new call --------------------------------------------------------------------


def _call_form_context(form: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    groups: dict[str, list[Any]] = {}
    for t in SUPPORT_TYPES.values():
        groups.setdefault(group_label(t.group), []).append(t)
    return {"form": form, "errors": errors, "groups": groups}


@get("/staff/programmes/new", access=STAFF)
async def new_call(request: Req) -> Template:
    today = utcnow().astimezone(LOCAL_TZ).date()
    form: dict[str, Any] = {
        "year": str(today.year),
        "opens_on": today.isoformat(),
        "opens_time": "08:00",
        "closes_time": "17:00",
    }
    # A common provincial pattern: half the cost, up to 50 million đồng an item.
    for code in SUPPORT_TYPES:
        form[f"share_{code}"] = "50"
        form[f"cap_{code}"] = "50.000.000"
    for code in COMMON_TYPES:
        form[f"use_{code}"] = "on"
    return page(request, "programmes/staff_new_call.html", _call_form_context(form, {}))


def _moment(day: str, clock: str) -> datetime | None:
    parsed_day = services.parse_day(day)
    try:
        parsed_time = time.fromisoformat(clock.strip()) if len(clock.strip()) == 5 else None
    except ValueError:
        parsed_time = None
    if parsed_day is None or parsed_time is None:
        return None
    return datetime.combine(parsed_day, parsed_time, tzinfo=LOCAL_TZ)


@post("/staff/programmes/new", access=STAFF)
async def create_call(request: Req, data: FormBody) -> Template | Response[Any]:
    form = form_of(data)
    errors: dict[str, str] = {}
    opens_at = _moment(text_of(form, "opens_on"), text_of(form, "opens_time"))
    closes_at = _moment(text_of(form, "closes_on"), text_of(form, "closes_time"))
    if opens_at is None:
        errors["opens_on"] = _("Choose a date and a time.")
    if closes_at is None:
        errors["closes_on"] = _("Choose a date and a time.")
    try:
        budget = services.parse_amount(form.get("budget_vnd"))
    except ValueError:
        budget = None
    if not budget:
        errors["budget_vnd"] = _("Give a budget above zero, in whole đồng.")
    year_text = text_of(form, "year")
    year = int(year_text) if year_text.isdigit() and len(year_text) == 4 else None
    terms = []
    for code in SUPPORT_TYPES:
        if not form.get(f"use_{code}"):
            continue
        share_text = text_of(form, f"share_{code}")
        share = int(share_text) if share_text.isdigit() and len(share_text) <= 3 else 0
        try:
            cap = services.parse_amount(form.get(f"cap_{code}")) or 0
        except ValueError:
            cap = 0
        terms.append(services.SupportTerm(code, share, cap))
    criteria = _lines(text_of(form, "criteria"))
    try:
        if errors:
            raise FormInvalid(errors)
        assert opens_at is not None and closes_at is not None and budget is not None
        programme = await services.create_programme(
            request.user,
            services.NewProgramme(
                name=text_of(form, "name"),
                opens_at=opens_at,
                closes_at=closes_at,
                budget_vnd=budget,
                support_types=terms,
                year=year,
                provincial_decision=text_of(form, "provincial_decision"),
                description=text_of(form, "description"),
                eligibility=text_of(form, "eligibility"),
                criteria=criteria,
            ),
        )
    except HubError as exc:
        shown = dict(_errors(exc))
        if "closes_at" in shown:
            shown["closes_on"] = shown.pop("closes_at")
        return page(
            request,
            "programmes/staff_new_call.html",
            _call_form_context(form, shown),
            status_code=422,
        )
    return go_to(request, f"/programmes/{programme.id}")


def _lines(text: str) -> list[tuple[str, str]] | None:
    """Extra criteria, one label a line; none written: the built-in ones."""
    labels = [line.strip() for line in text.splitlines() if line.strip()]
    if not labels:
        return None
    return [(code, "") for code in DEFAULT_CRITERIA] + [
        (f"extra_{n}", label[:300]) for n, label in enumerate(labels, start=1)
    ]


# -- reviewers ----------------------------------------------------------------------------


@get("/reviews", access=ANY_USER)
async def my_reviews(request: Req) -> Template:
    rows = await services.list_for(request.user, assigned_only=True)
    names = await services.programme_names({a.programme for a in rows})
    reviewed = set()
    for a in rows:
        if any(r.reviewer == request.user.id for r in await services.reviews_of(a.id)):
            reviewed.add(a.id)
    return page(
        request,
        "programmes/reviews.html",
        {
            "rows": [
                {
                    "application": a,
                    "programme_name": names.get(a.programme, ""),
                    "state": status_view(a.status),
                    "reviewed": a.id in reviewed,
                }
                for a in rows
            ]
        },
    )


async def _review_page(
    request: Req,
    application_id: int,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Template:
    application = await services.get_application_for(request.user, application_id)
    if not (
        services.is_staff(request.user) or await services.is_assigned(request.user, application.id)
    ):
        raise NotFound(_("There is no such application."))
    context = await _shared_context(application, everything=False)
    reviews = await services.reviews_of(application.id)
    context.update(
        state=status_view(application.status),
        criteria=services.criteria_of(context["programme"]),
        recommendations=[(v, services.recommendation_label(v)) for v in services.RECOMMENDATIONS],
        errors=errors or {},
        form=form if form is not None else _my_review_form(reviews, request.user.id),
        can_review=application.status in services.TRANSITIONS["review"],
        notice=_("Your review is saved.") if request.query_params.get("done") == "reviewed" else "",
    )
    return page(request, "programmes/review.html", context, status_code=status_code)


@get("/reviews/{application_id:int}", access=ANY_USER)
async def review_page(request: Req, application_id: FromPath[int]) -> Template:
    return await _review_page(request, application_id)


@post("/reviews/{application_id:int}", access=ANY_USER)
async def save_review(
    request: Req, application_id: FromPath[int], data: FormBody
) -> Template | Response[Any]:
    form = form_of(data)
    try:
        await _save_review(request, application_id, form)
    except HubError as exc:
        if exc.status_code == 404:
            raise
        return await _review_page(
            request, application_id, errors=_errors(exc), form=form, status_code=422
        )
    return go_to(request, f"/reviews/{application_id}?done=reviewed")


WEB_ROUTES = [
    calls,
    call_page,
    new_application,
    start_application,
    edit_application,
    save_application,
    upload_document,
    download_document,
    delete_document,
    my_applications,
    application_page,
    reply,
    withdraw_form,
    withdraw,
    report_milestone,
    report_indicators,
    staff_queue,
    staff_application,
    staff_screening,
    staff_more_info,
    staff_assign,
    staff_unassign,
    staff_review,
    staff_decision,
    staff_milestone,
    staff_confirm_milestone,
    staff_acceptance,
    staff_close,
    new_call,
    create_call,
    my_reviews,
    review_page,
    save_review,
]
