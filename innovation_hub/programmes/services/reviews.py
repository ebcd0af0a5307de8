"""Reviewers and their reviews: staff assign experts; each scores the call's criteria and
recommends; once every assigned reviewer has scored, the application is ready for a
decision."""

from __future__ import annotations

from typing import Any

from innovation_hub.accounts.tables import User
from innovation_hub.core.auth import STAFF
from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import Conflict, FormInvalid, NotFound
from innovation_hub.core.i18n import gettext as _
from innovation_hub.programmes.services.access import (
    get_application_for,
    is_assigned,
    is_staff,
    ready_for,
)
from innovation_hub.programmes.services.calls import get_programme
from innovation_hub.programmes.services.checks import Problems
from innovation_hub.programmes.services.support import criteria_of
from innovation_hub.programmes.services.timeline import add_to_timeline
from innovation_hub.programmes.tables import Application, Assignment, Programme, Review
from innovation_hub.programmes.workflow import APPLICATIONS, UNDER_CONSIDERATION

RECOMMENDATIONS = ("yes", "maybe", "no")


async def reviewer_candidates() -> list[User]:
    """Staff are the usual reviewers; external experts may have other accounts."""
    rows = await User.objects().where(
        (User.is_active == True) & User.role.is_in(list(STAFF))  # noqa: E712
    )
    return sorted(rows, key=lambda u: u.name)


async def _reviewer_problem(reviewer: User | None, application: Application) -> str | None:
    if reviewer is None or not reviewer.is_active:
        return _("There is no active account with this address or number.")
    if reviewer.id == application.applicant:
        return _("The enterprise cannot review its own application.")
    if reviewer.role == "enterprise":
        return _("Enterprise accounts cannot review: they may compete for the same budget.")
    return None


async def assign_reviewer(
    staff: User, application_id: int, *, reviewer_id: int | None = None, email: str = ""
) -> Application:
    async with transaction():
        application = await ready_for(staff, application_id, "assign")
        if reviewer_id is not None:
            reviewer = await User.objects().where(User.id == reviewer_id).first()
        else:
            address = email.strip().lower()
            reviewer = (
                await User.objects().where(User.email == address).first() if address else None
            )
        if problem := await _reviewer_problem(reviewer, application):
            raise FormInvalid({"reviewer": problem}, code="invalid_reviewer")
        assert reviewer is not None
        if await is_assigned(reviewer, application.id):
            raise Conflict(
                _("%(name)s is already a reviewer of this application.", name=reviewer.name),
                code="already_assigned",
            )
        await Assignment.insert(
            Assignment(
                application=application.id,
                reviewer=reviewer.id,
                assigned_by=staff.id,
                assigned_at=utcnow(),
            )
        )
        if application.status != "in_review":
            await APPLICATIONS.apply(application, "assign", actor_id=staff.id)
        await add_to_timeline(
            application,
            staff,
            "reviewer_assigned",
            reviewer.name,
            shown=False,
            reviewer_id=reviewer.id,
        )
    return application


async def unassign_reviewer(staff: User, application_id: int, reviewer_id: int) -> Application:
    async with transaction():
        application = await ready_for(staff, application_id, "assign")
        removed = (
            await Assignment.delete()
            .where(
                (Assignment.application == application.id) & (Assignment.reviewer == reviewer_id)
            )
            .returning(Assignment.id)
        )
        if not removed:
            raise NotFound(_("This person is not a reviewer of it."), code="not_assigned")
        await add_to_timeline(
            application, staff, "reviewer_removed", shown=False, reviewer_id=reviewer_id
        )
        await _settle_review_state(application, staff)
    return application


def check_scores(
    programme: Programme, scores: dict[str, Any]
) -> tuple[dict[str, int | None], float | None]:
    """Every score 0–5 or None (n/a), for the call's criteria only; the average of those
    given."""
    problems = Problems()
    known = {c.code for c in criteria_of(programme)}
    clean: dict[str, int | None] = {}
    for code, value in scores.items():
        if code not in known:
            problems.add(
                f"score_{code}",
                _("“%(code)s” is not a criterion of this call.", code=code),
                "unknown_criterion",
            )
        elif value is None:
            clean[code] = None
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 5:
            problems.add(f"score_{code}", _("Score from 0 to 5, or n/a."), "invalid_score")
        else:
            clean[code] = value
    problems.raise_if_any()
    for code in known - set(clean):
        clean[code] = None
    given = [v for v in clean.values() if v is not None]
    return clean, (round(sum(given) / len(given), 2) if given else None)


async def submit_review(
    user: User,
    application_id: int,
    *,
    scores: dict[str, Any],
    recommendation: str,
    comment: str,
) -> Review:
    """Staff, or a reviewer assigned to the application. A second review by the same person
    replaces the first."""
    problems = Problems()
    if recommendation not in RECOMMENDATIONS:
        problems.add(
            "recommendation",
            _("Choose support, support with changes or do not support."),
            "invalid_recommendation",
        )
    comment = comment.strip()
    if len(comment) > 5000:
        problems.add("comment", _("Use at most %(n)s characters.", n=5000), "too_long")
    problems.raise_if_any()
    async with transaction():
        application = await get_application_for(user, application_id)
        if not (is_staff(user) or await is_assigned(user, application.id)):
            raise NotFound(_("There is no such application."), code="application_not_found")
        APPLICATIONS.require("review", application.status)
        programme = await get_programme(application.programme)
        clean, average = check_scores(programme, scores)
        review = await _save_review(
            application.id, user.id, clean, average, recommendation, comment
        )
        await add_to_timeline(
            application,
            user,
            "reviewed",
            shown=False,
            recommendation=recommendation,
            average=average,
        )
        await _settle_review_state(application, user)
    return review


async def _save_review(
    application_id: int,
    reviewer_id: int,
    scores: dict[str, int | None],
    average: float | None,
    recommendation: str,
    comment: str,
) -> Review:
    """The reviewer's review of the application, replacing an earlier one."""
    now = utcnow()
    review = (
        await Review.objects()
        .where((Review.application == application_id) & (Review.reviewer == reviewer_id))
        .first()
    )
    if review is None:
        review = Review(application=application_id, reviewer=reviewer_id, created_at=now)
    review.scores = scores
    review.average = average
    review.recommendation = recommendation
    review.comment = comment
    review.updated_at = now
    await review.save()
    return review


async def _settle_review_state(application: Application, actor: Any) -> None:
    """In review until every assigned reviewer has scored; then ready for a decision."""
    if application.status not in UNDER_CONSIDERATION:
        return
    assigned = {
        row["reviewer"]
        for row in await Assignment.select(Assignment.reviewer).where(
            Assignment.application == application.id
        )
    }
    reviewed = {
        row["reviewer"]
        for row in await Review.select(Review.reviewer).where(Review.application == application.id)
    }
    if not reviewed:
        target = "in_review" if assigned else application.status
    else:
        target = "ready_for_decision" if assigned <= reviewed else "in_review"
    if target != application.status:
        await APPLICATIONS.apply(
            application, "review", to=target, actor_id=getattr(actor, "id", None)
        )
