"""Small rules with many cases: tax codes, settings, safe redirects, local formats."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from innovation_hub.core.i18n import format_date, format_datetime, format_vnd, use_locale
from innovation_hub.core.settings import Settings, SettingsError
from innovation_hub.core.taxcode import is_valid_tax_code
from innovation_hub.core.web import safe_next


@pytest.mark.parametrize("code", ["0100109106", "0300588569", "0100109106-001", "3901234577"])
def test_valid_tax_codes(code: str) -> None:
    assert is_valid_tax_code(code)


@pytest.mark.parametrize(
    "code",
    [
        "0100109107",
        "010010910",
        "01001091066",
        "010010910A",
        "0100109106-01",
        "0100109106_001",
        "",
        " 0100109106",
        "０１００１０９１０６",
    ],
)
def test_invalid_tax_codes(code: str) -> None:
    assert not is_valid_tax_code(code)


def test_a_nine_digit_prefix_whose_check_would_be_ten_has_no_valid_code() -> None:
    weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
    prefix = next(
        f"{n:09d}"
        for n in range(10**8, 10**8 + 200)
        if sum(int(d) * w for d, w in zip(f"{n:09d}", weights, strict=True)) % 11 == 0
    )
    assert not any(is_valid_tax_code(prefix + str(d)) for d in range(10))


def test_settings_defaults_use_sqlite_under_var(tmp_path: Path) -> None:
    settings = Settings.from_env({"HUB_VAR_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path}/hub.sqlite3"
    assert settings.is_sqlite and not settings.secure_cookies
    # A generated key is kept, so sessions survive a restart.
    assert Settings.from_env({"HUB_VAR_DIR": str(tmp_path)}).secret_key == settings.secret_key


def test_settings_accept_both_postgres_schemes(tmp_path: Path) -> None:
    for url in ("postgres://u@h/db", "postgresql://u@h/db"):
        assert (
            Settings.from_env({"HUB_VAR_DIR": str(tmp_path), "HUB_DATABASE_URL": url}).database_url
            == url
        )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HUB_DATABASE_URL": "mysql://x"}, "HUB_DATABASE_URL"),
        ({"HUB_SECRET_KEY": "short"}, "HUB_SECRET_KEY"),
        ({"HUB_API_TOKEN_DAYS": "soon"}, "HUB_API_TOKEN_DAYS"),
        ({"HUB_RUN_JOBS": "perhaps"}, "HUB_RUN_JOBS"),
        ({"HUB_MAX_UNPAID_HOLDS": "0"}, "HUB_MAX_UNPAID_HOLDS"),
    ],
)
def test_bad_settings_name_the_variable(tmp_path: Path, env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({"HUB_VAR_DIR": str(tmp_path), **env})


def test_the_unpaid_holds_limit_reaches_the_booking_policy(tmp_path: Path) -> None:
    from innovation_hub.bookings.domain import booking_policy

    default = Settings.from_env({"HUB_VAR_DIR": str(tmp_path)})
    assert booking_policy(default).max_unpaid_holds == 2
    five = Settings.from_env({"HUB_VAR_DIR": str(tmp_path), "HUB_MAX_UNPAID_HOLDS": "5"})
    assert booking_policy(five).max_unpaid_holds == 5


def test_https_base_url_makes_cookies_secure(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"HUB_VAR_DIR": str(tmp_path), "HUB_BASE_URL": "https://hub.tayninh.gov.vn/"}
    )
    assert settings.secure_cookies and settings.base_url == "https://hub.tayninh.gov.vn"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/profile", "/profile"),
        ("/a?b=c", "/a?b=c"),
        ("https://x.vn/", "/"),
        ("//x.vn", "/"),
        ("/\\x.vn", "/"),
        ("javascript:alert(1)", "/"),
        (None, "/"),
    ],
)
def test_safe_next(value: object, expected: str) -> None:
    assert safe_next(value) == expected


def test_local_formats() -> None:
    moment = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 09:00 in Hồ Chí Minh City
    with use_locale("vi"):
        assert format_vnd(150000) == "150.000\xa0₫"
        assert format_date(date(2026, 12, 1)) == "01/12/2026"
        assert format_datetime(moment) == "01/12/2026 09:00"
    with use_locale("en"):
        assert format_date(moment) == "01/12/2026"
        assert "150,000" in format_vnd(150000)
