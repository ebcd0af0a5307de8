"""JSON API (filled in by the trademarks work)."""

API_ROUTES: list[object] = []
