"""Settings read once from ``HUB_*`` environment variables."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class SettingsError(ValueError):
    """A ``HUB_*`` variable holds a value the app cannot use."""


def _parsed(
    env: Mapping[str, str], name: str, default: T, parse: Callable[[str], T], wants: str
) -> T:
    """The variable as ``parse`` reads it (a ValueError is a SettingsError saying what it
    ``wants``), or the default when it is unset or blank."""
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return parse(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be {wants}, got {raw!r}") from exc


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    return _parsed(env, name, default, int, "a whole number")


def _at_least(env: Mapping[str, str], name: str, default: int, low: int, wants: str) -> int:
    value = _int(env, name, default)
    if value < low:
        raise SettingsError(f"{name} must be {wants}, got {value}")
    return value


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    return _at_least(env, name, default, 1, "at least 1")


def _not_negative(env: Mapping[str, str], name: str, default: int) -> int:
    return _at_least(env, name, default, 0, "0 or more")


def _hour(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if not 0 <= value <= 23:
        raise SettingsError(f"{name} must be an hour from 0 to 23, got {value}")
    return value


def _truth(raw: str) -> bool:
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError(raw)


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    return _parsed(env, name, default, _truth, "true or false")


def _clock(env: Mapping[str, str], name: str, default: time) -> time:
    return _parsed(env, name, default, time.fromisoformat, "a time like 08:00")


def _secret_key(env: Mapping[str, str], var_dir: Path) -> str:
    """The configured key, or one kept in ``var/`` so a laptop's sessions survive restarts."""
    if key := env.get("HUB_SECRET_KEY"):
        if len(key) < 32:
            raise SettingsError("HUB_SECRET_KEY must be at least 32 characters")
        return key
    key_file = var_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _stripe_js_url(api_base: str) -> str:
    """Stripe.js from Stripe, or the copy a local fake (localstripe) serves under its own base."""
    if api_base == "https://api.stripe.com":
        return "https://js.stripe.com/v3/"
    return f"{api_base}/js.stripe.com/v3/"


def _weekdays(env: Mapping[str, str], name: str, default: str) -> tuple[int, ...]:
    """ISO weekday numbers (1 is Monday … 7 Sunday), kept as Python's (0 … 6)."""
    raw = env.get(name) or default
    days = [part.strip() for part in raw.split(",")]
    if not days or any(day not in {"1", "2", "3", "4", "5", "6", "7"} for day in days):
        raise SettingsError(f"{name} must list weekdays from 1 (Monday) to 7, got {raw!r}")
    return tuple(sorted({int(day) - 1 for day in days}))


def _ratios(env: Mapping[str, str], name: str, default: str) -> tuple[tuple[str, int], ...]:
    """``level:students`` pairs, e.g. ``primary:8,university:20``."""
    raw = env.get(name) or default
    pairs = []
    for part in filter(None, (p.strip() for p in raw.split(","))):
        level, _colon, number = part.partition(":")
        if not level.strip() or not number.strip().isdigit() or int(number) < 1:
            raise SettingsError(f"{name} must read like primary:8,university:20, got {raw!r}")
        pairs.append((level.strip(), int(number)))
    return tuple(pairs)


