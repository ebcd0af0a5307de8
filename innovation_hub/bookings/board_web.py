"""The staff calendar board."""

ROUTES: list[object] = []
