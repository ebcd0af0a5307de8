"""Student research visits: public requests, staff decisions, the room on the calendar.

The app factory wires ``visits.api.API_ROUTES`` under ``/api/v1`` and ``visits.web.WEB_ROUTES``
among the pages."""

from innovation_hub.visits import api, web

__all__ = ["api", "web"]
