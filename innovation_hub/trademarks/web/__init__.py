"""Trademark guidance pages, by audience: the public guide (``public``), an organisation's
cases (``member``) and the staff queue and actions (``staff``)."""

from innovation_hub.trademarks.web.member import TrademarkCases
from innovation_hub.trademarks.web.public import TrademarkGuide
from innovation_hub.trademarks.web.staff import StaffTrademarks

WEB_ROUTES = [TrademarkGuide, TrademarkCases, StaffTrademarks]

__all__ = ["WEB_ROUTES", "StaffTrademarks", "TrademarkCases", "TrademarkGuide"]
