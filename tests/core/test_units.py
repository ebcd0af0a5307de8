"""Small rules with many cases: tax codes, settings, safe redirects, local formats."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from innovation_hub.core.i18n import format_date, format_datetime, format_vnd, use_locale
from innovation_hub.core.settings import PROJECT_ROOT, Settings, SettingsError
from innovation_hub.core.taxcode import (
    TaxCodeKind,
    classify_tax_code,
    is_valid_tax_code,
    normalise_tax_code,
    tax_code_kind_label,
)
from innovation_hub.core.web import safe_next


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("0100109106", TaxCodeKind.ENTERPRISE),
        ("0300588569", TaxCodeKind.ENTERPRISE),
        ("3901234577", TaxCodeKind.ENTERPRISE),
        ("0100109106-001", TaxCodeKind.BRANCH),
        # A household business's personal identification number: Tây Ninh (072), a woman
        # born in 1986; Hà Nội (001), a man born in 1959; Cà Mau (096), a girl born in 2026.
        ("072186003517", TaxCodeKind.PERSONAL),
        ("001059123456", TaxCodeKind.PERSONAL),
        ("096326000001", TaxCodeKind.PERSONAL),
    ],
)
def test_valid_tax_codes_and_their_kind(code: str, kind: TaxCodeKind) -> None:
    assert is_valid_tax_code(code)
    assert classify_tax_code(code, today=date(2026, 12, 6)) == kind


@pytest.mark.parametrize(
    "code",
    [
        "003186003517",  # 003 is no province code (Hà Giang is 002, Cao Bằng 004)
        "097186003517",  # past the last code, 096 Cà Mau
        "000186003517",
        "072927003517",  # born in 2027: not yet
        "072486003517",  # born in the 22nd century
        "07218600351",  # 11 digits
        "0721860035170",  # 13 digits and no valid enterprise code in front
        "07218600351A",
        "072-186-003517",
    ],
)
def test_wrong_personal_identification_numbers_are_refused(code: str) -> None:
    assert classify_tax_code(code, today=date(2026, 12, 6)) is None


def test_a_branch_code_typed_without_its_hyphen_gets_one() -> None:
    assert normalise_tax_code(" 0100109106 001 ") == "0100109106-001"
    assert normalise_tax_code("0100109106001") == "0100109106-001"
    assert normalise_tax_code("072186003517") == "072186003517"  # 12 digits stay as typed
    assert normalise_tax_code("0100109106") == "0100109106"


def test_the_kind_of_a_tax_code_is_named_in_vietnamese() -> None:
    with use_locale("vi"):
        assert tax_code_kind_label("072186003517") == "Mã số thuế hộ kinh doanh/cá nhân (12 số)"
        assert tax_code_kind_label("0100109106") == "Mã số thuế doanh nghiệp (10 số)"
        assert tax_code_kind_label("123") == ""


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


def test_tet_2027_and_the_2026_cultural_day_are_known() -> None:
    # The pinned minimum of `holidays` is the first release that knows these.
    from importlib.metadata import version

    from innovation_hub.spaces.services import holiday_name

    pinned = re.search(r'"holidays>=([0-9.]+)"', (PROJECT_ROOT / "pyproject.toml").read_text())
    assert pinned is not None
    installed = tuple(int(part) for part in version("holidays").split(".")[:2])
    assert installed >= tuple(int(part) for part in pinned[1].split("."))
    with use_locale("vi"):
        assert holiday_name(date(2027, 2, 6)) == "Tết Nguyên Đán"  # Mùng 1 Tết Đinh Mùi
        assert holiday_name(date(2027, 2, 5)) == "Giao thừa Tết Nguyên Đán"
        assert holiday_name(date(2026, 2, 17)) == "Tết Nguyên Đán"  # Mùng 1 Tết Bính Ngọ
        assert holiday_name(date(2026, 11, 24)) == "Ngày Văn hóa Việt Nam"
    with use_locale("en"):
        assert holiday_name(date(2027, 2, 6)) == "Lunar New Year"


def test_the_department_is_named_with_its_province(tmp_path: Path) -> None:
    settings = Settings.from_env({"HUB_VAR_DIR": str(tmp_path)})
    assert settings.department_full_name == "Sở Khoa học và Công nghệ tỉnh Tây Ninh"
    city = Settings.from_env(
        {"HUB_VAR_DIR": str(tmp_path), "HUB_PROVINCE_NAME": "Huế", "HUB_PROVINCE_KIND": "thành phố"}
    )
    assert city.department_full_name == "Sở Khoa học và Công nghệ thành phố Huế"
