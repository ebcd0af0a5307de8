"""Member pages for spaces and bookings (availability grid, booking form, my bookings)."""

ROUTES: list[object] = []
