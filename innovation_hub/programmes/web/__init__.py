"""Pages of the support programme, by audience: the public calls, the enterprise's
application and its follow-up, the staff's queue and workflow, the reviewer's list. Every
change goes through ``programmes.services``; status words, icons and the actions a status
allows come from ``programmes.workflow.APPLICATIONS``."""

from innovation_hub.programmes.web.enterprise import ApplicationFormController, ApplyController
from innovation_hub.programmes.web.public import CallsController
from innovation_hub.programmes.web.reviewer import ReviewerController
from innovation_hub.programmes.web.staff import StaffController
from innovation_hub.programmes.web.status import ApplicantController

WEB_ROUTES = [
    CallsController,
    ApplyController,
    ApplicationFormController,
    ApplicantController,
    StaffController,
    ReviewerController,
]
