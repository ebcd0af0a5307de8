"""Reading HTML form fields, with one set of bounds for the whole application.

Each reader takes the raw value (a string, a list when a field repeats, or nothing) and
gives the typed value or ``None``. ``Form`` collects a message per bad field and raises one
``FormInvalid`` naming all of them, so a page can show every error beside its field at once.
Parsing lives here and in the web layers; services take typed values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from typing import Any

from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.core.errors import FormInvalid
from innovation_hub.core.i18n import gettext as _

# Dates outside this range are typing mistakes; they would also overflow datetime arithmetic.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)
MAX_INT = 999_999_999
MAX_ID = 2**31 - 1
MAX_VND = 10**13  # ten thousand billion đồng: above any cost the centre handles
DEFAULT_MAX_LENGTH = 300
VND_SEPARATORS = (".", ",", " ", "\u00a0", "₫", "đ")


def one(raw: object) -> object:
    """The first value of a field sent more than once (a form decoder gives a list)."""
    if isinstance(raw, list | tuple):
        return raw[0] if raw else None
    return raw


def text(raw: object) -> str:
    value = one(raw)
    return value.strip() if isinstance(value, str) else ""


def parse_int(raw: object, *, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
    """Digits only: no sign, no spaces inside, no decimal point."""
    value = text(raw)
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(maximum)):
        return None
    number = int(value)
    return number if minimum <= number <= maximum else None


def parse_id(raw: object) -> int | None:
    return parse_int(raw, minimum=1, maximum=MAX_ID)


def parse_vnd(raw: object, *, maximum: int = MAX_VND) -> int | None:
    """Whole đồng, with dots, commas or spaces between thousands ("150.000 ₫")."""
    value = text(raw)
    for separator in VND_SEPARATORS:
        value = value.replace(separator, "")
    return parse_int(value, maximum=maximum)


def parse_day(raw: object) -> date | None:
    """An ISO date (what a date input sends), between 2000 and 2099."""
    value = text(raw)
    if len(value) != 10:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def parse_clock(raw: object) -> time | None:
    """HH:MM, or HH:MM:00 as some browsers send it."""
    value = text(raw)
    if len(value) not in (5, 8):
        return None
    try:
        moment = time.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.second == 0 and moment.microsecond == 0 else None


def parse_moment(raw: object) -> datetime | None:
    """An ISO timestamp with its offset (as links carry it; a "+" may arrive as a space)."""
    value = text(raw).replace(" ", "+")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None or not FIRST_DAY <= moment.date() <= LAST_DAY:
        return None
    return moment.astimezone(LOCAL_TZ)


def parse_choice(raw: object, choices: Iterable[str]) -> str | None:
    value = text(raw)
    return value if value in set(choices) else None


def parse_ids(raw: object) -> list[int] | None:
    """Every value of a repeated id field (checkboxes); None when any of them is not an id."""
    values = raw if isinstance(raw, list | tuple) else ([] if raw in (None, "") else [raw])
    ids = [parse_id(value) for value in values]
    return None if any(i is None for i in ids) else [i for i in ids if i is not None]


class Form:
    """A form body read field by field; ``check()`` raises every error found at once."""

    def __init__(self, data: Mapping[str, Any] | None) -> None:
        self.data: Mapping[str, Any] = data or {}
        self.errors: dict[str, str] = {}

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def check(self, *, code: str | None = None) -> None:
        if self.errors:
            raise FormInvalid(dict(self.errors), code=code)

    def raw(self, name: str) -> object:
        return self.data.get(name)

    def has(self, name: str) -> bool:
        return bool(text(self.data.get(name)))

    def flag(self, name: str) -> bool:
        return text(self.data.get(name)).lower() in ("1", "on", "yes", "true")

    def text(
        self,
        name: str,
        *,
        required: bool = False,
        max_length: int = DEFAULT_MAX_LENGTH,
        message: str | None = None,
    ) -> str:
        value = text(self.data.get(name))
        if required and not value:
            self.error(name, message or _("Fill in this field."))
        elif len(value) > max_length:
            self.error(name, _("Use at most %(n)s characters.", n=max_length))
        return value

    def _typed(self, name: str, value: Any, required: bool, message: str) -> Any:
        if value is None and (required or self.has(name)):
            self.error(name, message)
        return value

    def number(
        self,
        name: str,
        *,
        required: bool = False,
        minimum: int = 0,
        maximum: int = MAX_INT,
        message: str | None = None,
    ) -> int | None:
        value = parse_int(self.data.get(name), minimum=minimum, maximum=maximum)
        default = _("Enter a whole number from %(low)s to %(high)s.", low=minimum, high=maximum)
        return self._typed(name, value, required, message or default)

    def id(self, name: str, *, required: bool = False, message: str | None = None) -> int | None:
        value = parse_id(self.data.get(name))
        return self._typed(name, value, required, message or _("Choose one from the list."))

    def vnd(
        self,
        name: str,
        *,
        required: bool = False,
        maximum: int = MAX_VND,
        message: str | None = None,
    ) -> int | None:
        value = parse_vnd(self.data.get(name), maximum=maximum)
        return self._typed(name, value, required, message or _("Enter the amount in đồng."))

    def day(self, name: str, *, required: bool = False, message: str | None = None) -> date | None:
        value = parse_day(self.data.get(name))
        return self._typed(name, value, required, message or _("Enter a valid date."))

    def clock(
        self, name: str, *, required: bool = False, message: str | None = None
    ) -> time | None:
        value = parse_clock(self.data.get(name))
        return self._typed(name, value, required, message or _("Enter a time as HH:MM."))

    def choice(
        self,
        name: str,
        choices: Iterable[str],
        *,
        required: bool = False,
        message: str | None = None,
    ) -> str | None:
        value = parse_choice(self.data.get(name), choices)
        return self._typed(name, value, required, message or _("Choose one of the options."))

    def ids(self, name: str, *, message: str | None = None) -> list[int]:
        value = parse_ids(self.data.get(name))
        if value is None:
            self.error(name, message or _("Choose one from the list."))
        return value or []
