"""The enterprise's pages: the application form and its documents, the list of its
applications, the status page and the follow-up after approval (answers, milestone reports,
indicators, withdrawal)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from innovation_hub.accounts.tables import User
from innovation_hub.core import uploads
from innovation_hub.core.auth import ANY_USER
from innovation_hub.core.errors import HubError, NotFound
from innovation_hub.core.forms import text
from innovation_hub.core.i18n import current_locale
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.settings import Settings
from innovation_hub.core.uploads import StoredFile
from innovation_hub.core.web import FormBody, form_errors, form_flow, form_values, go_to, page
from innovation_hub.programmes import forms, services
from innovation_hub.programmes.catalogue import (
    SECTORS,
    SIZE_CLASSES,
    sector_label,
    size_class_label,
)
from innovation_hub.programmes.tables import Application, Programme
from innovation_hub.programmes.web.public import my_application
from innovation_hub.programmes.web.views import (
    ENTERPRISE,
    MAX_MB,
    MultipartBody,
    Page,
    Req,
    call_state,
    choices,
    documents_view,
    money_text,
    notice,
    percent_text,
    state_of,
    terms_view,
)
from innovation_hub.programmes.workflow import APPLICATIONS

NUMBERS = ("support_items", *forms.NUMBERS)

FORM_NOTICES = {
    "saved": lambda: _("Your draft is saved."),
    "uploaded": lambda: _("The document is uploaded."),
}


def application_form(application: Application) -> dict[str, Any]:
    """The stored application as its form shows it."""
    form: dict[str, Any] = {
        name: getattr(application, name) or ""
        for name in services.APPLICATION_FIELDS
        if name not in NUMBERS
    }
    form["employees"] = "" if application.employees is None else str(application.employees)
    form["output_per_worker_vnd"] = money_text(application.output_per_worker_vnd)
    form["defect_rate_percent"] = percent_text(application.defect_rate_percent)
    for item in services.items_of(application):
        form[f"cost_{item['type']}"] = money_text(int(item["cost_vnd"]))
    return form


async def form_page(
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
    terms = terms_view(programme)
    items = forms.typed_items(form, [t.type for t in terms])
    context = {
        "programme": programme,
        "application": application,
        "state": state_of(application, applicant=True) if application else None,
        "form": form,
        "errors": errors,
        "terms": terms,
        "limits": services.support_limits(programme, items, str(form.get("size_class") or "")),
        "size_classes": choices(SIZE_CLASSES, size_class_label),
        "sectors": choices(SECTORS, sector_label),
        "documents": documents_view(programme, documents),
        "checklist": [(d, d.code in uploaded) for d in required],
        "document_kinds": [(d.code, d.label) for d in required]
        + [("other", services.document_label(programme, "other"))],
        "max_mb": MAX_MB,
        "call_state": call_state(programme),
    }
    return page(
        request,
        "programmes/form.html",
        context,
        fragment="programmes/_form.html",
        status_code=status_code,
    )


async def save_form(
    request: Req,
    programme: Programme,
    application: Application | None,
    data: dict[str, Any],
    save: Callable[[], Awaitable[Application]],
) -> Page:
    """Saves the draft; with the submit button, submits it too. When only the submission is
    refused, the draft stays saved and the form says so."""
    form = form_values(data)
    submitting = text(data.get("action")) == "submit"
    saved: list[Application] = []

    async def attempt() -> Application:
        saved.append(await save())
        if submitting:
            await services.submit_application(request.user, saved[0].id)
        return saved[0]

    def done(result: Application) -> str:
        if submitting:
            return f"/applications/{result.id}?done=submitted"
        return f"/applications/{result.id}/edit?done=saved"

    async def refused(exc: HubError) -> Template:
        errors, current = form_errors(exc), application
        if saved:
            current = await services.get_application_for(request.user, saved[0].id)
            if exc.field_errors:
                errors["_form"] = _("Your draft is saved, but it cannot be submitted yet.")
        return await form_page(request, programme, current, form, errors, status_code=422)

    return await form_flow(request, attempt, done=done, refused=refused)


async def owned(request: Req, application_id: int) -> Application:
    application = await services.get_application_for(request.user, application_id)
    if application.applicant != request.user.id:
        raise PermissionDeniedException(_("Only the enterprise that applied may do this."))
    return application


async def read_upload(data: dict[str, Any], field: str) -> tuple[bytes, str]:
    upload = data.get(field)
    if not isinstance(upload, UploadFile):
        return b"", ""
    return await upload.read(), upload.filename or ""


async def with_upload(
    settings: Settings,
    data: dict[str, Any],
    field: str,
    record: Callable[[StoredFile | None, str], Awaitable[Any]],
    *,
    optional: bool = False,
) -> None:
    """Checks and stores the PDF sent in ``field``, then ``record``s it; when the record is
    refused the stored file is discarded."""
    content, filename = await read_upload(data, field)
    stored = None
    if content or filename or not optional:
        stored = uploads.store(
            settings.var_dir,
            "programmes",
            content,
            allowed=uploads.PDF_TYPES,
            max_bytes=services.MAX_DOCUMENT_BYTES,
            field=field,
        )
    try:
        await record(stored, filename)
    except HubError:
        if stored is not None:
            uploads.discard(settings.var_dir, "programmes", stored)
        raise


class ApplyController(Controller):
    """A new application to a call."""

    path = "/programmes/{programme_id:int}/apply"
    opt = {"access": ENTERPRISE}

    @get("/")
    async def new_application(self, request: Req, programme_id: FromPath[int]) -> Page:
        programme = await services.get_programme(programme_id)
        existing = await my_application(request.user, programme_id)
        if existing is not None:
            return Redirect(path=f"/applications/{existing.id}/edit", status_code=303)
        user: User = request.user
        form = {
            "enterprise_name": user.organisation_name,
            "tax_code": user.tax_code,
            "contact_name": user.name,
            "contact_phone": user.phone,
        }
        return await form_page(request, programme, None, form, {})

    @post("/")
    async def start_application(
        self, request: Req, programme_id: FromPath[int], data: FormBody
    ) -> Page:
        programme = await services.get_programme(programme_id)
        changes, errors = forms.application_changes(data, programme)

        async def save() -> Application:
            return await services.create_application(
                request.user, programme_id, changes, locale=current_locale(), form_errors=errors
            )

        return await save_form(request, programme, None, data, save)


class ApplicationFormController(Controller):
    """The draft (or the application while staff wait for more information) and its
    documents. Any account reaches it; only the enterprise that applied may act."""

    path = "/applications/{application_id:int}"
    opt = {"access": ANY_USER}

    @get("/edit")
    async def edit_application(self, request: Req, application_id: FromPath[int]) -> Page:
        application = await owned(request, application_id)
        if not APPLICATIONS.can("edit", application.status):
            return Redirect(path=f"/applications/{application.id}", status_code=303)
        programme = await services.get_programme(application.programme)
        form = application_form(application)
        template = await form_page(request, programme, application, form, {})
        template.context["notice"] = notice(FORM_NOTICES, request)
        return template

    @post("/edit")
    async def save_application(
        self, request: Req, application_id: FromPath[int], data: FormBody
    ) -> Page:
        application = await owned(request, application_id)
        programme = await services.get_programme(application.programme)
        changes, errors = forms.application_changes(data, programme)

        async def save() -> Application:
            return await services.update_application(
                request.user, application.id, changes, form_errors=errors
            )

        return await save_form(request, programme, application, data, save)

    @post("/documents")
    async def upload_document(
        self,
        request: Req,
        application_id: FromPath[int],
        data: MultipartBody,
        settings: NamedDependency[Settings],
    ) -> Page:
        application = await owned(request, application_id)
        kind = text(data.get("kind"))

        async def refused(exc: HubError) -> Template:
            programme = await services.get_programme(application.programme)
            form = {**application_form(application), "kind": kind}
            return await form_page(
                request, programme, application, form, form_errors(exc), status_code=422
            )

        async def record(stored: StoredFile | None, filename: str) -> None:
            assert stored is not None
            await services.add_document(
                request.user, application.id, kind=kind, filename=filename, stored=stored
            )

        return await form_flow(
            request,
            lambda: with_upload(settings, data, "document", record),
            done=f"/applications/{application.id}/edit?done=uploaded#documents",
            refused=refused,
        )

    @get("/documents/{document_id:int}")
    async def download_document(
        self,
        request: Req,
        application_id: FromPath[int],
        document_id: FromPath[int],
        settings: NamedDependency[Settings],
    ) -> Response[bytes]:
        document = await services.get_document_for(request.user, application_id, document_id)
        try:
            content = uploads.read(settings.var_dir, "programmes", document.stored_name)
        except FileNotFoundError as exc:
            raise NotFound(_("The file is no longer available."), code="file_missing") from exc
        headers = uploads.download_headers(document.filename, document.content_type)
        return Response(
            content,
            media_type=document.content_type,
            headers={**headers, "cache-control": "private, no-store"},
        )

    @post("/documents/{document_id:int}/delete")
    async def delete_document(
        self, request: Req, application_id: FromPath[int], document_id: FromPath[int]
    ) -> Response[Any]:
        await services.delete_document(request.user, application_id, document_id)
        back = "" if request.query_params.get("back") == "status" else "/edit"
        return go_to(request, f"/applications/{application_id}{back}#documents")
