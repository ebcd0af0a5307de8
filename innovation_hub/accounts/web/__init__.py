"""Account pages, by audience: anyone (sign-up, login, links from emails), a logged-in
member (profile), the administrator (accounts of any role)."""

from innovation_hub.accounts.web.admin import AdminPages
from innovation_hub.accounts.web.member import MemberPages
from innovation_hub.accounts.web.public import PublicPages
from innovation_hub.accounts.web.reminders import ReminderPages

ROUTES = [PublicPages, MemberPages, ReminderPages, AdminPages]

__all__ = ["ROUTES", "AdminPages", "MemberPages", "PublicPages", "ReminderPages"]
