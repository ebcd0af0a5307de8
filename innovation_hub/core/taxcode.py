"""Vietnamese tax codes (mã số thuế).

Ten digits, or ten digits, a hyphen and three digits for a branch. The tenth digit checks the
first nine: weights 31, 29, 23, 19, 17, 13, 7, 5, 3; check = 10 - (sum mod 11). A code whose
check would be 10 is never issued.
"""

import re

_PATTERN = re.compile(r"[0-9]{10}(-[0-9]{3})?")
_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def check_digit(first_nine: str) -> int | None:
    """The tenth digit for these nine, or None when no valid code starts with them."""
    total = sum(int(d) * w for d, w in zip(first_nine, _WEIGHTS, strict=True))
    check = 10 - total % 11
    return None if check == 10 else check


def is_valid_tax_code(value: str) -> bool:
    if not _PATTERN.fullmatch(value):
        return False
    return check_digit(value[:9]) == int(value[9])


def normalise_tax_code(value: str) -> str:
    """Drop spaces people type inside the code."""
    return "".join(value.split())
