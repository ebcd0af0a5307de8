"""Account pages, by audience: anyone (sign-up, login, links from emails), a logged-in
member (profile), the administrator (accounts of any role)."""

from innovation_hub.accounts.web.admin import AccountPages, AdminPages
from innovation_hub.accounts.web.member import MemberPages
from innovation_hub.accounts.web.public import PublicPages
from innovation_hub.accounts.web.reminders import ReminderPages

ROUTES = [PublicPages, MemberPages, ReminderPages, AdminPages, AccountPages]

__all__ = ["ROUTES", "AccountPages", "AdminPages", "MemberPages", "PublicPages", "ReminderPages"]
