"""Account forms read into the typed values the services take."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from innovation_hub.accounts.services import NewAccount, ProfileChanges, normalise_email
from innovation_hub.core.forms import one, parse_choice, text
from innovation_hub.core.i18n import LOCALES
from innovation_hub.core.taxcode import normalise_tax_code

PROFILE_FIELDS = ("name", "organisation_name", "school", "phone", "tax_code", "locale")
# The Zalo user id, on the profile page in a block of its own.
ZALO_FIELD = "zalo_user_id"


def password(data: Mapping[str, Any], name: str = "password") -> str:
    """A password as typed: never stripped, spaces count."""
    value = one(data.get(name))
    return value if isinstance(value, str) else ""


def new_account(data: Mapping[str, Any], locale: str) -> NewAccount:
    """The registration or new-user form; an unknown language falls back to the page's."""
    return NewAccount(
        email=normalise_email(text(data.get("email"))),
        password=password(data),
        name=text(data.get("name")),
        role=text(data.get("role")),
        organisation_name=text(data.get("organisation_name")),
        school=text(data.get("school")),
        tax_code=normalise_tax_code(text(data.get("tax_code"))),
        phone=text(data.get("phone")),
        locale=parse_choice(data.get("locale"), LOCALES) or locale,
    )


def profile_changes(data: Mapping[str, Any]) -> ProfileChanges:
    values = {key: text(data.get(key)) for key in PROFILE_FIELDS}
    values["tax_code"] = normalise_tax_code(values["tax_code"])
    zalo_user_id = "".join(text(data.get(ZALO_FIELD)).split())
    return ProfileChanges(**values, zalo_user_id=zalo_user_id)
