"""Pages (filled in by the trademarks work)."""

WEB_ROUTES: list[object] = []
