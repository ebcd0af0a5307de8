"""Pages for research visits, by audience: the public request form, the teacher's private
pages (reached by the emailed link) and the staff's queue and decisions. Every change goes
through ``visits.services``."""

from innovation_hub.visits.web.public import RequestPages
from innovation_hub.visits.web.staff import StaffVisitPages
from innovation_hub.visits.web.teacher import TeacherPages
from innovation_hub.visits.web.views import day_label, hhmm, status_view, when_label

WEB_ROUTES = [RequestPages, TeacherPages, StaffVisitPages]

__all__ = [
    "WEB_ROUTES",
    "RequestPages",
    "StaffVisitPages",
    "TeacherPages",
    "day_label",
    "hhmm",
    "status_view",
    "when_label",
]
