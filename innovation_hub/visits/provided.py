"""The objects visit handlers receive by name (Litestar dependency injection), built once
from the settings: the visit rules and the limit on public requests."""

from __future__ import annotations

from litestar.di import NamedDependency

from innovation_hub.core.domains import Values
from innovation_hub.core.settings import Settings
from innovation_hub.visits.limits import RequestLimiter
from innovation_hub.visits.services import VisitRules

# A handler parameter ``visit_rules: Rules`` receives the app's rules, and so on.
Rules = NamedDependency[VisitRules]
RequestLimits = NamedDependency[RequestLimiter]
AppSettings = NamedDependency[Settings]


def provides(values: Values) -> Values:
    rules = VisitRules.from_settings(values["settings"])
    limiter = RequestLimiter(values["rate_store"], per_hour=rules.requests_per_hour)
    return {"visit_rules": rules, "visit_request_limiter": limiter}