def _visit_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The research visit rules (``visits.services.VisitRules``)."""
    min_students = _positive(env, "HUB_VISIT_MIN_STUDENTS", 1)
    max_students = _positive(env, "HUB_VISIT_MAX_STUDENTS", 60)
    if max_students < min_students:
        raise SettingsError("HUB_VISIT_MAX_STUDENTS must not be below HUB_VISIT_MIN_STUDENTS")
    day_starts = _clock(env, "HUB_VISIT_DAY_STARTS", time(8, 0))
    day_ends = _clock(env, "HUB_VISIT_DAY_ENDS", time(17, 0))
    if day_ends <= day_starts:
        raise SettingsError("HUB_VISIT_DAY_ENDS must be after HUB_VISIT_DAY_STARTS")
    return {
        "visit_min_notice_days": _not_negative(env, "HUB_VISIT_MIN_NOTICE_DAYS", 14),
        "visit_max_days_ahead": _positive(env, "HUB_VISIT_MAX_DAYS_AHEAD", 365),
        "visit_min_students": min_students,
        "visit_max_students": max_students,
        "visit_students_per_supervisor": _positive(env, "HUB_VISIT_STUDENTS_PER_SUPERVISOR", 10),
        "visit_students_per_supervisor_by_level": _ratios(
            env, "HUB_VISIT_STUDENTS_PER_SUPERVISOR_BY_LEVEL", "primary:8,university:20"
        ),
        "visit_max_supervisors": _positive(env, "HUB_VISIT_MAX_SUPERVISORS", 30),
        "visit_weekdays": _weekdays(env, "HUB_VISIT_WEEKDAYS", "1,2,3,4,5"),
        "visit_day_starts": day_starts,
        "visit_day_ends": day_ends,
        "visit_max_alternates": _not_negative(env, "HUB_VISIT_MAX_ALTERNATES", 3),
        "visit_requests_per_hour": _positive(env, "HUB_VISIT_REQUESTS_PER_HOUR", 20),
    }


def _reminder_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """When reminders go out (bookings, consultations, visits, programme deadlines)."""
    evening_hour = _int(env, "HUB_REMINDER_EVENING_HOUR", 19)
    if not 12 <= evening_hour <= 23:
        raise SettingsError(f"HUB_REMINDER_EVENING_HOUR must be from 12 to 23, got {evening_hour}")
    return {
        "reminder_minutes": _positive(env, "HUB_REMINDER_MINUTES", 60),
        "reminder_evening_hour": evening_hour,
        "visit_reminder_hours": _positive(env, "HUB_VISIT_REMINDER_HOURS", 24),
        "programme_reminder_days": _positive(env, "HUB_PROGRAMME_REMINDER_DAYS", 7),
    }


ZALO_OA_MESSAGE_URL = "https://openapi.zalo.me/v3.0/oa/message/cs"


def _message_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The centre's contact lines in every email's footer, and the Zalo Official Account."""
    return {
        "centre_address": env.get("HUB_CENTRE_ADDRESS") or "",
        "centre_contact": env.get("HUB_CENTRE_CONTACT") or "",
        "zalo_access_token": env.get("HUB_ZALO_ACCESS_TOKEN") or "",
        "zalo_api_url": env.get("HUB_ZALO_API_URL") or ZALO_OA_MESSAGE_URL,
    }


