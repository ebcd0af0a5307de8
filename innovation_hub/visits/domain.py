"""Research visits in the application: public requests, the teacher's pages, staff decisions."""

from __future__ import annotations

from innovation_hub.core.domains import Domain
from innovation_hub.visits import api, web
from innovation_hub.visits.provided import provides

DOMAIN = Domain("visits", web=web.WEB_ROUTES, api=api.API_ROUTES, provides=provides)
