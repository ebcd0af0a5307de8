"""Calendar pages and files, by audience: feed URLs anyone holding them may poll, and a
member's own feed links and booking files."""

from innovation_hub.calendars.web.feeds import FeedFiles
from innovation_hub.calendars.web.member import MemberCalendars

ROUTES = [FeedFiles, MemberCalendars]

__all__ = ["ROUTES", "FeedFiles", "MemberCalendars"]
