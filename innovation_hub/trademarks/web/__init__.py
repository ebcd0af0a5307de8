"""Trademark guidance pages, by audience: the public guide (``public``), an organisation's
cases (``member``) and the staff queue and actions (``staff``).

Each handler declares its own access rather than its controller's ``opt``: Litestar's
automatic OPTIONS handler inherits a controller's ``opt``, and the access guard would then
refuse an anonymous OPTIONS (which must answer the Allow header on every route)."""

from innovation_hub.trademarks.web.member import TrademarkCases
from innovation_hub.trademarks.web.public import TrademarkGuide
from innovation_hub.trademarks.web.staff import StaffTrademarks

WEB_ROUTES = [TrademarkGuide, TrademarkCases, StaffTrademarks]

__all__ = ["WEB_ROUTES", "StaffTrademarks", "TrademarkCases", "TrademarkGuide"]
