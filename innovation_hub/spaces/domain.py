"""Spaces in the application: locations, desks and rooms, their hours and closures."""

from innovation_hub.core.domains import Domain
from innovation_hub.spaces import api

DOMAIN = Domain("spaces", api=api.ROUTES)
