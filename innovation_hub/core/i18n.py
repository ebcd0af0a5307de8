"""Languages: Vietnamese first, English second. Babel catalogues and local formats."""

from __future__ import annotations

import gettext as gettext_module
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.core import negotiate_locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.numbers import format_currency, format_decimal
from babel.support import Translations
from litestar.types import ASGIApp, Receive, Scope, Send

from innovation_hub.core.clock import LOCAL_TZ

LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"
LOCALE_NAMES = {"vi": "Tiếng Việt", "en": "English"}
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"

_current_locale: ContextVar[str] = ContextVar("hub_locale", default=DEFAULT_LOCALE)


@lru_cache(maxsize=len(LOCALES))
def translations(locale: str) -> gettext_module.NullTranslations:
    return Translations.load(str(LOCALE_DIR), [locale], domain="messages")


def current_locale() -> str:
    return _current_locale.get()


def normalise_locale(value: str | None) -> str | None:
    return value if value in LOCALES else None


def accepted_locale(accept_language: str | None) -> str | None:
    """The first of ``LOCALES`` an ``Accept-Language`` header asks for, heaviest ``q``
    first (``en-US,en;q=0.9`` is English, ``fr, vi;q=0.5`` Vietnamese); None when it names
    none of them or is missing."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _semicolon, params = part.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _equals, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if tag.strip() and tag.strip() != "*" and weight > 0:
            weighted.append((-weight, position, tag.strip().lower()))
    preferred = [tag for _weight, _position, tag in sorted(weighted)]
    return normalise_locale(negotiate_locale(preferred, list(LOCALES), sep="-"))


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    token = _current_locale.set(normalise_locale(locale) or DEFAULT_LOCALE)
    try:
        yield
    finally:
        _current_locale.reset(token)


def gettext(message: str, /, **variables: Any) -> str:
    text = translations(current_locale()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, /, **variables: Any) -> str:
    text = translations(current_locale()).ngettext(singular, plural, n)
    return text % {"num": n, **variables}


_ = gettext


def format_date(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ).date()
    return babel_format_date(value, "dd/MM/yyyy", locale=current_locale())


def format_datetime(value: datetime) -> str:
    return babel_format_datetime(
        value, "dd/MM/yyyy HH:mm", tzinfo=LOCAL_TZ, locale=current_locale()
    )


def format_vnd(amount: int) -> str:
    return format_currency(amount, "VND", locale=current_locale())


def format_number(value: int | float) -> str:
    return format_decimal(value, locale=current_locale())


def format_duration(minutes: int | float) -> str:
    """A length of time in whole units, largest first: 2880 → "2 ngày", 90 → "1 giờ 30 phút"
    ("2 days", "1 hour 30 minutes"). Babel's ``format_timedelta`` rounds to one unit
    (90 minutes reads "2 giờ"), so the parts are counted here."""
    total = round(minutes)
    if total <= 0:
        return ngettext("%(num)s minute", "%(num)s minutes", 0)
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(num)s day", "%(num)s days", days))
    if hours:
        parts.append(ngettext("%(num)s hour", "%(num)s hours", hours))
    if mins:
        parts.append(ngettext("%(num)s minute", "%(num)s minutes", mins))
    return " ".join(parts)


def format_hours(hours: int | float) -> str:
    """Hours as a length of time, never "18.0": 18.0 → "18 giờ", 1.5 → "1 giờ 30 phút"."""
    return format_duration(hours * 60)


class LocaleMiddleware:
    """Picks the request's language: the member's choice, else the session's, else Vietnamese."""

    def __init__(self, app: ASGIApp, default_locale: str = DEFAULT_LOCALE) -> None:
        self.app = app
        self.default_locale = default_locale

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        user = scope.get("user")
        session = scope.get("session")
        # API clients without an account preference get English problem details.
        fallback = "en" if scope["path"].startswith("/api/") else self.default_locale
        locale = (
            normalise_locale(getattr(user, "locale", None))
            or (normalise_locale(session.get("locale")) if isinstance(session, dict) else None)
            or fallback
        )
        token = _current_locale.set(locale)
        try:
            await self.app(scope, receive, send)
        finally:
            _current_locale.reset(token)


def N_(message: str, /) -> str:
    """Marks a message for extraction where it is declared; ``gettext`` translates it where
    it is shown (a state's label is declared once, at import, and read in many languages)."""
    return message


class Labels:
    """The words for the codes of one kind, declared once with ``N_`` and translated when
    shown: ``sector_label = Labels({"trade_services": N_("Trade and services"), …})``, then
    ``sector_label("trade_services")``. An unknown code is shown as it is."""

    def __init__(self, words: dict[str, str]) -> None:
        self.words = words

    def __call__(self, code: str) -> str:
        word = self.words.get(code)
        return gettext(word) if word is not None else code

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.words)

    def choices(self) -> list[tuple[str, str]]:
        """(code, words) pairs in declaration order, for a select box."""
        return [(code, gettext(word)) for code, word in self.words.items()]
