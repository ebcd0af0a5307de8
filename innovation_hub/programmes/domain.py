"""The productivity-and-quality support programme in the application."""

from innovation_hub.core.domains import Domain
from innovation_hub.programmes import api, web

DOMAIN = Domain("programmes", web=web.WEB_ROUTES, api=api.API_ROUTES)
