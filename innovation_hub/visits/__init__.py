"""Student research visits: public requests, staff decisions, the room on the calendar.

``visits.domain.DOMAIN`` plugs the pages (``visits.web``) and the JSON API (``visits.api``)
into the application."""
