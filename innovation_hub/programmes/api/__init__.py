"""JSON API of the support programme: calls, applications, the staff workflow and the
follow-up after approval. Every rule lives in ``programmes.services``."""

from innovation_hub.core.errors import describe_problems
from innovation_hub.programmes.api import applications, calls, staff

API_ROUTES = describe_problems(
    [
        calls.list_programmes,
        calls.get_programme,
        calls.create_programme,
        calls.update_programme,
        calls.add_event,
        applications.create_application,
        applications.list_applications,
        applications.get_application,
        applications.update_application,
        applications.submit,
        applications.reply,
        applications.withdraw,
        staff.screening,
        staff.more_info,
        staff.assign,
        staff.unassign,
        applications.review,
        staff.decision,
        staff.add_milestone,
        applications.report_milestone,
        staff.confirm_milestone,
        applications.report_indicators,
        staff.acceptance,
        staff.close,
    ]
)
