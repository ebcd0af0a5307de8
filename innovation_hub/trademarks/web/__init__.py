"""Trademark guidance pages, by audience: the public guide (``public``), an organisation's
cases (``member``) and the staff queue and actions (``staff``).

The public guide and the staff pages declare their audience on the controller (``opt``; the
access guard lets Litestar's own OPTIONS handler through); an organisation's pages mix two
audiences, so each of their handlers declares its own."""

from innovation_hub.trademarks.web.member import TrademarkCases
from innovation_hub.trademarks.web.public import TrademarkGuide
from innovation_hub.trademarks.web.staff import StaffTrademarks

WEB_ROUTES = [TrademarkGuide, TrademarkCases, StaffTrademarks]

__all__ = ["WEB_ROUTES", "StaffTrademarks", "TrademarkCases", "TrademarkGuide"]
