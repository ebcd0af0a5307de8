"""An organisation's trademark pages: a new case, my cases, the case page with its documents
and goods and services. Staff use the same forms on a case (the actions come back to the
staff page)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Template

from innovation_hub.accounts.tables import User
from innovation_hub.core import uploads
from innovation_hub.core.auth import ANY_USER, allow
from innovation_hub.core.errors import HubError, NotFound
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.web import form_errors, form_flow, go_to, page
from innovation_hub.trademarks import config, services
from innovation_hub.trademarks.web.case_page import case_page
from innovation_hub.trademarks.web.public import mark_type_options
from innovation_hub.trademarks.web.views import (
    AppSettings,
    Req,
    add_class,
    case_base,
    chosen_classes,
    class_entries,
    class_list,
    class_options,
    class_title,
    nice_class,
    status_view,
    string_fields,
    when_text,
)

CASE_ROLES = allow(*services.CASE_ROLES)


def organisation_kind_options() -> list[tuple[str, str]]:
    return [(k, services.organisation_kind_label(k)) for k in services.ORGANISATION_KINDS]


def _new_case_context(
    user: User, form: dict[str, Any], chosen: dict[int, str], errors: dict[str, str]
) -> dict[str, Any]:
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


def _classes_form_context(
    case: Any, chosen: dict[int, str], errors: dict[str, str], staff: bool
) -> dict[str, Any]:
    return {
        "case": case,
        "chosen": [(n, class_title(n), text) for n, text in chosen.items()],
        "errors": errors,
        "options": class_options(),
        "form": {},
        "back": case_base(case.id, staff=staff),
        "edition": config.nice().edition,
    }


def _new_case(form: dict[str, str], chosen: dict[int, str]) -> services.NewCase:
    return services.NewCase(
        mark_name=form.get("mark_name", ""),
        mark_type=form.get("mark_type", ""),
        classes=class_entries(chosen),
        organisation_name=form.get("organisation_name", ""),
        notes=form.get("notes", ""),
        mark_description=form.get("mark_description", ""),
        organisation_kind=form.get("organisation_kind", ""),
        through_representative=bool(form.get("through_representative")),
        priority_claimed=bool(form.get("priority_claimed")),
        geographical_name=bool(form.get("geographical_name")),
        member_email=form.get("member_email", ""),
    )


async def _upload(raw: object) -> services.Upload | None:
    if isinstance(raw, UploadFile) and raw.filename:
        return services.Upload(await raw.read(), raw.filename)
    return None


def _back(request: Req, case_id: int, done: str) -> str:
    return f"{case_base(case_id, staff=services.is_staff(request.user))}?done={done}"


class TrademarkCases(Controller):
    """An organisation's cases (staff use the case forms too); the case page and its files
    are for any account, since another's case is a 404."""

    path = "/trademarks"

    @get("/classes/row", access=CASE_ROLES)
    async def class_row(self, request: Req) -> Template:
        """One chosen class for the case form (htmx appends it to the chosen list)."""
        number = nice_class(request.query_params.get("number"))
        found = config.nice().get(number) if number is not None else None
        if found is None:
            raise NotFound(_("No such Nice class."), code="class_not_found")
        return page(
            request,
            "trademarks/_class_row.html",
            {"number": found.number, "title": found.title, "items": "", "errors": {}},
        )

    @get("/cases", name="trademark_cases", access=CASE_ROLES)
    async def my_cases(self, request: Req) -> Template | Response[Any]:
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
                "class_list": class_list,
            },
        )

    @get("/cases/new", name="trademark_new_case", access=CASE_ROLES)
    async def new_case_form(self, request: Req) -> Template:
        user: User = request.user
        form: dict[str, Any] = {"mark_type": "combined"}
        if not services.is_staff(user):
            form.update(organisation_name=user.organisation_name, organisation_kind=user.role)
        numbers = [nice_class(raw) for raw in request.query_params.getall("class", [])]
        chosen = {n: "" for n in numbers if n is not None}
        context = _new_case_context(user, form, chosen, {})
        return page(request, "trademarks/new_case.html", context)

    @post("/cases/new", access=CASE_ROLES)
    async def new_case(self, request: Req, settings: AppSettings) -> Response[Any] | Template:
        user: User = request.user
        data = await request.form()
        form = await string_fields(request)
        chosen = chosen_classes(data)
        errors = add_class(form, chosen, items_need_class=True)
        chosen = dict(sorted(chosen.items()))
        if form.get("action") == "add" or errors:
            context = _new_case_context(user, form, chosen, errors)
            status = 422 if errors else 200
            return page(request, "trademarks/new_case.html", context, status_code=status)
        upload = await _upload(data.get("image"))

        async def refused(exc: HubError) -> Template:
            errors = form_errors(exc)
            if upload is not None and "image" not in errors:
                errors["image"] = _("Choose the image again: browsers do not keep it.")
            context = _new_case_context(user, form, chosen, errors)
            return page(request, "trademarks/new_case.html", context, status_code=exc.status_code)

        return await form_flow(
            request,
            lambda: services.create_case(
                user, _new_case(form, chosen), image=upload, var_dir=settings.var_dir
            ),
            done=lambda case: f"{case_base(case.id, staff=services.is_staff(user))}?created=1",
            refused=refused,
        )

    @get("/cases/{case_id:int}", access=ANY_USER, name="trademark_case")
    async def case_page(self, request: Req, case_id: FromPath[int]) -> Template:
        return await case_page(request, case_id, staff=False)

    @post("/cases/{case_id:int}/checklist/{code:str}", access=CASE_ROLES)
    async def checklist_item(
        self, request: Req, case_id: FromPath[int], code: FromPath[str], settings: AppSettings
    ) -> Response[Any] | Template:
        """A checklist row's form: a new state, and/or a document (multipart)."""
        data = await request.form()
        state = data.get("state")
        user: User = request.user
        upload = await _upload(data.get("file"))

        async def attempt() -> None:
            if upload is not None:
                await services.add_dossier_file(
                    user, case_id, code, upload, var_dir=settings.var_dir
                )
            if isinstance(state, str) and state:
                await services.set_checklist_state(user, case_id, code, state)

        return await form_flow(
            request,
            attempt,
            done=_back(request, case_id, "saved"),
            refused=lambda exc: self._refused(request, case_id, f"checklist_{code}", exc),
        )

    @post("/cases/{case_id:int}/image", access=CASE_ROLES)
    async def case_image(
        self, request: Req, case_id: FromPath[int], settings: AppSettings
    ) -> Response[Any] | Template:
        image = (await request.form()).get("image")
        upload = await _upload(image) or services.Upload(b"", "")
        return await form_flow(
            request,
            lambda: services.set_image(request.user, case_id, upload, var_dir=settings.var_dir),
            done=_back(request, case_id, "uploaded"),
            refused=lambda exc: self._refused(request, case_id, "image", exc),
        )

    async def _refused(self, request: Req, case_id: int, field: str, exc: HubError) -> Template:
        """The case page again, the refusal beside the form's own field."""
        message = next(iter(exc.field_errors.values()), exc.detail)
        staff = services.is_staff(request.user)
        return await case_page(
            request, case_id, staff=staff, errors={field: message}, status_code=exc.status_code
        )

    @get("/cases/{case_id:int}/files/{file_id:int}", access=ANY_USER)
    async def case_file(
        self, request: Req, case_id: FromPath[int], file_id: FromPath[int], settings: AppSettings
    ) -> Response[bytes]:
        data, content_type, name = await services.read_file(
            request.user, case_id, file_id, var_dir=settings.var_dir
        )
        inline = content_type.startswith("image/")
        return Response(
            data,
            media_type=content_type,
            headers={
                **uploads.download_headers(name, content_type, inline=inline),
                "cache-control": "private, max-age=300",
            },
        )

    @get("/cases/{case_id:int}/classes", access=CASE_ROLES)
    async def classes_form(self, request: Req, case_id: FromPath[int]) -> Template:
        case = await services.get_case_for(request.user, case_id)
        chosen = {c.number: "\n".join(c.items) for c in services.case_classes(case)}
        staff = services.is_staff(request.user)
        context = _classes_form_context(case, chosen, {}, staff)
        return page(request, "trademarks/classes_form.html", context)

    @post("/cases/{case_id:int}/classes", access=CASE_ROLES)
    async def classes_save(self, request: Req, case_id: FromPath[int]) -> Response[Any] | Template:
        user: User = request.user
        data = await request.form()
        chosen = chosen_classes(data)
        errors = add_class(await string_fields(request), chosen, items_need_class=False)
        chosen = dict(sorted(chosen.items()))

        async def again(errors: dict[str, str], status_code: int) -> Template:
            case = await services.get_case_for(user, case_id)
            context = _classes_form_context(case, chosen, errors, services.is_staff(user))
            return page(request, "trademarks/classes_form.html", context, status_code=status_code)

        if data.get("action") == "add" or errors:
            return await again(errors, 422 if errors else 200)
        return await form_flow(
            request,
            lambda: services.update_classes(user, case_id, class_entries(chosen)),
            done=_back(request, case_id, "saved"),
            refused=lambda exc: again(form_errors(exc), exc.status_code),
        )
