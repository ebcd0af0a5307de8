"""The bookings pages, by audience: the public spaces grid, the member's booking form and
bookings, a space's QR check-in page, the front desk's kiosk screen, and the staff board,
spaces page, QR signs and kiosk screens."""

from __future__ import annotations

from innovation_hub.bookings.web.booking_form import BookingForm
from innovation_hub.bookings.web.floor_plan import FloorPlanView, PlanFiles, StaffFloorPlans
from innovation_hub.bookings.web.front_desk import FrontDeskStaff, Kiosk
from innovation_hub.bookings.web.here import SpaceHere
from innovation_hub.bookings.web.labels import status_label
from innovation_hub.bookings.web.member import MyBookings, Waitlist
from innovation_hub.bookings.web.spaces import SpacesGrid
from innovation_hub.bookings.web.staff import Board
from innovation_hub.bookings.web.staff_spaces import SpacePhotos, StaffSpaces

MEMBER_ROUTES = [
    SpacesGrid,
    FloorPlanView,
    PlanFiles,
    BookingForm,
    MyBookings,
    Waitlist,
    SpaceHere,
    Kiosk,
]
STAFF_ROUTES = [Board, StaffSpaces, SpacePhotos, StaffFloorPlans, FrontDeskStaff]

__all__ = ["MEMBER_ROUTES", "STAFF_ROUTES", "status_label"]
