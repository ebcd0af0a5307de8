"""The states of a programme application and the moves between them, declared once
(core.workflow), in Hypha's shape: the staff's words, the enterprise's words, an icon.

"owner" is the enterprise that applied; "reviewer" an assigned expert. Grouped statuses
(under consideration, holding budget) are named here so services and reports agree.
"""

from __future__ import annotations

from innovation_hub.core.i18n import N_
from innovation_hub.core.workflow import STAFF_ROLES, State, Transition, Workflow
from innovation_hub.programmes.tables import Application

OWNER = frozenset({"owner"})
REVIEWER = frozenset({"reviewer"})

UNDER_CONSIDERATION = ("submitted", "screening", "in_review", "ready_for_decision")
FOLLOW_UP = ("approved", "implementing")
# States whose approved amount still holds part of the call's budget.
HOLDING_BUDGET = FOLLOW_UP
# Approved support that stands: being carried out or accepted. A closed file counts only
# once its results were accepted (a rejected application is closed too; an approved one
# ended early gave its amount back). See ``services.limits.supported``.
SUPPORTED = ("approved", "implementing", "accepted")

APPLICATIONS = Workflow(
    name="programme_application",
    table=Application,
    states=(
        State(
            "draft",
            N_("Draft"),
            "✎",
            N_("Draft, not sent yet"),
            explain=N_(
                "Your application is a draft: the centre cannot see it until you submit it."
            ),
        ),
        State(
            "submitted",
            N_("Submitted"),
            "➤",
            explain=N_("The centre has received your application and will check it."),
        ),
        State(
            "screening",
            N_("Screening"),
            "◔",
            N_("Being checked"),
            explain=N_("Staff are checking that your application meets the call's conditions."),
        ),
        State(
            "more_info",
            N_("Waiting for the enterprise"),
            "?",
            N_("Waiting for your answer"),
            explain=N_("Staff need more information from you. Answer below."),
        ),
        State(
            "in_review",
            N_("In review"),
            "◑",
            N_("Under review"),
            explain=N_("Reviewers are scoring your application."),
        ),
        State(
            "ready_for_decision",
            N_("Ready for decision"),
            "◕",
            N_("Under review"),
            explain=N_("Reviewers are scoring your application."),
        ),
        State(
            "approved",
            N_("Approved"),
            "✓",
            explain=N_("Your application is approved. Staff will set the milestones."),
        ),
        State(
            "rejected",
            N_("Rejected"),
            "✕",
            N_("Not approved"),
            final=True,
            explain=N_("Your application was not approved in this call."),
        ),
        State(
            "implementing",
            N_("Implementing"),
            "⚙",
            N_("Being implemented"),
            explain=N_("Report each milestone with its evidence, then your indicators."),
        ),
        State(
            "accepted",
            N_("Accepted"),
            "★",
            explain=N_("The centre has accepted the results of your project."),
        ),
        State(
            "closed", N_("File closed"), "■", final=True, explain=N_("This application is closed.")
        ),
        State(
            "withdrawn",
            N_("Withdrawn"),
            "⊘",
            final=True,
            explain=N_("You withdrew this application."),
        ),
    ),
    transitions=(
        Transition("edit", ("draft", "more_info"), (), OWNER, N_("Edit")),
        Transition("submit", ("draft",), ("submitted",), OWNER, N_("Submit")),
        # The answer goes back to the step that asked (screening or review).
        Transition("reply", ("more_info",), ("screening", "in_review"), OWNER, N_("Reply")),
        Transition("screen", ("submitted", "screening"), ("in_review", "rejected", "more_info")),
        Transition("more_info", UNDER_CONSIDERATION, ("more_info",), label=N_("Ask for more")),
        Transition("assign", UNDER_CONSIDERATION, ("in_review",), label=N_("Assign reviewers")),
        # Staff may score too; a review, or a reviewer removed, settles the step.
        Transition(
            "review",
            UNDER_CONSIDERATION,
            ("in_review", "ready_for_decision"),
            STAFF_ROLES | REVIEWER,
            N_("Review"),
        ),
        Transition("decide", UNDER_CONSIDERATION, ("approved", "rejected"), label=N_("Decide")),
        Transition("milestone", FOLLOW_UP, ("implementing",), label=N_("Record a milestone")),
        # Reports, evidence and staff's confirmations while the project runs; no move.
        Transition("report", FOLLOW_UP, (), OWNER, N_("Report indicators")),
        Transition("confirm", FOLLOW_UP, (), label=N_("Confirm this milestone")),
        Transition("accept", FOLLOW_UP, ("accepted",), label=N_("Accept the results")),
        Transition(
            "close", (*FOLLOW_UP, "accepted", "rejected"), ("closed",), label=N_("Close the file")
        ),
        Transition(
            "withdraw",
            ("draft", "more_info", *UNDER_CONSIDERATION, *FOLLOW_UP),
            ("withdrawn",),
            OWNER,
            N_("Withdraw"),
        ),
    ),
    conflict_message=N_("Someone else changed this application just now. Reload the page."),
    conflict_code="changed_meanwhile",
    audit_by="action",
)
