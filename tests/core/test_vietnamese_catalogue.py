"""The Vietnamese catalogue speaks Vietnamese: no English words inside its sentences, and
one word for each thing (GLOSSARY.md)."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po

from innovation_hub.core.i18n import LOCALE_DIR

# Common English words of this app's own domain and grammar. Words that are also Vietnamese
# written without marks ("in", "to", "do", "so", "no", "an", "ten", "long") are left out.
ENGLISH = frozenset(
    """
    the and of for with your you please yes not are is
    approve approved decline declined reject startup startups booking bookings booked
    payment payments paid pay refund cancel cancelled check checked feed feeds calendar
    room desk lab team mentor workshop event hall member guest reviewer review status draft
    submit upload download click login logout account user staff admin meeting deadline
    online slot hold release released waitlist reminder visit trademark office application
    report hours minutes free
    """.split()
)
# Names that stay in Latin script by design, taken out before the scan.
ALLOWED = ("Google Calendar", "Apple Calendar")
# Placeholders, addresses and links are not words of the sentence.
NOT_WORDS = re.compile(r"%\(\w+\)[sd]|\{[^}]*\}|https?://\S+|\S+@\S+|<[^>]+>")


def english_words(text: str) -> list[str]:
    for name in ALLOWED:
        text = text.replace(name, "")
    words = re.findall(r"[^\W\d_]+", NOT_WORDS.sub(" ", text))
    return [word for word in words if word.lower() in ENGLISH]


def vietnamese_messages() -> list[tuple[str, str]]:
    with (LOCALE_DIR / "vi" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = read_po(po)
    found = []
    for message in catalogue:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        found += [(msgid, text) for text in strings]
    return found


def test_the_scan_finds_english_and_spares_names_and_placeholders() -> None:
    assert english_words("Hãy chọn duyệt (approve) hoặc từ chối (decline).") == [
        "approve",
        "decline",
    ]
    assert english_words("Startup") == ["Startup"]
    assert english_words("Thêm vào Google Calendar, Zalo hoặc iCal") == []
    assert english_words("Gửi đến %(booking)s tại https://hub.vn/booking, ten@truong.edu.vn") == []


def test_no_vietnamese_message_has_english_words_in_it() -> None:
    messages = vietnamese_messages()
    assert len(messages) > 1000
    found = {msgid: words for msgid, text in messages if (words := english_words(text))}
    assert found == {}, found


def test_one_word_for_a_booking_and_for_a_startup() -> None:
    texts = [text for _msgid, text in vietnamese_messages()]
    assert not [t for t in texts if "lịch đặt" in t.lower()]  # "lượt đặt chỗ" throughout
    assert not [t for t in texts if "nhả chỗ" in t]
    by_id = dict(vietnamese_messages())
    assert by_id["Startup"] == "Khởi nghiệp"
    assert by_id["Bookings"] == "Lượt đặt chỗ"
    assert by_id["Calendar feeds"] == "Đăng ký theo dõi lịch (iCal)"
    assert by_id["Released (no check-in)"] == "Đã hủy giữ chỗ (không đến nhận chỗ)"
