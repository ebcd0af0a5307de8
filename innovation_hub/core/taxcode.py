"""Vietnamese tax codes (mã số thuế), of three kinds.

- An enterprise: ten digits. The tenth checks the first nine: weights 31, 29, 23, 19, 17, 13,
  7, 5, 3; check = 10 - (sum mod 11). A code whose check would be 10 is never issued.
- A branch: the enterprise's ten digits, a hyphen and three digits ("0100109106-001"); typed
  without its hyphen it is normalised to the hyphen form.
- A household business or an individual: since 1 July 2025 (Circular 86/2024/TT-BTC) their
  12-digit personal identification number (số định danh cá nhân, the CCCD number). Its digits:
  the 3-digit code of the province where the birth was registered, one digit for century and
  sex (0/1 born 1900-1999, 2/3 born 2000-2099, male/female; 4-9 are the centuries after), the
  last two digits of the birth year, then six random digits. It has no check digit, so a code
  is refused when its province code is not one of the 63 issued or its birth lies in the
  future.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from innovation_hub.core.i18n import gettext as _

_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
_ENTERPRISE = re.compile(r"[0-9]{10}")
_BRANCH = re.compile(r"([0-9]{10})-?([0-9]{3})")
_PERSONAL = re.compile(r"[0-9]{12}")

# Birth-registration province codes of the personal identification number (Circular
# 59/2021/TT-BCA, art. 7): the 63 provinces before the 2025 mergers. Numbers already issued
# keep them.
PERSONAL_ID_PROVINCE_CODES = frozenset(
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 "
    "035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 "
    "070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096".split()
)


class TaxCodeKind(StrEnum):
    ENTERPRISE = "enterprise"
    BRANCH = "branch"
    PERSONAL = "personal"  # a household business or an individual


def check_digit(first_nine: str) -> int | None:
    """The tenth digit for these nine, or None when no valid code starts with them."""
    total = sum(int(d) * w for d, w in zip(first_nine, _WEIGHTS, strict=True))
    check = 10 - total % 11
    return None if check == 10 else check


def _is_enterprise_code(value: str) -> bool:
    return bool(_ENTERPRISE.fullmatch(value)) and check_digit(value[:9]) == int(value[9])


def _is_personal_id(value: str, today: date) -> bool:
    if not _PERSONAL.fullmatch(value) or value[:3] not in PERSONAL_ID_PROVINCE_CODES:
        return False
    century = 1900 + 100 * (int(value[3]) // 2)
    return century + int(value[4:6]) <= today.year


def classify_tax_code(value: str, today: date | None = None) -> TaxCodeKind | None:
    """The kind of a normalised code, or None when it is not a valid tax code."""
    if _is_enterprise_code(value):
        return TaxCodeKind.ENTERPRISE
    if (branch := _BRANCH.fullmatch(value)) and _is_enterprise_code(branch[1]):
        return TaxCodeKind.BRANCH
    if _is_personal_id(value, today or date.today()):
        return TaxCodeKind.PERSONAL
    return None


def is_valid_tax_code(value: str) -> bool:
    return classify_tax_code(value) is not None


def normalise_tax_code(value: str) -> str:
    """Drop spaces people type inside the code; give a branch code typed without its hyphen
    (13 digits) the hyphen."""
    code = "".join(value.split())
    if len(code) == 13 and (branch := _BRANCH.fullmatch(code)):
        return f"{branch[1]}-{branch[2]}"
    return code


def tax_code_error() -> str:
    """What to say next to a tax code field holding none of the three kinds."""
    return _(
        "Enter a valid tax code: 10 digits for an enterprise; 10 digits, a hyphen and 3 digits "
        "for a branch; or, for a household business or an individual, the 12-digit personal "
        "identification number (citizen ID card number)."
    )


def tax_code_kind_label(value: str) -> str:
    """The kind of a stored code, as shown next to it; empty when it is none."""
    labels = {
        TaxCodeKind.ENTERPRISE: _("Enterprise tax code (10 digits)"),
        TaxCodeKind.BRANCH: _("Branch tax code (13 digits)"),
        TaxCodeKind.PERSONAL: _("Household business or individual tax code (12 digits)"),
    }
    kind = classify_tax_code(value)
    return labels[kind] if kind else ""
