"""Lengths of time in words, and the words the system stores, in the reader's language."""

from __future__ import annotations

import pytest

from innovation_hub.bookings.workflow import HOLD_EXPIRED, reason_label
from innovation_hub.core.exports import sheet_title
from innovation_hub.core.i18n import format_duration, format_hours, use_locale
from innovation_hub.payments.services import refund_reason_label


@pytest.mark.parametrize(
    ("minutes", "vi", "en"),
    [
        (2880, "2 ngày", "2 days"),
        (1440, "1 ngày", "1 day"),
        (90, "1 giờ 30 phút", "1 hour 30 minutes"),
        (60, "1 giờ", "1 hour"),
        (1, "1 phút", "1 minute"),
        (30, "30 phút", "30 minutes"),
        (1530, "1 ngày 1 giờ 30 phút", "1 day 1 hour 30 minutes"),
        (0, "0 phút", "0 minutes"),
    ],
)
def test_a_duration_reads_in_whole_units(minutes: int, vi: str, en: str) -> None:
    with use_locale("vi"):
        assert format_duration(minutes) == vi
    with use_locale("en"):
        assert format_duration(minutes) == en


def test_hours_never_read_with_a_decimal_point() -> None:
    with use_locale("vi"):
        assert format_hours(18.0) == "18 giờ"
        assert format_hours(1.5) == "1 giờ 30 phút"
        assert format_hours(48) == "2 ngày"
    with use_locale("en"):
        assert format_hours(18.0) == "18 hours"


def test_a_reason_the_system_wrote_is_translated_and_one_staff_typed_is_not() -> None:
    with use_locale("vi"):
        assert reason_label(HOLD_EXPIRED) == "chưa nhận được thanh toán trong thời gian giữ chỗ"
        assert reason_label("Máy chiếu hỏng") == "Máy chiếu hỏng"
        assert refund_reason_label("cancelled") == "Lượt đặt đã bị hủy"
        assert refund_reason_label("paid after the booking was cancelled") == (
            "thanh toán sau khi lượt đặt đã bị hủy"
        )
    with use_locale("en"):
        assert reason_label(HOLD_EXPIRED) == "payment not received in time"
        assert refund_reason_label("cancelled") == "The booking was cancelled"


def test_a_sheet_title_fits_a_spreadsheet() -> None:
    assert sheet_title("Lượt đặt theo thứ trong tuần và giờ bắt đầu") == (
        "Lượt đặt theo thứ trong tuần và"
    )
    assert len(sheet_title("x" * 40)) == 31
    assert sheet_title("Q1/2026: [a]*?\\") == "Q12026 a"
    assert sheet_title("[]") == "-"
