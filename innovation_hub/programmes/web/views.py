"""What the programme's pages show, shared by every audience: a call's state and terms, the
application's shared context (summary, documents, milestones, timeline) and the actions its
status allows the reader, all from ``programmes.workflow.APPLICATIONS``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from babel.numbers import format_decimal
from litestar import Request, Response
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Template

from innovation_hub.accounts.tables import User
from innovation_hub.core.auth import allow
from innovation_hub.core.i18n import current_locale
from innovation_hub.core.web import form_values
from innovation_hub.core.workflow import StateView
from innovation_hub.programmes import services
from innovation_hub.programmes.catalogue import (
    SUPPORT_TYPES,
    group_label,
    sector_label,
    size_class_label,
    support_type_label,
)
from innovation_hub.programmes.tables import Application, Programme
from innovation_hub.programmes.workflow import APPLICATIONS

Req = Request[Any, Any, Any]
MultipartBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
Page = Template | Response[Any]
ENTERPRISE = allow("enterprise")
MAX_MB = services.MAX_DOCUMENT_BYTES // (1024 * 1024)


def state_of(application: Application, *, applicant: bool = False) -> StateView:
    return APPLICATIONS.view(application.status, member=applicant)


def allowed(status: str, roles: Iterable[str]) -> dict[str, bool]:
    """Action → whether the reader's roles may take it in ``status``: what the page offers."""
    offered = {t.action for t in APPLICATIONS.actions_for(status, roles)}
    return {t.action: t.action in offered for t in APPLICATIONS.transitions}


def call_state(programme: Programme) -> StateView:
    status = services.programme_status(programme)
    text = services.programme_status_label(status)
    return StateView(status, text, services.PROGRAMME_ICONS[status], status == "closed")


def money_text(value: int | None) -> str:
    """As typed in a form in the page's language: 120.000.000, or 120,000,000 in English
    (the form reader takes either)."""
    return "" if value is None else format_decimal(value, locale=current_locale())


def percent_text(value: float | None) -> str:
    if value is None:
        return ""
    text = f"{value:g}"
    return text.replace(".", ",") if current_locale() == "vi" else text


def typed_values(data: dict[str, Any]) -> dict[str, Any]:
    """A multipart form's fields to fill the form again, without its files."""
    return {k: v for k, v in form_values(data).items() if not isinstance(v, UploadFile)}


def scores_of(review: Any) -> dict[str, Any]:
    """A review's scores (a JSON column: text on SQLite)."""
    scores = review.scores
    return dict(json.loads(scores) if isinstance(scores, str) and scores else scores or {})


def choices(codes: tuple[str, ...], label: Callable[[str], str]) -> list[tuple[str, str]]:
    return [(code, label(code)) for code in codes]


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


def documents_view(programme: Programme, documents: list[Any]) -> list[dict[str, Any]]:
    """The application's own documents (a milestone's evidence is shown with it)."""
    return [
        {"doc": d, "label": services.document_label(programme, d.kind)}
        for d in documents
        if d.milestone_id is None
    ]


async def user_names(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = [i for i in set(ids) if i]
    if not wanted:
        return {}
    rows = await User.select(User.id, User.name).where(User.id.is_in(wanted))
    return {row["id"]: row["name"] for row in rows}


async def shared_context(application: Application, *, everything: bool) -> dict[str, Any]:
    """The summary, documents, milestones and timeline every reader of an application sees;
    ``everything`` adds the staff's internal notes to the timeline."""
    programme = await services.get_programme(application.programme)
    timeline = await services.timeline_of(application.id, everything=everything)
    names = await user_names(e.actor_id for e in timeline)
    documents = await services.documents_of(application.id)
    milestones = await services.milestones_of(application.id)
    return {
        "application": application,
        "programme": programme,
        "limits": services.limits_of(programme, application),
        "decision_reference": services.decision_reference(application),
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
        "documents": documents_view(programme, documents),
        "milestones": [
            {"m": m, "evidence": [d for d in documents if d.milestone_id == m.id]}
            for m in milestones
        ],
        "indicators": await services.indicator_reports_of(application.id),
        "percent_text": percent_text,
        "screening_label": services.screening_label,
    }


def my_review_form(reviews: list[Any], user_id: int) -> dict[str, Any]:
    """The reader's own review, to fill the review form again."""
    for review in reviews:
        if review.reviewer == user_id:
            scores = scores_of(review)
            form = {f"score_{k}": ("na" if v is None else str(v)) for k, v in scores.items()}
            form.update(recommendation=review.recommendation, comment=review.comment)
            return form
    return {}


def recommendations() -> list[tuple[str, str]]:
    return choices(services.RECOMMENDATIONS, services.recommendation_label)


def notice(notices: dict[str, Callable[[], str]], request: Req) -> str:
    key = request.query_params.get("done", "")
    return notices[key]() if key in notices else ""
