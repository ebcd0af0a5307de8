"""Pages (filled in by the programmes work)."""

WEB_ROUTES: list[object] = []
