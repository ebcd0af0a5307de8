"""The public trademark pages: the guide to registration, the fee estimator and the Nice
class search. Anyone may read them, logged in or not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from litestar import Controller, get
from litestar.response import Template

from innovation_hub.core.auth import PUBLIC
from innovation_hub.core.errors import HubError
from innovation_hub.core.forms import parse_day, parse_int, text
from innovation_hub.core.i18n import gettext as _
from innovation_hub.core.web import page
from innovation_hub.trademarks import config, fees, services, workflow
from innovation_hub.trademarks.web.views import Req, class_options, class_title

ESTIMATE_ROWS = 3
MAX_ROWS = 45


@dataclass(frozen=True)
class StepView:
    title: str
    months: int | None
    text: str
    basis: str


def _preparation_steps() -> list[StepView]:
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
    ]


def _office_step(period: config.Period, text_: str) -> StepView:
    return StepView(period.label, period.months, text_, period.basis)


def guide_steps(durations: config.Durations) -> list[StepView]:
    p = durations.periods
    return [
        *_preparation_steps(),
        _office_step(
            p["formality_examination"],
            _(
                "The Office checks the form of the application within %(n)s month of filing.",
                n=p["formality_examination"].months,
            ),
        ),
        _office_step(
            p["publication"],
            _(
                "A valid application is published within %(n)s months of its acceptance.",
                n=p["publication"].months,
            ),
        ),
        _office_step(
            p["substantive_examination"],
            _(
                "The Office decides whether the mark can be protected within %(n)s months of "
                "publication. An office action must be answered within the window the notice "
                "gives (usually %(m)s months).",
                n=p["substantive_examination"].months,
                m=p["office_action_response"].months,
            ),
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


def per_label(per: str, class_items: int) -> str:
    return {
        "application": _("per application"),
        "class": _("per class (up to %(n)s items)", n=class_items),
        "further_class": _("per class from the second"),
        "extra_item": _("per item beyond %(n)s in a class", n=class_items),
        "priority_claim": _("per priority claim"),
    }.get(per, per)


def mark_type_options() -> list[tuple[str, str]]:
    return [(t, workflow.mark_type_label(t)) for t in workflow.MARK_TYPES]


@dataclass(frozen=True)
class EstimateRow:
    number: str
    items: str


def _estimate_rows(request: Req) -> tuple[list[EstimateRow], int]:
    numbers = request.query_params.getall("class", [])
    counts = request.query_params.getall("items", [])
    rows = [
        EstimateRow(text(n), text(counts[i]) if i < len(counts) else "")
        for i, n in enumerate(numbers)
    ]
    wanted = parse_int(request.query_params.get("rows")) or 0
    size = max(ESTIMATE_ROWS, len(rows), min(wanted, MAX_ROWS))
    rows += [EstimateRow("", "") for _ in range(size - len(rows))]
    return rows, size


@dataclass(frozen=True)
class EstimateChoices:
    """What the estimator form asks besides the classes."""

    on: str  # the day as sent by the date input (yyyy-mm-dd); empty is today
    priority: bool
    classify: bool

    @classmethod
    def of(cls, request: Req) -> EstimateChoices:
        params = request.query_params
        return cls(
            on=text(params.get("on"))[:20],
            priority=params.get("priority") == "1",
            classify=params.get("classify") == "1",
        )

    def query(self) -> str:
        parts = [f"on={self.on}" if self.on else "", "priority=1" if self.priority else ""]
        parts.append("classify=1" if self.classify else "")
        return "".join(f"&{p}" for p in parts if p)


def _estimate(
    chosen: list[EstimateRow], day: date, choices: EstimateChoices
) -> tuple[fees.Estimate | None, str]:
    """The estimate for the rows filled in, or the error to show instead."""
    counts = []
    for row in chosen:
        number = parse_int(row.number)
        items = parse_int(row.items) if row.items else 1
        if number is None or items is None:
            return None, _("Give whole numbers for the class and the number of items.")
        counts.append(fees.ClassCount(number=number, items=items))
    options = fees.Options(
        priority_claims=1 if choices.priority else 0, office_classifies=choices.classify
    )
    try:
        return fees.estimate(counts, fees.fee_table_on(day), on=day, options=options), ""
    except HubError as exc:
        return None, next(iter(exc.field_errors.values()), exc.detail)


class TrademarkGuide(Controller):
    """The guide, the estimator and the class search: anyone."""

    path = "/trademarks"
    opt = {"access": PUBLIC}

    @get("/", name="trademark_guide")
    async def guide(self, request: Req) -> Template:
        today = services.today_local()
        durations = config.durations_on(today)
        table = fees.fee_table_on(today)
        one_class = fees.estimate([fees.ClassCount(number=30, items=6)], table, on=today)
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

    @get("/fees", name="trademark_fees")
    async def fees(self, request: Req) -> Template:
        """The estimator: a GET form, so an estimate is a link to share; htmx swaps the
        result."""
        rows, size = _estimate_rows(request)
        choices = EstimateChoices.of(request)
        day = parse_day(choices.on) if choices.on else services.today_local()
        table = fees.fee_table_on(day or services.today_local())
        estimate, error = None, ""
        chosen = [r for r in rows if r.number]
        if day is None:
            error = _("Enter a valid date.")
        elif chosen:
            estimate, error = _estimate(chosen, day, choices)
        elif request.query_params.get("submitted"):
            error = _("Choose at least one Nice class.")
        query = "&".join(f"class={r.number}&items={r.items}" for r in chosen) + choices.query()
        more = (
            f"/trademarks/fees?{query}&rows={size + 1}"
            if query
            else f"/trademarks/fees?rows={size + 1}"
        )
        return page(
            request,
            "trademarks/fees.html",
            {
                "rows": rows,
                "more_link": more,
                "options": class_options(),
                "estimate": estimate,
                "error": error,
                "table": table,
                "choices": choices,
                "per_label": per_label,
                "class_title": class_title,
            },
            fragment="trademarks/_estimate.html",
            status_code=422 if error else 200,
        )

    @get("/classes", name="trademark_classes")
    async def nice_classes(self, request: Req) -> Template:
        query = str(request.query_params.get("q") or "")[:100]
        pick = request.query_params.get("pick") == "1"
        data = config.nice()
        return page(
            request,
            "trademarks/classes.html",
            {"q": query, "found": data.search(query), "edition": data.edition, "pick": pick},
            fragment="trademarks/_class_results.html",
        )
