"""JSON API (filled in by the programmes work)."""

API_ROUTES: list[object] = []