@dataclass(frozen=True)
class Settings:
    var_dir: Path
    database_url: str
    secret_key: str
    base_url: str
    redis_url: str | None
    smtp_url: str | None
    mail_from: str
    centre_name: str
    department_name: str
    province_name: str
    province_kind: str
    default_locale: str
    run_jobs: bool
    session_max_age_seconds: int
    api_token_days: int
    login_free_failures: int
    login_first_delay_seconds: int
    login_max_delay_seconds: int
    login_max_accounts_per_ip: int
    login_window_seconds: int
    reset_emails_per_account_per_hour: int
    reset_emails_per_ip_per_hour: int
    email_token_hours: int
    payment_hold_minutes: int
    max_unpaid_holds: int
    check_in_early_minutes: int
    no_show_grace_minutes: int
    waitlist_offer_minutes: int
    stripe_api_base: str
    stripe_secret_key: str
    stripe_publishable_key: str
    stripe_webhook_secret: str
    stripe_js_url: str
    refund_full_hours: int
    feed_cancelled_days: int
    locales: tuple[str, ...] = field(default=("vi", "en"))
    # Research visits (the defaults are the centre's documented rules).
    visit_min_notice_days: int = 14
    visit_max_days_ahead: int = 365
    visit_min_students: int = 1
    visit_max_students: int = 60
    visit_students_per_supervisor: int = 10
    visit_students_per_supervisor_by_level: tuple[tuple[str, int], ...] = (
        ("primary", 8),
        ("university", 20),
    )
    visit_max_supervisors: int = 30
    visit_weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)  # Python's weekdays: 0 is Monday
    visit_day_starts: time = time(8, 0)
    visit_day_ends: time = time(17, 0)
    visit_max_alternates: int = 3
    visit_requests_per_hour: int = 20
    staff_digest_hour: int = 7  # local hour from which each staff member's daily digest goes
    # Email footer and other channels.
    centre_address: str = ""
    centre_contact: str = ""
    zalo_access_token: str = ""
    zalo_api_url: str = ZALO_OA_MESSAGE_URL
    # Reminders: minutes before a booking or consultation; the evening before a morning one.
    reminder_minutes: int = 60
    reminder_evening_hour: int = 19
    visit_reminder_hours: int = 24
    programme_reminder_days: int = 7

    @property
    def department_full_name(self) -> str:
        """The department as official texts name it: "Sở Khoa học và Công nghệ tỉnh Tây Ninh"."""
        return f"{self.department_name} {self.province_kind} {self.province_name}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        var_dir = Path(env.get("HUB_VAR_DIR") or Path.cwd() / "var").resolve()
        database_url = env.get("HUB_DATABASE_URL") or f"sqlite:///{var_dir / 'hub.sqlite3'}"
        if urlsplit(database_url).scheme not in {"sqlite", "postgres", "postgresql"}:
            raise SettingsError(
                "HUB_DATABASE_URL must start with sqlite://, postgres:// or postgresql://"
            )
        base_url = (env.get("HUB_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
        stripe_api_base = (env.get("HUB_STRIPE_API_BASE") or "https://api.stripe.com").rstrip("/")
        return cls(
            var_dir=var_dir,
            database_url=database_url,
            secret_key=_secret_key(env, var_dir),
            base_url=base_url,
            redis_url=env.get("HUB_REDIS_URL") or None,
            smtp_url=env.get("HUB_SMTP_URL") or None,
            mail_from=env.get("HUB_MAIL_FROM") or "Innovation Hub <no-reply@innovation-hub.local>",
            centre_name=env.get("HUB_CENTRE_NAME") or "Trung tâm Khởi nghiệp và Đổi mới sáng tạo",
            department_name=env.get("HUB_DEPARTMENT_NAME") or "Sở Khoa học và Công nghệ",
            province_name=env.get("HUB_PROVINCE_NAME") or "Tây Ninh",
            province_kind=env.get("HUB_PROVINCE_KIND") or "tỉnh",
            default_locale=env.get("HUB_DEFAULT_LOCALE") or "vi",
            run_jobs=_bool(env, "HUB_RUN_JOBS", True),
            session_max_age_seconds=_int(env, "HUB_SESSION_MAX_AGE_SECONDS", 14 * 24 * 3600),
            api_token_days=_int(env, "HUB_API_TOKEN_DAYS", 30),
            login_free_failures=_int(env, "HUB_LOGIN_FREE_FAILURES", 5),
            login_first_delay_seconds=_int(env, "HUB_LOGIN_FIRST_DELAY_SECONDS", 1),
            login_max_delay_seconds=_int(env, "HUB_LOGIN_MAX_DELAY_SECONDS", 15 * 60),
            login_max_accounts_per_ip=_int(env, "HUB_LOGIN_MAX_ACCOUNTS_PER_IP", 100),
            login_window_seconds=_int(env, "HUB_LOGIN_WINDOW_SECONDS", 3600),
            reset_emails_per_account_per_hour=_int(env, "HUB_RESET_EMAILS_PER_ACCOUNT_PER_HOUR", 3),
            reset_emails_per_ip_per_hour=_int(env, "HUB_RESET_EMAILS_PER_IP_PER_HOUR", 20),
            email_token_hours=_int(env, "HUB_EMAIL_TOKEN_HOURS", 24),
            payment_hold_minutes=_int(env, "HUB_PAYMENT_HOLD_MINUTES", 15),
            max_unpaid_holds=_positive(env, "HUB_MAX_UNPAID_HOLDS", 2),
            check_in_early_minutes=_int(env, "HUB_CHECK_IN_EARLY_MINUTES", 10),
            no_show_grace_minutes=_int(env, "HUB_NO_SHOW_GRACE_MINUTES", 15),
            waitlist_offer_minutes=_int(env, "HUB_WAITLIST_OFFER_MINUTES", 30),
            stripe_api_base=stripe_api_base,
            stripe_secret_key=env.get("HUB_STRIPE_SECRET_KEY") or "",
            stripe_publishable_key=env.get("HUB_STRIPE_PUBLISHABLE_KEY") or "",
            stripe_webhook_secret=env.get("HUB_STRIPE_WEBHOOK_SECRET") or "",
            stripe_js_url=env.get("HUB_STRIPE_JS_URL") or _stripe_js_url(stripe_api_base),
            refund_full_hours=_int(env, "HUB_REFUND_FULL_HOURS", 24),
            feed_cancelled_days=_int(env, "HUB_FEED_CANCELLED_DAYS", 30),
            staff_digest_hour=_hour(env, "HUB_STAFF_DIGEST_HOUR", 7),
            **_visit_settings(env),
            **_reminder_settings(env),
            **_message_settings(env),
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def zalo_enabled(self) -> bool:
        return bool(self.zalo_access_token)

    @property
    def mail_dir(self) -> Path:
        return self.var_dir / "mail"


def served_base_url(host: str, port: int) -> str:
    """Where a server started on ``host:port`` is reached: the default of ``HUB_BASE_URL`` for
    ``innovation-hub serve``, so that emailed links and feed URLs name the port it listens on."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - every interface: this machine is one
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
