"""The public home page and the health checks."""

from innovation_hub.core.domains import Domain
from innovation_hub.pages import web

DOMAIN = Domain("pages", web=web.ROUTES)
