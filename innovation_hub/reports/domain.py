"""Reports in the application: the staff dashboard and the half-year report."""

from innovation_hub.core.domains import Domain
from innovation_hub.reports import api, web

DOMAIN = Domain("reports", web=web.WEB_ROUTES, api=api.API_ROUTES)
